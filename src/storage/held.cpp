// feature_ext core: changes of prepared transactions (protocol in held.hpp).
#include "feature_ext/storage/held.hpp"

#include <initializer_list>

namespace fe::core {

void Held::init(HeldHeader *h)
{
    h->lock.v.store(0);
    h->head = 0;
    h->entries.store(0);
}

Ref Held::make(HeldKind kind, uint32_t xid, const SlotId &id, uint64_t generation)
{
    Ref r = st_.alloc(sizeof(HeldEntry));
    if (!r)
        return 0;
    HeldEntry *e = entry(r);
    e->next = 0;
    e->kind = kind;
    e->xid = xid;
    e->id = id;
    e->generation = generation;
    e->head = e->tail = 0;
    e->nops = 0;
    return r;
}

void Held::add_op(Ref er, Ref rec)
{
    HeldEntry *e = entry(er);
    st_.at<CatchupOp>(rec)->next = 0;
    st_.chain_catchup(&e->head, &e->tail, rec, rec);
    e->nops++;
}

void Held::attach(Ref er)
{
    SpinGuard g(h_->lock);
    entry(er)->next = h_->head;
    h_->head = er;
    h_->entries.fetch_add(1, std::memory_order_relaxed);
}

bool Held::has(uint32_t xid, HeldKind kind, const SlotId &id, uint64_t generation) const
{
    SpinGuard g(h_->lock);
    for (Ref r = h_->head; r; r = entry(r)->next) {
        const HeldEntry *e = entry(r);
        if (e->xid == xid && e->kind == kind && e->id == id && e->generation == generation)
            return true;
    }
    return false;
}

int Held::xids(uint32_t *out, int max) const
{
    SpinGuard g(h_->lock);
    int n = 0;
    for (Ref r = h_->head; r && n < max; r = entry(r)->next) {
        uint32_t x = entry(r)->xid;
        bool seen = false;
        for (int i = 0; i < n && !seen; i++)
            seen = out[i] == x;
        if (!seen)
            out[n++] = x;
    }
    return n;
}

Ref Held::take(uint32_t xid)
{
    // Per kind, a chain in list order (newest attached first), then
    // reversed when chained together: attach order within a kind.
    Ref by_kind[4] = {0, 0, 0, 0};
    {
        SpinGuard g(h_->lock);
        Ref *link = &h_->head;
        while (*link) {
            HeldEntry *e = entry(*link);
            if (e->xid != xid) {
                link = &e->next;
                continue;
            }
            Ref r = *link;
            *link = e->next;
            uint32_t k = e->kind < 4 ? e->kind : 0;
            e->next = by_kind[k];
            by_kind[k] = r;
            h_->entries.fetch_sub(1, std::memory_order_relaxed);
        }
    }
    Ref out = 0, *tail = &out;
    for (int k : {int(kHeldOps), int(kHeldCreated), int(kHeldDropped), 0}) {
        Ref rev = 0;
        for (Ref r = by_kind[k]; r;) {
            Ref nx = entry(r)->next;
            entry(r)->next = rev;
            rev = r;
            r = nx;
        }
        *tail = rev;
        while (*tail)
            tail = &entry(*tail)->next;
    }
    return out;
}

IndexSlot *Held::live_slot(const HeldEntry *e) const
{
    IndexSlot *s = st_.find_slot(e->id);
    if (!s)
        return nullptr;
    uint32_t state = s->state.load(std::memory_order_acquire);
    if ((state != kSlotBuilding && state != kSlotReady) ||
        s->generation.load(std::memory_order_acquire) != e->generation)
        return nullptr;
    return s;
}

void Held::unpin_inserts(IndexSlot *s, const HeldEntry *e, uint32_t reader)
{
    ReadGuard g(st_, reader);
    for (Ref r = e->head; r; r = st_.at<CatchupOp>(r)->next) {
        const CatchupOp *op = st_.at<CatchupOp>(r);
        if (!op->insert)
            continue;
        // Pinned since the prepare: still there.
        if (KeyEntry *k = st_.find_key(s, op->hash, op->key, op->key_len))
            st_.unpin_key(k);
    }
}

void Held::drop_slots(uint32_t db, uint32_t index, const SlotId *keep)
{
    for (uint32_t i = 0; i < st_.max_slots(); i++) {
        IndexSlot *s = st_.slot(i);
        if (slot_in_use(s->state.load(std::memory_order_acquire)) && s->id.db == db && s->id.index == index &&
            !(keep && s->id == *keep))
            st_.drop_slot(s);
    }
}

bool Held::commit(HeldEntry *e, const TtlRule &rule, uint32_t reader, bool loader)
{
    if (e->kind == kHeldCreated) {
        drop_slots(e->id.db, e->id.index, &e->id);
        return true;
    }
    if (e->kind == kHeldDropped) {
        drop_slots(e->id.db, e->id.index, nullptr);
        return true;
    }
    ReadGuard g(st_, reader);  // the slot cannot be freed while we are on it
    IndexSlot *s = live_slot(e);
    if (!s) {
        st_.free_catchup(e->head);  // its keys went with the slot
        e->head = e->tail = 0;
        return true;
    }
    if (s->state.load(std::memory_order_acquire) == kSlotBuilding) {
        switch (st_.catchup_reserve(s, e->generation)) {
        case Store::kClosing:
            return false;
        case Store::kReserved:
            if (loader) {
                // Inserts now, ahead of the queue; deletes queued after
                // whatever inserted their rows.
                Ref dhead = 0, dtail = 0;
                for (Ref r = e->head; r;) {
                    CatchupOp *op = st_.at<CatchupOp>(r);
                    Ref nx = op->next;
                    if (op->insert) {
                        KeyEntry *k = st_.find_key(s, op->hash, op->key, op->key_len);  // pinned
                        if (!k || !st_.publish(s, k, op->node, rule, true))
                            st_.free_node(op->node);
                        if (k)
                            st_.unpin_key(k);
                        st_.free(r, CatchupOp::size_for(op->key_len));
                    } else {
                        op->next = 0;
                        if (dtail)
                            st_.at<CatchupOp>(dtail)->next = r;
                        else
                            dhead = r;
                        dtail = r;
                    }
                    r = nx;
                }
                st_.catchup_append(s, e->generation, dhead, dtail);
                e->head = e->tail = 0;
                return true;
            }
            // The loader applies the chain after its table scan (and pins
            // keys itself).
            unpin_inserts(s, e, reader);
            st_.catchup_append(s, e->generation, e->head, e->tail);
            e->head = e->tail = 0;
            return true;
        case Store::kNotLoading:
            break;
        }
        if (!live_slot(e) || s->state.load(std::memory_order_acquire) != kSlotReady) {
            st_.free_catchup(e->head);
            e->head = e->tail = 0;
            return true;
        }
    }
    for (Ref r = e->head; r;) {
        CatchupOp *op = st_.at<CatchupOp>(r);
        Ref nx = op->next;
        KeyEntry *k = st_.find_key(s, op->hash, op->key, op->key_len);
        if (op->insert) {
            if (k) {  // always: pinned since the prepare
                if (!st_.publish(s, k, op->node, rule, true))
                    st_.free_node(op->node);
                st_.unpin_key(k);
            } else {
                st_.free_node(op->node);
            }
        } else if (k) {
            st_.remove(s, k, op->order, op->tid_block, op->tid_off);
        }
        st_.free(r, CatchupOp::size_for(op->key_len));
        r = nx;
    }
    e->head = e->tail = 0;
    return true;
}

void Held::rollback(HeldEntry *e, uint32_t reader)
{
    if (e->kind == kHeldCreated) {
        if (IndexSlot *s = live_slot(e))
            st_.drop_slot(s);
        return;
    }
    if (e->kind != kHeldOps)
        return;
    {
        ReadGuard g(st_, reader);
        if (IndexSlot *s = live_slot(e))
            unpin_inserts(s, e, reader);
    }
    st_.free_catchup(e->head);
    e->head = e->tail = 0;
}

void Held::release(Ref er)
{
    HeldEntry *e = entry(er);
    if (e->head)
        st_.free_catchup(e->head);
    st_.free(er, sizeof(HeldEntry));
}

}  // namespace fe::core

// feature_ext core: the standby's replay log (protocol in standby.hpp).
#include "feature_ext/storage/standby.hpp"

namespace fe::core {

void StandbyLog::init(StandbyHeader *h)
{
    h->lock.v.store(0);
    h->head = h->tail = 0;
    h->entries.store(0);
    h->resolving.store(0);
    h->lost.store(0);
    h->applied.store(0);
}

Ref StandbyLog::make(StandbyKind kind, uint32_t xid, const SlotId &id)
{
    Ref r = st_.alloc(sizeof(StandbyEntry));
    if (!r)
        return 0;
    StandbyEntry *e = entry(r);
    e->next = 0;
    e->kind = kind;
    e->xid = xid;
    e->id = id;
    e->head = e->tail = 0;
    e->nops = 0;
    return r;
}

void StandbyLog::add_op(Ref er, Ref rec)
{
    StandbyEntry *e = entry(er);
    st_.at<CatchupOp>(rec)->next = 0;
    st_.chain_catchup(&e->head, &e->tail, rec, rec);
    e->nops++;
}

void StandbyLog::append(Ref er)
{
    entry(er)->next = 0;
    SpinGuard g(h_->lock);
    if (h_->tail)
        entry(h_->tail)->next = er;
    else
        h_->head = er;
    h_->tail = er;
    h_->entries.fetch_add(1, std::memory_order_release);
}

bool StandbyLog::try_lock(uint32_t id)
{
    uint32_t expected = 0;
    return h_->resolving.compare_exchange_strong(expected, id + 1, std::memory_order_acq_rel);
}

Ref StandbyLog::take_all()
{
    SpinGuard g(h_->lock);
    Ref r = h_->head;
    h_->head = h_->tail = 0;
    h_->entries.store(0, std::memory_order_release);
    return r;
}

void StandbyLog::put_back(Ref head, Ref tail, uint32_t n)
{
    SpinGuard g(h_->lock);
    entry(tail)->next = h_->head;  // older than whatever was appended meanwhile
    h_->head = head;
    if (!h_->tail)
        h_->tail = tail;
    h_->entries.fetch_add(n, std::memory_order_release);
}

void StandbyLog::drop_slots(uint32_t db, uint32_t index, const SlotId *keep)
{
    for (uint32_t i = 0; i < st_.max_slots(); i++) {
        IndexSlot *s = st_.slot(i);
        if (slot_in_use(s->state.load(std::memory_order_acquire)) && s->id.db == db && s->id.index == index &&
            !(keep && s->id == *keep))
            st_.drop_slot(s);
    }
}

bool StandbyLog::apply(StandbyEntry *e, const TtlRule &rule, uint32_t reader)
{
    if (e->kind == kStandbyCreated) {
        drop_slots(e->id.db, e->id.index, &e->id);
        return true;
    }
    if (e->kind == kStandbyDropped) {
        drop_slots(e->id.db, e->id.index, nullptr);
        return true;
    }
    ReadGuard g(st_, reader);  // the slot cannot be freed while we are on it
    IndexSlot *s = st_.find_slot(e->id);
    uint32_t state = s ? s->state.load(std::memory_order_acquire) : uint32_t(kSlotFree);
    if (state == kSlotBuilding) {
        uint64_t gen = s->generation.load(std::memory_order_acquire);
        switch (st_.catchup_reserve(s, gen)) {
        case Store::kClosing:
            return false;
        case Store::kReserved:
            st_.catchup_append(s, gen, e->head, e->tail);
            e->head = e->tail = 0;
            return true;
        case Store::kNotLoading:
            // A build (not a load) or it turned ready meanwhile.
            state = s->state.load(std::memory_order_acquire);
            break;
        }
    }
    if (state != kSlotReady) {
        st_.free_catchup(e->head);
        e->head = e->tail = 0;
        return true;
    }
    for (Ref r = e->head; r;) {
        CatchupOp *op = st_.at<CatchupOp>(r);
        Ref nx = op->next;
        if (op->insert) {
            KeyEntry *k = st_.pin_key(s, op->hash, op->key, op->key_len);
            if (!k) {
                h_->lost.store(1);
                e->head = r;
                st_.free_catchup(r);
                e->head = e->tail = 0;
                return true;
            }
            if (!st_.publish(s, k, op->node, rule, true))
                st_.free_node(op->node);
            st_.unpin_key(k);
        } else if (KeyEntry *k = st_.find_key(s, op->hash, op->key, op->key_len)) {
            st_.remove(s, k, op->order, op->tid_block, op->tid_off);
        }
        st_.free(r, CatchupOp::size_for(op->key_len));
        r = nx;
    }
    e->head = e->tail = 0;
    return true;
}

bool StandbyLog::hold(Held &held, Ref er, uint32_t reader)
{
    StandbyEntry *e = entry(er);
    bool ok = true;
    if (e->kind == kStandbyOps && e->head) {
        ReadGuard g(st_, reader);
        IndexSlot *s = st_.find_slot(e->id);
        uint32_t state = s ? s->state.load(std::memory_order_acquire) : uint32_t(kSlotFree);
        if (state == kSlotReady || state == kSlotBuilding) {
            uint64_t gen = s->generation.load(std::memory_order_acquire);
            Ref he = held.make(kHeldOps, e->xid, e->id, gen);
            // Pin every insert's key (Held::commit expects them pinned).
            Ref r = e->head, pinned_end = 0;
            for (; he && r; r = st_.at<CatchupOp>(r)->next) {
                CatchupOp *op = st_.at<CatchupOp>(r);
                if (op->insert && !st_.pin_key(s, op->hash, op->key, op->key_len))
                    break;
            }
            pinned_end = r;
            if (he && !pinned_end) {
                for (Ref x = e->head; x;) {
                    Ref nx = st_.at<CatchupOp>(x)->next;
                    held.add_op(he, x);
                    x = nx;
                }
                e->head = e->tail = 0;
                held.attach(he);
            } else {
                // Out of memory: unpin what was pinned, give up on this one.
                for (Ref x = e->head; he && x != pinned_end; x = st_.at<CatchupOp>(x)->next) {
                    CatchupOp *op = st_.at<CatchupOp>(x);
                    if (op->insert)
                        if (KeyEntry *k = st_.find_key(s, op->hash, op->key, op->key_len))
                            st_.unpin_key(k);
                }
                if (he)
                    held.release(he);
                ok = false;
            }
        }
    }
    release(er);
    return ok;
}

void StandbyLog::release(Ref er)
{
    StandbyEntry *e = entry(er);
    if (e->head)
        st_.free_catchup(e->head);
    st_.free(er, sizeof(StandbyEntry));
}

void StandbyLog::clear()
{
    for (Ref r = take_all(); r;) {
        Ref nx = entry(r)->next;
        release(r);
        r = nx;
    }
}

}  // namespace fe::core

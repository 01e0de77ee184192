// feature_ext: encoding of keys and stored column values held in the skiplist
// store.  Both use one canonical format, so equal keys have equal bytes:
//
//   [null bitmap: ceil(n/8) bytes][fixed section][var section]
//
// Fixed-length columns sit at fixed offsets in the fixed section (a NULL
// keeps its zeroed bytes), so a reader reaches any of them in O(1).  Each
// variable-length column adds a 2-byte length and its bytes (detoasted, no
// varlena header; bpchar without trailing blanks in keys, where they are
// insignificant, and as PostgreSQL stores it in payloads, where a value read
// back must be the table's) to the var section.
#include "feature_ext/storage/storage_pg.hpp"

extern "C" {
#include "access/detoast.h"
#include "utils/builtins.h"
}

namespace fe {

namespace {

inline int bitmap_bytes(int n) { return (n + 7) / 8; }

// Bytes of a variable-length value, after detoasting.
inline void var_bytes(const ColInfo &c, Datum d, const char **data, uint32 *len, bool key)
{
    if (c.typlen == -1) {
        struct varlena *v = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(d)));
        *data = VARDATA_ANY(v);
        *len = VARSIZE_ANY_EXHDR(v);
        if (c.bpchar && key)
            while (*len > 0 && (*data)[*len - 1] == ' ')
                (*len)--;
    } else {  // cstring
        *data = DatumGetCString(d);
        *len = uint32(strlen(*data)) + 1;
    }
    if (*len > 0xffff)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("value of %u bytes is too long for a skiplist index", *len),
                        errhint("Values held in a skiplist index are limited to 65535 bytes; leave the column "
                                "out with INCLUDE (...).")));
}

inline void store_fixed(const ColInfo &c, Datum d, uint8 *dst)
{
    if (c.typbyval) {
        switch (c.typlen) {
        case 1: { char v = DatumGetChar(d); memcpy(dst, &v, 1); break; }
        case 2: { int16 v = DatumGetInt16(d); memcpy(dst, &v, 2); break; }
        case 4: { int32 v = DatumGetInt32(d); memcpy(dst, &v, 4); break; }
        default: { int64 v = DatumGetInt64(d); memcpy(dst, &v, 8); break; }
        }
    } else {
        memcpy(dst, DatumGetPointer(d), c.typlen);
    }
}

inline Datum load_fixed(const ColInfo &c, const uint8 *src)
{
    if (c.typbyval) {
        switch (c.typlen) {
        case 1: { char v; memcpy(&v, src, 1); return CharGetDatum(v); }
        case 2: { int16 v; memcpy(&v, src, 2); return Int16GetDatum(v); }
        case 4: { int32 v; memcpy(&v, src, 4); return Int32GetDatum(v); }
        default: { int64 v; memcpy(&v, src, 8); return Int64GetDatum(v); }
        }
    }
    void *p = palloc(c.typlen);
    memcpy(p, src, c.typlen);
    return PointerGetDatum(p);
}

// Size of the encoding of columns cols[0..n) with values get(i).
template <typename Get>
uint32 encoded_size(const ColInfo *cols, int n, int fixed, Get get, bool key)
{
    uint32 size = uint32(bitmap_bytes(n) + fixed);
    for (int i = 0; i < n; i++) {
        if (cols[i].typlen > 0)
            continue;
        bool isnull;
        Datum d = get(i, &isnull);
        if (isnull)
            continue;
        const char *data;
        uint32 len;
        var_bytes(cols[i], d, &data, &len, key);
        size += 2 + len;
    }
    return size;
}

template <typename Get>
void encode_cols(const ColInfo *cols, int n, int fixed, Get get, uint8 *dst, bool key)
{
    int nb = bitmap_bytes(n);
    memset(dst, 0, nb + fixed);
    uint8 *fx = dst + nb;
    uint8 *var = fx + fixed;
    for (int i = 0; i < n; i++) {
        bool isnull;
        Datum d = get(i, &isnull);
        if (isnull) {
            dst[i / 8] |= uint8(1 << (i % 8));
            continue;
        }
        if (cols[i].typlen > 0) {
            store_fixed(cols[i], d, fx + cols[i].fixed_off);
        } else {
            const char *data;
            uint32 len;
            var_bytes(cols[i], d, &data, &len, key);
            uint16 l16 = uint16(len);
            memcpy(var, &l16, 2);
            memcpy(var + 2, data, len);
            var += 2 + len;
        }
    }
}

Datum decode_col(const ColInfo *cols, int n, int fixed, const uint8 *src, int i, bool *isnull)
{
    if (src[i / 8] & (1 << (i % 8))) {
        *isnull = true;
        return 0;
    }
    *isnull = false;
    const uint8 *fx = src + bitmap_bytes(n);
    if (cols[i].typlen > 0)
        return load_fixed(cols[i], fx + cols[i].fixed_off);
    const uint8 *var = fx + fixed;
    for (int j = 0; j < i; j++) {
        if (cols[j].typlen > 0 || (src[j / 8] & (1 << (j % 8))))
            continue;
        uint16 l;
        memcpy(&l, var, 2);
        var += 2 + l;
    }
    uint16 len;
    memcpy(&len, var, 2);
    if (cols[i].typlen == -2) {
        char *s = static_cast<char *>(palloc(len));
        memcpy(s, var + 2, len);
        return CStringGetDatum(s);
    }
    auto *v = static_cast<struct varlena *>(palloc(VARHDRSZ + len));
    SET_VARSIZE(v, VARHDRSZ + len);
    memcpy(VARDATA(v), var + 2, len);
    return PointerGetDatum(v);
}

}  // namespace

uint32 encode_key(const IndexMeta *m, const Datum *values, const bool *isnull, uint8 **out)
{
    auto get = [&](int i, bool *n) {
        AttrNumber a = m->keys[i].attno;
        *n = isnull[a - 1];
        return values[a - 1];
    };
    uint32 size = encoded_size(m->keys, m->nkeys, m->key_fixed, get, true);
    *out = static_cast<uint8 *>(palloc(size));
    encode_cols(m->keys, m->nkeys, m->key_fixed, get, *out, true);
    return size;
}

uint32 encode_key_values(const IndexMeta *m, const Datum *keyvals, const bool *keynulls, uint8 **out)
{
    auto get = [&](int i, bool *n) {
        *n = keynulls[i];
        return keyvals[i];
    };
    uint32 size = encoded_size(m->keys, m->nkeys, m->key_fixed, get, true);
    *out = static_cast<uint8 *>(palloc(size));
    encode_cols(m->keys, m->nkeys, m->key_fixed, get, *out, true);
    return size;
}

uint32 payload_size(const IndexMeta *m, const Datum *values, const bool *isnull)
{
    auto get = [&](int i, bool *n) {
        AttrNumber a = m->stored[i].attno;
        *n = isnull[a - 1];
        return values[a - 1];
    };
    return encoded_size(m->stored, m->nstored, m->stored_fixed, get, false);
}

void encode_payload(const IndexMeta *m, const Datum *values, const bool *isnull, uint8 *dst)
{
    auto get = [&](int i, bool *n) {
        AttrNumber a = m->stored[i].attno;
        *n = isnull[a - 1];
        return values[a - 1];
    };
    encode_cols(m->stored, m->nstored, m->stored_fixed, get, dst, false);
}

Datum decode_stored(const IndexMeta *m, const uint8 *payload, int i, bool *isnull)
{
    return decode_col(m->stored, m->nstored, m->stored_fixed, payload, i, isnull);
}

Datum decode_key(const IndexMeta *m, const uint8 *key, int i, bool *isnull)
{
    return decode_col(m->keys, m->nkeys, m->key_fixed, key, i, isnull);
}

}  // namespace fe

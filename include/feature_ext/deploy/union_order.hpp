// feature_ext: the order of a union window's rows (pure; unit-tested in
// test/unit/test_union_order.cpp).
//
// Each source (the main table, then the union tables in the order written)
// yields its rows of a key newest first: order value descending, rows of
// equal order value newest inserted first (the skiplist's order).  The
// window's rows are their merge, newest first: the greater order value
// first; at equal order values the source written earlier first (OpenMLDB's
// tie order: test_window_union.yaml 18-1, 18-2, 19-1, 19-2), each source's
// own order kept.  The request row is newer than every stored row.
#pragma once

#include <cstdint>

namespace fe {

// One stored row of a source: its order value and its index in that source.
struct UnionRowRef {
    int src;
    int idx;
};

// orders[s][i]: order value of source s's row i (newest first), counts[s]
// rows; at: nsrc ints of scratch.  Writes the merged rows to out (room for
// the sum of counts), newest first; returns their number.  No allocation.
inline int union_merge(const int64_t *const *orders, const int *counts, int nsrc, int *at, UnionRowRef *out)
{
    for (int s = 0; s < nsrc; s++)
        at[s] = 0;
    int n = 0;
    for (;;) {
        int best = -1;
        for (int s = 0; s < nsrc; s++) {
            if (at[s] >= counts[s])
                continue;
            // strictly greater: at equal order values the earlier source wins
            if (best < 0 || orders[s][at[s]] > orders[best][at[best]])
                best = s;
        }
        if (best < 0)
            return n;
        out[n++] = UnionRowRef{best, at[best]++};
    }
}

}  // namespace fe

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
#include <vector>

namespace fe {

// One stored row of a source: its order value and its index in that source.
struct UnionRowRef {
    int src;
    int idx;
};

// orders[s][i]: order value of source s's row i (newest first).  Appends
// the merged rows to out, newest first.
inline void union_merge(const std::vector<const int64_t *> &orders, const std::vector<int> &counts,
                        std::vector<UnionRowRef> *out)
{
    size_t ns = orders.size();
    std::vector<int> at(ns, 0);
    for (;;) {
        int best = -1;
        for (size_t s = 0; s < ns; s++) {
            if (at[s] >= counts[s])
                continue;
            // strictly greater: at equal order values the earlier source wins
            if (best < 0 || orders[s][at[s]] > orders[size_t(best)][at[size_t(best)]])
                best = int(s);
        }
        if (best < 0)
            return;
        out->push_back(UnionRowRef{best, at[size_t(best)]++});
    }
}

}  // namespace fe

// Unit tests of the union window's row order (include/feature_ext/deploy/union_order.hpp).
#include <gtest/gtest.h>

#include <vector>

#include "feature_ext/deploy/union_order.hpp"

namespace {

std::vector<fe::UnionRowRef> merge(const std::vector<std::vector<int64_t>> &src)
{
    std::vector<const int64_t *> o;
    std::vector<int> n, at(src.size() + 1);
    size_t total = 0;
    for (auto &s : src) {
        o.push_back(s.data());
        n.push_back(int(s.size()));
        total += s.size();
    }
    std::vector<fe::UnionRowRef> out(total + 1);
    int k = fe::union_merge(o.data(), n.data(), int(src.size()), at.data(), out.data());
    out.resize(size_t(k));
    return out;
}

std::vector<int> srcs(const std::vector<fe::UnionRowRef> &r)
{
    std::vector<int> v;
    for (auto &x : r)
        v.push_back(x.src * 100 + x.idx);
    return v;
}

}  // namespace

// OpenMLDB test_window_union.yaml 19-1: t1 (main) has one row at 100, t2 rows
// at 100, 100, 88 (newest first), t3 at 100, 100: newest first the window is
// main, t2, t2, t3, t3, then the row at 88.
TEST(UnionOrder, TiesMainThenUnionTablesAsWritten)
{
    EXPECT_EQ(srcs(merge({{100}, {100, 100, 88}, {100, 100}})),
              (std::vector<int>{0, 100, 101, 200, 201, 102}));
}

TEST(UnionOrder, ByOrderValue)
{
    EXPECT_EQ(srcs(merge({{5, 3, 1}, {6, 4, 2}})), (std::vector<int>{100, 0, 101, 1, 102, 2}));
    EXPECT_EQ(srcs(merge({{}, {2, 1}})), (std::vector<int>{100, 101}));
    EXPECT_EQ(srcs(merge({})), (std::vector<int>{}));
    // a late row of a union table (older order value) sorts by its order value
    EXPECT_EQ(srcs(merge({{10, 9}, {10, 1}, {9}})), (std::vector<int>{0, 100, 1, 200, 101}));
}

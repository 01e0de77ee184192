// feature_ext aggregate kernels: out-of-line parts.
#include "feature_ext/agg/kernels.hpp"

namespace fe {
namespace agg {

void Median::rebalance()
{
    if (lo_.size() > hi_.size() + 1) {
        auto it = std::prev(lo_.end());
        hi_.insert(*it);
        lo_.erase(it);
    } else if (hi_.size() > lo_.size()) {
        auto it = hi_.begin();
        lo_.insert(*it);
        hi_.erase(it);
    }
}

void Median::add(bool null, double v)
{
    if (null)
        return;
    if (lo_.empty() || !DoubleLess()(*lo_.rbegin(), v))
        lo_.insert(v);
    else
        hi_.insert(v);
    rebalance();
}

void Median::remove(bool null, double v)
{
    if (null)
        return;
    auto it = lo_.find(v);
    if (it != lo_.end()) {
        lo_.erase(it);
    } else {
        it = hi_.find(v);
        if (it == hi_.end())
            return;
        hi_.erase(it);
    }
    rebalance();
}

// Explicit instantiations of the templates the PostgreSQL glue uses, so that
// their code is compiled (and checked) once here.
template class SumWhere<int64_t>;
template class SumWhere<double>;
template class MinMaxWhere<int64_t, true>;
template class MinMaxWhere<double, false>;
template class DistinctCount<int64_t>;
template class DistinctCount<double>;
template class DistinctCount<std::string>;
template class Cate<int64_t, int64_t>;
template class Cate<std::string, double>;
template class NthValueWhere<std::string>;

}  // namespace agg
}  // namespace fe

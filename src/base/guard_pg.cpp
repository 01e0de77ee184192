// feature_ext: raising errors captured at the C++ / PostgreSQL boundary.
#include "feature_ext/base/guard_pg.hpp"

namespace fe {

void raise_pending_error(PendingError &pe)
{
    switch (pe.kind) {
    case PendingError::kPg:
        ReThrowError(pe.edata);
        break;
    case PendingError::kFe:
        ereport(ERROR, (errcode(pe.sqlerrcode), errmsg_internal("%s", pe.message),
                        pe.detail[0] ? errdetail_internal("%s", pe.detail) : 0,
                        pe.hint[0] ? errhint("%s", pe.hint) : 0));
        break;
    case PendingError::kOom:
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory in feature_ext")));
        break;
    default:
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                        errmsg("feature_ext internal error: %s", pe.message)));
        break;
    }
    pg_unreachable();
}

}  // namespace fe

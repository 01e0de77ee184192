#include "feature_ext/module.hpp"
namespace fe { void storage_init() {} }

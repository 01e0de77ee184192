# feature_ext: PGXS build (C++17).
#
#   make                 build feature_ext.so and the install script
#   make install         install into the PostgreSQL found by $(PG_CONFIG)
#   make unit            build and run the C++ unit tests (no server needed)
#   bash test/run_all.sh the whole suite (what CI and the README run)

EXTENSION   = feature_ext
EXTVERSION  = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" feature_ext.control)
MODULE_big  = feature_ext

# C++ sources: one folder per concern under src/ (base, storage, dialect,
# agg, deploy, jit), headers mirrored under include/feature_ext/.  Files
# named *_pg.cpp / *_pg.hpp are PostgreSQL glue; every other source is a pure
# core that includes no PostgreSQL header and is unit-tested without a server
# (`make check-layout` enforces it; `make unit` compiles them without the
# server include path).
CONCERNS    = base storage dialect agg deploy jit
CPP_SRCS    = $(sort $(foreach d,$(CONCERNS),$(wildcard src/$(d)/*.cpp)))
OBJS        = $(CPP_SRCS:.cpp=.o)

# The install script is assembled from src/sql/*.sql in name order, so that
# independent features own independent files.
SQL_PIECES  = $(sort $(wildcard src/sql/*.sql))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
# ALTER EXTENSION feature_ext UPDATE: one script per release step
# (test/scripts/upgrade.sh updates a frozen 0.1.0 install holding data).
DATA        = $(sort $(wildcard src/sql/upgrade/$(EXTENSION)--*--*.sql))

PG_CONFIG  ?= pg_config
PG_CPPFLAGS = -I$(CURDIR)/include -DFE_VERSION='"$(EXTVERSION)"'
PG_CXXFLAGS = -std=c++17 -fPIC -Wno-register -Wno-missing-field-initializers -Wno-cast-function-type
SHLIB_LINK  = -lstdc++
# libpq: the Citus request forwarder (src/deploy/citus_forward_pg.cpp)
PG_CPPFLAGS += -I$(shell $(PG_CONFIG) --includedir)
SHLIB_LINK_INTERNAL = $(libpq)

EXTRA_CLEAN = $(DATA_built) test/unit/unit_tests test/unit/obj bench/jit_compile $(wildcard src/*.o src/*/*.o test/unit/*.o)

# PostgreSQL's own JIT inlining bitcode is not built for our C++ code; the
# deploy JIT generates its own IR (see docs/DEPLOY.md, JIT).
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The deploy JIT links the libLLVM PostgreSQL itself is built with, so
# feature_ext and llvmjit.so share one: Makefile.global names it by
# LLVM_CONFIG (PostgreSQL 15) or only by LLVM_BINPATH (16+; LLVM 14 for
# Debian 12's PostgreSQL 15, 19 for Debian 13's 17, 21 for unstable's 18).
LLVM_CONFIG ?= $(if $(LLVM_BINPATH),$(LLVM_BINPATH)/llvm-config,llvm-config)
# (-isystem: warnings inside LLVM's own headers are not ours to fix)
JIT_CPPFLAGS = $(patsubst -I%,-isystem %,$(filter-out -std=%,$(shell $(LLVM_CONFIG) --cppflags)))
JIT_LIBS     = $(shell $(LLVM_CONFIG) --ldflags) -lLLVM-$(shell $(LLVM_CONFIG) --version | cut -d. -f1)
SHLIB_LINK  += $(JIT_LIBS)
src/jit/%.o: CPPFLAGS += $(JIT_CPPFLAGS)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PIECES)
	cat $^ > $@

# Objects depend on all project headers (small project; keeps rebuilds honest).
$(OBJS): $(wildcard include/feature_ext/*/*.hpp)

# ---------------------------------------------------------------- unit tests
UNIT_SRCS   = $(sort $(wildcard test/unit/*.cpp))
CORE_SRCS   = $(filter-out %_pg.cpp,$(CPP_SRCS))
UNIT_CXX    = $(CXX) -std=c++17 -O2 -g -Wall -Wno-missing-field-initializers -I$(CURDIR)/include -pthread

# One object per source (test/unit/obj/, built without PostgreSQL's flags) so
# `make -j2 unit` compiles on both cores.
UNIT_OBJS   = $(patsubst %.cpp,test/unit/obj/%.o,$(UNIT_SRCS) $(CORE_SRCS))
test/unit/obj/%.o: %.cpp $(wildcard include/feature_ext/*/*.hpp)
	@mkdir -p $(dir $@)
	$(UNIT_CXX) $(JIT_CPPFLAGS) -c -o $@ $<

test/unit/unit_tests: $(UNIT_OBJS)
	$(UNIT_CXX) -o $@ $(UNIT_OBJS) -lgtest -lgtest_main -lpthread $(JIT_LIBS)

.PHONY: unit check-layout bench-jit-compile
unit: check-layout test/unit/unit_tests
	./test/unit/unit_tests

# The JIT's compile time and cancel delay without a server (bench/jit_compile.cpp).
JIT_CORE_SRCS = $(filter src/jit/% src/agg/%,$(CORE_SRCS))
bench/jit_compile: bench/jit_compile.cpp $(JIT_CORE_SRCS) $(wildcard include/feature_ext/*/*.hpp)
	$(UNIT_CXX) $(JIT_CPPFLAGS) -o $@ bench/jit_compile.cpp $(JIT_CORE_SRCS) $(JIT_LIBS)
bench-jit-compile: bench/jit_compile

# A pure core (not *_pg) includes neither a PostgreSQL header nor a glue header.
PG_HEADER_RE = ^\#include *[<"](postgres|fmgr|funcapi|miscadmin|pgstat|access/|catalog/|commands/|executor/|lib/|nodes/|parser/|storage/|tcop/|utils/|optimizer/|postmaster/|port|datatype/|feature_ext/.*_pg\.hpp)
check-layout:
	@bad=$$(grep -lE '$(PG_HEADER_RE)' $(CORE_SRCS) $(filter-out %_pg.hpp,$(wildcard include/feature_ext/*/*.hpp)) || true); \
	if [ -n "$$bad" ]; then echo "pure core files include PostgreSQL or glue headers: $$bad"; exit 1; fi; \
	stray=$$(ls src/*.cpp include/feature_ext/*.hpp 2>/dev/null || true); \
	if [ -n "$$stray" ]; then echo "sources outside a concern folder: $$stray"; exit 1; fi

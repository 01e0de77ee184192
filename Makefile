# feature_ext: PGXS build (C++17).
#
#   make                 build feature_ext.so and the install script
#   make install         install into the PostgreSQL found by $(PG_CONFIG)
#   make unit            build and run the C++ unit tests (no server needed)
#   bash test/run_all.sh the whole suite (what CI and the README run)

EXTENSION   = feature_ext
EXTVERSION  = 0.1.0
MODULE_big  = feature_ext

# C++ sources: everything under src/ (pure cores in src/core and src/agg,
# the LLVM code generator in src/jit, PostgreSQL glue in src/*.cpp).
CPP_SRCS    = $(sort $(wildcard src/*.cpp src/core/*.cpp src/agg/*.cpp src/jit/*.cpp))
OBJS        = $(CPP_SRCS:.cpp=.o)

# The install script is assembled from src/sql/*.sql in name order, so that
# independent features own independent files.
SQL_PIECES  = $(sort $(wildcard src/sql/*.sql))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql

PG_CONFIG  ?= pg_config
PG_CPPFLAGS = -I$(CURDIR)/include
PG_CXXFLAGS = -std=c++17 -fPIC -Wno-register -Wno-missing-field-initializers
SHLIB_LINK  = -lstdc++

EXTRA_CLEAN = $(DATA_built) test/unit/unit_tests $(wildcard src/*.o src/*/*.o test/unit/*.o)

# PostgreSQL's own JIT inlining bitcode is not built for our C++ code; the
# deploy JIT generates its own IR (see docs/DEPLOY.md, JIT).
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The deploy JIT links the libLLVM PostgreSQL itself is built with (its
# Makefile.global's LLVM_CONFIG), so feature_ext and llvmjit.so share one.
LLVM_CONFIG ?= llvm-config-14
JIT_CPPFLAGS = $(filter-out -std=%,$(shell $(LLVM_CONFIG) --cppflags))
JIT_LIBS     = $(shell $(LLVM_CONFIG) --ldflags) -lLLVM-$(shell $(LLVM_CONFIG) --version | cut -d. -f1)
SHLIB_LINK  += $(JIT_LIBS)
src/jit/%.o: CPPFLAGS += $(JIT_CPPFLAGS)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PIECES)
	cat $^ > $@

# Objects depend on all project headers (small project; keeps rebuilds honest).
$(OBJS): $(wildcard include/feature_ext/*.hpp include/feature_ext/*/*.hpp)

# ---------------------------------------------------------------- unit tests
UNIT_SRCS   = $(sort $(wildcard test/unit/*.cpp))
CORE_SRCS   = $(sort $(wildcard src/core/*.cpp src/agg/*.cpp src/jit/*.cpp))
UNIT_CXX    = $(CXX) -std=c++17 -O2 -g -Wall -Wno-missing-field-initializers -I$(CURDIR)/include -pthread

test/unit/unit_tests: $(UNIT_SRCS) $(CORE_SRCS) $(wildcard include/feature_ext/*/*.hpp)
	@mkdir -p test/unit
	$(UNIT_CXX) $(JIT_CPPFLAGS) -o $@ $(UNIT_SRCS) $(CORE_SRCS) -lgtest -lgtest_main -lpthread $(JIT_LIBS)

.PHONY: unit
unit: test/unit/unit_tests
	./test/unit/unit_tests

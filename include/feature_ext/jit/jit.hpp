// feature_ext JIT: compile a ModuleSpec to relocatable objects with LLVM,
// load them into this process, find the group kernels.
//
// Pure C++ (no PostgreSQL headers; LLVM types stay inside src/jit).  Every
// function is noexcept and returns plain data: callers in PostgreSQL glue keep
// no C++ object alive (CONTRIBUTING.md).  Buffers returned here are malloc'd
// and freed with jit::free_buffer().
//
// LLVM sections run with LLVM's fatal-error and bad-alloc handlers and the
// C++ new-handler pointing at the handler set by set_fatal_handler(), as
// PostgreSQL's own JIT does (out of memory inside LLVM ends the process via
// that handler; LLVM cannot recover from it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "feature_ext/jit/spec.hpp"

namespace fe::jit {

using FatalFn = void (*)(const char *reason);
void set_fatal_handler(FatalFn fn) noexcept;

// "triple/cpu/features/llvm-version" of this process: objects compiled for
// another target are not loaded.  malloc'd.
char *target_id() noexcept;

// Polled during a compile (before every generated function, before every
// optimisation pass on every function, and before each module's emission:
// a deployment compiles as modules of about 32 aggregates, each optimised
// and emitted on its own); true stops the compile, which then returns
// cancelled.  The glue passes a function that reads PostgreSQL's
// pending-interrupt flags (statement_timeout, cancel, terminate), so a long
// compile honours them within one pass or one module's emission (tens of
// milliseconds).
using InterruptFn = bool (*)();
void set_interrupt_check(InterruptFn fn) noexcept;

struct CompileResult {
    bool ok;
    char *object;        // malloc'd: the modules' ELF objects, for load() (ok)
    size_t object_len;
    char *error;         // malloc'd message (!ok)
    double ms;           // wall time of code generation + optimisation + emission
    bool cancelled;      // stopped by the interrupt check (!ok, no error)
};
CompileResult compile(const ModuleSpec &spec) noexcept;

struct Loaded;  // opaque: one loaded object
// Load compile()'s objects (or a single ELF object, as compiled before
// deployments were split into modules) into one JITDylib, with `ngroups`
// group kernels; nullptr + *error (malloc'd) on failure.
Loaded *load(const char *object, size_t len, int ngroups, char **error) noexcept;
// Kernel of group g, or nullptr when the group has no compiled aggregates.
GroupFn group_fn(const Loaded *l, int g) noexcept;
// The output projection, or nullptr when no output column compiled.
ProjFn projection_fn(const Loaded *l) noexcept;
// Frees the code and data of a loaded object.
void release(Loaded *l) noexcept;

void free_buffer(void *p) noexcept;

// Initialise LLVM, the loader and the target id ahead of time (in the
// postmaster, so every backend inherits them and its first load is cheap).
// Creates no thread.  Returns false when LLVM is unusable here.
bool warm_up() noexcept;

// Symbol name of group g's kernel.
void kernel_name(int g, char *buf, size_t len) noexcept;

}  // namespace fe::jit

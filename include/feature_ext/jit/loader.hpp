// feature_ext JIT: a small linker for the objects compile() emits, used by a
// backend to load a deployment's stored object code without LLVM.
//
// jit::load() (codegen.cpp) links through LLVM's ORC, which in a new backend
// touches a few hundred pages of LLVM's code and of state inherited from the
// postmaster: 2-8 ms per first load on this project's benchmark machine,
// most of a new connection's first call (docs/BENCH.md, "first call").
// link_image() does what those objects need and nothing else: it maps their
// allocated sections into one private mapping (code, read-only data and
// writable data in pages of their own), resolves their symbols (each other's,
// and the few outside functions generated code may call, the same list as
// load()'s), applies their relocations and makes the code executable and
// the constants read-only (never writable and executable at once).
//
// Only x86-64 ELF relocatable objects with the relocation types LLVM emits
// for the small PIC code model are linked (R_X86_64_64 / PC32 / PLT32 /
// PC64 / GOTPCREL / GOTPCRELX / REX_GOTPCRELX); for anything else (another
// architecture, another relocation, an unknown outside symbol, a damaged
// object) it returns nullptr with the reason, and the caller uses load().
// Every offset, index and size read from the object is bounds-checked, and
// every value written must fit its field.  Unwind tables (.eh_frame) are not
// loaded: the generated code neither throws nor is unwound through.
//
// Pure C++ (no PostgreSQL, no LLVM headers), noexcept like the JIT's API;
// buffers returned are malloc'd (free with jit::free_buffer()).
#pragma once

#include <cstddef>

#include "feature_ext/jit/spec.hpp"

namespace fe::jit {

struct Image;  // opaque: one linked deployment

// Link compile()'s objects (its container of ELF objects, or one ELF
// object) with `ngroups` group kernels; nullptr + *error (malloc'd) when
// they cannot be linked here.
Image *link_image(const char *object, size_t len, int ngroups, char **error) noexcept;
// Kernel of group g, or nullptr when the group has no compiled aggregates.
GroupFn image_group_fn(const Image *im, int g) noexcept;
// The output projection, or nullptr when no output column compiled.
ProjFn image_projection_fn(const Image *im) noexcept;
// Bytes mapped for the image (code, constants, stubs; page-rounded).
size_t image_bytes(const Image *im) noexcept;
// Unmaps the image.
void image_release(Image *im) noexcept;

// The outside functions generated code may call, and nothing else: both
// link_image() and load() (codegen.cpp) bind exactly these (memcmp / bcmp
// for text equality, the mem* functions LLVM itself may emit, the exact-sum
// value and the native aggregate kernels).
struct OutsideSymbol {
    const char *name;
    void *addr;
};
const OutsideSymbol *outside_symbols(size_t *n) noexcept;

}  // namespace fe::jit

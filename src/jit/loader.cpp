// feature_ext JIT: links compile()'s objects into this process without LLVM
// (include/feature_ext/jit/loader.hpp).
#include "feature_ext/jit/loader.hpp"

#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "feature_ext/jit/jit.hpp"
#include "feature_ext/jit/native.hpp"

// Defined in codegen.cpp: the exact float sum's rounding, called by kernels.
extern "C" double fe_jit_exact_sum_value(const int64_t *chunks, const int64_t *special) noexcept;

namespace fe::jit {

struct Image {
    uint8_t *base = nullptr;
    size_t size = 0;
    std::vector<GroupFn> fns;
    ProjFn proj = nullptr;
};

namespace {

// The container compile() writes (codegen.cpp): magic, object count, each
// object's length and bytes.
constexpr char kMagic[8] = {'F', 'E', 'J', 'I', 'T', 'O', 'B', 'J'};
constexpr size_t kMaxImage = size_t(1) << 30;  // a deployment's code is far smaller
#ifndef SHT_X86_64_UNWIND
constexpr uint32_t SHT_X86_64_UNWIND = 0x70000001;
#endif

struct Fail {
    std::string why;
};

[[noreturn]] void fail(const std::string &why) { throw Fail{why}; }

char *dup(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p)
        std::memcpy(p, s.c_str(), s.size() + 1);
    return p;
}

void *outside_symbol(const std::string &name)
{
    size_t n;
    const OutsideSymbol *syms = outside_symbols(&n);
    for (size_t i = 0; i < n; i++)
        if (name == syms[i].name)
            return syms[i].addr;
    return nullptr;  // link_image() refuses the object; the caller uses load()
}

bool in_bounds(uint64_t off, uint64_t n, uint64_t len) { return off <= len && n <= len - off; }

template <typename T>
T read_at(const uint8_t *p, size_t len, uint64_t off)
{
    if (!in_bounds(off, sizeof(T), len))
        fail("the object is truncated");
    T v;
    std::memcpy(&v, p + off, sizeof(T));
    return v;
}

enum Region { kNone = -1, kCode = 0, kConst = 1, kData = 2 };

struct Obj {
    const uint8_t *p;
    size_t len;
    std::vector<Elf64_Shdr> sh;
    std::vector<std::string> names;
    std::vector<int> region;      // per section: Region (kNone: not loaded)
    std::vector<uint64_t> off;    // per section: offset of its region's start
    int symtab = -1;
    size_t nsyms = 0;

    Elf64_Sym sym(size_t i) const
    {
        if (i >= nsyms)
            fail("a symbol index is out of range");
        return read_at<Elf64_Sym>(p, len, sh[size_t(symtab)].sh_offset + i * sizeof(Elf64_Sym));
    }
    std::string str(uint32_t strsec, uint32_t at) const
    {
        const Elf64_Shdr &s = sh[strsec];
        if (s.sh_type != SHT_STRTAB || !in_bounds(s.sh_offset, s.sh_size, len) || at >= s.sh_size)
            fail("a name is out of range");
        const char *b = reinterpret_cast<const char *>(p + s.sh_offset + at);
        const void *end = std::memchr(b, 0, size_t(s.sh_size - at));
        if (!end)
            fail("a name is not terminated");
        return std::string(b, static_cast<const char *>(end));
    }
    std::string sym_name(const Elf64_Sym &s) const { return str(sh[size_t(symtab)].sh_link, s.st_name); }
};

void parse(Obj *o)
{
    Elf64_Ehdr eh = read_at<Elf64_Ehdr>(o->p, o->len, 0);
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        fail("not an ELF object");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_REL ||
        eh.e_machine != EM_X86_64)
        fail("not an x86-64 relocatable object");
    if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 || eh.e_shstrndx >= eh.e_shnum)
        fail("unexpected section headers");
    if (!in_bounds(eh.e_shoff, uint64_t(eh.e_shnum) * sizeof(Elf64_Shdr), o->len))
        fail("the object is truncated");
    o->sh.resize(eh.e_shnum);
    for (size_t i = 0; i < o->sh.size(); i++)
        o->sh[i] = read_at<Elf64_Shdr>(o->p, o->len, eh.e_shoff + i * sizeof(Elf64_Shdr));
    o->names.resize(o->sh.size());
    for (size_t i = 0; i < o->sh.size(); i++) {
        const Elf64_Shdr &s = o->sh[i];
        if (s.sh_type != SHT_NOBITS && s.sh_type != SHT_NULL && !in_bounds(s.sh_offset, s.sh_size, o->len))
            fail("a section is truncated");
        if (i > 0)
            o->names[i] = o->str(eh.e_shstrndx, s.sh_name);
        if (s.sh_type == SHT_SYMTAB) {
            if (o->symtab >= 0 || s.sh_entsize != sizeof(Elf64_Sym) || s.sh_link >= o->sh.size())
                fail("unexpected symbol table");
            o->symtab = int(i);
            o->nsyms = size_t(s.sh_size / sizeof(Elf64_Sym));
        }
        if (s.sh_type == SHT_REL)
            fail("REL relocations");
    }
    if (o->symtab < 0)
        fail("no symbol table");
}

// A symbol's definition: object + section + value, or an absolute address.
struct Def {
    int obj = -1;
    size_t sec = 0;
    uint64_t value = 0;
    uintptr_t abs = 0;  // obj < 0: outside function or SHN_ABS value
};

struct Linker {
    std::vector<Obj> objs;
    std::map<std::string, Def> globals;
    std::map<std::string, uint64_t> stubs;  // outside function -> offset of its stub (code region)
    std::map<std::string, uint64_t> got;    // symbol key -> offset of its slot (constants region)
    uint64_t size[3] = {0, 0, 0};
    uint64_t start[3] = {0, 0, 0};
    uint8_t *base = nullptr;
    size_t mapped = 0;

    uintptr_t addr(int region, uint64_t off) const { return reinterpret_cast<uintptr_t>(base) + start[region] + off; }

    static uint64_t place(uint64_t *end, uint64_t align, uint64_t n)
    {
        uint64_t a = align ? align : 1;
        uint64_t at = (*end + a - 1) & ~(a - 1);
        if (n > kMaxImage || at > kMaxImage - n)
            fail("the object is too large");
        *end = at + n;
        return at;
    }

    // The symbol a relocation names, as a definition (its address is known
    // once the image is laid out) and the key of its GOT slot.
    Def resolve(int oi, size_t symi, std::string *key, bool *outside)
    {
        const Obj &o = objs[size_t(oi)];
        Elf64_Sym s = o.sym(symi);
        *outside = false;
        if (s.st_shndx == SHN_UNDEF) {
            std::string name = o.sym_name(s);
            *key = name;
            auto it = globals.find(name);
            if (it != globals.end())
                return it->second;
            void *f = outside_symbol(name);
            if (!f)
                fail("unknown symbol " + name);
            Def d;
            d.abs = reinterpret_cast<uintptr_t>(f);
            *outside = true;
            return d;
        }
        if (s.st_shndx == SHN_ABS) {
            Def d;
            d.abs = uintptr_t(s.st_value);
            *key = "abs:" + std::to_string(s.st_value);
            return d;
        }
        if (s.st_shndx >= SHN_LORESERVE || s.st_shndx >= o.sh.size() || o.region[s.st_shndx] == kNone)
            fail("a symbol is in a section that is not loaded");
        Def d;
        d.obj = oi;
        d.sec = s.st_shndx;
        d.value = s.st_value;
        *key = std::to_string(oi) + ":" + std::to_string(s.st_shndx) + ":" + std::to_string(s.st_value);
        return d;
    }

    uintptr_t address(const Def &d) const
    {
        if (d.obj < 0)
            return d.abs;
        const Obj &o = objs[size_t(d.obj)];
        return addr(o.region[d.sec], o.off[d.sec] + d.value);
    }

    void layout()
    {
        for (size_t oi = 0; oi < objs.size(); oi++) {
            Obj &o = objs[oi];
            o.region.assign(o.sh.size(), kNone);
            o.off.assign(o.sh.size(), 0);
            for (size_t i = 1; i < o.sh.size(); i++) {
                const Elf64_Shdr &s = o.sh[i];
                if (!(s.sh_flags & SHF_ALLOC) || s.sh_type == SHT_X86_64_UNWIND || o.names[i] == ".eh_frame")
                    continue;
                if (s.sh_flags & SHF_TLS)
                    fail("thread-local data");
                if (s.sh_type != SHT_PROGBITS && s.sh_type != SHT_NOBITS)
                    fail("section " + o.names[i] + " of an unexpected type");
                if (s.sh_addralign > 4096 || (s.sh_addralign & (s.sh_addralign - 1)) != 0)
                    fail("section alignment");
                int r = (s.sh_flags & SHF_EXECINSTR) ? kCode : (s.sh_flags & SHF_WRITE) ? kData : kConst;
                if (r == kCode && (s.sh_flags & SHF_WRITE))
                    fail("writable code");
                o.region[i] = r;
                o.off[i] = place(&size[r], s.sh_addralign, s.sh_size);
            }
        }
        // Global definitions (kernels, chunks called from other objects).
        for (size_t oi = 0; oi < objs.size(); oi++) {
            const Obj &o = objs[oi];
            for (size_t k = 1; k < o.nsyms; k++) {
                Elf64_Sym s = o.sym(k);
                int bind = ELF64_ST_BIND(s.st_info);
                if ((bind != STB_GLOBAL && bind != STB_WEAK) || s.st_shndx == SHN_UNDEF)
                    continue;
                if (s.st_shndx == SHN_COMMON || s.st_shndx >= o.sh.size() ||
                    (s.st_shndx < SHN_LORESERVE && o.region[s.st_shndx] == kNone))
                    fail("symbol " + o.sym_name(s) + " is not in a loaded section");
                Def d;
                if (s.st_shndx == SHN_ABS)
                    d.abs = uintptr_t(s.st_value);
                else {
                    d.obj = int(oi);
                    d.sec = s.st_shndx;
                    d.value = s.st_value;
                }
                if (!globals.emplace(o.sym_name(s), d).second)
                    fail("symbol " + o.sym_name(s) + " is defined twice");
            }
        }
        // Stubs for calls to outside functions, GOT slots.
        std::vector<std::string> stub_names, got_keys;
        each_rela([&](int oi, size_t, const Elf64_Rela &r) {
            uint32_t type = ELF64_R_TYPE(r.r_info);
            if (type == R_X86_64_NONE)
                return;
            std::string key;
            bool outside;
            (void) resolve(oi, ELF64_R_SYM(r.r_info), &key, &outside);
            if (type == R_X86_64_PLT32 && outside && !stubs.count(key)) {
                stubs[key] = 0;
                stub_names.push_back(key);
            }
            if ((type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX) &&
                !got.count(key)) {
                got[key] = 0;
                got_keys.push_back(key);
            }
        });
        for (auto &n : stub_names)
            stubs[n] = place(&size[kCode], 16, 16);
        for (auto &k : got_keys)
            got[k] = place(&size[kConst], 8, 8);
        uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
        uint64_t end = 0;
        for (int r = 0; r < 3; r++) {
            start[r] = end;
            end += (size[r] + page - 1) / page * page;
        }
        if (end == 0 || end > kMaxImage)
            fail("the object is too large");
        mapped = size_t(end);
    }

    template <typename F>
    void each_rela(F f)
    {
        for (size_t oi = 0; oi < objs.size(); oi++) {
            const Obj &o = objs[oi];
            for (size_t i = 1; i < o.sh.size(); i++) {
                const Elf64_Shdr &s = o.sh[i];
                if (s.sh_type != SHT_RELA)
                    continue;
                if (s.sh_info >= o.sh.size() || s.sh_link != uint32_t(o.symtab))
                    fail("unexpected relocation section");
                if (o.region[s.sh_info] == kNone)
                    continue;  // relocations of a section not loaded (.eh_frame)
                if (s.sh_entsize != sizeof(Elf64_Rela))
                    fail("unexpected relocation size");
                for (uint64_t k = 0; k < s.sh_size / sizeof(Elf64_Rela); k++)
                    f(int(oi), size_t(s.sh_info), read_at<Elf64_Rela>(o.p, o.len, s.sh_offset + k * sizeof(Elf64_Rela)));
            }
        }
    }

    void put32(int oi, size_t sec, uint64_t off, int64_t v)
    {
        if (v < INT32_MIN || v > INT32_MAX)
            fail("a relocation does not fit in 32 bits");
        put(oi, sec, off, static_cast<int32_t>(v));
    }

    template <typename T>
    void put(int oi, size_t sec, uint64_t off, T v)
    {
        const Obj &o = objs[size_t(oi)];
        if (o.sh[sec].sh_type == SHT_NOBITS || !in_bounds(off, sizeof(T), o.sh[sec].sh_size))
            fail("a relocation is out of its section");
        std::memcpy(base + start[o.region[sec]] + o.off[sec] + off, &v, sizeof(T));
    }

    void link()
    {
        void *m = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            fail("cannot map memory for the code");
        base = static_cast<uint8_t *>(m);
        for (const Obj &o : objs)
            for (size_t i = 1; i < o.sh.size(); i++)
                if (o.region[i] != kNone && o.sh[i].sh_type == SHT_PROGBITS)
                    std::memcpy(base + start[o.region[i]] + o.off[i], o.p + o.sh[i].sh_offset, size_t(o.sh[i].sh_size));
        // Stubs: jmp *0(%rip) followed by the target address.
        for (auto &st : stubs) {
            uint8_t code[16] = {0xff, 0x25, 0, 0, 0, 0};
            uint64_t target = reinterpret_cast<uintptr_t>(outside_symbol(st.first));
            std::memcpy(code + 6, &target, 8);
            code[14] = code[15] = 0xcc;
            std::memcpy(base + start[kCode] + st.second, code, 16);
        }
        each_rela([&](int oi, size_t sec, const Elf64_Rela &r) {
            uint32_t type = ELF64_R_TYPE(r.r_info);
            if (type == R_X86_64_NONE)
                return;
            std::string key;
            bool outside;
            Def d = resolve(oi, ELF64_R_SYM(r.r_info), &key, &outside);
            const Obj &o = objs[size_t(oi)];
            int64_t S = int64_t(address(d)), A = r.r_addend;
            int64_t P = int64_t(addr(o.region[sec], o.off[sec] + r.r_offset));
            switch (type) {
            case R_X86_64_64: put<uint64_t>(oi, sec, r.r_offset, uint64_t(S + A)); break;
            case R_X86_64_PC64: put<int64_t>(oi, sec, r.r_offset, S + A - P); break;
            case R_X86_64_PC32: put32(oi, sec, r.r_offset, S + A - P); break;
            case R_X86_64_PLT32:
                if (outside)
                    S = int64_t(addr(kCode, stubs[key]));
                put32(oi, sec, r.r_offset, S + A - P);
                break;
            case R_X86_64_GOTPCREL:
            case R_X86_64_GOTPCRELX:
            case R_X86_64_REX_GOTPCRELX: {
                uint64_t slot = got[key];
                uint64_t target = uint64_t(S);
                std::memcpy(base + start[kConst] + slot, &target, 8);
                put32(oi, sec, r.r_offset, int64_t(addr(kConst, slot)) + A - P);
                break;
            }
            default: fail("relocation type " + std::to_string(type));
            }
        });
        // Code executable and constants read-only, never both writable and
        // executable.
        if (size[kCode] && mprotect(base + start[kCode], size_t(start[kConst] - start[kCode]), PROT_READ | PROT_EXEC) != 0)
            fail("cannot make the code executable");
        if (size[kConst] && mprotect(base + start[kConst], size_t(start[kData] - start[kConst]), PROT_READ) != 0)
            fail("cannot protect the constants");
    }

    // A global defined in the code region, or nullptr.
    void *code_symbol(const std::string &name) const
    {
        auto it = globals.find(name);
        if (it == globals.end())
            return nullptr;
        const Def &d = it->second;
        if (d.obj < 0 || objs[size_t(d.obj)].region[d.sec] != kCode)
            fail("symbol " + name + " is not code");
        return reinterpret_cast<void *>(address(d));
    }
};

void split(const char *buf, size_t len, std::vector<Obj> *out)
{
    auto add = [&](const char *p, size_t n) {
        Obj o;
        o.p = reinterpret_cast<const uint8_t *>(p);
        o.len = n;
        out->push_back(o);
    };
    if (len < sizeof(kMagic) || std::memcmp(buf, kMagic, sizeof(kMagic)) != 0) {
        add(buf, len);
        return;
    }
    const auto *b = reinterpret_cast<const uint8_t *>(buf);
    uint64_t pos = sizeof(kMagic);
    uint32_t count = read_at<uint32_t>(b, len, pos);
    pos += sizeof(count);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t n = read_at<uint64_t>(b, len, pos);
        pos += sizeof(n);
        if (!in_bounds(pos, n, len))
            fail("the stored object code is damaged");
        add(buf + pos, size_t(n));
        pos += n;
    }
    if (pos != len)
        fail("the stored object code is damaged");
}

}  // namespace

Image *link_image(const char *object, size_t len, int ngroups, char **error) noexcept
{
    *error = nullptr;
    Linker lk;
    try {
        if (ngroups < 0)
            fail("negative group count");
        split(object, len, &lk.objs);
        for (Obj &o : lk.objs)
            parse(&o);
        lk.layout();
        lk.link();
        std::vector<GroupFn> fns(size_t(ngroups), nullptr);
        for (int g = 0; g < ngroups; g++) {
            char name[64];
            kernel_name(g, name, sizeof(name));
            fns[size_t(g)] = reinterpret_cast<GroupFn>(lk.code_symbol(name));
        }
        auto proj = reinterpret_cast<ProjFn>(lk.code_symbol(kProjName));
        auto *im = new Image;
        im->base = lk.base;
        im->size = lk.mapped;
        lk.base = nullptr;  // the image's from here
        im->fns.swap(fns);
        im->proj = proj;
        return im;
    } catch (const Fail &f) {
        *error = dup("cannot link the object code here: " + f.why);
    } catch (...) {
        *error = dup("cannot link the object code here");
    }
    if (lk.base)
        munmap(lk.base, lk.mapped);
    return nullptr;
}

GroupFn image_group_fn(const Image *im, int g) noexcept
{
    if (!im || g < 0 || size_t(g) >= im->fns.size())
        return nullptr;
    return im->fns[size_t(g)];
}

ProjFn image_projection_fn(const Image *im) noexcept { return im ? im->proj : nullptr; }

size_t image_bytes(const Image *im) noexcept { return im ? im->size : 0; }

void image_release(Image *im) noexcept
{
    if (!im)
        return;
    if (im->base)
        munmap(im->base, im->size);
    delete im;
}

const OutsideSymbol *outside_symbols(size_t *n) noexcept
{
    static const OutsideSymbol syms[] = {
        {"memcmp", reinterpret_cast<void *>(&memcmp)},
        {"bcmp", reinterpret_cast<void *>(&memcmp)},  // what instcombine makes of memcmp() == 0
        {"memcpy", reinterpret_cast<void *>(&memcpy)},
        {"memmove", reinterpret_cast<void *>(&memmove)},
        {"memset", reinterpret_cast<void *>(&memset)},
        {"fe_jit_exact_sum_value", reinterpret_cast<void *>(&fe_jit_exact_sum_value)},  // codegen.cpp kExactValueName
        {kNativeOpen, reinterpret_cast<void *>(&fe_jit_native_open)},
        {kNativeAddI64, reinterpret_cast<void *>(&fe_jit_native_add_i64)},
        {kNativeAddF64, reinterpret_cast<void *>(&fe_jit_native_add_f64)},
        {kNativeAddStr, reinterpret_cast<void *>(&fe_jit_native_add_str)},
        {kNativeAddF64F64, reinterpret_cast<void *>(&fe_jit_native_add_f64_f64)},
        {kNativeResult, reinterpret_cast<void *>(&fe_jit_native_result)},
    };
    *n = sizeof(syms) / sizeof(syms[0]);
    return syms;
}

}  // namespace fe::jit

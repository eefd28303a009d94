#include "loader.hpp"

#include <fmt/format.h>

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <vector>

namespace bootfw {
namespace {

using info_fn = const bootfw_plugin_info_record*();
using create_fn = sdk::plugin*();
using destroy_fn = void(sdk::plugin*);

// The smallest record we can read safely: up to and including `kind` in ABI 1.
constexpr std::uint32_t min_record_size = sizeof(bootfw_plugin_info_record);

const char* or_unknown(const char* s) { return s ? s : "(null)"; }

// ---- ELF pre-flight ----
// glibc's dlopen maps every PT_LOAD segment at its full p_filesz and then reads it: a segment that runs past
// the end of a truncated file (an interrupted copy, a full disk during an upgrade) faults with SIGBUS inside
// the dynamic linker, killing the whole server with no message, even on a SIGHUP reload. So the file is read
// and checked by hand first, and only a well-formed shared object for this machine reaches dlopen.

// The ELF class and byte order this build uses: <link.h>'s ElfW() picks the native structures.
constexpr unsigned char native_elf_class = sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32;
constexpr unsigned char native_elf_data = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;

// Bounded reads of a few dozen bytes each, at load time only (control path).
bool read_exactly(int fd, void* out, std::size_t n, off_t at) {
  auto* p = static_cast<char*>(out);
  while (n > 0) {
    ssize_t got = ::pread(fd, p, n, at);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    at += got;
    n -= std::size_t(got);
  }
  return true;
}

// e_machine of the running program, read from /proc/self/exe at each load (control path, a few dozen bytes):
// no per-architecture table to keep, and an embedding host is by definition the machine the plugin must
// match. 0 (EM_NONE) when it cannot be read; dlopen then still refuses a foreign machine, in its own words.
std::uint16_t native_elf_machine() {
  ElfW(Ehdr) h{};
  int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::uint16_t(EM_NONE);
  bool ok = read_exactly(fd, &h, sizeof h, 0);
  ::close(fd);
  return ok && std::memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 ? std::uint16_t(h.e_machine) : std::uint16_t(EM_NONE);
}

const char* machine_name(unsigned m) {
  switch (m) {
    case EM_386: return " (i386)";
    case EM_ARM: return " (32-bit ARM)";
    case EM_X86_64: return " (x86-64)";
    case EM_AARCH64: return " (AArch64)";
    case EM_PPC64: return " (PowerPC 64)";
    case EM_S390: return " (s390)";
    case EM_RISCV: return " (RISC-V)";
    default: return "";
  }
}

const char* class_name(unsigned c) {
  return c == ELFCLASS32 ? "32-bit" : c == ELFCLASS64 ? "64-bit" : "unknown-class";
}
const char* data_name(unsigned d) {
  return d == ELFDATA2LSB ? "little-endian" : d == ELFDATA2MSB ? "big-endian" : "unknown-byte-order";
}

// Empty when `path` looks loadable, else why not (for "<path>: cannot load plugin library: <why>").
// A TOCTOU window remains: the file can change between this check and dlopen's own open. That is accepted:
// the check is against accidents (truncated copies, wrong files), not against someone who can write the
// plugin directory, who could replace the plugin with hostile code anyway.
std::string check_elf_file(const std::string& path) {
  // Without a '/' dlopen searches the library path, so the file opened here would not be the one loaded;
  // bootfw's configuration always resolves to a path with a directory, so only direct callers land here.
  if (path.find('/') == std::string::npos) return {};
  // O_NONBLOCK: a FIFO named like a plugin must not hang the open; it is refused below as not a regular file.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return {};  // dlopen reports a missing or unreadable file in its usual words
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_at_exit{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fmt::format("cannot stat: {}", std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  const auto size = std::uint64_t(st.st_size);
  ElfW(Ehdr) h{};
  if (size < sizeof h || !read_exactly(fd, &h, sizeof h, 0) || std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0)
    return "not an ELF shared object";
  if (h.e_ident[EI_CLASS] != native_elf_class)
    return fmt::format("built for another architecture ({} ELF, this bootfw is {})", class_name(h.e_ident[EI_CLASS]),
                       class_name(native_elf_class));
  if (h.e_ident[EI_DATA] != native_elf_data)
    return fmt::format("built for another architecture ({} ELF, this bootfw is {})", data_name(h.e_ident[EI_DATA]),
                       data_name(native_elf_data));
  if (auto native = native_elf_machine(); native != EM_NONE && h.e_machine != native)
    return fmt::format("built for another architecture (machine {}{}, this bootfw is machine {}{})", h.e_machine,
                       machine_name(h.e_machine), native, machine_name(native));
  if (h.e_type != ET_DYN)
    return fmt::format("not an ELF shared object (ELF type {}{})", h.e_type,
                       h.e_type == ET_EXEC ? ", an executable" : h.e_type == ET_REL ? ", an object file" : "");
  if (h.e_phentsize != sizeof(ElfW(Phdr)) || h.e_phnum == 0 || h.e_phnum == PN_XNUM)
    return "not an ELF shared object (no usable program header table)";
  // 64-bit sums: e_phnum and e_phentsize are 16-bit, e_phoff is checked against the size first.
  const std::uint64_t table_end = std::uint64_t(h.e_phoff) + std::uint64_t(h.e_phnum) * h.e_phentsize;
  if (h.e_phoff > size || table_end > size)
    return fmt::format("truncated: the file is {} bytes, its program header table needs {}", size, table_end);
  std::vector<ElfW(Phdr)> phdrs(h.e_phnum);
  if (!read_exactly(fd, phdrs.data(), phdrs.size() * sizeof(ElfW(Phdr)), off_t(h.e_phoff)))
    return fmt::format("cannot read the program header table: {}", std::strerror(errno));
  std::uint64_t need = table_end;
  for (const auto& ph : phdrs) {
    if (ph.p_type != PT_LOAD) continue;
    // Overflow-safe: an offset near 2^64 must not wrap around to a small "end".
    if (ph.p_filesz > UINT64_MAX - ph.p_offset) return "not an ELF shared object (a segment's end overflows)";
    need = std::max<std::uint64_t>(need, std::uint64_t(ph.p_offset) + ph.p_filesz);
  }
  if (need > size) return fmt::format("truncated: the file is {} bytes, its segments need {}", size, need);
  return {};
}

class dll_library final : public plugin_library {
 public:
  explicit dll_library(const std::string& path) : origin_(path) {
    namespace dll = boost::dll;
    if (auto why = check_elf_file(path); !why.empty())
      throw plugin_load_error(fmt::format("{}: cannot load plugin library: {}", path, why));
    std::error_code ec;
    // RTLD_NOW: a missing symbol fails here, not at the first packet. RTLD_LOCAL: plugins cannot see or
    // interpose each other's symbols.
    lib_.load(path, dll::load_mode::rtld_now | dll::load_mode::rtld_local, ec);
    if (ec) throw plugin_load_error(fmt::format("{}: cannot load plugin library: {}", path, dlopen_error(path, ec)));
    for (auto name : {"bootfw_plugin_info", "bootfw_plugin_create", "bootfw_plugin_destroy"})
      if (!lib_.has(name))
        throw plugin_load_error(fmt::format(
            "{}: missing entry point '{}' (is the plugin exported with BOOTFW_PLUGIN(...)?)", path, name));
    info_ = &lib_.get<info_fn>("bootfw_plugin_info");
    create_ = &lib_.get<create_fn>("bootfw_plugin_create");
    destroy_ = &lib_.get<destroy_fn>("bootfw_plugin_destroy");
    record_ = info_();
    replaced_ = mapped_file_differs(reinterpret_cast<const void*>(info_), path);
  }
  bool replaced_on_disk() const noexcept override { return replaced_; }
  const bootfw_plugin_info_record& info() const noexcept override { return *record_; }
  const bootfw_plugin_info_record* record() const noexcept { return record_; }
  const std::string& origin() const noexcept override { return origin_; }
  sdk::plugin* create() const override { return create_(); }
  void destroy(sdk::plugin* p) const noexcept override { destroy_(p); }

 private:
  // Boost.DLL reports dlopen failures as a generic error code; dlerror() has the useful text (missing
  // symbol, wrong ELF class …) but Boost consumed it, so ask dlopen once more for the message.
  static std::string dlopen_error(const std::string& path, const std::error_code& ec) {
    if (void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      ::dlclose(h);
      return ec.message();
    }
    const char* e = ::dlerror();
    return e ? e : ec.message();
  }
  // Compares the inode of the mapping that holds `code` (/proc/self/maps) with the file now at `path`.
  static bool mapped_file_differs(const void* code, const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    FILE* maps = std::fopen("/proc/self/maps", "re");
    if (!maps) return false;
    const auto at = reinterpret_cast<std::uintptr_t>(code);
    bool differs = false;
    char line[4096];
    while (std::fgets(line, sizeof line, maps)) {
      unsigned long long lo = 0, hi = 0, inode = 0;
      unsigned major = 0, minor = 0;
      if (std::sscanf(line, "%llx-%llx %*s %*s %x:%x %llu", &lo, &hi, &major, &minor, &inode) != 5) continue;
      if (at < lo || at >= hi) continue;
      differs = inode != st.st_ino || makedev(major, minor) != st.st_dev;
      break;
    }
    std::fclose(maps);
    return differs;
  }
  boost::dll::shared_library lib_;
  bool replaced_ = false;
  std::string origin_;
  info_fn* info_ = nullptr;
  create_fn* create_ = nullptr;
  destroy_fn* destroy_ = nullptr;
  const bootfw_plugin_info_record* record_ = nullptr;
};

class static_library final : public plugin_library {
 public:
  explicit static_library(const sdk::static_plugin& p) : p_(p), origin_(std::string("builtin:") + p.name) {}
  const bootfw_plugin_info_record& info() const noexcept override { return *p_.info(); }
  const std::string& origin() const noexcept override { return origin_; }
  sdk::plugin* create() const override { return p_.create(); }
  void destroy(sdk::plugin* p) const noexcept override { p_.destroy(p); }

 private:
  sdk::static_plugin p_;
  std::string origin_;
};

}  // namespace

std::string check_info_record(const bootfw_plugin_info_record* rec, sdk::plugin_kind expected_kind) {
  if (!rec) return "bootfw_plugin_info() returned no record";
  // ABI version first: if it differs, nothing after it can be trusted to have our layout.
  if (rec->abi_version != BOOTFW_SDK_ABI_VERSION)
    return fmt::format("plugin ABI version {} but bootfw speaks ABI version {}; rebuild the plugin against the "
                       "installed bootfw SDK",
                       rec->abi_version, BOOTFW_SDK_ABI_VERSION);
  if (rec->struct_size < min_record_size)
    return fmt::format("info record is {} bytes, ABI {} needs at least {}", rec->struct_size,
                       BOOTFW_SDK_ABI_VERSION, min_record_size);
  if (!rec->sdk_digest || std::strcmp(rec->sdk_digest, BOOTFW_SDK_DIGEST) != 0)
    return fmt::format("plugin was built against SDK headers with digest {} but bootfw has {} (same ABI number, "
                       "different headers); rebuild the plugin against the installed bootfw SDK",
                       or_unknown(rec->sdk_digest), BOOTFW_SDK_DIGEST);
  if (!rec->stdlib_tag || std::strcmp(rec->stdlib_tag, BOOTFW_SDK_STDLIB_TAG) != 0)
    return fmt::format("plugin uses standard library '{}' (compiler {}) but bootfw uses '{}' (compiler {})",
                       or_unknown(rec->stdlib_tag), or_unknown(rec->compiler_tag), BOOTFW_SDK_STDLIB_TAG,
                       BOOTFW_SDK_COMPILER_TAG);
  if (!rec->name || !*rec->name) return "info record has no plugin name";
  if (!rec->version) return fmt::format("plugin '{}': info record has no version", rec->name);
  auto kind = static_cast<sdk::plugin_kind>(rec->kind);
  const char* kn = sdk::kind_name(kind);
  if (!kn) return fmt::format("plugin '{}' declares unknown kind {}", rec->name, rec->kind);
  if (kind != expected_kind)
    return fmt::format("plugin '{}' is of kind {} but plugins.toml says kind = \"{}\"", rec->name, kn,
                       sdk::kind_name(expected_kind));
  return {};
}

std::shared_ptr<plugin_library> load_plugin_library(const std::string& path, sdk::plugin_kind expected_kind,
                                                    const library_loader_options& options) {
  std::shared_ptr<plugin_library> lib;
  if (path.rfind("builtin:", 0) == 0) {
    auto name = path.substr(8);
    for (const auto& p : options.builtins)
      if (name == p.name) lib = std::make_shared<static_library>(p);
    if (!lib) {
      std::string known;
      for (const auto& p : options.builtins) known += (known.empty() ? "" : ", ") + std::string(p.name);
      throw plugin_load_error(fmt::format("{}: no built-in plugin of that name (built in: {})", path,
                                          known.empty() ? "none — this bootfw was built without static plugins"
                                                        : known));
    }
  } else {
    lib = std::make_shared<dll_library>(path);
  }
  if (auto why = check_info_record(&lib->info(), expected_kind); !why.empty())
    throw plugin_load_error(fmt::format("{}: refused: {}", path, why));
  return lib;
}

std::shared_ptr<sdk::plugin> create_instance(const std::shared_ptr<plugin_library>& lib) {
  sdk::plugin* raw = nullptr;
  try {
    raw = lib->create();
  } catch (const std::exception& e) {
    throw plugin_load_error(fmt::format("{}: plugin factory threw: {}", lib->origin(), e.what()));
  } catch (...) {
    throw plugin_load_error(fmt::format("{}: plugin factory threw a non-standard exception", lib->origin()));
  }
  if (!raw) throw plugin_load_error(fmt::format("{}: plugin factory returned null", lib->origin()));
  // The deleter lives in the framework and holds the library: destroy() runs plugin code while it is
  // still mapped, then the last reference may unload it.
  return std::shared_ptr<sdk::plugin>(raw, [lib](sdk::plugin* p) { lib->destroy(p); });
}

}  // namespace bootfw

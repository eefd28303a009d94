// The loader through the real Boost.DLL path, with good and deliberately broken fixture plugins.
#include <gtest/gtest.h>

#include <elf.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "loader.hpp"
#include "../support/test_support.hpp"

using bootfw::load_plugin_library;
using bootfw::plugin_load_error;
using bootfw::sdk::plugin_kind;
using bootfw::test::fixture;

namespace {

std::string load_error(const std::string& name, plugin_kind kind = plugin_kind::boot_policy) {
  try {
    load_plugin_library(fixture(name), kind, {});
  } catch (const plugin_load_error& e) {
    return e.what();
  }
  return "";
}

TEST(loader, loads_a_good_plugin_of_each_kind) {
  struct {
    const char* file;
    plugin_kind kind;
    const char* name;
  } cases[] = {{"fixture_responder", plugin_kind::dhcp_responder, "fixture-responder"},
               {"fixture_policy", plugin_kind::boot_policy, "fixture-policy"},
               {"fixture_transport", plugin_kind::tftp_transport, "fixture-transport"},
               {"fixture_resolver", plugin_kind::config_resolver, "fixture-resolver"},
               {"fixture_provider", plugin_kind::artifact_provider, "fixture-provider"}};
  for (auto& c : cases) {
    auto lib = load_plugin_library(fixture(c.file), c.kind, {});
    EXPECT_STREQ(lib->info().name, c.name);
    EXPECT_STREQ(lib->info().version, "1.0.0");
    auto instance = bootfw::create_instance(lib);
    ASSERT_TRUE(instance);
  }
}

TEST(loader, instance_keeps_its_library_loaded) {
  std::weak_ptr<bootfw::plugin_library> weak;
  std::shared_ptr<bootfw::sdk::plugin> instance;
  {
    auto lib = load_plugin_library(fixture("fixture_policy"), plugin_kind::boot_policy, {});
    weak = lib;
    instance = bootfw::create_instance(lib);
  }
  EXPECT_FALSE(weak.expired()) << "the library was released while an instance from it lives";
  instance.reset();
  EXPECT_TRUE(weak.expired());
}

TEST(loader, refuses_wrong_abi_version_naming_both_sides) {
  auto msg = load_error("fixture_wrong_abi");
  EXPECT_NE(msg.find("fixture_wrong_abi.so: refused: plugin ABI version 999 but bootfw speaks ABI version 1"),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_wrong_sdk_digest_naming_both_sides) {
  auto msg = load_error("fixture_wrong_digest");
  EXPECT_NE(msg.find("digest 0123456789abcdef but bootfw has " BOOTFW_SDK_DIGEST), std::string::npos) << msg;
}

TEST(loader, refuses_another_standard_library) {
  auto msg = load_error("fixture_wrong_stdlib");
  EXPECT_NE(msg.find("standard library 'libc++/abi1' (compiler clang-99.0) but bootfw uses '" BOOTFW_SDK_STDLIB_TAG),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_a_record_without_a_version) {
  auto msg = load_error("fixture_null_version");
  EXPECT_NE(msg.find("fixture_null_version.so: refused: plugin 'fixture-null-version': info record has no version"),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_missing_entry_point) {
  auto msg = load_error("fixture_missing_entry");
  EXPECT_NE(msg.find("fixture_missing_entry.so: missing entry point 'bootfw_plugin_create'"), std::string::npos)
      << msg;
}

TEST(loader, refuses_kind_mismatch) {
  auto msg = load_error("fixture_policy", plugin_kind::tftp_transport);
  EXPECT_NE(msg.find("plugin 'fixture-policy' is of kind boot-policy but plugins.toml says kind = \"tftp-transport\""),
            std::string::npos)
      << msg;
}

TEST(loader, reports_dlopen_failures_with_the_dynamic_linker_text) {
  // A well-formed ELF that only the dynamic linker can refuse: its text names the missing symbol.
  auto msg = load_error("fixture_unresolved_symbol");
  EXPECT_NE(msg.find("fixture_unresolved_symbol.so: cannot load plugin library"), std::string::npos) << msg;
  EXPECT_NE(msg.find("undefined symbol: bootfw_fixture_symbol_nobody_defines"), std::string::npos) << msg;
}

std::string load_error_at(const std::string& path) {
  try {
    load_plugin_library(path, plugin_kind::boot_policy, {});
  } catch (const plugin_load_error& e) {
    return e.what();
  }
  return "";
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Where the last byte of the last PT_LOAD segment lies: what dlopen will map and read.
std::uint64_t loaded_end(const std::string& image) {
  Elf64_Ehdr h{};
  std::memcpy(&h, image.data(), sizeof h);
  std::uint64_t end = 0;
  for (unsigned i = 0; i < h.e_phnum; ++i) {
    Elf64_Phdr ph{};
    std::memcpy(&ph, image.data() + h.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type == PT_LOAD) end = std::max<std::uint64_t>(end, ph.p_offset + ph.p_filesz);
  }
  return end;
}

// The header of a 64-bit little-endian shared object for `machine`, with one PT_LOAD covering the file.
std::string fake_elf(unsigned char elf_class, std::uint16_t machine) {
  Elf64_Ehdr h{};
  std::memcpy(h.e_ident, ELFMAG, SELFMAG);
  h.e_ident[EI_CLASS] = elf_class;
  h.e_ident[EI_DATA] = ELFDATA2LSB;
  h.e_ident[EI_VERSION] = EV_CURRENT;
  h.e_type = ET_DYN;
  h.e_machine = machine;
  h.e_version = EV_CURRENT;
  h.e_phoff = sizeof h;
  h.e_ehsize = sizeof h;
  h.e_phentsize = sizeof(Elf64_Phdr);
  h.e_phnum = 1;
  Elf64_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_filesz = ph.p_memsz = 4096;
  std::string out(4096, '\0');
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + sizeof h, &ph, sizeof ph);
  return out;
}

// A plugin cut short (an interrupted copy, a full disk during an upgrade) used to kill bootfw with SIGBUS
// inside dlopen, which reads segment pages past the end of the file.
TEST(loader, refuses_a_truncated_plugin_with_its_sizes) {
  auto image = read_all(fixture("fixture_policy"));
  auto need = loaded_end(image);
  // Half the loaded bytes leaves whole pages of every later segment beyond the end of the file.
  ASSERT_GT(need, 3u * 4096) << "the fixture is too small for this test to mean anything";
  bootfw::test::temp_dir dir;
  auto cut = need / 2;
  auto path = dir.write("truncated.so", image.substr(0, cut));
  auto msg = load_error_at(path);
  EXPECT_NE(msg.find(fmt::format("truncated.so: cannot load plugin library: truncated: the file is {} bytes, its "
                                 "segments need {}",
                                 cut, need)),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_a_plugin_truncated_inside_its_program_headers) {
  auto image = read_all(fixture("fixture_policy"));
  bootfw::test::temp_dir dir;
  auto path = dir.write("stub.so", image.substr(0, sizeof(Elf64_Ehdr) + 8));
  auto msg = load_error_at(path);
  EXPECT_NE(msg.find("stub.so: cannot load plugin library: truncated: the file is 72 bytes, its program header "
                     "table needs"),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_a_text_file_named_like_a_plugin) {
  bootfw::test::temp_dir dir;
  for (const std::string& text : {std::string("# not a plugin\n"), std::string(4096, 'x'), std::string()}) {
    auto path = dir.write("x.so", text);
    auto msg = load_error_at(path);
    EXPECT_NE(msg.find("x.so: cannot load plugin library: not an ELF shared object"), std::string::npos)
        << text.size() << " bytes: " << msg;
  }
}

TEST(loader, refuses_an_elf_executable_or_object_file) {
  auto image = fake_elf(ELFCLASS64, EM_X86_64);
  Elf64_Half type = ET_EXEC;
  std::memcpy(image.data() + offsetof(Elf64_Ehdr, e_type), &type, sizeof type);
  std::uint16_t machine = 0;
  {
    // Our own machine, so that only the type is wrong.
    auto self = read_all("/proc/self/exe");
    std::memcpy(&machine, self.data() + offsetof(Elf64_Ehdr, e_machine), sizeof machine);
  }
  std::memcpy(image.data() + offsetof(Elf64_Ehdr, e_machine), &machine, sizeof machine);
  bootfw::test::temp_dir dir;
  auto msg = load_error_at(dir.write("program.so", image));
  EXPECT_NE(msg.find("program.so: cannot load plugin library: not an ELF shared object (ELF type 2, an executable)"),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_a_plugin_built_for_another_machine) {
  // Whatever this test runs on, pick a machine that is not it.
  auto self = read_all("/proc/self/exe");
  std::uint16_t native = 0;
  std::memcpy(&native, self.data() + offsetof(Elf64_Ehdr, e_machine), sizeof native);
  std::uint16_t other = native == EM_AARCH64 ? EM_X86_64 : EM_AARCH64;
  bootfw::test::temp_dir dir;
  auto msg = load_error_at(dir.write("foreign.so", fake_elf(ELFCLASS64, other)));
  EXPECT_NE(msg.find(fmt::format("foreign.so: cannot load plugin library: built for another architecture (machine {}",
                                 other)),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_a_32_bit_plugin) {
  bootfw::test::temp_dir dir;
  auto msg = load_error_at(dir.write("ia32.so", fake_elf(ELFCLASS32, EM_386)));
  EXPECT_NE(msg.find("ia32.so: cannot load plugin library: built for another architecture (32-bit ELF, this bootfw "
                     "is 64-bit)"),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_a_directory_or_fifo_named_like_a_plugin) {
  bootfw::test::temp_dir dir;
  auto fifo = dir.str() + "/fifo.so";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A FIFO must be refused, not opened and waited on forever.
  EXPECT_NE(load_error_at(fifo).find("fifo.so: cannot load plugin library: not a regular file"), std::string::npos)
      << load_error_at(fifo);
  std::filesystem::create_directories(dir.path / "dir.so");
  auto msg = load_error_at((dir.path / "dir.so").string());
  EXPECT_NE(msg.find("dir.so: cannot load plugin library: not a regular file"), std::string::npos) << msg;
}

TEST(loader, builtin_names_come_from_the_static_table_only) {
  try {
    load_plugin_library("builtin:nothing", plugin_kind::boot_policy, {});
    FAIL();
  } catch (const plugin_load_error& e) {
    EXPECT_NE(std::string(e.what()).find("no built-in plugin of that name"), std::string::npos) << e.what();
  }
}

}  // namespace

// The file provider against real files: configuration, roots in order, confinement, the small-file cache
// and its invalidation, random-access reads, files that shrink or change during a transfer.
#include <bootfw/sdk/testing.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "file_provider.hpp"

namespace fs = std::filesystem;
using provider_class = bootfw::plugin_file::file_provider;
using bootfw::sdk::open_error;
using bootfw::sdk::testing::config_node;
using bootfw::sdk::testing::fake_host;

namespace {

struct dirs {
  fs::path base;
  dirs() {
    std::random_device rd;
    base = fs::temp_directory_path() / ("bootfw-file-" + std::to_string(rd()) + "-" + std::to_string(::getpid()));
    fs::create_directories(base / "a");
    fs::create_directories(base / "b");
  }
  ~dirs() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  std::string path(const std::string& rel) const { return (base / rel).string(); }
  void write(const std::string& rel, const std::string& text) const {
    std::ofstream(base / rel, std::ios::binary | std::ios::trunc) << text;
  }
  // Gives the file a distinct mtime so the change is visible even within the clock's granularity.
  void set_mtime(const std::string& rel, long seconds) const {
    timespec times[2] = {{seconds, 0}, {seconds, 0}};
    ::utimensat(AT_FDCWD, path(rel).c_str(), times, 0);
  }
};

std::string read_all(bootfw::sdk::artifact& a, std::error_code& ec) {
  std::string out(a.size(), '\0');
  out.resize(a.read(0, std::as_writable_bytes(std::span(out)), ec));
  return out;
}

std::string content(provider_class& p, std::string_view name) {
  open_error e = open_error::none;
  auto a = p.open(name, e);
  EXPECT_TRUE(a) << name << ": " << to_string(e);
  if (!a) return "";
  std::error_code ec;
  auto s = read_all(*a, ec);
  EXPECT_FALSE(ec) << ec.message();
  return s;
}

struct file_provider : ::testing::Test {
  dirs d;
  fake_host host{"files"};
  provider_class p;
  void configure(config_node cfg) { p.configure(host, cfg); }
  void configure_one_root(std::int64_t max_file = 1 << 20, std::int64_t max_total = 64 << 20) {
    configure(config_node::table(
        {{"root", d.path("a")}, {"cache_max_file_bytes", max_file}, {"cache_max_total_bytes", max_total}}));
  }
};

TEST_F(file_provider, configuration_needs_exactly_one_of_root_and_roots) {
  EXPECT_THROW(configure(config_node::table({})), bootfw::sdk::config_error);
  EXPECT_THROW(configure(config_node::table({{"root", d.path("a")}, {"roots", config_node::array({d.path("b")})}})),
               bootfw::sdk::config_error);
  EXPECT_THROW(configure(config_node::table({{"roots", config_node::array({})}})), bootfw::sdk::config_error);
  EXPECT_THROW(configure(config_node::table({{"root", d.path("a")}, {"cache", true}})), bootfw::sdk::config_error);
  EXPECT_THROW(configure(config_node::table({{"root", d.path("a")}, {"cache_max_file_bytes", -1}})),
               bootfw::sdk::config_error);
}

TEST_F(file_provider, a_missing_root_is_named_in_the_error) {
  try {
    configure(config_node::table({{"roots", config_node::array({d.path("a"), d.path("nope")})}}));
    FAIL() << "no error";
  } catch (const bootfw::sdk::config_error& e) {
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("config.roots[1]"), std::string::npos) << e.what();
  }
}

TEST_F(file_provider, relative_roots_are_relative_to_the_configuration_file) {
  d.write("a/pxelinux.0", "boot");
  auto cfg = config_node::table({{"root", "a"}});
  cfg.with_base_directory(d.base.string());
  configure(cfg);
  EXPECT_EQ(p.settings().roots.at(0), d.path("a"));
  EXPECT_EQ(content(p, "pxelinux.0"), "boot");
}

TEST_F(file_provider, searches_roots_in_order) {
  d.write("a/both", "from a");
  d.write("b/both", "from b");
  d.write("b/only_b", "b only");
  configure(config_node::table({{"roots", config_node::array({d.path("a"), d.path("b")})}}));
  EXPECT_EQ(content(p, "both"), "from a");
  EXPECT_EQ(content(p, "only_b"), "b only");
  open_error e = open_error::none;
  EXPECT_FALSE(p.open("nowhere", e));
  EXPECT_EQ(e, open_error::not_found);
}

TEST_F(file_provider, refuses_names_outside_the_root_and_says_so) {
  d.write("secret", "SECRET");
  fs::create_symlink("../secret", d.base / "a" / "escape");
  configure_one_root();
  open_error e = open_error::none;
  EXPECT_FALSE(p.open("../secret", e));
  EXPECT_EQ(e, open_error::invalid_name);
  EXPECT_FALSE(p.open("escape", e));
  EXPECT_EQ(e, open_error::access_denied);
  EXPECT_FALSE(p.open("/", e));
  EXPECT_EQ(e, open_error::invalid_name);
  EXPECT_EQ(host.counter_value("file_refused_total"), 3u);
  EXPECT_TRUE(host.logged("refused '../secret': invalid name"));
  EXPECT_TRUE(host.logged("refused 'escape': access denied"));
}

TEST_F(file_provider, reports_size_and_reads_at_any_offset) {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += char('a' + i % 26);
  d.write("a/kernel", data);
  configure_one_root(/*max_file=*/0);  // no cache: reads go to the file
  open_error e;
  auto a = p.open("kernel", e);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 5000u);
  EXPECT_EQ(a->name(), d.path("a") + "/kernel");
  std::string buf(100, '\0');
  std::error_code ec;
  EXPECT_EQ(a->read(4950, std::as_writable_bytes(std::span(buf)), ec), 50u);  // short only at the end
  EXPECT_FALSE(ec);
  EXPECT_EQ(buf.substr(0, 50), data.substr(4950));
  EXPECT_EQ(a->read(1234, std::as_writable_bytes(std::span(buf)), ec), 100u);
  EXPECT_EQ(buf, data.substr(1234, 100));
  EXPECT_EQ(a->read(5000, std::as_writable_bytes(std::span(buf)), ec), 0u);
  EXPECT_FALSE(ec);
  EXPECT_EQ(host.counter_value("file_bytes_read_total"), 150u);
}

TEST_F(file_provider, caches_small_files_and_counts_hits) {
  d.write("a/pxelinux.0", "loader");
  configure_one_root();
  EXPECT_EQ(content(p, "pxelinux.0"), "loader");
  EXPECT_EQ(content(p, "/pxelinux.0"), "loader");  // same normalised name: same entry
  EXPECT_EQ(content(p, "pxelinux.0"), "loader");
  EXPECT_EQ(host.counter_value("file_cache_misses_total"), 1u);
  EXPECT_EQ(host.counter_value("file_cache_hits_total"), 2u);
  EXPECT_EQ(host.counter_value("file_opens_total"), 3u);
  EXPECT_EQ(host.counter_value("file_bytes_read_total"), 18u);
}

TEST_F(file_provider, an_edited_file_is_read_again) {
  d.write("a/cfg", "version 1");
  d.set_mtime("a/cfg", 1000000);
  configure_one_root();
  EXPECT_EQ(content(p, "cfg"), "version 1");
  d.write("a/cfg", "version 2");  // same size, in place
  d.set_mtime("a/cfg", 2000000);
  EXPECT_EQ(content(p, "cfg"), "version 2");
  d.write("a/cfg", "version three");  // other size
  EXPECT_EQ(content(p, "cfg"), "version three");
  EXPECT_EQ(host.counter_value("file_cache_hits_total"), 0u);
  EXPECT_EQ(host.counter_value("file_cache_misses_total"), 3u);
  EXPECT_EQ(content(p, "cfg"), "version three");
  EXPECT_EQ(host.counter_value("file_cache_hits_total"), 1u);
}

TEST_F(file_provider, a_file_replaced_by_rename_is_read_again) {
  d.write("a/cfg", "old!");
  configure_one_root();
  EXPECT_EQ(content(p, "cfg"), "old!");
  d.write("a/cfg.new", "new!");
  d.set_mtime("a/cfg.new", 1000000);
  d.set_mtime("a/cfg", 1000000);  // same size and mtime: the inode (and ctime) tell
  fs::rename(d.base / "a" / "cfg.new", d.base / "a" / "cfg");
  EXPECT_EQ(content(p, "cfg"), "new!");
}

TEST_F(file_provider, large_files_are_not_cached_and_the_budget_evicts) {
  d.write("a/big", std::string(100, 'x'));
  d.write("a/one", "111111");
  d.write("a/two", "222222");
  configure_one_root(/*max_file=*/50, /*max_total=*/10);
  content(p, "big");
  content(p, "big");
  EXPECT_EQ(host.counter_value("file_cache_misses_total"), 0u);
  EXPECT_EQ(host.counter_value("file_cache_hits_total"), 0u);
  EXPECT_EQ(content(p, "one"), "111111");
  EXPECT_EQ(content(p, "two"), "222222");  // evicts "one": 12 bytes > 10
  EXPECT_EQ(p.cache()->entries(), 1u);
  EXPECT_EQ(p.cache()->total_bytes(), 6u);
  EXPECT_EQ(content(p, "one"), "111111");
  EXPECT_EQ(host.counter_value("file_cache_misses_total"), 3u);
  EXPECT_EQ(host.counter_value("file_cache_hits_total"), 0u);
}

TEST_F(file_provider, an_open_cached_artifact_keeps_its_version) {
  d.write("a/cfg", "first");
  configure_one_root();
  open_error e;
  auto a = p.open("cfg", e);
  ASSERT_TRUE(a);
  fs::remove(d.base / "a" / "cfg");
  std::error_code ec;
  EXPECT_EQ(read_all(*a, ec), "first");
  EXPECT_FALSE(ec);
}

TEST_F(file_provider, a_file_that_shrinks_mid_transfer_gives_fewer_bytes_and_an_error) {
  std::string data(100000, 'k');
  d.write("a/initrd", data);
  configure_one_root(/*max_file=*/1000);
  open_error e;
  auto a = p.open("initrd", e);
  ASSERT_TRUE(a);
  std::string buf(8192, '\0');
  std::error_code ec;
  ASSERT_EQ(a->read(0, std::as_writable_bytes(std::span(buf)), ec), buf.size());
  ASSERT_FALSE(ec);
  fs::resize_file(d.base / "a" / "initrd", 10000);
  auto n = a->read(8192, std::as_writable_bytes(std::span(buf)), ec);
  EXPECT_LT(n, buf.size());
  EXPECT_TRUE(ec);
  EXPECT_EQ(buf.substr(0, n), data.substr(8192, n));  // never wrong bytes
  EXPECT_EQ(a->read(50000, std::as_writable_bytes(std::span(buf)), ec), 0u);
  EXPECT_TRUE(ec);
  EXPECT_EQ(a->size(), 100000u);  // the size stays the one announced (tsize)
}

TEST_F(file_provider, a_file_rewritten_in_place_mid_transfer_is_an_error_not_mixed_bytes) {
  d.write("a/kernel", std::string(4096, 'A'));
  d.set_mtime("a/kernel", 1000000);
  configure_one_root(/*max_file=*/0);
  open_error e;
  auto a = p.open("kernel", e);
  ASSERT_TRUE(a);
  d.write("a/kernel", std::string(4096, 'B'));
  d.set_mtime("a/kernel", 2000000);
  std::string buf(4096, '\0');
  std::error_code ec;
  auto n = a->read(0, std::as_writable_bytes(std::span(buf)), ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(n, 0u);
}

TEST_F(file_provider, renaming_over_unlinking_linking_or_chmod_do_not_disturb_an_open_artifact) {
  // Updating a kernel with `mv` during a boot storm: every transfer in flight must finish with the old bytes.
  // Each step moves the inode's ctime, which is why ctime is not part of the in-flight check.
  const std::size_t size = 4 * 256 * 1024 + 77;  // several check intervals, read from the descriptor
  std::string old_bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) old_bytes[i] = char(i * 7 + i / 4096);
  d.write("a/kernel", old_bytes);
  configure_one_root(/*max_file=*/0);
  open_error e;
  auto a = p.open("kernel", e);
  ASSERT_TRUE(a);
  std::string got, block(1468, '\0');
  std::error_code ec;
  auto read_some = [&](std::size_t bytes) {
    for (std::size_t until = got.size() + bytes; got.size() < until && got.size() < size;) {
      auto n = a->read(got.size(), std::as_writable_bytes(std::span(block)), ec);
      ASSERT_FALSE(ec) << "at " << got.size() << ": " << ec.message();
      got.append(block, 0, n);
    }
  };
  read_some(300 * 1024);
  ::chmod(d.path("a/kernel").c_str(), 0600);
  read_some(300 * 1024);
  fs::create_hard_link(d.base / "a" / "kernel", d.base / "b" / "kernel-link");
  read_some(300 * 1024);
  d.write("a/kernel.new", std::string(size, 'N'));
  fs::rename(d.base / "a" / "kernel.new", d.base / "a" / "kernel");
  read_some(300 * 1024);
  fs::remove(d.base / "b" / "kernel-link");
  read_some(size);
  EXPECT_EQ(got.size(), size);
  EXPECT_TRUE(got == old_bytes);
  EXPECT_EQ(content(p, "kernel"), std::string(size, 'N')) << "a new open sees the new version";
}

TEST_F(file_provider, a_change_is_seen_within_the_check_interval_and_always_at_the_end) {
  const std::size_t size = 3 * 256 * 1024 + 100;
  d.write("a/kernel", std::string(size, 'A'));
  d.set_mtime("a/kernel", 1000000);
  configure_one_root(/*max_file=*/0);
  open_error e;
  auto a = p.open("kernel", e);
  ASSERT_TRUE(a);
  std::string block(1468, '\0');
  std::error_code ec;
  // Unchanged: every block reads fine, the last one included.
  std::uint64_t off = 0;
  while (off < size) {
    auto n = a->read(off, std::as_writable_bytes(std::span(block)), ec);
    ASSERT_FALSE(ec) << off;
    ASSERT_GT(n, 0u);
    off += n;
  }
  // Rewritten in place after the first block: an error comes at the latest one check interval later.
  auto b = p.open("kernel", e);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->read(0, std::as_writable_bytes(std::span(block)), ec), block.size());
  d.write("a/kernel", std::string(size, 'B'));
  d.set_mtime("a/kernel", 2000000);
  off = block.size();
  bool failed = false;
  while (off < size && !failed) {
    auto n = b->read(off, std::as_writable_bytes(std::span(block)), ec);
    failed = bool(ec);
    off += n;
  }
  EXPECT_TRUE(failed);
  EXPECT_LE(off, 256u * 1024 + 2 * block.size());
  // The read of the last byte is always checked, whatever was read before.
  auto c = p.open("kernel", e);
  ASSERT_TRUE(c);
  d.write("a/kernel", std::string(size, 'C'));
  d.set_mtime("a/kernel", 3000000);
  EXPECT_EQ(c->read(size - 10, std::as_writable_bytes(std::span(block)), ec), 0u);
  EXPECT_TRUE(ec);
}

}  // namespace

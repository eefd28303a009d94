// Confinement: every test runs with the kernel's openat2 and with the user-space walk, against a real
// directory tree holding decoys outside the root, so a test fails if a single byte from outside is served.
#include <bootfw/confined_root/confined_root.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>

namespace fs = std::filesystem;
using bootfw::sdk::open_error;
using namespace bootfw::confined_root;

namespace {

struct tree {
  fs::path base;
  fs::path root;
  tree() {
    std::random_device rd;
    base = fs::temp_directory_path() / ("bootfw-confined-" + std::to_string(rd()) + "-" + std::to_string(::getpid()));
    root = base / "root";
    fs::create_directories(root / "sub");
    fs::create_directories(base / "outside");
    write(base / "outside" / "secret", "SECRET");
    write(base / "x", "SECRET");
    write(root / "file0", "zero");
    write(root / "sub" / "file1", "one");
  }
  ~tree() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }
};

std::string read_all(const opened_file& f) {
  std::string out(std::size_t(f.status.st_size), '\0');
  auto n = ::pread(f.fd.get(), out.data(), out.size(), 0);
  out.resize(n < 0 ? 0 : std::size_t(n));
  return out;
}

class confined_root_strategy : public ::testing::TestWithParam<strategy> {
 protected:
  tree t;
  root_directory root{t.root.string(), GetParam()};
  open_error error = open_error::none;
  std::string why;

  std::string content(std::string_view name) {
    auto f = root.open(name, error, why);
    EXPECT_TRUE(f.fd) << name << ": " << to_string(error) << " (" << why << ")";
    return f.fd ? read_all(f) : "";
  }
  open_error refused(std::string_view name) {
    auto f = root.open(name, error, why);
    EXPECT_FALSE(f.fd) << "opened " << name;
    EXPECT_NE(error, open_error::none);
    return error;
  }
};

TEST_P(confined_root_strategy, serves_regular_files_beneath_the_root) {
  EXPECT_EQ(content("file0"), "zero");
  EXPECT_EQ(content("sub/file1"), "one");
  EXPECT_EQ(refused("missing"), open_error::not_found);
  EXPECT_EQ(refused("file0/x"), open_error::not_found);  // a file used as a directory
}

TEST_P(confined_root_strategy, strips_leading_slashes_like_tftp_hpa) {
  EXPECT_EQ(content("/file0"), "zero");
  EXPECT_EQ(content("//sub/file1"), "one");
  EXPECT_EQ(refused("/etc/passwd"), open_error::not_found);  // never the host's /etc/passwd
  fs::create_directories(t.root / "etc");
  tree::write(t.root / "etc" / "passwd", "inside");
  EXPECT_EQ(content("/etc/passwd"), "inside");
}

TEST_P(confined_root_strategy, collapses_empty_and_dot_components) {
  EXPECT_EQ(content("sub//file1"), "one");
  EXPECT_EQ(content("./sub/./file1"), "one");
}

// open(2) fails "file0/" with ENOTDIR (tftp-hpa answers File not found): a trailing '/' names a directory.
TEST_P(confined_root_strategy, a_trailing_slash_or_dot_never_names_a_file) {
  for (std::string_view name : {"file0/", "sub/file1/", "file0//", "file0/.", "sub/file1/./"}) {
    EXPECT_EQ(refused(name), open_error::not_found) << name;
    EXPECT_EQ(why, "a name ending in '/' or '/.' names a directory, not a file") << name;
  }
}

TEST_P(confined_root_strategy, refuses_every_dot_dot) {
  for (std::string_view name : {"../x", "a/../../x", "sub/../file0", "..", "./../x", "sub/..", "../root/file0",
                                "../outside/secret"}) {
    EXPECT_EQ(refused(name), open_error::invalid_name) << name;
  }
}

TEST_P(confined_root_strategy, refuses_backslashes_and_control_characters) {
  using namespace std::string_view_literals;
  for (auto name : {"..\\x"sv, "sub\\file1"sv, "a\nb"sv, "file0\0"sv, "fi\x01le0"sv, "\x7f"sv, "sub/\tfile1"sv}) {
    EXPECT_EQ(refused(name), open_error::invalid_name) << name;
  }
}

TEST_P(confined_root_strategy, refuses_empty_names) {
  for (std::string_view name : {"", "/", "//", ".", "./."}) EXPECT_EQ(refused(name), open_error::invalid_name) << name;
}

TEST_P(confined_root_strategy, serves_percent_signs_literally_without_decoding) {
  tree::write(t.root / "%2e%2e", "literal");
  EXPECT_EQ(content("%2e%2e"), "literal");
  EXPECT_EQ(refused("%2e%2e/x"), open_error::not_found);
  EXPECT_EQ(refused("%2e%2e%2fx"), open_error::not_found);
}

TEST_P(confined_root_strategy, refuses_symlinks_that_leave_the_root) {
  fs::create_symlink("../outside/secret", t.root / "relative_escape");
  fs::create_symlink((t.base / "outside" / "secret").string(), t.root / "absolute_escape");
  fs::create_symlink("/etc/passwd", t.root / "etc_passwd");
  fs::create_symlink("..", t.root / "up");
  fs::create_symlink("../../outside/secret", t.root / "sub" / "deep_escape");
  for (std::string_view name : {"relative_escape", "absolute_escape", "etc_passwd", "up/outside/secret", "up/x",
                                "sub/deep_escape"}) {
    EXPECT_EQ(refused(name), open_error::access_denied) << name;
  }
}

TEST_P(confined_root_strategy, follows_symlinks_that_stay_inside) {
  fs::create_symlink("sub/file1", t.root / "alias");
  fs::create_symlink("../file0", t.root / "sub" / "up_alias");
  fs::create_symlink("sub", t.root / "subdir_alias");
  fs::create_symlink("alias", t.root / "chained");
  EXPECT_EQ(content("alias"), "one");
  EXPECT_EQ(content("sub/up_alias"), "zero");
  EXPECT_EQ(content("subdir_alias/file1"), "one");
  EXPECT_EQ(content("chained"), "one");
}

TEST_P(confined_root_strategy, refuses_symlink_loops) {
  fs::create_symlink("loop_b", t.root / "loop_a");
  fs::create_symlink("loop_a", t.root / "loop_b");
  EXPECT_EQ(refused("loop_a"), open_error::access_denied);
}

TEST_P(confined_root_strategy, refuses_directories) {
  EXPECT_EQ(refused("sub"), open_error::access_denied);
  EXPECT_EQ(refused("sub/"), open_error::access_denied);
  EXPECT_EQ(refused("sub/."), open_error::access_denied);
  fs::create_symlink(".", t.root / "self");
  EXPECT_EQ(refused("self"), open_error::access_denied);
}

TEST_P(confined_root_strategy, refuses_a_fifo_without_blocking) {
  auto fifo = t.root / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  auto opening = std::async(std::launch::async, [&] {
    open_error e = open_error::none;
    std::string w;
    auto f = root.open("fifo", e, w);
    return std::pair(bool(f.fd), e);
  });
  if (opening.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    int unblock = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // a blocked reader: release it, then fail
    opening.wait();
    if (unblock >= 0) ::close(unblock);
    FAIL() << "opening a FIFO blocked";
  }
  auto [opened, e] = opening.get();
  EXPECT_FALSE(opened);
  EXPECT_EQ(e, open_error::access_denied);
}

TEST_P(confined_root_strategy, refuses_devices_and_sockets) {
  auto dev = t.root / "null";
  if (::mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) GTEST_SKIP() << "mknod needs root";
  EXPECT_EQ(refused("null"), open_error::access_denied);

  int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  auto path = (t.root / "sock").string();
  ASSERT_LT(path.size(), sizeof(sa.sun_path));
  std::copy(path.begin(), path.end(), sa.sun_path);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  EXPECT_EQ(refused("sock"), open_error::access_denied);
  ::close(s);
}

TEST_P(confined_root_strategy, handles_long_and_binary_names) {
  std::string longest(255, 'a');
  tree::write(t.root / longest, "long");
  EXPECT_EQ(content(longest), "long");
  EXPECT_EQ(refused(std::string(256, 'a')), open_error::invalid_name);
  std::string huge;
  while (huge.size() < 5000) huge += "sub/";
  EXPECT_EQ(refused(huge + "file1"), open_error::invalid_name);
  std::string binary = "\xff\xfe\x80-boot.bin";
  tree::write(t.root / binary, "binary");
  EXPECT_EQ(content(binary), "binary");
}

INSTANTIATE_TEST_SUITE_P(strategies, confined_root_strategy, ::testing::Values(strategy::openat2, strategy::walk),
                         [](const auto& info) { return info.param == strategy::openat2 ? "openat2" : "walk"; });

TEST(confined_root, automatic_uses_openat2_when_the_kernel_has_it) {
  tree t;
  root_directory root(t.root.string());
  int fd = ::open(t.root.c_str(), O_PATH | O_DIRECTORY);
  EXPECT_EQ(root.used(), kernel_has_openat2(fd) ? strategy::openat2 : strategy::walk);
  ::close(fd);
}

TEST(confined_root, a_missing_root_is_a_control_path_error) {
  EXPECT_THROW(root_directory("/nonexistent/bootfw/root"), std::system_error);
}

TEST(confined_root, normalize_name_reports_why) {
  open_error e;
  std::string why;
  EXPECT_EQ(normalize_name("/a//./b/", e, why), "a/b");
  EXPECT_EQ(e, open_error::none);
  EXPECT_EQ(normalize_name("a/../b", e, why), "");
  EXPECT_EQ(e, open_error::invalid_name);
  EXPECT_EQ(why, "'..' in name");
}

}  // namespace

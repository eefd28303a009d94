// Helpers for the lease store tests: a temporary state directory and lease builders.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <bootfw/leases/lease.hpp>

namespace bootfw::leases::test {

struct temp_dir {
  std::string path;
  temp_dir() {
    std::string tmpl = std::filesystem::temp_directory_path() / "bootfw-leases-XXXXXX";
    path = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline sdk::mac_address mac_n(std::uint32_t n) {
  return sdk::mac_address({0x02, 0x00, std::uint8_t(n >> 24), std::uint8_t(n >> 16), std::uint8_t(n >> 8),
                           std::uint8_t(n)});
}

inline lease make_lease(std::uint32_t n, std::int64_t ends = 2'000'000'000) {
  lease l;
  l.address = sdk::ipv4_address(0x0a000000u + n);
  l.mac = mac_n(n);
  l.state = lease_state::active;
  l.starts = 1'700'000'000;
  l.ends = ends;
  return l;
}

inline std::vector<char> read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
inline void write_file(const std::string& p, const std::vector<char>& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

}  // namespace bootfw::leases::test

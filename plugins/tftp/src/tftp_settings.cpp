#include "tftp_settings.hpp"

#include "tftp_options.hpp"

namespace bootfw::plugin_tftp {

tftp_settings parse_settings(const sdk::config_view& config) {
  config.allow_only({"address", "port", "interface", "timeout_ms", "retries", "max_blksize", "max_windowsize",
                     "max_window_bytes", "max_sessions", "max_sessions_per_client", "max_new_sessions_per_second",
                     "pause_seconds", "fast_transfers", "upload_directory"});
  tftp_settings s;
  auto address = config.get_string("address", "0.0.0.0");
  auto parsed = sdk::ipv4_address::parse(address);
  if (!parsed) throw sdk::config_error(config["address"], "'" + address + "' is not an IPv4 address");
  s.address = *parsed;
  s.port = std::uint16_t(config.get_int("port", 69, 1, 65535));
  s.interface = config.get_string("interface", "");
  s.timeout = std::chrono::milliseconds(config.get_int("timeout_ms", 1000, 10, 255000));
  s.retries = unsigned(config.get_int("retries", 5, 0, 100));
  s.max_blksize = std::uint32_t(config.get_int("max_blksize", 0, 0, max_blksize_rfc));
  if (s.max_blksize != 0 && s.max_blksize < min_blksize)
    throw sdk::config_error(config["max_blksize"], "must be 0 (follow the interface MTU) or 8..65464");
  s.max_windowsize = std::uint32_t(config.get_int("max_windowsize", 64, 1, max_windowsize_rfc));
  s.max_window_bytes = std::size_t(config.get_int("max_window_bytes", 4 << 20, 65464, std::int64_t(1) << 30));
  s.max_sessions = unsigned(config.get_int("max_sessions", 4096, 1, 1 << 20));
  s.max_sessions_per_client = unsigned(config.get_int("max_sessions_per_client", 11, 1, 1 << 20));
  s.max_new_sessions_per_second = unsigned(config.get_int("max_new_sessions_per_second", 100, 0, 1 << 24));
  s.pause = std::chrono::seconds(config.get_int("pause_seconds", 2, 0, 3600));
  s.fast_transfers = unsigned(config.get_int("fast_transfers", 128, 0, 1 << 20));
  // Uploads (WRQ) are not implemented: every WRQ is refused with ERROR 2. Say so instead of silently
  // ignoring an operator who expects them.
  if (config["upload_directory"].present())
    throw sdk::config_error(config["upload_directory"],
                            "uploads are not supported by this tftp plugin (every WRQ is refused with ERROR 2)");
  return s;
}

}  // namespace bootfw::plugin_tftp

// bootfw SDK — artifacts: what a transport streams to a client (a file, or generated content).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>

namespace bootfw::sdk {
inline namespace abi_v1 {

/// An open artifact: a fixed size and random-access reads.
/// Ownership: created by an artifact-provider (or by bootfw for generated content), held by the transport
///   through std::shared_ptr; bootfw keeps the provider's library loaded while any artifact lives.
/// Thread-safety: read() may be called concurrently from several threads.
/// Lifetime: as long as the shared_ptr; the size is fixed at open — if the underlying file shrinks,
///   read() returns fewer bytes than asked and the transport must abort, never send wrong bytes.
class artifact {
 public:
  virtual ~artifact() = default;
  /// Size in bytes as of open().
  virtual std::uint64_t size() const noexcept = 0;
  /// Reads up to out.size() bytes at offset (bounded: callers ask one window at a time).
  /// Returns the bytes read; fewer than asked only at size() or on error (then ec is set).
  virtual std::size_t read(std::uint64_t offset, std::span<std::byte> out, std::error_code& ec) noexcept = 0;
  /// Name for logs (resolved path).
  virtual std::string name() const = 0;
};

/// Why an artifact could not be opened. Transports map these to their protocol's errors
/// (TFTP: not_found → ERROR 1, access_denied → ERROR 2, …).
enum class open_error : std::uint8_t {
  none = 0,
  not_found,      ///< no such artifact
  access_denied,  ///< exists but must not be served (outside the root, not a regular file, unreadable)
  invalid_name,   ///< the requested name is malformed (traversal, control characters …)
  busy,           ///< temporarily unavailable
  io_error,
};
constexpr const char* to_string(open_error e) noexcept {
  switch (e) {
    case open_error::none: return "ok";
    case open_error::not_found: return "not found";
    case open_error::access_denied: return "access denied";
    case open_error::invalid_name: return "invalid name";
    case open_error::busy: return "busy";
    case open_error::io_error: return "I/O error";
  }
  return "unknown";
}

}  // namespace abi_v1
}  // namespace bootfw::sdk

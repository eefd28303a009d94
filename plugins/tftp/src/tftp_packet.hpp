// TFTP wire format (RFC 1350 §5, RFC 2347 option extension): parse requests, ACKs and ERRORs; build DATA,
// ERROR, OACK. Pure functions on byte spans: no sockets, no state, no allocation beyond the results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bootfw::plugin_tftp {

/// RFC 1350 §5 opcodes, plus OACK from RFC 2347.
enum class opcode : std::uint16_t { rrq = 1, wrq = 2, data = 3, ack = 4, error = 5, oack = 6 };

/// RFC 1350 §5 error codes, plus 8 from RFC 2347.
enum class error_code : std::uint16_t {
  not_defined = 0,
  file_not_found = 1,
  access_violation = 2,
  disk_full = 3,
  illegal_operation = 4,
  unknown_transfer_id = 5,
  file_exists = 6,
  no_such_user = 7,
  option_refused = 8,
};

enum class transfer_mode : std::uint8_t { octet, netascii };

/// The longest file name a request may carry (same bound as tftp-hpa's PATH_MAX-safe checks).
inline constexpr std::size_t max_filename_length = 255;

/// One option of an RRQ/WRQ (RFC 2347): name lower-cased (names are case-insensitive), value as sent.
struct request_option {
  std::string name;
  std::string value;
};

/// A validated RRQ or WRQ.
struct request {
  opcode op = opcode::rrq;
  std::string filename;  ///< one leading '/' stripped (like tftp-hpa -s)
  transfer_mode mode = transfer_mode::octet;
  std::vector<request_option> options;  ///< first occurrence of each name, in request order
};

/// Why a request was refused: the ERROR packet to answer with.
struct request_error {
  error_code code = error_code::illegal_operation;
  std::string message;
};

/// Result of parse_request: exactly one of the two is meaningful (`ok()` tells which).
struct parsed_request {
  std::optional<request> value;
  request_error error;
  bool ok() const noexcept { return value.has_value(); }
};

/// The packet's opcode, or nullopt when shorter than 2 bytes or not one of the six known opcodes.
std::optional<opcode> peek_opcode(std::span<const std::byte> packet) noexcept;

/// Parses and validates an RRQ/WRQ (RFC 1350 §5, RFC 2347): structure, mode and the file name
/// (not empty, at most 255 bytes, no control characters). Path confinement is the artifact provider's job.
parsed_request parse_request(std::span<const std::byte> packet);

/// The block number of an ACK (RFC 1350 §5), or nullopt when the packet is not a 4-byte-or-longer ACK.
std::optional<std::uint16_t> parse_ack(std::span<const std::byte> packet) noexcept;

/// A received ERROR packet. Any length is accepted (RFC 1350 §7: an error ends the transfer); a missing
/// code reads as 0, the message is cut at the first NUL and stripped of control characters.
struct error_packet {
  std::uint16_t code = 0;
  std::string message;
};
std::optional<error_packet> parse_error(std::span<const std::byte> packet);

std::vector<std::byte> build_error(error_code code, std::string_view message);
/// RFC 2347 OACK: name\0value\0 for every acknowledged option, in the given order.
std::vector<std::byte> build_oack(const std::vector<std::pair<std::string, std::string>>& options);
/// Writes the 4-byte DATA header (RFC 1350 §5) for `block` (already reduced modulo 65536) at `out`.
void write_data_header(std::byte* out, std::uint16_t block) noexcept;

// Client-side builders (tests, benchmark client).
std::vector<std::byte> build_request(opcode op, std::string_view filename, std::string_view mode,
                                     const std::vector<std::pair<std::string, std::string>>& options = {});
std::vector<std::byte> build_ack(std::uint16_t block);

std::string_view to_string(transfer_mode mode) noexcept;

}  // namespace bootfw::plugin_tftp

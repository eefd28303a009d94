// The journal's on-disk format.
//
//   file   := header record*
//   header := "BFWLEAS1" (8 bytes)
//   record := length:u32le crc32c(payload):u32le payload[length]
//   payload:= version:u8(=1) address:u32be state:u8 mac[6] starts:i64le ends:i64le cid_len:u8 cid[cid_len]
//
// A record is a lease's whole state (last record for an address wins), so replaying the journal, or a
// compacted snapshot of it, gives the same table.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <bootfw/leases/lease.hpp>

namespace bootfw::leases {

inline constexpr std::string_view journal_magic = "BFWLEAS1";
inline constexpr std::size_t record_header_size = 8;
inline constexpr std::size_t min_payload_size = 1 + 4 + 1 + 6 + 8 + 8 + 1;
inline constexpr std::size_t max_payload_size = min_payload_size + max_client_id;

/// Appends one framed record for `l` to `out`.
void append_record(std::vector<std::uint8_t>& out, const lease& l);

/// Decodes one payload (already checked against its CRC); nullopt if malformed.
std::optional<lease> decode_payload(std::span<const std::uint8_t> payload);

/// Result of scanning a journal image.
struct journal_scan {
  std::vector<lease> records;  ///< in file order (scan_journal; journal_file::recover streams them instead)
  std::size_t record_count = 0;
  std::size_t good_bytes = 0;  ///< offset just past the last valid record (the whole file when intact)
  std::size_t file_bytes = 0;  ///< size of the image scanned
  bool bad_header = false;     ///< the file is not a journal at all
  const char* tail_problem = nullptr;  ///< why the bytes past good_bytes were rejected
};

/// Parses a whole journal file image, stopping at the first torn or corrupt record.
journal_scan scan_journal(std::span<const std::uint8_t> image);

/// Parses the records (no header) at the start of `data`, calling on_record for each good one; returns
/// the bytes they take. Where it stops early, `problem` says why and `incomplete` tells a record cut by the
/// end of `data` (more bytes may complete it) from a bad one.
std::size_t scan_records(std::span<const std::uint8_t> data, const std::function<void(lease&&)>& on_record,
                         const char*& problem, bool& incomplete);

}  // namespace bootfw::leases

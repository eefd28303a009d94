// CRC32C (Castagnoli, RFC 3720 §B.4): the per-record checksum of the lease journal.
#pragma once

#include <cstdint>
#include <span>

namespace bootfw::leases {

std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc = 0) noexcept;

}  // namespace bootfw::leases

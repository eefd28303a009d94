#include "lease_record.hpp"

#include "crc32c.hpp"

namespace bootfw::leases {
namespace {

void put_i64le(std::vector<std::uint8_t>& o, std::int64_t s) {
  auto v = std::uint64_t(s);
  for (int i = 0; i < 8; ++i) o.push_back(std::uint8_t(v >> (8 * i)));
}
std::uint32_t get_u32le(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}
std::int64_t get_i64le(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return std::int64_t(v);
}

}  // namespace

void append_record(std::vector<std::uint8_t>& out, const lease& l) {
  const std::size_t cid = std::min(l.client_id.size(), max_client_id);
  const std::size_t start = out.size();
  out.resize(start + record_header_size);  // length and CRC filled in below
  out.push_back(1);
  auto a = l.address.octets();
  out.insert(out.end(), a.begin(), a.end());
  out.push_back(std::uint8_t(l.state));
  out.insert(out.end(), l.mac.bytes().begin(), l.mac.bytes().end());
  put_i64le(out, l.starts);
  put_i64le(out, l.ends);
  out.push_back(std::uint8_t(cid));
  out.insert(out.end(), l.client_id.begin(), l.client_id.begin() + std::ptrdiff_t(cid));
  const std::size_t len = out.size() - start - record_header_size;
  const std::uint32_t crc = crc32c(std::span(out).subspan(start + record_header_size, len));
  for (int i = 0; i < 4; ++i) out[start + std::size_t(i)] = std::uint8_t(len >> (8 * i));
  for (int i = 0; i < 4; ++i) out[start + 4 + std::size_t(i)] = std::uint8_t(crc >> (8 * i));
}

std::optional<lease> decode_payload(std::span<const std::uint8_t> p) {
  if (p.size() < min_payload_size || p[0] != 1) return std::nullopt;
  lease l;
  l.address = sdk::ipv4_address(p[1], p[2], p[3], p[4]);
  const auto st = p[5];
  if (st < 1 || st > 3) return std::nullopt;
  l.state = lease_state(st);
  std::array<std::uint8_t, 6> mac{};
  std::copy(p.begin() + 6, p.begin() + 12, mac.begin());
  l.mac = sdk::mac_address(mac);
  l.starts = get_i64le(p.data() + 12);
  l.ends = get_i64le(p.data() + 20);
  const std::size_t cid = p[28];
  if (p.size() != min_payload_size + cid) return std::nullopt;
  l.client_id.assign(p.begin() + 29, p.end());
  return l;
}

std::size_t scan_records(std::span<const std::uint8_t> image, const std::function<void(lease&&)>& on_record,
                         const char*& problem, bool& incomplete) {
  std::size_t off = 0;
  problem = nullptr;
  incomplete = false;
  while (off < image.size()) {
    if (image.size() - off < record_header_size) {
      problem = "torn record header";
      incomplete = true;
      break;
    }
    const std::uint32_t len = get_u32le(image.data() + off);
    const std::uint32_t crc = get_u32le(image.data() + off + 4);
    if (len < min_payload_size || len > max_payload_size) {
      problem = "bad record length";
      break;
    }
    if (image.size() - off - record_header_size < len) {
      problem = "torn record";
      incomplete = true;
      break;
    }
    auto payload = image.subspan(off + record_header_size, len);
    if (crc32c(payload) != crc) {
      problem = "checksum mismatch";
      break;
    }
    auto l = decode_payload(payload);
    if (!l) {
      problem = "malformed record";
      break;
    }
    on_record(std::move(*l));
    off += record_header_size + len;
  }
  return off;
}

journal_scan scan_journal(std::span<const std::uint8_t> image) {
  journal_scan out;
  out.file_bytes = image.size();
  if (image.size() < journal_magic.size()) {
    // A crash between create and the header's fsync leaves a short file: treat it as empty.
    out.tail_problem = image.empty() ? nullptr : "torn file header";
    return out;
  }
  if (!std::equal(journal_magic.begin(), journal_magic.end(), image.begin())) {
    out.bad_header = true;
    return out;
  }
  bool incomplete = false;
  out.good_bytes = journal_magic.size() +
                   scan_records(image.subspan(journal_magic.size()),
                                [&](lease&& l) { out.records.push_back(std::move(l)); }, out.tail_problem, incomplete);
  out.record_count = out.records.size();
  return out;
}

}  // namespace bootfw::leases

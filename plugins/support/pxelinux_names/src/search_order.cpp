#include <bootfw/pxelinux_names/search_order.hpp>

namespace bootfw::pxelinux {
namespace {

constexpr char lower_hex[] = "0123456789abcdef";
constexpr char upper_hex[] = "0123456789ABCDEF";

int nibble(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool all_of(std::string_view s, const char* alphabet) {
  return !s.empty() && s.find_first_not_of(alphabet) == std::string_view::npos;
}

}  // namespace

std::string hex_ip(sdk::ipv4_address address) {
  std::string out;
  for (auto o : address.octets()) {
    out += upper_hex[o >> 4];
    out += upper_hex[o & 15];
  }
  return out;
}

std::string hardware_name(const sdk::mac_address& mac, std::uint8_t hardware_type) {
  std::string out{lower_hex[hardware_type >> 4], lower_hex[hardware_type & 15], '-'};
  return out + mac.to_string('-');
}

std::string uuid_name(const uuid_bytes& uuid) {
  std::string out;
  for (std::size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += lower_hex[uuid[i] >> 4];
    out += lower_hex[uuid[i] & 15];
  }
  return out;
}

std::optional<uuid_bytes> uuid_from_option(std::span<const std::uint8_t> option97) {
  // RFC 4578 §2.5: type 0 followed by the 16-octet GUID; pxelinux ignores any other form.
  if (option97.size() != 17 || option97[0] != 0) return std::nullopt;
  uuid_bytes u{};
  for (std::size_t i = 0; i < 16; ++i) u[i] = option97[i + 1];
  return u;
}

std::optional<uuid_bytes> parse_uuid(std::string_view text) {
  std::string digits;
  if (text.size() == 36) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
      if ((text[i] == '-') != dash_position) return std::nullopt;
      if (!dash_position) digits += text[i];
    }
  } else if (text.size() == 32) {
    digits = text;
  } else {
    return std::nullopt;
  }
  uuid_bytes u{};
  for (std::size_t i = 0; i < 16; ++i) {
    int hi = nibble(digits[2 * i]), lo = nibble(digits[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    u[i] = std::uint8_t(hi << 4 | lo);
  }
  return u;
}

std::vector<std::string> search_order(const client_identity& client) {
  std::vector<std::string> names;
  if (client.uuid) names.push_back(uuid_name(*client.uuid));
  if (client.mac) names.push_back(hardware_name(*client.mac, client.hardware_type));
  if (client.address) {
    auto hex = hex_ip(*client.address);
    for (std::size_t n = hex.size(); n >= 1; --n) names.push_back(hex.substr(0, n));
  }
  names.emplace_back("default");
  return names;
}

name_facts classify_name(std::string_view name) {
  name_facts f;
  if (name == "default") {
    f.what = name_facts::kind::default_file;
  } else if (name.size() == 36 && all_of(name, "0123456789abcdef-")) {
    if ((f.uuid = parse_uuid(name))) f.what = name_facts::kind::uuid;
  } else if (name.size() == 20 && name[2] == '-' && all_of(name, "0123456789abcdef-")) {
    int hi = nibble(name[0]), lo = nibble(name[1]);
    auto mac = sdk::mac_address::parse(name.substr(3));
    if (hi >= 0 && lo >= 0 && mac && name.substr(3).find(':') == std::string_view::npos) {
      f.what = name_facts::kind::hardware;
      f.hardware_type = std::uint8_t(hi << 4 | lo);
      f.mac = mac;
    }
  } else if (name.size() <= 8 && all_of(name, upper_hex)) {
    f.what = name_facts::kind::hex_ip;
    if (name.size() == 8) {
      std::uint32_t v = 0;
      for (char c : name) v = v << 4 | std::uint32_t(nibble(c));
      f.address = sdk::ipv4_address(v);
    }
  }
  return f;
}

}  // namespace bootfw::pxelinux

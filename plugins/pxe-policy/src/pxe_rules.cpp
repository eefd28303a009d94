#include "pxe_rules.hpp"

#include <algorithm>
#include <cctype>

namespace bootfw::plugin_pxe_policy {
namespace {

// Normalises "52-54-00" / "52:54:00" to "52:54:00"; nullopt if it is not 1..6 hex pairs.
std::optional<std::string> normalise_mac_prefix(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool sep_pos = i % 3 == 2;
    if (sep_pos) {
      if (c != ':' && c != '-') return std::nullopt;
      out += ':';
    } else {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
      out += char(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (out.empty() || out.size() > 17 || out.size() % 3 != 2) return std::nullopt;
  return out;
}

std::optional<std::string> optional_string(const sdk::config_view& rule, std::string_view key) {
  if (!rule[key].present()) return std::nullopt;
  auto v = rule.get_string(key, "");
  if (v.empty()) throw sdk::config_error(rule[key], "must not be empty");
  return v;
}

}  // namespace

std::string arch_name(std::uint16_t arch) {
  // IANA DHCP "Processor Architecture Types" (RFC 4578 §2.1 and later assignments).
  switch (arch) {
    case 0: return "x86 BIOS";
    case 6: return "EFI IA32";
    case 7: return "EFI x64";
    case 9: return "EFI x64 (EBC)";
    case 10: return "EFI ARM32";
    case 11: return "EFI ARM64";
    case 15: return "EFI IA32 HTTP";
    case 16: return "EFI x64 HTTP";
    case 18: return "EFI ARM32 HTTP";
    case 19: return "EFI ARM64 HTTP";
    default: return "arch " + std::to_string(arch);
  }
}

bool boot_rule::matches(const sdk::client_facts& f) const {
  if (!arch.empty() && std::none_of(arch.begin(), arch.end(), [&](std::uint16_t a) {
        return std::find(f.architectures.begin(), f.architectures.end(), a) != f.architectures.end();
      }))
    return false;
  if (user_class && f.user_class_text() != *user_class) return false;
  if (vendor_class_prefix && f.vendor_class.rfind(*vendor_class_prefix, 0) != 0) return false;
  if (mac_prefix && f.mac.to_string().rfind(*mac_prefix, 0) != 0) return false;
  return true;
}

std::string boot_rule::describe() const {
  std::string d;
  auto add = [&](const std::string& s) { d += (d.empty() ? "" : ", ") + s; };
  for (auto a : arch) add("arch " + std::to_string(a) + " (" + arch_name(a) + ")");
  if (user_class) add("user_class " + *user_class);
  if (vendor_class_prefix) add("vendor_class_prefix " + *vendor_class_prefix);
  if (mac_prefix) add("mac_prefix " + *mac_prefix);
  return d.empty() ? "every client" : d;
}

std::vector<boot_rule> parse_rules(const sdk::config_view& rules) {
  std::vector<boot_rule> out;
  if (!rules.present()) return out;
  if (!rules.is_array()) throw sdk::config_error(rules, "expected an array of tables ([[plugin.config.rule]])");
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    if (!r.is_table()) throw sdk::config_error(r, "expected a table");
    r.allow_only({"name", "arch", "user_class", "vendor_class_prefix", "mac_prefix", "filename", "next_server",
                  "server_name", "boot"});
    boot_rule b;
    b.name = r.get_string("name", "rule[" + std::to_string(i) + "]");
    const auto& arch = r["arch"];
    if (arch.is_array()) {
      for (std::size_t j = 0; j < arch.size(); ++j) {
        auto v = arch[j].as_int();
        if (!v || *v < 0 || *v > 65535) throw sdk::config_error(arch[j], "expected an architecture type 0..65535");
        b.arch.push_back(std::uint16_t(*v));
      }
      if (b.arch.empty()) throw sdk::config_error(arch, "must not be empty");
    } else if (arch.present()) {
      b.arch.push_back(std::uint16_t(r.get_int("arch", 0, 0, 65535)));
    }
    b.user_class = optional_string(r, "user_class");
    b.vendor_class_prefix = optional_string(r, "vendor_class_prefix");
    if (auto m = optional_string(r, "mac_prefix")) {
      b.mac_prefix = normalise_mac_prefix(*m);
      if (!b.mac_prefix) throw sdk::config_error(r["mac_prefix"], "'" + *m + "' is not a MAC prefix like \"52:54:00\"");
    }
    b.filename = optional_string(r, "filename");
    b.server_name = optional_string(r, "server_name");
    if (auto ns = optional_string(r, "next_server")) {
      b.next_server = sdk::ipv4_address::parse(*ns);
      if (!b.next_server) throw sdk::config_error(r["next_server"], "'" + *ns + "' is not an IPv4 address");
    }
    b.boot = r.get_bool("boot", true);
    if (!b.boot && (b.filename || b.next_server || b.server_name))
      throw sdk::config_error(r, "a rule with boot = false cannot also set filename, next_server or server_name");
    if (b.boot && !b.filename && !b.next_server && !b.server_name)
      throw sdk::config_error(r, "a rule needs filename, next_server, server_name or boot = false");
    if (b.filename && b.filename->size() > 127)
      throw sdk::config_error(r["filename"], "longer than the 127 bytes of the BOOTP file field (RFC 2131 §2)");
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace bootfw::plugin_pxe_policy

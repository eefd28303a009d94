#include "mac_prefix_policy.hpp"

#include <algorithm>

namespace example {

using namespace bootfw::sdk;

std::optional<mac_prefix> mac_prefix::parse(std::string_view text) noexcept {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  mac_prefix p;
  std::size_t i = 0;
  while (i < text.size()) {
    if (p.length == 6 || i + 2 > text.size()) return std::nullopt;
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    p.octets[p.length++] = std::uint8_t(hi << 4 | lo);
    i += 2;
    if (i == text.size()) break;
    if (text[i] != ':' && text[i] != '-') return std::nullopt;
    if (++i == text.size()) return std::nullopt;  // trailing separator
  }
  if (p.length == 0) return std::nullopt;
  return p;
}

bool mac_prefix::matches(const mac_address& mac) const noexcept {
  return std::equal(octets.begin(), octets.begin() + long(length), mac.bytes().begin());
}

std::string mac_prefix::to_string() const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < length; ++i) {
    if (i) out += ':';
    out += hex[octets[i] >> 4];
    out += hex[octets[i] & 15];
  }
  return out;
}

void mac_prefix_policy::configure(host& host, const config_view& config) {
  config.allow_only({"prefix", "no_match"});
  auto no_match = config.get_string("no_match", "pass");
  if (no_match != "pass" && no_match != "refuse")
    throw config_error(config["no_match"], "expected \"pass\" (ask the next boot-policy) or \"refuse\"");
  refuse_unmatched_ = no_match == "refuse";

  const auto& list = config["prefix"];
  if (list.present() && !list.is_array())
    throw config_error(list, "expected [[plugin.config.prefix]] tables");
  std::vector<prefix_rule> rules;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& entry = list[i];
    if (!entry.is_table()) throw config_error(entry, "expected a table with mac_prefix, filename, next_server");
    entry.allow_only({"mac_prefix", "filename", "next_server"});
    prefix_rule rule;
    auto text = entry.require_string("mac_prefix");
    auto prefix = mac_prefix::parse(text);
    if (!prefix) throw config_error(entry["mac_prefix"], "expected 1 to 6 hex pairs like \"08:00:07\"");
    rule.prefix = *prefix;
    rule.filename = entry.require_string("filename");
    // RFC 2131 §2: `file` is a 128-byte field, NUL-terminated.
    if (rule.filename.empty() || rule.filename.size() > 127)
      throw config_error(entry["filename"], "expected a boot file name of 1 to 127 bytes");
    if (entry["next_server"].present()) {
      auto address = ipv4_address::parse(entry.get_string("next_server", ""));
      if (!address) throw config_error(entry["next_server"], "expected an IPv4 address");
      rule.next_server = *address;
    }
    for (const auto& other : rules)
      if (other.prefix.length == rule.prefix.length && other.prefix.octets == rule.prefix.octets)
        throw config_error(entry["mac_prefix"], "duplicate prefix " + rule.prefix.to_string());
    rules.push_back(std::move(rule));
  }
  // Longest prefix first, so the first match is the most specific one; equal lengths keep file order.
  std::stable_sort(rules.begin(), rules.end(),
                   [](const prefix_rule& a, const prefix_rule& b) { return a.prefix.length > b.prefix.length; });
  rules_ = std::move(rules);
  host.log().info(std::to_string(rules_.size()) + " MAC prefix rule(s); unmatched clients: " +
                  (refuse_unmatched_ ? "refused" : "next boot-policy"));
}

verdict mac_prefix_policy::decide(const client_facts& facts, boot_decision& decision) {
  // RFC 2131 §2: chaddr is a MAC only for htype 1 (Ethernet) with hlen 6.
  if (facts.htype == 1) {
    for (const auto& rule : rules_) {
      if (!rule.prefix.matches(facts.mac)) continue;
      decision.boot = true;
      decision.filename = rule.filename;
      decision.next_server = rule.next_server;
      decision.reason = "MAC " + facts.mac.to_string() + " matches prefix " + rule.prefix.to_string();
      return verdict::answer;
    }
  }
  if (refuse_unmatched_) {
    decision.boot = false;  // drop: the chain stops here and the client gets no boot file
    decision.reason = "MAC " + facts.mac.to_string() + " matches no prefix (no_match = \"refuse\")";
    return verdict::drop;
  }
  decision.reason = "MAC " + facts.mac.to_string() + " matches no prefix";
  return verdict::pass;
}

}  // namespace example

// mac-prefix: a third-party boot-policy plugin. It serves a different boot file (and next server) per MAC
// address prefix, read from its own [[plugin.config.prefix]] tables. The longest matching prefix wins.
#pragma once

#include <bootfw/sdk/plugin.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace example {

/// A MAC address prefix of 1 to 6 octets ("08:00:07", "52-54-00-12").
struct mac_prefix {
  std::array<std::uint8_t, 6> octets{};
  std::size_t length = 0;

  /// Hex pairs separated by ':' or '-', any case; nullopt when malformed.
  static std::optional<mac_prefix> parse(std::string_view text) noexcept;
  bool matches(const bootfw::sdk::mac_address& mac) const noexcept;
  std::string to_string() const;
};

/// One [[plugin.config.prefix]] entry.
struct prefix_rule {
  mac_prefix prefix;
  std::string filename;
  std::optional<bootfw::sdk::ipv4_address> next_server;
};

/// Ownership: created and destroyed by its module's BOOTFW_PLUGIN entry points.
/// Thread-safety: decide() only reads state frozen by configure(), so concurrent calls are safe.
/// Lifetime: the rules live as long as the instance; nothing refers to the config view after configure().
class mac_prefix_policy final : public bootfw::sdk::boot_policy {
 public:
  void configure(bootfw::sdk::host& host, const bootfw::sdk::config_view& config) override;
  bootfw::sdk::verdict decide(const bootfw::sdk::client_facts& facts,
                              bootfw::sdk::boot_decision& decision) override;

  const std::vector<prefix_rule>& rules() const noexcept { return rules_; }

 private:
  std::vector<prefix_rule> rules_;  ///< sorted longest prefix first
  bool refuse_unmatched_ = false;
};

}  // namespace example

// The "file" artifact-provider: files under one or more confined roots, small ones cached in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <bootfw/confined_root/confined_root.hpp>
#include <bootfw/sdk/plugin.hpp>

#include "small_file_cache.hpp"

namespace bootfw::plugin_file {

struct file_settings {
  std::vector<std::string> roots;                  ///< absolute directories, searched in order
  std::uint64_t cache_max_file_bytes = 1 << 20;    ///< files up to this size are cached (0: no cache)
  std::uint64_t cache_max_total_bytes = 64 << 20;  ///< the cache's budget
};

/// Parses [plugin.config]; throws sdk::config_error naming the file, line and key.
file_settings parse_file_settings(const sdk::config_view& config);

/// Ownership: created and destroyed by bootfw through BOOTFW_PLUGIN. Thread-safety: open() is called
/// concurrently from transports and is thread-safe (roots are immutable after configure, the cache locks).
/// Lifetime: artifacts it returns may outlive a reload of the plugin; bootfw keeps the library loaded.
class file_provider final : public sdk::artifact_provider {
 public:
  void configure(sdk::host& host, const sdk::config_view& config) override;
  std::shared_ptr<sdk::artifact> open(std::string_view path, sdk::open_error& error) override;

  const file_settings& settings() const noexcept { return settings_; }
  const small_file_cache* cache() const noexcept { return cache_.get(); }

 private:
  std::shared_ptr<sdk::artifact> make_artifact(std::size_t root_index, const std::string& name,
                                               confined_root::opened_file file);

  sdk::host* host_ = nullptr;
  file_settings settings_;
  std::vector<confined_root::root_directory> roots_;
  std::unique_ptr<small_file_cache> cache_;
  sdk::counter* opens_ = nullptr;
  sdk::counter* refusals_ = nullptr;
  sdk::counter* hits_ = nullptr;
  sdk::counter* misses_ = nullptr;
  sdk::counter* bytes_read_ = nullptr;
  sdk::gauge* cached_bytes_ = nullptr;
};

}  // namespace bootfw::plugin_file

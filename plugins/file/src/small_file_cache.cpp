#include "small_file_cache.hpp"

namespace bootfw::plugin_file {

std::shared_ptr<const std::string> small_file_cache::find(const std::string& key, const file_identity& identity) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (!(it->second.identity == identity)) {
    erase_locked(it);
    return nullptr;
  }
  recency_.splice(recency_.begin(), recency_, it->second.recency);
  return it->second.bytes;
}

void small_file_cache::insert(const std::string& key, const file_identity& identity,
                              std::shared_ptr<const std::string> bytes) {
  if (!bytes || !cacheable(bytes->size())) return;
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) erase_locked(it);
  while (!recency_.empty() && total_bytes_ + bytes->size() > max_total_bytes_)
    erase_locked(entries_.find(recency_.back()));
  recency_.push_front(key);
  total_bytes_ += bytes->size();
  entries_.emplace(key, entry{identity, std::move(bytes), recency_.begin()});
}

void small_file_cache::erase_locked(std::unordered_map<std::string, entry>::iterator it) {
  total_bytes_ -= it->second.bytes->size();
  recency_.erase(it->second.recency);
  entries_.erase(it);
}

std::uint64_t small_file_cache::total_bytes() const {
  std::lock_guard lock(mutex_);
  return total_bytes_;
}

std::size_t small_file_cache::entries() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace bootfw::plugin_file

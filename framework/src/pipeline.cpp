#include "pipeline.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace bootfw {

namespace {

// Wraps an artifact so the library that made it stays loaded while the artifact lives.
// Member order: the artifact (plugin code) is destroyed before the library reference.
struct artifact_holder {
  std::shared_ptr<plugin_library> library;
  std::shared_ptr<sdk::artifact> artifact;
};

class memory_artifact final : public sdk::artifact {
 public:
  memory_artifact(std::string name, std::string content) : name_(std::move(name)), content_(std::move(content)) {}
  std::uint64_t size() const noexcept override { return content_.size(); }
  std::size_t read(std::uint64_t offset, std::span<std::byte> out, std::error_code&) noexcept override {
    if (offset >= content_.size()) return 0;
    auto n = std::min<std::size_t>(out.size(), content_.size() - offset);
    std::memcpy(out.data(), content_.data() + offset, n);
    return n;
  }
  std::string name() const override { return name_; }

 private:
  std::string name_, content_;
};

std::string describe_exception(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "non-standard exception";
  }
}

constexpr sdk::plugin_kind start_order[] = {sdk::plugin_kind::artifact_provider, sdk::plugin_kind::config_resolver,
                                            sdk::plugin_kind::boot_policy, sdk::plugin_kind::dhcp_responder,
                                            sdk::plugin_kind::tftp_transport};

}  // namespace

pipeline::pipeline(runtime_context& ctx, client_sessions& sessions, const server_config& config,
                   const library_loader_options& loader)
    : ctx_(ctx), sessions_(sessions) {
  for (const auto& e : config.plugins) {
    auto slot = std::make_unique<plugin_slot>();
    slot->entry = e;
    try {
      slot->library = load_plugin_library(e.library_path, e.kind, loader);
      if (slot->library->replaced_on_disk())
        named_logger(ctx.sink, "bootfw")
            .write(log_level::warn, fmt::format("{}: plugin[{}]: {} was replaced on disk while bootfw held it; its "
                                                "old code keeps running until bootfw restarts",
                                                e.where, e.name, e.library_path));
      auto state_dir = (std::filesystem::path(config.state_directory) / e.name).string();
      slot->host = std::make_unique<plugin_host>(ctx, e.name, slot->library, state_dir, ctx.context_for(e.kind));
      slot->host->attach(this);
      slot->instance = create_instance(slot->library);
    } catch (const plugin_load_error& error) {
      // Name the entry as configuration errors do: two instances may share one library.
      throw plugin_load_error(fmt::format("{}: plugin[{}].library: {}", e.where, e.name, error.what()));
    }
    chains_[std::size_t(e.kind)].push_back(slot.get());
    slots_.push_back(std::move(slot));
  }
  for (auto& s : slots_) {
    const auto& info = s->library->info();
    try {
      s->host->executor_impl().run_and_wait([&] { s->instance->configure(*s->host, *s->entry.config); });
    } catch (...) {
      throw plugin_start_error(fmt::format("plugin '{}' ({} {} from {}) rejected its configuration: {}", s->entry.name,
                                           info.name, info.version, s->entry.library,
                                           describe_exception(std::current_exception())));
    }
  }
}

pipeline::~pipeline() {
  stop();
  // Destroy each instance on its own strand: its sockets and timers are closed there, never concurrently
  // with one of its callbacks.
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
    auto& s = **it;
    try {
      s.host->executor_impl().run_and_wait([&] { s.instance.reset(); });
    } catch (...) {
    }
    s.instance.reset();
  }
}

void pipeline::start() {
  for (auto kind : start_order) {
    for (auto* s : chains_[std::size_t(kind)]) {
      try {
        s->host->executor_impl().run_and_wait([&] { s->instance->start(); });
        s->started = true;
        s->host->logger_impl().write(log_level::debug, "started");
      } catch (...) {
        auto why = describe_exception(std::current_exception());
        stop();
        throw plugin_start_error(fmt::format("plugin '{}' ({}) failed to start: {}", s->entry.name,
                                             s->library->info().name, why));
      }
    }
  }
}

void pipeline::stop() noexcept { stop_started(false); }

void pipeline::stop_started(bool keep_draining) noexcept {
  for (auto it = std::rbegin(start_order); it != std::rend(start_order); ++it) {
    for (auto* s : chains_[std::size_t(*it)]) {
      if (!s->started || (keep_draining && s->idle)) continue;
      s->started = false;
      try {
        s->host->executor_impl().run_and_wait([&] { s->instance->stop(); });
      } catch (...) {
      }
      s->host->executor_impl().mark_stopped();
    }
  }
}

std::size_t pipeline::drain() noexcept {
  std::size_t drained = 0;
  for (auto* s : chains_[std::size_t(sdk::plugin_kind::tftp_transport)]) {
    if (!s->started) continue;
    auto* transport = static_cast<sdk::tftp_transport*>(s->instance.get());
    bool draining = false;
    try {
      s->host->executor_impl().run_and_wait([&] { draining = transport->drain(); });
    } catch (...) {  // drain() is noexcept: only the framework's own call can fail here
    }
    if (!draining) continue;  // it does not drain: stopped below, like the other kinds
    s->idle = std::make_shared<std::atomic<bool>>(false);
    ++drained;
  }
  stop_started(true);
  return drained;
}

bool pipeline::drained() noexcept {
  bool all = true;
  for (auto* s : chains_[std::size_t(sdk::plugin_kind::tftp_transport)]) {
    if (!s->started || !s->idle || s->idle->load()) continue;
    all = false;
    auto* transport = static_cast<sdk::tftp_transport*>(s->instance.get());
    try {
      // The instance outlives this task: it is destroyed by a run_and_wait queued behind it on its strand.
      s->host->executor_impl().post([transport, idle = s->idle] { idle->store(transport->idle()); });
    } catch (...) {
    }
  }
  return all;
}

const std::vector<plugin_slot*>& pipeline::chain(sdk::plugin_kind kind) const { return chains_[std::size_t(kind)]; }

sdk::boot_decision pipeline::decide_boot(const sdk::client_facts& facts) {
  for (auto* s : chain(sdk::plugin_kind::boot_policy)) {
    auto* policy = static_cast<sdk::boot_policy*>(s->instance.get());
    sdk::boot_decision d;
    sdk::verdict v = sdk::verdict::pass;
    bool threw = false;
    s->host->executor_impl().guarded("boot-policy", [&] {
      threw = true;
      v = policy->decide(facts, d);
      threw = false;
    });
    if (threw) {
      note([&] { return fmt::format("boot-policy {}: threw (see log); no boot for this request", s->entry.name); });
      sdk::boot_decision refuse;
      refuse.boot = false;
      refuse.reason = fmt::format("boot-policy '{}' failed", s->entry.name);
      return refuse;
    }
    if (v == sdk::verdict::pass) {
      note([&] {
        return fmt::format("boot-policy {}: pass{}", s->entry.name, d.reason.empty() ? "" : " (" + d.reason + ")");
      });
      continue;
    }
    if (v == sdk::verdict::drop) d.boot = false;
    if (d.reason.empty()) d.reason = "decided";
    d.reason = fmt::format("{}: {}", s->entry.name, d.reason);
    note([&] { return fmt::format("boot-policy {}", d.reason); });
    return d;
  }
  sdk::boot_decision none;
  none.boot = false;
  none.reason = "no boot-policy answered";
  note([&] { return none.reason; });
  return none;
}

sdk::resolve_outcome pipeline::open_from_providers(const std::string& path, bool traced) {
  auto note_step = [&](std::string line) {
    if (traced) note([&] { return std::move(line); });
  };
  sdk::resolve_outcome out;
  out.error = sdk::open_error::not_found;
  out.resolved_path = path;
  for (auto* s : chain(sdk::plugin_kind::artifact_provider)) {
    auto* provider = static_cast<sdk::artifact_provider*>(s->instance.get());
    sdk::open_error err = sdk::open_error::not_found;
    std::shared_ptr<sdk::artifact> a;
    s->host->executor_impl().guarded("artifact-provider", [&] {
      err = sdk::open_error::io_error;
      a = provider->open(path, err);
    });
    if (a) {
      auto holder = std::make_shared<artifact_holder>(artifact_holder{s->library, std::move(a)});
      out.opened = std::shared_ptr<sdk::artifact>(holder, holder->artifact.get());
      out.error = sdk::open_error::none;
      out.decided_by += (out.decided_by.empty() ? "" : " → ") + s->entry.name;
      note_step(fmt::format("artifact-provider {}: opened {} ({} bytes)", s->entry.name, path, out.opened->size()));
      return out;
    }
    note_step(fmt::format("artifact-provider {}: {} {}", s->entry.name, path, sdk::to_string(err)));
    if (err != sdk::open_error::not_found) {  // a refusal is final: never fall through to another root
      out.error = err;
      out.message = fmt::format("{}: {}", s->entry.name, sdk::to_string(err));
      return out;
    }
  }
  out.message = fmt::format("{}: not found", path);
  return out;
}

sdk::resolve_outcome pipeline::resolve(const sdk::resolve_request& request) {
  std::string path(request.path);
  std::string decided;
  for (auto* s : chain(sdk::plugin_kind::config_resolver)) {
    auto* resolver = static_cast<sdk::config_resolver*>(s->instance.get());
    sdk::resolve_request r = request;
    r.path = path;
    sdk::resolve_result result;
    sdk::verdict v = sdk::verdict::drop;
    s->host->executor_impl().guarded("config-resolver", [&] { v = resolver->resolve(r, result); });
    if (v == sdk::verdict::pass) continue;
    if (v == sdk::verdict::drop || v == sdk::verdict::defer) {
      note([&] {
        return fmt::format("config-resolver {}: refused {}{}", s->entry.name, path,
                           result.reason.empty() ? "" : " (" + result.reason + ")");
      });
      sdk::resolve_outcome out;
      out.error = sdk::open_error::access_denied;
      out.decided_by = s->entry.name;
      out.message = result.reason.empty() ? "refused by " + s->entry.name : result.reason;
      return out;
    }
    decided += (decided.empty() ? "" : " → ") + s->entry.name;
    if (result.generated) {
      note([&] {
        return fmt::format("config-resolver {}: generated {} ({} bytes){}", s->entry.name, path, result.content.size(),
                           result.reason.empty() ? "" : ": " + result.reason);
      });
      sdk::resolve_outcome out;
      out.resolved_path = path + " (generated)";
      out.opened = std::make_shared<memory_artifact>(out.resolved_path, std::move(result.content));
      out.decided_by = decided;
      return out;
    }
    note([&] {
      return fmt::format("config-resolver {}: {} → {}{}", s->entry.name, path, result.path,
                         result.reason.empty() ? "" : " (" + result.reason + ")");
    });
    path = result.path;
    break;  // the first resolver that answers decides
  }
  auto out = open_from_providers(path, true);
  if (!decided.empty()) out.decided_by = decided + (out.decided_by.empty() ? "" : " → " + out.decided_by);
  return out;
}

sdk::open_error pipeline::probe(std::string_view path) {
  // Not traced: probes are an implementation detail of a resolver's answer. (Probes run concurrently from
  // several transports, so nothing shared is touched here.)
  return open_from_providers(std::string(path), false).error;
}

std::optional<sdk::client_record> pipeline::find_client(sdk::ipv4_address address) const {
  return sessions_.find(address);
}

void pipeline::record(std::string_view instance, const sdk::boot_event& event) noexcept {
  try {
    sessions_.transfer(instance, event);
  } catch (...) {
  }
}

}  // namespace bootfw

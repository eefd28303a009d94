// A pipeline without sockets: for `bootfw --check` and `bootfw explain`. Runs its own io_context on one
// thread so the control path (configure on each plugin's strand) works exactly as in the server.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "config.hpp"
#include "interfaces.hpp"
#include "loader.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "pipeline.hpp"
#include "runtime.hpp"
#include "sessions.hpp"

namespace bootfw {

class offline_pipeline {
 public:
  /// Loads and configures every plugin of `config` (throws like the server's start-up would).
  offline_pipeline(const server_config& config, const library_loader_options& loader, log_level level,
                   std::FILE* log_stream = stderr)
      : sink_(level, log_stream), runner_([this] { io_.run(); }) {
    try {
      pipeline_.emplace(ctx_, sessions_, config, loader);
    } catch (...) {
      shutdown();
      throw;
    }
  }
  ~offline_pipeline() { shutdown(); }

  pipeline& get() { return *pipeline_; }
  client_sessions& sessions() { return sessions_; }

 private:
  void shutdown() noexcept {
    pipeline_.reset();
    guard_.reset();
    io_.stop();
    if (runner_.joinable()) runner_.join();
  }
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  boost::asio::thread_pool blocking_{1};
  log_sink sink_;
  metrics_store metrics_;
  interface_table interfaces_;
  runtime_context ctx_{io_, blocking_, sink_, metrics_, interfaces_};
  client_sessions sessions_{sink_, metrics_};
  std::thread runner_;
  std::optional<pipeline> pipeline_;
};

}  // namespace bootfw

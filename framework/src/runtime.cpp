#include "runtime.hpp"
#include "udp_poller.hpp"

#include <fmt/format.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <future>
#include <optional>
#include <stdexcept>

#include "loader.hpp"
#include "udp.hpp"

namespace bootfw {

namespace asio = boost::asio;

namespace {

// A posted plugin task. Member order matters: `fn` (plugin code) is destroyed before `self` (which holds
// the library), whatever path destroys the task — run, dropped at stop, or io_context destruction.
struct plugin_task {
  std::shared_ptr<instance_executor> self;
  std::function<void()> fn;
  void operator()() {
    if (!self->stopped()) self->guarded("task", fn);
  }
};

class timer_impl final : public sdk::timer {
 public:
  explicit timer_impl(std::shared_ptr<instance_executor> exec) : state_(std::make_shared<shared>(std::move(exec))) {}
  ~timer_impl() override { cancel(); }

  void expires_after(std::chrono::nanoseconds delay, std::function<void()> callback) override {
    auto& s = *state_;
    s.callback = std::move(callback);
    auto generation = ++s.generation;
    s.timer.expires_after(delay);
    s.timer.async_wait(asio::bind_executor(s.exec->strand(), [st = state_, generation](boost::system::error_code ec) {
      if (ec || st->generation != generation || st->exec->stopped() || !st->callback) return;
      auto cb = std::move(st->callback);
      st->callback = nullptr;
      st->exec->guarded("timer", cb);
    }));
  }
  void cancel() noexcept override {
    ++state_->generation;
    state_->callback = nullptr;  // release plugin code now
    state_->timer.cancel();
  }

 private:
  struct shared {
    std::shared_ptr<instance_executor> exec;  // first: destroyed last
    asio::steady_timer timer;
    std::function<void()> callback;
    std::uint64_t generation = 0;
    explicit shared(std::shared_ptr<instance_executor> e) : exec(std::move(e)), timer(exec->io()) {}
  };
  std::shared_ptr<shared> state_;
};

}  // namespace

instance_executor::instance_executor(runtime_context& ctx, std::shared_ptr<const plugin_library> lib,
                                     named_logger& log, asio::io_context* io)
    : ctx_(ctx), io_(io ? *io : ctx.io), lib_(std::move(lib)), log_(log), strand_(asio::make_strand(io_)) {}

void instance_executor::post(std::function<void()> fn) {
  if (stopped()) return;
  asio::post(strand_, plugin_task{shared_from_this(), std::move(fn)});
}

std::unique_ptr<sdk::timer> instance_executor::make_timer() { return std::make_unique<timer_impl>(shared_from_this()); }

udp_poller& instance_executor::poller() {
  std::call_once(poller_once_, [this] { poller_ = std::make_shared<udp_poller>(io_, strand_); });
  return *poller_;
}

std::unique_ptr<sdk::udp_socket> instance_executor::open_udp(const sdk::udp_options& options, std::error_code& ec) {
  return udp_socket_impl::open(shared_from_this(), options, ec);
}

void instance_executor::run_blocking(std::function<void()> work, std::function<void()> done) {
  if (stopped()) return;
  auto w = std::make_shared<plugin_task>(plugin_task{shared_from_this(), std::move(work)});
  auto d = std::make_shared<plugin_task>(plugin_task{shared_from_this(), std::move(done)});
  asio::post(ctx_.blocking, [w, d]() mutable {
    // Blocking work runs even while stopping (e.g. the last journal flush); only `done` is dropped.
    w->self->guarded("blocking work", w->fn);
    w.reset();
    auto exec = d->self;
    asio::post(exec->strand(), [d]() { (*d)(); });
  });
}

void instance_executor::run_and_wait(const std::function<void()>& fn) {
  // On the strand, or with its loop gone (the loops have stopped: e.g. a journal flush on the blocking
  // pool released the last reference to a pipeline after the teardown), nothing else can run it: call it
  // here instead of waiting for a loop that will not come.
  if (strand_.running_in_this_thread() || io_.stopped()) {
    fn();
    return;
  }
  std::promise<void> done;
  auto fut = done.get_future();
  asio::dispatch(strand_, [&] {
    // What a plugin throws is an object of the plugin's library (its vtable and destructor live there).
    // Hand the caller a copy of the message instead, and only after the plugin's exception is destroyed:
    // the caller may unload that library as soon as it wakes up.
    std::optional<std::string> failure;
    try {
      fn();
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "non-standard exception";
    }
    if (failure)
      done.set_exception(std::make_exception_ptr(std::runtime_error(*failure)));
    else
      done.set_value();
  });
  fut.get();
}

void instance_executor::guarded(const char* what, const std::function<void()>& fn) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    log_.write_limited(log_level::error, what,
                       fmt::format("plugin threw on the data path ({}), dropped: {}", what, e.what()));
  } catch (...) {
    log_.write_limited(log_level::error, what,
                       fmt::format("plugin threw a non-standard exception on the data path ({}), dropped", what));
  }
}

plugin_host::plugin_host(runtime_context& ctx, std::string instance, std::shared_ptr<const plugin_library> lib,
                         std::string state_directory, boost::asio::io_context& loop)
    : ctx_(ctx),
      name_(std::move(instance)),
      log_(ctx.sink, name_),
      metrics_(ctx.metrics, name_),
      executor_(std::make_shared<instance_executor>(ctx, std::move(lib), log_, &loop)),
      state_dir_(std::move(state_directory)) {}

plugin_host::~plugin_host() { executor_->mark_stopped(); }

std::string plugin_host::state_directory() const {
  // Created on first use, private to the instance (0750).
  std::error_code ec;
  std::filesystem::create_directories(state_dir_, ec);
  if (!ec)
    std::filesystem::permissions(state_dir_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                                 std::filesystem::perms::group_exec,
                                 ec);
  return state_dir_;
}

std::uint32_t plugin_host::interface_mtu(std::uint32_t interface_index) const noexcept {
  try {
    if (auto i = ctx_.interfaces.by_index(interface_index)) return i->mtu;
  } catch (...) {
  }
  return 0;
}

sdk::boot_decision plugin_host::decide_boot(const sdk::client_facts& facts) {
  if (pipeline_) return pipeline_->decide_boot(facts);
  sdk::boot_decision d;
  d.boot = false;
  d.reason = "no pipeline attached";
  return d;
}

sdk::resolve_outcome plugin_host::resolve(const sdk::resolve_request& request) {
  if (pipeline_) return pipeline_->resolve(request);
  sdk::resolve_outcome o;
  o.error = sdk::open_error::not_found;
  o.message = "no pipeline attached";
  return o;
}

sdk::open_error plugin_host::probe(std::string_view path) {
  return pipeline_ ? pipeline_->probe(path) : sdk::open_error::not_found;
}

std::optional<sdk::client_record> plugin_host::find_client(sdk::ipv4_address address) const {
  return pipeline_ ? pipeline_->find_client(address) : std::nullopt;
}

void plugin_host::record(const sdk::boot_event& event) noexcept {
  if (pipeline_) pipeline_->record(name_, event);
}

}  // namespace bootfw

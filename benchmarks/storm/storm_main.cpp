// bootfw_storm — a boot-storm simulator: N PXE clients power on at once and each does what a real one
// does, in order: DHCP DORA as a PXE ROM behind a relay (this program is the relay, RFC 1542, so thousands
// of MACs work from one socket on port 67), then TFTP pxelinux.0, ldlinux.c32, the pxelinux.cfg search
// (01-MAC, then hex-IP prefixes until a hit), the kernel and the initramfs it names.
//
//   bootfw_storm --server 10.99.0.1 --relay 10.100.0.1 --nodes 200 [--concurrency N] [--windowsize 1]
//                [--dhcp-only --inflight 64 --time-limit-s 60] [--server-pid PID]... [--first-index K]
//                [--node-timeout-s 300] [--storm-deadline-s S]
//
// --storm-deadline-s S ends the whole run S seconds after the first DISCOVER: nodes still booting then are
// counted as not booted (cut=N in the output, deadline_hit=1), so a server that cannot boot every node costs
// at most S seconds of a benchmark run. The figures (p50/p99/max, CPU, RSS) are those of the booted nodes and
// of the server up to the cut; received_bytes counts every TFTP data byte received, of finished transfers or not
// (how far the cut nodes had come).
//
// Prints one line of key=value figures (time to "booted" p50/p99/max in ms, failures, the server's CPU
// seconds and peak RSS) and exits 0 only when every node booted. Numbers are reported, never judged here.
#include "storm_dhcp.hpp"
#include "storm_proc.hpp"
#include "storm_tftp.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using clock_type = std::chrono::steady_clock;

struct settings {
  asio::ip::address_v4 server, relay;
  unsigned nodes = 50;
  unsigned concurrency = 0;  // 0: all nodes at once (a storm)
  unsigned first_index = 1;
  bool dhcp_only = false;
  storm::tftp_options tftp;
  std::chrono::milliseconds dhcp_timeout{2000};
  unsigned dhcp_retries = 4;  // PXE ROMs try 4 times with doubling timeouts (PXE 2.1 §2.2.1)
  std::chrono::seconds node_timeout{300};
  std::chrono::seconds time_limit{0};  // 0: none; else stop launching nodes after this long
  std::chrono::seconds storm_deadline{0};  // 0: none; else end the run (all nodes) after this long
  std::vector<pid_t> server_pids;
  bool verbose = false;
};

struct node {
  unsigned index = 0;
  storm::pxe_identity id;
  clock_type::time_point started;
  std::unique_ptr<asio::steady_timer> timer;
  enum class phase { discovering, requesting, tftp, done } state = phase::discovering;
  unsigned tries = 0;
  std::uint32_t offered = 0, server_id = 0;
  storm::dhcp_reply ack;
  std::deque<std::string> config_candidates;
};

std::string hex_ip(std::uint32_t ip) {
  char b[9];
  std::snprintf(b, sizeof b, "%08X", ip);
  return b;
}

class storm_run {
 public:
  storm_run(asio::io_context& io, settings s) : io_(io), s_(std::move(s)), relay_(io), sampler_(io), deadline_(io) {}

  int run() {
    relay_.open(udp::v4());
    relay_.set_option(udp::socket::reuse_address(true));
    relay_.bind(udp::endpoint(s_.relay, 67));  // the server answers the relay on port 67 (RFC 2131 §4.1)
    receive_dhcp();
    idle_ = storm::read_usage(s_.server_pids);
    cpu_.baseline(idle_);
    peak_rss_ = idle_.rss_kb;
    sample();
    s_.tftp.progress = &received_;
    t0_ = clock_type::now();
    own_cpu_start_ = own_cpu_seconds();
    if (s_.storm_deadline.count()) {
      deadline_.expires_after(s_.storm_deadline);
      deadline_.async_wait([this](boost::system::error_code ec) {
        if (!ec && active_ > 0) cut_at_deadline();
      });
    }
    nodes_.resize(s_.nodes);
    unsigned start = s_.concurrency ? std::min(s_.concurrency, s_.nodes) : s_.nodes;
    while (next_ < start) launch();
    io_.run();
    return report();
  }

 private:
  void launch() {
    node& n = nodes_[next_];
    n.index = s_.first_index + next_++;
    n.id.mac = storm::mac_for(n.index);
    for (int i = 0; i < 16; ++i) n.id.uuid[i] = std::uint8_t((n.index * 2654435761u) >> ((i % 4) * 8)) ^ std::uint8_t(i);
    n.id.xid = n.index * 2654435761u ^ 0x5bd1e995u;
    n.started = clock_type::now();
    n.timer = std::make_unique<asio::steady_timer>(io_);
    by_xid_[n.id.xid] = &n;
    ++active_;
    send_dhcp(n, 1);
  }

  void send_dhcp(node& n, std::uint8_t type) {
    auto msg = storm::build_request(n.id, type, s_.relay.to_uint(), n.offered, n.server_id);
    boost::system::error_code ec;
    relay_.send_to(asio::buffer(msg), udp::endpoint(s_.server, 67), 0, ec);
    // RFC 2131 §4.1: retransmit with a doubling delay.
    n.timer->expires_after(s_.dhcp_timeout * (1u << std::min(n.tries, 5u)));
    n.timer->async_wait([this, &n, type](boost::system::error_code e) {
      if (e || n.state == node::phase::done || n.state == node::phase::tftp) return;
      if (++n.tries > s_.dhcp_retries) return fail(n, type == 1 ? "no OFFER" : "no ACK");
      ++dhcp_retransmits_;
      send_dhcp(n, type);
    });
  }

  void receive_dhcp() {
    relay_.async_receive_from(asio::buffer(dhcp_buffer_), dhcp_from_, [this](boost::system::error_code ec, std::size_t len) {
      if (ec) return;
      if (auto r = storm::parse_reply(std::span(dhcp_buffer_.data(), len))) on_dhcp(*r);
      if (active_ > 0) receive_dhcp();
    });
  }

  void on_dhcp(const storm::dhcp_reply& r) {
    auto it = by_xid_.find(r.xid);
    if (it == by_xid_.end()) return;
    node& n = *it->second;
    if (n.state == node::phase::discovering && r.type == 2) {  // OFFER → REQUEST (RFC 2131 §4.4.1)
      n.offered = r.yiaddr;
      n.server_id = r.server_id ? r.server_id : s_.server.to_uint();
      n.state = node::phase::requesting;
      n.tries = 0;
      n.timer->cancel();
      send_dhcp(n, 3);
    } else if (n.state == node::phase::requesting && r.type == 5) {  // ACK: bound
      n.ack = r;
      n.state = node::phase::tftp;
      n.timer->cancel();
      by_xid_.erase(it);
      if (s_.dhcp_only) return booted(n);
      if (n.ack.siaddr == 0) n.ack.siaddr = n.server_id;
      fetch(n, n.ack.file.empty() ? "pxelinux.0" : n.ack.file, [this, &n] { after_loader(n); });
    } else if (n.state == node::phase::requesting && r.type == 6) {  // NAK: back to INIT (RFC 2131 §4.4.1)
      ++naks_;
      n.state = node::phase::discovering;
      n.tries = 0;
      n.offered = n.server_id = 0;
      n.timer->cancel();
      send_dhcp(n, 1);
    }
  }

  /// Fetches one file and continues with `next` on success; any failure fails the node.
  template <typename Next>
  void fetch(node& n, const std::string& file, Next next) {
    if (deadline_passed(n)) return fail(n, "node timeout");
    auto local = asio::ip::address_v4(n.ack.yiaddr);
    storm::start_tftp_read(io_, local, udp::endpoint(asio::ip::address_v4(n.ack.siaddr), 69), file, s_.tftp, false,
                           [this, &n, file, next](storm::tftp_result r) {
                             tftp_retransmits_ += r.retransmits;
                             bytes_ += r.bytes;
                             if (r.outcome != storm::tftp_result::status::ok) return fail(n, file + ": " + r.detail);
                             next();
                           });
  }

  void after_loader(node& n) {
    fetch(n, "ldlinux.c32", [this, &n] {
      // pxelinux's search (syslinux doc/pxelinux.txt): 01-MAC, then the hex IP dropping a digit each step.
      char mac[32];
      auto& m = n.id.mac;
      std::snprintf(mac, sizeof mac, "01-%02x-%02x-%02x-%02x-%02x-%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
      n.config_candidates = {std::string("pxelinux.cfg/") + mac};
      auto h = hex_ip(n.ack.yiaddr);
      for (std::size_t len = 8; len >= 1; --len) n.config_candidates.push_back("pxelinux.cfg/" + h.substr(0, len));
      n.config_candidates.push_back("pxelinux.cfg/default");
      next_config(n);
    });
  }

  void next_config(node& n) {
    if (n.config_candidates.empty()) return fail(n, "no pxelinux.cfg file found");
    if (deadline_passed(n)) return fail(n, "node timeout");
    auto file = n.config_candidates.front();
    n.config_candidates.pop_front();
    storm::start_tftp_read(io_, asio::ip::address_v4(n.ack.yiaddr),
                           udp::endpoint(asio::ip::address_v4(n.ack.siaddr), 69), file, s_.tftp, true,
                           [this, &n, file](storm::tftp_result r) {
                             tftp_retransmits_ += r.retransmits;
                             bytes_ += r.bytes;
                             ++config_requests_;
                             if (r.outcome == storm::tftp_result::status::not_found) return next_config(n);
                             if (r.outcome != storm::tftp_result::status::ok) return fail(n, file + ": " + r.detail);
                             boot_from_config(n, std::string(r.data.begin(), r.data.end()));
                           });
  }

  /// Reads KERNEL and INITRD (or append initrd=) from the config and fetches both, kernel first.
  void boot_from_config(node& n, const std::string& config) {
    std::string kernel, initrd;
    std::istringstream in(config);
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(line);
      std::string key;
      words >> key;
      for (auto& c : key) c = char(std::tolower(static_cast<unsigned char>(c)));
      for (std::string w; words >> w;) {
        if ((key == "kernel" || key == "linux") && kernel.empty()) kernel = w;
        else if (key == "initrd" && initrd.empty()) initrd = w;
        else if (key == "append" && w.rfind("initrd=", 0) == 0 && initrd.empty()) initrd = w.substr(7);
      }
    }
    if (kernel.empty()) return fail(n, "config names no kernel");
    fetch(n, kernel, [this, &n, initrd] {
      if (initrd.empty()) return booted(n);
      fetch(n, initrd, [this, &n] { booted(n); });
    });
  }

  bool out_of_time() const { return s_.time_limit.count() && clock_type::now() - t0_ > s_.time_limit; }
  bool deadline_passed(const node& n) const { return clock_type::now() - n.started > s_.node_timeout; }

  void booted(node& n) {
    times_ms_.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - n.started).count());
    finish(n);
  }
  void fail(node& n, const std::string& why) {
    ++failed_;
    if (failed_ <= 10 || s_.verbose) std::cerr << "node " << n.index << ": " << why << "\n";
    by_xid_.erase(n.id.xid);
    finish(n);
  }
  void finish(node& n) {
    n.state = node::phase::done;
    n.timer->cancel();
    --active_;
    if (next_ < s_.nodes && !out_of_time()) launch();
    if (active_ == 0) {
      end_ = clock_type::now();
      own_cpu_s_ = own_cpu_seconds() - own_cpu_start_;
      final_ = storm::read_usage(s_.server_pids);
      cpu_.sample(final_);
      boost::system::error_code ec;
      relay_.close(ec);
      sampler_.cancel();
      deadline_.cancel();
    }
  }
  /// The storm-wide deadline: the nodes still in flight are cut (neither booted nor failed) and the run ends
  /// here; their TFTP transfers and timers are abandoned with the io_context, whose handlers never run again.
  void cut_at_deadline() {
    deadline_hit_ = true;
    cut_ = active_;
    end_ = clock_type::now();
    own_cpu_s_ = own_cpu_seconds() - own_cpu_start_;
    final_ = storm::read_usage(s_.server_pids);
    cpu_.sample(final_);
    io_.stop();
  }

  /// This process's CPU time (user + system). A storm whose load generator is busy for nearly all of its
  /// wall time measures the generator as much as the server: no server can make it end much sooner.
  static double own_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
  }

  void sample() {
    auto u = storm::read_usage(s_.server_pids);
    cpu_.sample(u);
    peak_rss_ = std::max({peak_rss_, u.rss_kb, u.hwm_kb});
    sampler_.expires_after(std::chrono::milliseconds(200));
    sampler_.async_wait([this](boost::system::error_code ec) {
      if (!ec && active_ > 0) sample();
    });
  }

  int report() {
    std::sort(times_ms_.begin(), times_ms_.end());
    auto pct = [&](double p) {
      if (times_ms_.empty()) return 0.0;
      return times_ms_[std::min(times_ms_.size() - 1, std::size_t(p * double(times_ms_.size() - 1) + 0.5))];
    };
    double wall = std::chrono::duration<double>(end_ - t0_).count();
    peak_rss_ = std::max({peak_rss_, final_.hwm_kb, final_.rss_kb});
    std::printf("mode=%s nodes=%u started=%u booted=%zu failed=%u p50_ms=%.1f p99_ms=%.1f max_ms=%.1f wall_s=%.3f rate_per_s=%.1f "
                "dhcp_retransmits=%u naks=%u tftp_retransmits=%u config_requests=%u bytes=%llu server_cpu_s=%.2f "
                "server_idle_rss_kb=%llu server_peak_rss_kb=%llu server_end_rss_kb=%llu server_idle_anon_kb=%llu "
                "server_end_anon_kb=%llu cut=%u deadline_hit=%d deadline_s=%lld received_bytes=%llu client_cpu_s=%.2f\n",
                s_.dhcp_only ? "dhcp" : "storm", s_.nodes, next_, times_ms_.size(), failed_, pct(0.5), pct(0.99),
                times_ms_.empty() ? 0.0 : times_ms_.back(), wall, wall > 0 ? double(times_ms_.size()) / wall : 0.0,
                dhcp_retransmits_, naks_, tftp_retransmits_, config_requests_, (unsigned long long)bytes_,
                cpu_.seconds(), (unsigned long long)idle_.rss_kb,
                (unsigned long long)peak_rss_, (unsigned long long)final_.rss_kb, (unsigned long long)idle_.anon_kb,
                (unsigned long long)final_.anon_kb, cut_, deadline_hit_ ? 1 : 0,
                (long long)s_.storm_deadline.count(), (unsigned long long)received_, own_cpu_s_);
    return failed_ == 0 && times_ms_.size() == next_ ? 0 : 1;
  }

  asio::io_context& io_;
  settings s_;
  udp::socket relay_;
  asio::steady_timer sampler_;
  std::array<std::uint8_t, 1500> dhcp_buffer_{};
  udp::endpoint dhcp_from_;
  std::deque<node> nodes_;
  std::map<std::uint32_t, node*> by_xid_;
  unsigned next_ = 0, active_ = 0, failed_ = 0, naks_ = 0;
  unsigned dhcp_retransmits_ = 0, tftp_retransmits_ = 0, config_requests_ = 0;
  std::uint64_t bytes_ = 0, peak_rss_ = 0;
  std::vector<double> times_ms_;
  storm::process_usage idle_, final_;
  storm::tree_cpu_meter cpu_;
  clock_type::time_point t0_, end_;
  double own_cpu_start_ = 0, own_cpu_s_ = 0;  ///< this process's CPU time at t0_, and from t0_ to end_
  asio::steady_timer deadline_;
  bool deadline_hit_ = false;
  unsigned cut_ = 0;
  std::uint64_t received_ = 0;  // TFTP data bytes received so far, finished transfers or not
};

settings parse(int argc, char** argv) {
  settings s;
  s.server = asio::ip::make_address_v4("10.99.0.1");
  s.relay = asio::ip::make_address_v4("10.100.0.1");
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--server") s.server = asio::ip::make_address_v4(value());
    else if (a == "--relay") s.relay = asio::ip::make_address_v4(value());
    else if (a == "--nodes") s.nodes = unsigned(std::stoul(value()));
    else if (a == "--concurrency" || a == "--inflight") s.concurrency = unsigned(std::stoul(value()));
    else if (a == "--first-index") s.first_index = unsigned(std::stoul(value()));
    else if (a == "--dhcp-only") s.dhcp_only = true;
    else if (a == "--windowsize") s.tftp.windowsize = unsigned(std::stoul(value()));
    else if (a == "--blksize") s.tftp.blksize = unsigned(std::stoul(value()));
    else if (a == "--tftp-timeout-ms") s.tftp.timeout = std::chrono::milliseconds(std::stoul(value()));
    else if (a == "--dhcp-timeout-ms") s.dhcp_timeout = std::chrono::milliseconds(std::stoul(value()));
    else if (a == "--node-timeout-s") s.node_timeout = std::chrono::seconds(std::stoul(value()));
    else if (a == "--time-limit-s") s.time_limit = std::chrono::seconds(std::stoul(value()));
    else if (a == "--storm-deadline-s") s.storm_deadline = std::chrono::seconds(std::stoul(value()));
    else if (a == "--server-pid") s.server_pids.push_back(pid_t(std::stol(value())));
    else if (a == "--verbose") s.verbose = true;
    else throw std::invalid_argument("unknown argument " + a);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto s = parse(argc, argv);
    rlimit r{};  // one socket per TFTP transfer in flight
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) r.rlim_cur = r.rlim_max, setrlimit(RLIMIT_NOFILE, &r);
    asio::io_context io(1);
    storm_run run(io, std::move(s));
    return run.run();
  } catch (const std::exception& e) {
    std::cerr << "bootfw_storm: " << e.what() << "\n";
    return 2;
  }
}

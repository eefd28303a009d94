// tftp_bench_client — a TFTP read client for benchmarks and loopback tests: many concurrent downloads from
// one thread (epoll), RFC 2347 options blksize (RFC 2348), tsize (RFC 2349) and windowsize (RFC 7440).
//
//   tftp_bench_client --port 6969 --file kernel --blksize 1468 --windowsize 16 [--clients 50]
//                     [--output PATH] [--no-options] [--tsize] [--bind 127.0.0.1] [--timeout-ms 1000]
//
// Prints one line: "ok=N failed=M bytes=B seconds=S" (plus one "client I: error" line per failure) and exits
// 0 only when every client finished. With --output, client 0 writes PATH and client i>0 writes PATH.i.
// Plain POSIX sockets on purpose: the same client measures bootfw and its peers.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct settings {
  std::string server = "127.0.0.1";
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 69;
  std::string file;
  std::string mode = "octet";
  std::string output;
  unsigned blksize = 0;     // 0: do not ask
  unsigned windowsize = 0;  // 0: do not ask
  bool tsize = false;
  unsigned clients = 1;
  unsigned timeout_ms = 1000;
  unsigned retries = 5;
};

struct client {
  int fd = -1;
  int out = -1;
  sockaddr_in peer{};            // the server's TID once known (RFC 1350 §4)
  bool have_peer = false;
  bool done = false;
  bool failed = false;
  std::string error;
  unsigned blksize = 512;        // RFC 1350 default until an OACK says otherwise
  unsigned windowsize = 1;
  std::uint64_t expected = 1;    // next block wanted (absolute, does not wrap)
  unsigned in_window = 0;        // blocks received in order since the last ACK
  bool gap_acked = false;        // an ACK for a gap was sent; wait for the retransmission
  std::uint64_t bytes = 0;
  std::vector<std::uint8_t> last_sent;  // RRQ or last ACK, retransmitted on timeout
  clock_type::time_point deadline;
  unsigned retries_left = 0;
};

void put_u16(std::vector<std::uint8_t>& v, unsigned x) {
  v.push_back(std::uint8_t(x >> 8));
  v.push_back(std::uint8_t(x));
}
void put_str(std::vector<std::uint8_t>& v, const std::string& s) {
  v.insert(v.end(), s.begin(), s.end());
  v.push_back(0);
}

std::vector<std::uint8_t> make_rrq(const settings& s) {
  std::vector<std::uint8_t> p;
  put_u16(p, 1);  // RFC 1350 §5: RRQ
  put_str(p, s.file);
  put_str(p, s.mode);
  if (s.blksize) put_str(p, "blksize"), put_str(p, std::to_string(s.blksize));
  if (s.tsize) put_str(p, "tsize"), put_str(p, "0");
  if (s.windowsize) put_str(p, "windowsize"), put_str(p, std::to_string(s.windowsize));
  return p;
}

void send_to_peer(client& c, const sockaddr_in& to, const settings& s) {
  ::sendto(c.fd, c.last_sent.data(), c.last_sent.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  c.deadline = clock_type::now() + std::chrono::milliseconds(s.timeout_ms);
}

void send_ack(client& c, std::uint64_t block, const settings& s) {
  c.last_sent.clear();
  put_u16(c.last_sent, 4);  // RFC 1350 §5: ACK
  put_u16(c.last_sent, unsigned(block & 0xffff));
  send_to_peer(c, c.peer, s);
  c.retries_left = s.retries;
  c.in_window = 0;
}

void fail(client& c, std::string why) {
  c.done = c.failed = true;
  c.error = std::move(why);
}

// RFC 2347 OACK: name\0value\0 pairs.
void on_oack(client& c, const std::uint8_t* p, std::size_t n, const settings& s) {
  std::vector<std::string> parts;
  std::string cur;
  for (std::size_t i = 2; i < n; ++i) {
    if (p[i] == 0) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(char(p[i]));
    }
  }
  for (std::size_t i = 0; i + 1 < parts.size(); i += 2) {
    std::string name = parts[i];
    for (auto& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    unsigned long v = std::strtoul(parts[i + 1].c_str(), nullptr, 10);
    if (name == "blksize") c.blksize = unsigned(v);
    if (name == "windowsize") c.windowsize = unsigned(v);
  }
  if (c.blksize < 8 || c.blksize > 65464 || c.windowsize < 1) return fail(c, "bad OACK values");
  send_ack(c, 0, s);  // RFC 2347: ACK 0 accepts the OACK
}

void on_data(client& c, const std::uint8_t* p, std::size_t n, const settings& s) {
  const unsigned block = unsigned(p[2]) << 8 | p[3];
  const std::size_t len = n - 4;
  const auto delta = std::uint16_t(block - std::uint16_t(c.expected & 0xffff));
  if (delta != 0) {
    // RFC 7440 §4: a block past a gap → ACK the last block received in order, once per gap. Older
    // blocks are retransmissions of what we have: ignored (no Sorcerer's Apprentice on our side either).
    if (delta < 0x8000 && !c.gap_acked) {
      send_ack(c, c.expected - 1, s);
      c.gap_acked = true;
    }
    return;
  }
  if (len > c.blksize) return fail(c, "DATA longer than blksize");
  if (c.out >= 0 && len && ::pwrite(c.out, p + 4, len, off_t((c.expected - 1) * c.blksize)) != ssize_t(len))
    return fail(c, "cannot write the output file");
  c.bytes += len;
  c.gap_acked = false;
  const bool last = len < c.blksize;  // RFC 1350 §6
  if (++c.in_window >= c.windowsize || last) send_ack(c, c.expected, s);
  ++c.expected;
  if (last) c.done = true;
}

void on_packet(client& c, const std::uint8_t* p, std::size_t n, const sockaddr_in& from, const settings& s) {
  if (n < 4 && !(n >= 2 && p[1] == 5)) return;
  if (!c.have_peer) {
    c.peer = from;
    c.have_peer = true;
  } else if (from.sin_port != c.peer.sin_port || from.sin_addr.s_addr != c.peer.sin_addr.s_addr) {
    return;  // another TID: not ours (a real client would answer ERROR 5)
  }
  const unsigned op = unsigned(p[0]) << 8 | p[1];
  if (op == 6 && c.expected == 1 && c.bytes == 0) return on_oack(c, p, n, s);
  if (op == 3) return on_data(c, p, n, s);
  if (op == 5) {
    std::string msg;
    for (std::size_t i = 4; i < n && p[i]; ++i) msg.push_back(char(p[i]));
    return fail(c, "ERROR " + std::to_string(n >= 4 ? (unsigned(p[2]) << 8 | p[3]) : 0) + " " + msg);
  }
}

bool parse_args(int argc, char** argv, settings& s) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--server") s.server = next();
    else if (a == "--bind") s.bind_address = next();
    else if (a == "--port") s.port = std::uint16_t(std::stoul(next()));
    else if (a == "--file") s.file = next();
    else if (a == "--mode") s.mode = next();
    else if (a == "--output") s.output = next();
    else if (a == "--blksize") s.blksize = unsigned(std::stoul(next()));
    else if (a == "--windowsize") s.windowsize = unsigned(std::stoul(next()));
    else if (a == "--tsize") s.tsize = true;
    else if (a == "--no-options") s.blksize = s.windowsize = 0, s.tsize = false;
    else if (a == "--clients") s.clients = unsigned(std::stoul(next()));
    else if (a == "--timeout-ms") s.timeout_ms = unsigned(std::stoul(next()));
    else if (a == "--retries") s.retries = unsigned(std::stoul(next()));
    else return false;
  }
  return !s.file.empty() && s.clients > 0;
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  try {
    if (!parse_args(argc, argv, s)) {
      std::fprintf(stderr, "usage: %s --port P --file NAME [--blksize N] [--windowsize N] [--tsize] "
                           "[--no-options] [--clients N] [--output PATH] [--server A] [--bind A] "
                           "[--mode octet|netascii] [--timeout-ms N] [--retries N]\n", argv[0]);
      return 2;
    }
  } catch (const std::exception&) {
    std::fprintf(stderr, "bad number in the arguments\n");
    return 2;
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(s.port);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  if (::inet_pton(AF_INET, s.server.c_str(), &server.sin_addr) != 1 ||
      ::inet_pton(AF_INET, s.bind_address.c_str(), &local.sin_addr) != 1) {
    std::fprintf(stderr, "bad address\n");
    return 2;
  }
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<client> clients(s.clients);
  const auto rrq = make_rrq(s);
  const auto start = clock_type::now();
  for (unsigned i = 0; i < s.clients; ++i) {
    auto& c = clients[i];
    c.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int buf = 1 << 21;  // room for a whole window (64 × 1468) even when the client is slow to run
    ::setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
    if (c.fd < 0 || ::bind(c.fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      std::perror("socket/bind");
      return 2;
    }
    if (!s.output.empty()) {
      std::string path = i == 0 ? s.output : s.output + "." + std::to_string(i);
      c.out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (c.out < 0) return std::perror(path.c_str()), 2;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    c.last_sent = rrq;
    c.retries_left = s.retries;
    send_to_peer(c, server, s);
  }

  unsigned remaining = s.clients;
  std::vector<std::uint8_t> buffer(65536 + 4);
  std::vector<epoll_event> events(256);
  auto next_scan = clock_type::now();
  while (remaining > 0) {
    int n = ::epoll_wait(ep, events.data(), int(events.size()), 10);
    for (int k = 0; k < n; ++k) {
      auto& c = clients[events[k].data.u32];
      for (int burst = 0; burst < 256 && !c.done; ++burst) {
        sockaddr_in from{};
        socklen_t fl = sizeof(from);
        ssize_t got = ::recvfrom(c.fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (got < 0) break;
        on_packet(c, buffer.data(), std::size_t(got), from, s);
      }
      if (c.done && c.fd >= 0) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        --remaining;
        ::close(c.fd);
        c.fd = -1;
      }
    }
    const auto now = clock_type::now();
    if (now < next_scan) continue;
    next_scan = now + std::chrono::milliseconds(10);
    for (auto& c : clients) {
      if (c.done || now < c.deadline) continue;
      // RFC 1350 §2: on timeout, retransmit the last packet (RRQ or ACK).
      if (c.retries_left == 0) {
        fail(c, "timed out");
        ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
        --remaining;
        continue;
      }
      --c.retries_left;
      auto retries = c.retries_left;
      send_to_peer(c, c.have_peer ? c.peer : server, s);
      c.retries_left = retries;
    }
  }
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  unsigned ok = 0;
  std::uint64_t bytes = 0;
  unsigned window = 0;  // the smallest window a server granted (1: lockstep, no RFC 7440 OACK)
  for (unsigned i = 0; i < s.clients; ++i) {
    auto& c = clients[i];
    if (c.out >= 0) ::close(c.out);
    bytes += c.bytes;
    if (!c.failed) window = window ? std::min(window, c.windowsize) : c.windowsize;
    if (c.failed) {
      std::printf("client %u: %s\n", i, c.error.c_str());
    } else {
      ++ok;
    }
  }
  std::printf("ok=%u failed=%u bytes=%llu seconds=%.3f window=%u\n", ok, s.clients - ok, (unsigned long long)bytes,
              seconds, window);
  return ok == s.clients ? 0 : 1;
}

#include "storm_tftp.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace storm {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

enum opcode : std::uint16_t { rrq = 1, data = 3, ack = 4, error = 5, oack = 6 };  // RFC 1350 §5, RFC 2347

class tftp_read : public std::enable_shared_from_this<tftp_read> {
 public:
  tftp_read(asio::io_context& io, const tftp_options& o, bool keep, tftp_done done)
      : socket_(io), timer_(io), options_(o), keep_(keep), done_(std::move(done)),
        buffer_(std::max(o.blksize, 512u) + 516) {}

  void start(const asio::ip::address_v4& local, const udp::endpoint& server, const std::string& file) {
    boost::system::error_code ec;
    socket_.open(udp::v4(), ec);
    if (!ec) socket_.bind(udp::endpoint(local, 0), ec);
    if (ec) return finish(tftp_result::status::failed, "bind " + local.to_string() + ": " + ec.message());
    server_ = server;
    // RFC 1350 §5 RRQ: filename, mode; RFC 2347 §2 options appended as name/value strings.
    last_.clear();
    put16(rrq);
    put_string(file);
    put_string("octet");
    if (options_.tsize) put_string("tsize"), put_string("0");
    if (options_.blksize) put_string("blksize"), put_string(std::to_string(options_.blksize));
    if (options_.windowsize > 1) put_string("windowsize"), put_string(std::to_string(options_.windowsize));
    send_last();
    receive();
  }

 private:
  void put16(std::uint16_t v) { last_.push_back(std::uint8_t(v >> 8)), last_.push_back(std::uint8_t(v)); }
  void put_string(const std::string& s) { last_.insert(last_.end(), s.begin(), s.end()), last_.push_back(0); }

  void send_last() {
    retries_left_ = options_.retries;
    transmit();
  }
  void transmit() {
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(last_), peer_known_ ? peer_ : server_, 0, ec);
    arm_timer();
  }
  void arm_timer() {
    timer_.expires_after(options_.timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->finished_) return;
      if (self->retries_left_ == 0) return self->finish(tftp_result::status::failed, "timeout");
      --self->retries_left_;
      ++self->result_.retransmits;
      self->transmit();
    });
  }
  void send_ack(std::uint16_t block) {
    last_.clear();
    put16(ack);
    put16(block);
    send_last();
  }

  void receive() {
    socket_.async_receive_from(asio::buffer(buffer_), from_,
                               [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                                 if (self->finished_) return;
                                 if (ec) return self->finish(tftp_result::status::failed, ec.message());
                                 self->on_datagram(n);
                                 if (!self->finished_) self->receive();
                               });
  }

  void on_datagram(std::size_t n) {
    if (n < 4) return;
    // RFC 1350 §4: the server's first reply fixes its transfer identifier (port); others are ignored.
    if (!peer_known_) peer_ = from_, peer_known_ = true;
    else if (from_ != peer_) return;
    const std::uint8_t* p = buffer_.data();
    std::uint16_t op = std::uint16_t(p[0] << 8 | p[1]);
    std::uint16_t arg = std::uint16_t(p[2] << 8 | p[3]);
    if (op == error) {
      std::string text(reinterpret_cast<const char*>(p + 4), strnlen(reinterpret_cast<const char*>(p + 4), n - 4));
      return finish(arg == 1 ? tftp_result::status::not_found : tftp_result::status::failed,
                    "error " + std::to_string(arg) + ": " + text);
    }
    if (op == oack && expected_ == 1 && !got_data_) return on_oack(n);
    if (op != data) return;
    got_data_ = true;
    // RFC 7440 §4: accept the next block in sequence; on a gap, acknowledge the last good block.
    if (arg != std::uint16_t(expected_)) {
      if (std::uint16_t(arg - std::uint16_t(expected_)) < 0x8000 && !gap_acked_) {
        gap_acked_ = true;
        send_ack(std::uint16_t(expected_ - 1));
      }
      return;
    }
    gap_acked_ = false;
    std::size_t payload = n - 4;
    result_.bytes += payload;
    if (options_.progress) *options_.progress += payload;
    if (keep_) result_.data.insert(result_.data.end(), p + 4, p + n);
    ++expected_;
    ++in_window_;
    if (payload < blksize_) {  // RFC 1350 §6: a short block ends the transfer
      last_.clear();
      put16(ack);
      put16(arg);
      boost::system::error_code ec;
      socket_.send_to(asio::buffer(last_), peer_, 0, ec);
      return finish(tftp_result::status::ok, {});
    }
    if (in_window_ >= windowsize_) {
      in_window_ = 0;
      send_ack(arg);
    } else {
      arm_timer();  // still inside the window: wait for its rest
    }
  }

  void on_oack(std::size_t n) {
    // RFC 2347 §2: the OACK lists the options the server accepted; absent ones keep their defaults.
    const char* s = reinterpret_cast<const char*>(buffer_.data() + 2);
    const char* end = reinterpret_cast<const char*>(buffer_.data() + n);
    while (s < end) {
      std::string name(s, strnlen(s, end - s));
      s += name.size() + 1;
      if (s >= end) break;
      std::string value(s, strnlen(s, end - s));
      s += value.size() + 1;
      for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
      if (name == "blksize") blksize_ = unsigned(std::stoul(value));
      if (name == "windowsize") windowsize_ = unsigned(std::stoul(value));
    }
    send_ack(0);  // RFC 2347 §2: the client acknowledges the OACK with block 0
  }

  void finish(tftp_result::status s, std::string detail) {
    if (finished_) return;
    finished_ = true;
    result_.outcome = s;
    result_.detail = std::move(detail);
    boost::system::error_code ec;
    timer_.cancel();
    socket_.close(ec);
    auto done = std::move(done_);
    done(std::move(result_));
  }

  udp::socket socket_;
  asio::steady_timer timer_;
  tftp_options options_;
  bool keep_;
  tftp_done done_;
  udp::endpoint server_, peer_, from_;
  bool peer_known_ = false;
  bool got_data_ = false;
  bool gap_acked_ = false;
  bool finished_ = false;
  unsigned blksize_ = 512;   // RFC 1350 default until an OACK says otherwise
  unsigned windowsize_ = 1;
  unsigned in_window_ = 0;
  unsigned retries_left_ = 0;
  std::uint64_t expected_ = 1;
  std::vector<std::uint8_t> last_;
  std::vector<std::uint8_t> buffer_;  // one block, with room for an OACK
  tftp_result result_;
};

}  // namespace

void start_tftp_read(asio::io_context& io, const asio::ip::address_v4& local, const udp::endpoint& server,
                     const std::string& file, const tftp_options& options, bool keep_data, tftp_done done) {
  auto t = std::make_shared<tftp_read>(io, options, keep_data, std::move(done));
  t->start(local, server, file);
}

}  // namespace storm

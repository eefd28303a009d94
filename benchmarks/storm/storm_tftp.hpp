// One TFTP read as a PXE ROM / pxelinux does it: RRQ with tsize + blksize (+ windowsize), RFC 1350 lock-step
// or RFC 7440 windows, retransmission on timeout. Single-threaded: all handlers run on one io_context.
#pragma once

#include <utility>  // Boost 1.74 Asio uses std::exchange without including it (C++20)

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace storm {

struct tftp_options {
  unsigned blksize = 1432;   ///< RFC 2348; 0: do not ask
  unsigned windowsize = 1;   ///< RFC 7440; 1: do not ask
  bool tsize = true;         ///< RFC 2349
  std::chrono::milliseconds timeout{1000};
  unsigned retries = 5;
  std::uint64_t* progress = nullptr;  ///< when set, every data byte received is added here as it arrives
};

struct tftp_result {
  enum class status { ok, not_found, failed } outcome = status::failed;
  std::string detail;             ///< error text on failure
  std::vector<std::uint8_t> data; ///< kept only when asked (pxelinux.cfg files)
  std::uint64_t bytes = 0;
  unsigned retransmits = 0;
};

using tftp_done = std::function<void(tftp_result)>;

/// Starts the read of `file` from `server` (port 69) out of a socket bound to `local` (the node's leased
/// address). `done` runs exactly once. The transfer keeps itself alive until then.
void start_tftp_read(boost::asio::io_context& io, const boost::asio::ip::address_v4& local,
                     const boost::asio::ip::udp::endpoint& server, const std::string& file,
                     const tftp_options& options, bool keep_data, tftp_done done);

}  // namespace storm

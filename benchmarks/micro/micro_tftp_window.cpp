// TFTP window assembly (plugins/tftp block_reader): the DATA payloads of one RFC 7440 window read from an
// artifact into the shared scratch buffer, blksize 1432, for windowsize 1, 8 and 32, over an 8 MB kernel.
#include <benchmark/benchmark.h>

#include <cstring>

#include "block_reader.hpp"

namespace {

using namespace bootfw;

/// An 8 MB artifact in memory: the cost measured is the assembly, not the disk.
class memory_artifact final : public sdk::artifact {
 public:
  explicit memory_artifact(std::size_t n) : bytes_(n, std::byte{0x5a}) {}
  std::uint64_t size() const noexcept override { return bytes_.size(); }
  std::size_t read(std::uint64_t offset, std::span<std::byte> out, std::error_code& ec) noexcept override {
    if (offset >= bytes_.size()) return 0;
    std::size_t n = std::min<std::size_t>(out.size(), bytes_.size() - offset);
    std::memcpy(out.data(), bytes_.data() + offset, n);
    return n;
  }
  std::string name() const override { return "bzImage"; }

 private:
  std::vector<std::byte> bytes_;
};

void BM_tftp_window_assembly(benchmark::State& state) {
  constexpr std::uint32_t blksize = 1432;
  const auto window = std::uint32_t(state.range(0));
  auto source = std::make_shared<memory_artifact>(8'000'000);
  auto scratch = std::make_shared<plugin_tftp::scratch_buffers>();
  plugin_tftp::block_reader reader(source, plugin_tftp::transfer_mode::octet, blksize, scratch);
  std::vector<std::byte> packets(window * (blksize + 4));
  std::vector<std::uint32_t> lengths;
  std::string error;
  const std::uint64_t blocks = 8'000'000 / blksize;
  std::uint64_t first = 1;
  for (auto _ : state) {
    if (!reader.read_window(first, window, {packets, blksize + 4, 4}, lengths, error))
      return state.SkipWithError(error.c_str());
    first = first + window > blocks ? 1 : first + window;
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * window * blksize);
}
BENCHMARK(BM_tftp_window_assembly)->Arg(1)->Arg(8)->Arg(32);

}  // namespace

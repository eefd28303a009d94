// The lease store as its owner sees it: durability, recovery, locking, group commit, errors, memory.
#include <malloc.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <string>
#include <gtest/gtest.h>

#include <bootfw/leases/address_pool.hpp>
#include <bootfw/leases/lease_store.hpp>
#include <bootfw/sdk/testing.hpp>

#include "leases_test_support.hpp"

namespace bootfw::leases {
namespace {

using sdk::testing::fake_host;
using test::make_lease;

struct store_fixture : ::testing::Test {
  test::temp_dir dir;
  fake_host host;
  int fsyncs = 0;
  int fail_writes_with = 0;  // errno to fail write() with, 0 = succeed

  store_options options() {
    store_options o;
    o.directory = dir.path;
    o.ops.write = [this](int fd, const void* d, std::size_t n) -> ssize_t {
      if (fail_writes_with) {
        // Write part of the batch first, like a disk filling up mid-write.
        ssize_t part = n > 5 ? ::write(fd, d, 5) : 0;
        if (part < 5) {
          errno = fail_writes_with;
          return -1;
        }
        errno = fail_writes_with;
        return part;
      }
      return ::write(fd, d, n);
    };
    o.ops.fdatasync = [this](int fd) {
      ++fsyncs;
      return ::fdatasync(fd);
    };
    return o;
  }

  std::error_code commit_sync(lease_store& s, const lease& l) {
    std::optional<std::error_code> got;
    s.commit(l, [&](std::error_code ec) { got = ec; });
    host.run_pending();
    EXPECT_TRUE(got.has_value());
    return got.value_or(std::make_error_code(std::errc::timed_out));
  }
};

TEST_F(store_fixture, leases_survive_reopening_the_store) {
  lease a = make_lease(1), b = make_lease(2);
  b.client_id = {0x01, 0xaa, 0xbb};
  {
    lease_store s(host, options());
    EXPECT_FALSE(commit_sync(s, a));
    EXPECT_FALSE(commit_sync(s, b));
    a.state = lease_state::released;
    EXPECT_FALSE(commit_sync(s, a));  // the last record for an address wins
  }
  lease_store s(host, options());
  EXPECT_EQ(s.stats().leases, 2u);
  EXPECT_EQ(s.find(a.address), a);
  EXPECT_EQ(s.find(b.address), b);
  EXPECT_EQ(s.find_client(b.mac, b.client_id), b);
  EXPECT_EQ(s.find_client(a.mac, {}), a);
  EXPECT_FALSE(s.find(sdk::ipv4_address(10, 9, 9, 9)));
}

TEST_F(store_fixture, client_id_owns_its_lease_not_the_mac) {
  lease_store s(host, options());
  lease l = make_lease(3);
  l.client_id = {0xff, 1, 2, 3};
  ASSERT_FALSE(commit_sync(s, l));
  EXPECT_FALSE(s.find_client(l.mac, {}));  // same MAC without the id is another client (RFC 2131 §4.2)
  EXPECT_TRUE(s.find_client(test::mac_n(99), l.client_id));
}

TEST_F(store_fixture, torn_last_record_at_every_byte_is_dropped_and_the_rest_kept) {
  std::uint64_t before_last = 0, full = 0;
  {
    lease_store s(host, options());
    ASSERT_FALSE(commit_sync(s, make_lease(1)));
    ASSERT_FALSE(commit_sync(s, make_lease(2)));
    before_last = s.stats().journal_bytes;
    ASSERT_FALSE(commit_sync(s, make_lease(3)));
    full = s.stats().journal_bytes;
  }
  const std::string path = dir.path + "/leases.journal";
  const auto image = test::read_file(path);
  ASSERT_EQ(image.size(), full);
  for (std::uint64_t cut = before_last; cut < full; ++cut) {
    test::write_file(path, std::vector<char>(image.begin(), image.begin() + std::ptrdiff_t(cut)));
    fake_host h;
    {
      lease_store s(h, options());
      EXPECT_EQ(s.stats().leases, 2u) << "cut at " << cut;
      EXPECT_TRUE(s.find(make_lease(2).address));
      EXPECT_FALSE(s.find(make_lease(3).address));
      EXPECT_EQ(h.logged("at byte offset " + std::to_string(before_last)), cut != before_last) << cut;
      // Appending after recovery must not leave the torn bytes in front of the new record.
      std::optional<std::error_code> got;
      s.commit(make_lease(4), [&](std::error_code ec) { got = ec; });
      h.run_pending();
      ASSERT_TRUE(got && !*got);
    }
    fake_host h2;
    lease_store again(h2, options());
    EXPECT_EQ(again.stats().leases, 3u) << "cut at " << cut;
    EXPECT_EQ(again.stats().dropped_tail_bytes, 0u);
  }
}

TEST_F(store_fixture, corrupt_checksum_drops_that_record_with_a_warning) {
  {
    lease_store s(host, options());
    ASSERT_FALSE(commit_sync(s, make_lease(1)));
    ASSERT_FALSE(commit_sync(s, make_lease(2)));
  }
  const std::string path = dir.path + "/leases.journal";
  auto image = test::read_file(path);
  image[image.size() - 3] ^= 0x01;
  test::write_file(path, image);
  fake_host h;
  lease_store s(h, options());
  EXPECT_EQ(s.stats().leases, 1u);
  EXPECT_TRUE(h.logged("checksum mismatch"));
  EXPECT_GT(s.stats().dropped_tail_bytes, 0u);
}

TEST_F(store_fixture, second_instance_on_the_same_directory_refuses_to_start) {
  lease_store first(host, options());
  fake_host other("other");
  try {
    lease_store second(other, options());
    FAIL() << "second store opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
}

TEST_F(store_fixture, lock_is_released_when_the_store_closes) {
  { lease_store first(host, options()); }
  EXPECT_NO_THROW(lease_store second(host, options()));
}

TEST_F(store_fixture, files_are_mode_0640) {
  umask(0);
  lease_store s(host, options());
  ASSERT_FALSE(commit_sync(s, make_lease(1)));
  for (const char* f : {"/leases.journal", "/leases.lock"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir.path + f).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u) << f;
  }
  umask(022);
}

TEST_F(store_fixture, commits_queued_during_a_flush_share_the_next_fsync) {
  lease_store s(host, options());
  const int base = fsyncs;
  std::vector<int> order;
  for (int i = 0; i < 10; ++i)
    s.commit(make_lease(std::uint32_t(i + 1)), [&, i](std::error_code ec) {
      EXPECT_FALSE(ec);
      order.push_back(i);
    });
  // The first commit started a flush on its own; the other nine waited for it.
  EXPECT_TRUE(order.empty()) << "a callback ran before its record was flushed";
  host.run_pending();
  EXPECT_EQ(order.size(), 10u);
  EXPECT_EQ(fsyncs - base, 2);
  EXPECT_EQ(s.stats().flushes, 2u);
  EXPECT_EQ(s.stats().records_written, 10u);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
}

TEST_F(store_fixture, enospc_fails_the_batch_and_the_store_recovers_when_space_returns) {
  {
    lease_store s(host, options());
    ASSERT_FALSE(commit_sync(s, make_lease(1)));
    const auto good = s.stats().journal_bytes;
    fail_writes_with = ENOSPC;
    auto ec = commit_sync(s, make_lease(2));
    EXPECT_EQ(ec, std::make_error_code(std::errc::no_space_on_device));
    EXPECT_TRUE(host.logged("not made durable"));
    EXPECT_EQ(s.stats().write_errors, 1u);
    EXPECT_EQ(test::read_file(dir.path + "/leases.journal").size(), good) << "partial record left in the journal";
    fail_writes_with = 0;
    EXPECT_FALSE(commit_sync(s, make_lease(3)));
  }
  // Reopened: leases 1 and 3 are there and nothing is corrupt (lease 2 was never acknowledged).
  fake_host h;
  lease_store s(h, options());
  EXPECT_TRUE(s.find(make_lease(1).address));
  EXPECT_TRUE(s.find(make_lease(3).address));
  EXPECT_FALSE(h.logged("byte offset"));
}

TEST_F(store_fixture, eio_on_fdatasync_is_reported_to_the_callback) {
  auto o = options();
  bool fail = false;
  o.ops.fdatasync = [&](int) {
    if (fail) {
      errno = EIO;
      return -1;
    }
    return 0;
  };
  lease_store s(host, o);
  fail = true;
  EXPECT_EQ(commit_sync(s, make_lease(1)), std::make_error_code(std::errc::io_error));
  EXPECT_TRUE(host.logged("Input/output error"));
  fail = false;
  EXPECT_FALSE(commit_sync(s, make_lease(1)));
}

TEST_F(store_fixture, compaction_keeps_every_lease_and_shrinks_the_journal) {
  auto o = options();
  o.compact_min_bytes = 0;
  o.compact_ratio = 1000000;  // only explicit compactions here
  {
    lease_store s(host, o);
    for (int round = 0; round < 20; ++round)
      for (std::uint32_t i = 1; i <= 10; ++i) ASSERT_FALSE(commit_sync(s, make_lease(i, 2'000'000'000 + round)));
    const auto before = s.stats().journal_bytes;
    std::optional<std::error_code> got;
    s.compact([&](std::error_code ec) { got = ec; });
    host.run_pending();
    ASSERT_TRUE(got && !*got);
    EXPECT_LT(s.stats().journal_bytes * 10, before);
    ASSERT_FALSE(commit_sync(s, make_lease(11)));  // appends go to the new file
    EXPECT_FALSE(std::filesystem::exists(dir.path + "/leases.journal.tmp"));
  }
  lease_store s(host, o);
  EXPECT_EQ(s.stats().leases, 11u);
  EXPECT_EQ(s.find(make_lease(5).address)->ends, 2'000'000'019);
}

TEST_F(store_fixture, journal_compacts_by_itself_when_it_outgrows_the_live_set) {
  auto o = options();
  o.compact_min_bytes = 4096;
  lease_store s(host, o);
  for (int round = 0; round < 200; ++round) ASSERT_FALSE(commit_sync(s, make_lease(1, 2'000'000'000 + round)));
  EXPECT_GE(s.stats().compactions, 1u);
  EXPECT_LE(s.stats().journal_bytes, 4096u + 64u);
}

TEST_F(store_fixture, offers_reserve_an_address_for_one_client_until_they_expire) {
  lease_store s(host, options());
  const auto a = sdk::ipv4_address(10, 0, 0, 50);
  s.reserve(a, test::mac_n(1), {}, std::chrono::seconds(30));
  EXPECT_EQ(s.offered_to(test::mac_n(1), {}), a);
  EXPECT_TRUE(s.offered_to_other(a, test::mac_n(2), {}));
  EXPECT_FALSE(s.offered_to_other(a, test::mac_n(1), {}));
  host.advance(std::chrono::seconds(31));
  EXPECT_FALSE(s.offered_to(test::mac_n(1), {}));
  EXPECT_FALSE(s.offered_to_other(a, test::mac_n(2), {}));
  // A later DISCOVER moves the client's reservation.
  s.reserve(a, test::mac_n(1), {}, std::chrono::seconds(30));
  s.reserve(sdk::ipv4_address(10, 0, 0, 51), test::mac_n(1), {}, std::chrono::seconds(30));
  EXPECT_FALSE(s.offered_to_other(a, test::mac_n(2), {}));
  EXPECT_EQ(s.offered_to(test::mac_n(1), {}), sdk::ipv4_address(10, 0, 0, 51));
}

TEST_F(store_fixture, oversized_client_id_is_refused_not_truncated) {
  lease_store s(host, options());
  lease l = make_lease(1);
  l.client_id.assign(300, 7);
  EXPECT_EQ(commit_sync(s, l), std::make_error_code(std::errc::invalid_argument));
  EXPECT_FALSE(s.find(l.address));
}

TEST_F(store_fixture, a_65536_lease_table_stays_small) {
  const std::uint32_t n = 65536;
  const auto heap_before = mallinfo2().uordblks + mallinfo2().hblkhd;
  {
    lease_store s(host, options());
    for (std::uint32_t i = 0; i < n; ++i) s.commit(make_lease(i), {});
    host.run_pending();
    EXPECT_EQ(s.stats().leases, n);
    const auto st = s.stats();
    EXPECT_LE(st.memory_bytes / n, 64u) << st.memory_bytes << " bytes of index";
    const auto heap = mallinfo2().uordblks + mallinfo2().hblkhd - heap_before;
    EXPECT_LT(heap, 6u << 20) << heap << " bytes of heap for " << n << " leases";
    RecordProperty("index_bytes_per_lease", std::to_string(st.memory_bytes / n));
    RecordProperty("heap_bytes", std::to_string(heap));
    EXPECT_TRUE(s.find(make_lease(n - 1).address));
    EXPECT_TRUE(s.find_client(test::mac_n(12345), {}));
  }
}

// A host whose blocking work waits until the test runs it: a flush "in flight" at a chosen moment.
struct held_blocking_host final : sdk::host {
  fake_host& inner;
  struct held_executor final : sdk::executor {
    sdk::executor& inner;
    std::vector<std::pair<std::function<void()>, std::function<void()>>> held;
    explicit held_executor(sdk::executor& e) : inner(e) {}
    void post(std::function<void()> fn) override { inner.post(std::move(fn)); }
    std::unique_ptr<sdk::timer> make_timer() override { return inner.make_timer(); }
    std::unique_ptr<sdk::udp_socket> open_udp(const sdk::udp_options& o, std::error_code& ec) override {
      return inner.open_udp(o, ec);
    }
    void run_blocking(std::function<void()> work, std::function<void()> done) override {
      held.emplace_back(std::move(work), std::move(done));
    }
  } exec_;
  explicit held_blocking_host(fake_host& h) : inner(h), exec_(h.exec()) {}
  std::string_view instance_name() const noexcept override { return inner.instance_name(); }
  sdk::logger& log() noexcept override { return inner.log(); }
  sdk::metrics_registry& metrics() noexcept override { return inner.metrics(); }
  sdk::executor& exec() noexcept override { return exec_; }
  std::chrono::steady_clock::time_point now() const noexcept override { return inner.now(); }
  std::chrono::system_clock::time_point wall_now() const noexcept override { return inner.wall_now(); }
  std::string state_directory() const override { return inner.state_directory(); }
  std::uint32_t interface_mtu(std::uint32_t i) const noexcept override { return inner.interface_mtu(i); }
  sdk::boot_decision decide_boot(const sdk::client_facts& f) override { return inner.decide_boot(f); }
  sdk::resolve_outcome resolve(const sdk::resolve_request& r) override { return inner.resolve(r); }
  sdk::open_error probe(std::string_view p) override { return inner.probe(p); }
  std::optional<sdk::client_record> find_client(sdk::ipv4_address a) const override { return inner.find_client(a); }
  void record(const sdk::boot_event& e) noexcept override { inner.record(e); }
};

TEST_F(store_fixture, closing_with_a_flush_in_flight_frees_the_directory_at_once) {
  held_blocking_host slow(host);
  bool called = false;
  {
    lease_store s(slow, options());
    s.commit(make_lease(1), [&](std::error_code) { called = true; });
    ASSERT_EQ(slow.exec_.held.size(), 1u);
  }
  // A reload's new instance starts right away, while the old flush has not run yet.
  lease_store next(host, options());
  ASSERT_FALSE(commit_sync(next, make_lease(2)));
  auto [work, done] = std::move(slow.exec_.held.front());
  work();  // the old flush finally runs: it must not write into the new owner's journal
  done();
  host.run_pending();
  EXPECT_FALSE(called) << "a callback of a destroyed store ran";
  EXPECT_FALSE(next.find(make_lease(1).address));
  EXPECT_EQ(test::read_file(dir.path + "/leases.journal").size(), next.stats().journal_bytes);
}

TEST(address_pool, hands_out_each_free_address_once_then_reclaims) {
  address_pool p(sdk::ipv4_address(10, 0, 0, 1), sdk::ipv4_address(10, 0, 0, 130));
  std::set<std::uint32_t> taken;
  for (int i = 0; i < 130; ++i) {
    auto a = p.next_free([&](sdk::ipv4_address x) { return !taken.count(x.to_uint()); });
    ASSERT_TRUE(a);
    EXPECT_TRUE(p.contains(*a));
    EXPECT_TRUE(taken.insert(a->to_uint()).second);
    p.mark_busy(*a);
  }
  EXPECT_FALSE(p.next_free([&](sdk::ipv4_address x) { return !taken.count(x.to_uint()); }));
  taken.erase(sdk::ipv4_address(10, 0, 0, 77).to_uint());  // e.g. that lease expired
  EXPECT_EQ(p.next_free([&](sdk::ipv4_address x) { return !taken.count(x.to_uint()); }),
            sdk::ipv4_address(10, 0, 0, 77));
  EXPECT_LE(address_pool(sdk::ipv4_address(10, 0, 0, 0), sdk::ipv4_address(10, 0, 255, 255)).memory_bytes(), 8192u);
}

}  // namespace
}  // namespace bootfw::leases

namespace bootfw::leases {
namespace {

// Recovery reads the journal in 64 KiB chunks: records cut by a chunk's end are whole again in the next
// one, and only a real torn tail is dropped.
TEST_F(store_fixture, a_journal_larger_than_a_read_chunk_recovers_every_record) {
  const std::uint32_t n = 5000;  // 41 bytes a record: about three chunks
  {
    lease_store s(host, options());
    for (std::uint32_t i = 0; i < n; ++i) {
      lease l = make_lease(i);
      if (i % 3 == 0) l.client_id.assign(1 + i % 40, std::uint8_t(i));  // records of varying length
      s.commit(l, {});
    }
    host.run_pending();
  }
  auto bytes = test::read_file(dir.path + "/leases.journal");
  ASSERT_GT(bytes.size(), 3u * 64 * 1024);
  {
    lease_store s(host, options());
    EXPECT_EQ(s.stats().leases, n);
    EXPECT_EQ(s.stats().recovered_records, n);
    EXPECT_EQ(s.stats().dropped_tail_bytes, 0u);
    for (std::uint32_t i = 0; i < n; i += 97) EXPECT_TRUE(s.find(make_lease(i).address)) << i;
  }
  bytes.resize(bytes.size() - 3);  // tear the last record
  test::write_file(dir.path + "/leases.journal", bytes);
  lease_store s(host, options());
  EXPECT_EQ(s.stats().leases, n - 1);
  EXPECT_GT(s.stats().dropped_tail_bytes, 0u);
  EXPECT_FALSE(s.find(make_lease(n - 1).address));
  EXPECT_TRUE(s.find(make_lease(n - 2).address));
}

long rss_anon_kb() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("RssAnon:", 0) == 0) return std::stol(line.substr(8));
  return -1;
}

// A compaction's snapshot is as large as the live table; without handing it back, every compaction from
// the second on left that much resident (glibc's dynamic mmap threshold moves it into an arena).
TEST_F(store_fixture, compactions_give_their_snapshot_memory_back) {
  const std::uint32_t n = 65536;  // a 2.7 MB snapshot
  store_options o = options();
  o.dense_ranges.emplace_back(make_lease(0).address, make_lease(n - 1).address);
  lease_store s(host, o);
  auto fill = [&](std::int64_t ends) {
    for (std::uint32_t i = 0; i < n; ++i) {
      s.commit(make_lease(i, ends), {});
      if (i % 1024 == 0) host.run_pending();
    }
    host.run_pending();
  };
  fill(2'000'000'000);
  const long before = rss_anon_kb();
  for (int round = 1; round <= 3; ++round) {
    s.compact();
    host.run_pending();
    fill(2'000'000'000 + round);
  }
  EXPECT_EQ(s.stats().compactions, 3u);
  EXPECT_LT(rss_anon_kb() - before, 1024) << "kB of anonymous memory kept after three compactions";
}

}  // namespace
}  // namespace bootfw::leases

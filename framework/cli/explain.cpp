// `bootfw explain`: runs the configured pipeline for one client without sockets and prints, step by step,
// which plugin decided what and why — DHCP (DISCOVER then REQUEST), then what a pxelinux client would
// fetch over TFTP: the boot file, its pxelinux.cfg search, the kernel and the initrd.
#include <bootfw/sdk/plugin.hpp>

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <algorithm>
#include <charconv>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "config.hpp"
#include "offline.hpp"
#include <bootfw/pxelinux_names/search_order.hpp>  // plugins/support: the names a pxelinux client asks for

namespace po = boost::program_options;

namespace bootfw::cli {
namespace {

class explain_request final : public sdk::dhcp_request {
 public:
  explain_request(const sdk::dhcp_message& m, const sdk::client_facts& f, std::vector<std::string>& trace,
                  std::string responder)
      : m_(m), f_(f), trace_(trace), responder_(std::move(responder)) {}
  const sdk::dhcp_message& message() const noexcept override { return m_; }
  const sdk::client_facts& facts() const noexcept override { return f_; }
  bool dry_run() const noexcept override { return true; }
  void note(std::string_view line) noexcept override { trace_.push_back(fmt::format("{}: {}", responder_, line)); }
  std::shared_ptr<sdk::deferred_reply> defer() override {
    // In a dry run a responder should answer at once; if it defers anyway, capture what it sends.
    deferred_ = std::make_shared<capture>();
    return deferred_;
  }
  struct capture final : sdk::deferred_reply {
    std::optional<sdk::dhcp_message> reply;
    std::string dropped;
    void send(sdk::dhcp_message r) noexcept override { reply = std::move(r); }
    void drop(std::string_view why) noexcept override { dropped = std::string(why); }
  };
  std::shared_ptr<capture> deferred_;

 private:
  const sdk::dhcp_message& m_;
  const sdk::client_facts& f_;
  std::vector<std::string>& trace_;
  std::string responder_;
};

std::string hex(std::span<const std::uint8_t> v) {
  std::string s;
  for (auto b : v) s += fmt::format("{:02x}", b);
  return s;
}

std::string describe_option(std::uint8_t code, std::span<const std::uint8_t> v) {
  bool printable = !v.empty() && std::all_of(v.begin(), v.end(), [](auto c) { return c >= 32 && c < 127; });
  if ((code == 1 || code == 3 || code == 6 || code == 28 || code == 54) && v.size() % 4 == 0 && !v.empty()) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); i += 4)
      s += (s.empty() ? "" : ",") + sdk::ipv4_address(v[i], v[i + 1], v[i + 2], v[i + 3]).to_string();
    return s;
  }
  if ((code == 51 || code == 58 || code == 59) && v.size() == 4)
    return fmt::format("{} s", std::uint32_t(v[0]) << 24 | std::uint32_t(v[1]) << 16 | std::uint32_t(v[2]) << 8 | v[3]);
  if (code == 53 && v.size() == 1) return sdk::to_string(sdk::dhcp_message_type(v[0]));
  if (printable && code != 43) return fmt::format("\"{}\"", std::string(v.begin(), v.end()));
  return hex(v);
}

/// Runs the responder chain for one message; prints the steps. Returns the reply if one was produced.
std::optional<sdk::dhcp_message> run_responders(pipeline& p, const sdk::dhcp_message& request,
                                                const sdk::client_facts& facts, std::vector<std::string>& trace) {
  p.set_trace(&trace);
  for (auto* slot : p.chain(sdk::plugin_kind::dhcp_responder)) {
    auto* responder = static_cast<sdk::dhcp_responder*>(slot->instance.get());
    explain_request view(request, facts, trace, slot->entry.name);
    sdk::dhcp_message reply;
    reply.op = 2;
    reply.xid = request.xid;
    reply.flags = request.flags;
    reply.giaddr = request.giaddr;
    reply.chaddr = request.chaddr;
    if (!facts.interface_address.is_unspecified())
      reply.options.set_address(sdk::dhcp_option::server_identifier, facts.interface_address);
    sdk::verdict v = sdk::verdict::drop;
    try {
      slot->host->executor_impl().run_and_wait([&] { v = responder->handle(view, reply); });
    } catch (const std::exception& e) {
      trace.push_back(fmt::format("{}: threw: {} (the packet would be dropped)", slot->entry.name, e.what()));
      return std::nullopt;
    }
    if (v == sdk::verdict::defer && view.deferred_) {
      if (!view.deferred_->reply) {
        trace.push_back(fmt::format("{}: no reply{}", slot->entry.name,
                                    view.deferred_->dropped.empty() ? "" : ": " + view.deferred_->dropped));
        return std::nullopt;
      }
      reply = *view.deferred_->reply;
      v = sdk::verdict::answer;
    }
    if (v == sdk::verdict::pass) {
      trace.push_back(fmt::format("{}: pass (next responder)", slot->entry.name));
      continue;
    }
    if (v != sdk::verdict::answer) {
      trace.push_back(fmt::format("{}: refused — no reply is sent", slot->entry.name));
      return std::nullopt;
    }
    trace.push_back(fmt::format("{}: answers {}", slot->entry.name, sdk::to_string(reply.type())));
    return reply;
  }
  trace.push_back("no dhcp-responder answered — no reply is sent");
  return std::nullopt;
}

void print_steps(std::vector<std::string>& trace) {
  for (auto& l : trace) std::cout << "    " << l << "\n";
  trace.clear();
}

void print_reply(const sdk::dhcp_message& r) {
  std::cout << fmt::format("  address: {}\n", r.yiaddr.to_string());
  if (auto lt = r.options.get_u32(sdk::dhcp_option::lease_time)) std::cout << fmt::format("  lease time: {} s\n", *lt);
  std::cout << fmt::format("  boot file: {}\n", r.file.empty() ? "(none)" : r.file);
  std::cout << fmt::format("  next server: {}\n", r.siaddr.is_unspecified() ? "(none)" : r.siaddr.to_string());
  std::cout << "  options:\n";
  for (auto& [code, value] : r.options.entries())
    std::cout << fmt::format("    {:>3}: {}\n", code, describe_option(code, value));
}

/// pxelinux's current directory (pxelinux(1) "CURRENT DIRECTORY"): option 210, pathprefix (RFC 5071), else the
/// directory its own file came from ("bios/pxelinux.0" gives "bios/"). A "tftp://host/dir/" or "host::dir/"
/// prefix names a TFTP path on that host; only the path is kept.
std::string pxelinux_directory(const sdk::dhcp_message& ack) {
  if (auto prefix = ack.options.get_string(210)) {
    std::string p = *prefix;
    if (p.rfind("tftp://", 0) == 0) {
      auto slash = p.find('/', 7);
      return slash == std::string::npos ? std::string() : p.substr(slash + 1);
    }
    if (auto colons = p.find("::"); colons != std::string::npos) return p.substr(colons + 2);
    return p;
  }
  auto slash = ack.file.rfind('/');
  return slash == std::string::npos ? std::string() : ack.file.substr(0, slash + 1);
}

/// A name pxelinux resolves against its current directory: relative ones get the prefix, absolute ones not.
std::string in_directory(const std::string& directory, const std::string& name) {
  return name.starts_with('/') ? name : directory + name;
}

/// What a pxelinux client asks for, in order (syslinux doc/pxelinux.txt): option 209 (configfile, RFC 5071) if
/// the server sent one, else the search of pxelinux_names' search_order() — UUID, <htype>-MAC, hex IP and its
/// prefixes, default — in its current directory. This models the client, not the server.
std::vector<std::string> pxelinux_requests(const sdk::client_facts& f, const sdk::dhcp_message& ack) {
  auto dir = pxelinux_directory(ack);
  if (auto configfile = ack.options.get_string(209)) return {in_directory(dir, *configfile)};
  pxelinux::client_identity client;
  client.uuid = pxelinux::uuid_from_option(f.uuid);  // RFC 4578 §2.5: type 0 and 16 octets, else skipped
  client.mac = f.mac;
  client.hardware_type = ack.htype;
  client.address = ack.yiaddr;
  auto out = pxelinux::search_order(client);
  for (auto& name : out) name = dir + "pxelinux.cfg/" + name;
  return out;
}

std::string read_all(sdk::artifact& a) {
  std::string s(std::min<std::uint64_t>(a.size(), 1 << 20), '\0');
  std::error_code ec;
  s.resize(a.read(0, std::as_writable_bytes(std::span(s)), ec));
  return s;
}

void explain_tftp(pipeline& p, const sdk::dhcp_message& ack, const sdk::client_facts& facts,
                  std::vector<std::string>& trace, client_sessions& sessions) {
  auto client = sessions.find(ack.yiaddr);
  auto fetch = [&](const std::string& path) -> std::shared_ptr<sdk::artifact> {
    sdk::resolve_request r;
    r.path = path;
    r.transport = "tftp";
    r.client = {ack.yiaddr, 2070};
    r.server_address = ack.siaddr;
    r.client_info = client ? &*client : nullptr;
    auto out = p.resolve(r);
    print_steps(trace);
    return out.opened;
  };
  std::cout << fmt::format("\nTFTP from {} — what a pxelinux client would fetch\n", ack.siaddr.to_string());
  std::cout << fmt::format("  RRQ {}\n", ack.file);
  if (!fetch(ack.file)) {
    std::cout << "  → not served: the client cannot boot\n";
    return;
  }
  std::cout << "  → served\n";
  std::shared_ptr<sdk::artifact> cfg;
  for (auto& name : pxelinux_requests(facts, ack)) {
    std::cout << fmt::format("  RRQ {}\n", name);
    if ((cfg = fetch(name))) {
      std::cout << fmt::format("  → served {} ({} bytes): this is the client's pxelinux configuration\n", cfg->name(),
                               cfg->size());
      break;
    }
    std::cout << "  → not found (ERROR 1), the client tries the next name\n";
  }
  if (!cfg) {
    std::cout << "  → no pxelinux configuration: pxelinux would stop here\n";
    return;
  }
  // The artifacts the configuration names: KERNEL / LINUX images, INITRD and initrd=, and DEFAULT's word when
  // it names no LABEL (syslinux: "DEFAULT kernel options", a label first, else an image).
  std::istringstream text(read_all(*cfg));
  std::vector<std::string> files, labels, defaults;
  auto add = [&](std::vector<std::string>& to, const std::string& w) {
    if (std::find(to.begin(), to.end(), w) == to.end()) to.push_back(w);
  };
  for (std::string line; std::getline(text, line);) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    for (auto& c : key) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::string w;
    if (key == "kernel" || key == "linux" || key == "initrd") {
      if (words >> w) add(files, w);
    } else if (key == "label" || key == "default") {
      if (words >> w) add(key == "label" ? labels : defaults, w);
    } else if (key == "append") {
      while (words >> w)
        if (w.rfind("initrd=", 0) == 0)
          for (std::size_t s = 7, e; s <= w.size(); s = e + 1) {
            e = std::min(w.find(',', s), w.size());
            if (e > s) files.push_back(w.substr(s, e - s));
          }
    }
  }
  for (const auto& d : defaults)
    if (std::find(labels.begin(), labels.end(), d) == labels.end()) add(files, d);
  const auto dir = pxelinux_directory(ack);
  for (auto& name : files) {
    auto f = in_directory(dir, name);
    std::cout << fmt::format("  RRQ {}\n", f);
    auto a = fetch(f);
    std::cout << (a ? fmt::format("  → served ({} bytes)\n", a->size()) : std::string("  → NOT FOUND\n"));
  }
}

}  // namespace

int explain_main(int argc, char** argv) {
  po::options_description opts("bootfw explain");
  opts.add_options()("help,h", "show this help")("plugins,p", po::value<std::string>(), "plugins.toml")(
      "mac", po::value<std::string>(), "client MAC address")(
      "vendor-class", po::value<std::string>()->default_value("PXEClient:Arch:00000:UNDI:002001"), "option 60")(
      "user-class", po::value<std::string>(), "option 77, e.g. iPXE")("arch", po::value<std::string>(),
                                                                       "option 93 client architecture (RFC 4578)")(
      "uuid", po::value<std::string>(), "option 97 client UUID (32 hex digits)")(
      "relay", po::value<std::string>(), "relay agent address (giaddr)")(
      "server-address", po::value<std::string>(), "address of the interface the request arrives on")(
      "plugin-dir", po::value<std::string>(), "directory for bare plugin library names");
  po::variables_map vm;
  try {
    // No positional arguments: a stray word is an error, not silently dropped.
    po::store(po::command_line_parser(argc, argv).options(opts).positional({}).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "bootfw explain: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help") || !vm.count("plugins") || !vm.count("mac")) {
    (vm.count("help") ? std::cout : std::cerr) << "usage: bootfw explain --plugins plugins.toml --mac MAC [options]\n"
                                               << opts;
    return vm.count("help") ? 0 : 2;
  }
  auto mac = sdk::mac_address::parse(vm["mac"].as<std::string>());
  if (!mac) {
    std::cerr << "bootfw explain: --mac: expected six hex pairs like 08:00:07:26:c0:a5\n";
    return 2;
  }
  sdk::client_facts facts;
  facts.mac = *mac;
  facts.vendor_class = vm["vendor-class"].as<std::string>();
  if (vm.count("user-class")) {
    auto u = vm["user-class"].as<std::string>();
    facts.user_class.assign(u.begin(), u.end());
  }
  if (vm.count("arch")) {
    // Parsed here, not by program_options: it reads "-1" as 4294967295 and "7x" as an error without the value.
    const auto text = vm["arch"].as<std::string>();
    unsigned arch = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), arch);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || arch > 0xffff) {
      // option 93 carries 16-bit codes (RFC 4578 §2.1)
      std::cerr << fmt::format("bootfw explain: --arch: '{}' is not an architecture code 0..65535 (RFC 4578 §2.1, "
                               "e.g. 0 for an x86 BIOS)\n",
                               text);
      return 2;
    }
    facts.architectures.push_back(std::uint16_t(arch));
  }
  if (vm.count("uuid")) {
    // 32 hex digits, or the 8-4-4-4-12 form pxelinux prints; option 97 is type 0 and the 16 bytes (RFC 4578 §2.5).
    const auto text = vm["uuid"].as<std::string>();
    auto u = pxelinux::parse_uuid(text);
    if (!u) {
      std::cerr << fmt::format("bootfw explain: --uuid: '{}' is not 32 hex digits (or 8-4-4-4-12 with dashes)\n", text);
      return 2;
    }
    facts.uuid.push_back(0);
    facts.uuid.insert(facts.uuid.end(), u->begin(), u->end());
  }
  for (auto [key, field] : {std::pair{"relay", &facts.relay}, std::pair{"server-address", &facts.interface_address}}) {
    if (!vm.count(key)) continue;
    auto a = sdk::ipv4_address::parse(vm[key].as<std::string>());
    if (!a) {
      std::cerr << fmt::format("bootfw explain: --{}: expected an IPv4 address\n", key);
      return 2;
    }
    *field = *a;
  }
  try {
    auto cfg = load_server_config(vm["plugins"].as<std::string>(),
                                  vm.count("plugin-dir") ? vm["plugin-dir"].as<std::string>() : default_plugin_directory());
    offline_pipeline offline(cfg, {builtin_plugins()}, log_level::warn);
    auto& p = offline.get();
    std::vector<std::string> trace;

    sdk::dhcp_message discover;
    discover.op = 1;
    discover.xid = 0x4578706c;
    discover.giaddr = facts.relay;
    std::copy(facts.mac.bytes().begin(), facts.mac.bytes().end(), discover.chaddr.begin());
    discover.set_type(sdk::dhcp_message_type::discover);
    if (!facts.vendor_class.empty()) discover.options.set_string(sdk::dhcp_option::vendor_class_identifier, facts.vendor_class);
    if (!facts.user_class.empty()) discover.options.set(sdk::dhcp_option::user_class, facts.user_class);
    if (!facts.architectures.empty()) discover.options.set_u16(sdk::dhcp_option::client_system_arch, facts.architectures[0]);
    if (!facts.uuid.empty()) discover.options.set(sdk::dhcp_option::client_uuid, facts.uuid);

    std::cout << fmt::format("client {}{}{}\n", facts.mac.to_string(),
                             facts.vendor_class.empty() ? "" : " vendor-class " + facts.vendor_class,
                             facts.relay.is_unspecified() ? "" : " via relay " + facts.relay.to_string());
    std::cout << "\nDHCPDISCOVER\n";
    auto offer = run_responders(p, discover, facts, trace);
    print_steps(trace);
    if (!offer || offer->type() != sdk::dhcp_message_type::offer) {
      std::cout << "\nRESULT: refused — this client gets no offer and cannot boot from this server\n";
      return 0;
    }
    std::cout << "  → DHCPOFFER\n";
    sdk::dhcp_message request = discover;
    request.set_type(sdk::dhcp_message_type::request);
    request.options.set_address(sdk::dhcp_option::requested_address, offer->yiaddr);
    // RFC 2131 §4.3.2: a SELECTING request names the chosen server (option 54). The live service fills it
    // in from the interface; without --server-address there is none, so the request names 0.0.0.0 rather
    // than leaving 54 out, which would make it an INIT-REBOOT the responder may rightly ignore.
    const auto sid = offer->options.get_address(sdk::dhcp_option::server_identifier);
    request.options.set_address(sdk::dhcp_option::server_identifier, sid.value_or(sdk::ipv4_address()));
    std::cout << "\nDHCPREQUEST (selecting)\n";
    if (!sid) std::cout << "  (no server identifier without --server-address: the request names 0.0.0.0)\n";
    auto ack = run_responders(p, request, facts, trace);
    print_steps(trace);
    if (!ack || ack->type() != sdk::dhcp_message_type::ack) {
      std::cout << fmt::format("\nRESULT: refused — the REQUEST is answered with {}\n",
                               ack ? sdk::to_string(ack->type()) : "silence");
      return 0;
    }
    std::cout << "  → DHCPACK\n";
    print_reply(*ack);
    offline.sessions().dhcp_reply(request, facts, *ack, "explain");
    if (ack->file.empty()) {
      std::cout << "\nRESULT: address only — no boot file for this client\n";
      return 0;
    }
    explain_tftp(p, *ack, facts, trace, offline.sessions());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bootfw explain: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace bootfw::cli

#pragma once

#include <bootfw/sdk/embed.hpp>
#include <bootfw/sdk/static_plugins.hpp>

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace bootfw::cli {
/// The directory of the running executable (/proc/self/exe); empty when that cannot be read, so that no
/// caller ever looks for programs or plugins relative to the working directory.
std::filesystem::path self_directory();
std::string default_plugin_directory();
/// The statically linked plugins of this binary (empty when built without them).
std::span<const sdk::static_plugin> builtin_plugins() noexcept;
/// Tells systemd (Type=notify) about state changes: "READY=1", "RELOADING=1", "STOPPING=1"; a no-op
/// when not started by systemd.
void notify_service_manager(std::string_view state) noexcept;
/// Raises the soft RLIMIT_NOFILE to the hard one (a transfer holds three descriptors).
void raise_open_file_limit() noexcept;
/// Runs a server until SIGTERM/SIGINT, reloading on SIGHUP; tells systemd. Returns the exit status.
int serve(server_options options);
/// `bootfw explain …` (argv[0] is "explain").
int explain_main(int argc, char** argv);
}  // namespace bootfw::cli

// bootfw SDK — umbrella header: everything a plugin author needs.
#pragma once

#include <bootfw/sdk/abi.hpp>
#include <bootfw/sdk/artifact.hpp>
#include <bootfw/sdk/config.hpp>
#include <bootfw/sdk/dhcp.hpp>
#include <bootfw/sdk/host.hpp>
#include <bootfw/sdk/net.hpp>
#include <bootfw/sdk/plugin.hpp>

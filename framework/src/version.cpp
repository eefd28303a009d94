#include "version.hpp"

#include <bootfw/sdk/abi.hpp>

namespace bootfw {

std::string_view version() noexcept { return BOOTFW_VERSION; }
std::string_view sdk_digest() noexcept { return BOOTFW_SDK_DIGEST; }

}  // namespace bootfw

#pragma once
#include <string_view>

namespace bootfw {
std::string_view version() noexcept;     ///< bootfw release, e.g. "0.1.0"
std::string_view sdk_digest() noexcept;  ///< digest of the SDK headers this framework was built with
}  // namespace bootfw

#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

// libFuzzer hands bytes; every parser under test takes the body as text.
namespace fuzz {

inline std::string_view Text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace fuzz

#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace aoty_test {

// A file of tests/data/aoty/, whole; a missing file fails the test loudly.
inline std::string Data(const std::string& name) {
  std::string path = std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/aoty/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing test data " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace aoty_test

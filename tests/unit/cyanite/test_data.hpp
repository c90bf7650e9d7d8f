#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace cyanite_test {

// A file of tests/data/cyanite/, whole; a missing file fails the test loudly.
inline std::string Data(const std::string& name) {
  std::string path = std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/cyanite/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing test data " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace cyanite_test

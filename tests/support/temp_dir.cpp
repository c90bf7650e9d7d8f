#include "tests/support/temp_dir.hpp"

#include <fstream>
#include <sstream>

#include "tests/support/endpoints.hpp"

namespace test_support {
namespace fs = std::filesystem;

TempDir::TempDir() : path_(fs::temp_directory_path() / ("tf_" + CurrentTestSlug(40) + "_" + UniqueSuffix())) {
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

fs::path TempDir::Write(const std::string& name, const std::string& text) const {
  std::ofstream(path_ / name, std::ios::binary) << text;
  return path_ / name;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace test_support

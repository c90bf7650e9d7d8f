#include "tests/integration/migrate/test_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <cstdlib>
#include <random>
#include <sstream>

#include "common/db/connection.hpp"

namespace migrate_test {
namespace fs = std::filesystem;

namespace {

std::string RandomSuffix() {
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  std::ostringstream out;
  out << std::hex << random() << getpid() << counter++;
  return out.str();
}

}  // namespace

TempDir::TempDir() : path_(fs::temp_directory_path() / ("tf_migrate_" + RandomSuffix())) {
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void CopyRepositoryMigrations(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(TUNEFLEET_SOURCE_DIR "/migrations")) {
    fs::copy_file(entry.path(), dir / entry.path().filename());
  }
}

}  // namespace migrate_test

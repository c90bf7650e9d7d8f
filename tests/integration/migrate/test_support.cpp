#include "tests/integration/migrate/test_support.hpp"

namespace migrate_test {
namespace fs = std::filesystem;

void CopyRepositoryMigrations(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(TUNEFLEET_SOURCE_DIR "/migrations")) {
    fs::copy_file(entry.path(), dir / entry.path().filename());
  }
}

}  // namespace migrate_test

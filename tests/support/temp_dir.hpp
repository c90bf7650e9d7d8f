#pragma once

#include <filesystem>
#include <string>

// Scratch files of a test.
namespace test_support {

// A fresh folder under the system temp folder, named after the running test; the destructor
// removes it with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to the file `name` in the folder (replacing it); its path.
  std::filesystem::path Write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

// The whole content of the file at `path` ("" when it cannot be read).
std::string ReadFile(const std::filesystem::path& path);

}  // namespace test_support

#include "common/db/migration_files.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

namespace db {
namespace {

constexpr std::string_view kNameRule =
    "every file must be named NNNN_name.sql (four digits from 0001, then a name of lower-case "
    "letters, digits and _)";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_'; }

// Fills version, name and filename when `filename` is NNNN_name.sql.
bool ParseName(std::string_view filename, MigrationFile& out) {
  constexpr std::string_view kSuffix = ".sql";
  if (filename.size() < 4 + 1 + 1 + kSuffix.size()) return false;
  if (!filename.ends_with(kSuffix)) return false;
  if (!std::all_of(filename.begin(), filename.begin() + 4, IsDigit) || filename[4] != '_') return false;
  std::string_view name = filename.substr(5, filename.size() - 5 - kSuffix.size());
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsNameChar)) return false;
  int version = std::stoi(std::string(filename.substr(0, 4)));
  if (version < 1) return false;
  out.version = version;
  out.name = std::string(name);
  out.filename = std::string(filename);
  return true;
}

std::string VersionText(int version) {
  char number[16];
  std::snprintf(number, sizeof number, "%04d", version);
  return number;
}

std::string Abbreviated(std::string_view checksum) {
  constexpr std::size_t kShown = 12;
  if (checksum.size() <= kShown) return std::string(checksum);
  return std::string(checksum.substr(0, kShown)) + "…";
}

}  // namespace

std::string_view ToString(MigrationState state) {
  switch (state) {
    case MigrationState::kApplied: return "applied";
    case MigrationState::kPending: return "pending";
    case MigrationState::kEdited: return "edited";
    case MigrationState::kMissing: return "missing";
  }
  return "unknown";
}

std::string MigrationId(int version, std::string_view name) {
  return VersionText(version) + "_" + std::string(name);
}

std::string MigrationFilename(int version, std::string_view name) {
  return MigrationId(version, name) + ".sql";
}

core::Result<std::vector<MigrationFile>> ParseMigrationFileNames(
    const std::vector<std::string>& filenames) {
  std::vector<MigrationFile> files;
  files.reserve(filenames.size());
  for (const auto& filename : filenames) {
    MigrationFile file;
    if (!ParseName(filename, file)) {
      return core::Error::InvalidInput("unexpected file \"" + filename +
                                       "\" in the migrations folder; " + std::string(kNameRule));
    }
    files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(), [](const MigrationFile& a, const MigrationFile& b) {
    return a.version != b.version ? a.version < b.version : a.filename < b.filename;
  });
  for (std::size_t i = 1; i < files.size(); ++i) {
    if (files[i].version == files[i - 1].version) {
      return core::Error::InvalidInput("two migrations share version " +
                                       VersionText(files[i].version) + ": " +
                                       files[i - 1].filename + " and " + files[i].filename +
                                       "; renumber one of them");
    }
  }
  return files;
}

core::Result<std::vector<MigrationFile>> LoadMigrationFiles(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> names;
  fs::directory_iterator it{dir, ec};
  if (ec) {
    return core::Error::InvalidInput("cannot read the migrations folder " + dir + ": " +
                                     ec.message());
  }
  for (const auto& entry : it) names.push_back(entry.path().filename().string());

  auto files = ParseMigrationFileNames(names);
  if (!files) {
    return core::Error::InvalidInput(dir + ": " + files.error().message);
  }
  for (auto& file : *files) {
    fs::path path = fs::path(dir) / file.filename;
    if (!fs::is_regular_file(path, ec)) {
      return core::Error::InvalidInput(path.string() + " is not a regular file; " +
                                       std::string(kNameRule));
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) return core::Error::InvalidInput("cannot read " + path.string());
    file.sql = std::move(bytes).str();
    file.checksum = Sha256Hex(file.sql);
  }
  return files;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP_Digest only fails on allocation failure; treat that as the bug it would be.
  [[maybe_unused]] int ok =
      EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  assert(ok == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0f];
  }
  return hex;
}

std::vector<MigrationStatus> CompareMigrations(const std::vector<MigrationFile>& files,
                                               const std::vector<MigrationRecord>& records) {
  std::map<int, MigrationStatus> by_version;
  for (const auto& record : records) {
    MigrationStatus& status = by_version[record.version];
    status.version = record.version;
    status.name = record.name;
    status.applied_at = record.applied_at;
    status.checksum_in_database = record.checksum;
    status.state = MigrationState::kMissing;
  }
  for (const auto& file : files) {
    auto [it, inserted] = by_version.try_emplace(file.version);
    MigrationStatus& status = it->second;
    status.version = file.version;
    status.name = file.name;
    status.checksum_on_disk = file.checksum;
    if (inserted) {
      status.state = MigrationState::kPending;
    } else {
      status.state = status.checksum_in_database == file.checksum ? MigrationState::kApplied
                                                                  : MigrationState::kEdited;
    }
  }
  std::vector<MigrationStatus> out;
  out.reserve(by_version.size());
  for (auto& [version, status] : by_version) out.push_back(std::move(status));
  return out;
}

core::Result<void> CheckApplicable(const std::vector<MigrationStatus>& statuses) {
  const MigrationStatus* newest_applied = nullptr;
  for (const auto& status : statuses) {
    std::string filename = MigrationFilename(status.version, status.name);
    switch (status.state) {
      case MigrationState::kEdited:
        return core::Error::InvalidInput(
            "migration " + filename + " was edited after it was applied (checksum " +
            Abbreviated(status.checksum_in_database) + " in database, " +
            Abbreviated(status.checksum_on_disk) + " on disk); add a new migration instead");
      case MigrationState::kMissing:
        return core::Error::InvalidInput(
            "migration " + filename + " was applied at " + status.applied_at +
            " but its file is missing; restore it (migrations are forward only)");
      case MigrationState::kApplied:
        newest_applied = &status;
        break;
      case MigrationState::kPending:
        break;
    }
  }
  if (newest_applied == nullptr) return core::Ok();
  for (const auto& status : statuses) {
    if (status.state == MigrationState::kPending && status.version < newest_applied->version) {
      return core::Error::InvalidInput(
          "migration " + MigrationFilename(status.version, status.name) +
          " is numbered below " + MigrationFilename(newest_applied->version, newest_applied->name) +
          ", which is already applied; renumber it above " +
          VersionText(newest_applied->version) +
          " (migrations run in order, forward only)");
    }
  }
  return core::Ok();
}

}  // namespace db

#pragma once

#include <pqxx/connection>
#include <string>
#include <vector>

// The raw reference's database write (docs/BENCHMARKS.md): one multi-row statement per batch,
// arrays passed as parameters and unnest'ed, upserting the merged tracks rows and the noop
// source rows directly. The rows equal those tunefleet-noop writes for the same jobs (same
// identity keys from common/db/identity.hpp, same genres/moods/fields from the same hash).
namespace bench {

struct RawRow {
  std::string identity_key;
  std::string name_key;
  std::string artist;
  std::string title;
  std::string job_id;
};

// Builds the row of a track job: identity and name keys as common/db computes them. False
// when the job has no usable identity.
bool MakeRawRow(std::string job_id, std::string artist, std::string title, RawRow& row);

// One transaction, one statement, commit. Rows must have distinct identity keys. Throws
// what libpqxx throws.
void WriteRawBatch(pqxx::connection& conn, const std::vector<RawRow>& rows);

}  // namespace bench

#pragma once

#include <string>

#include "common/catalog/records.hpp"

namespace json {

// Pretty JSON of a provider's record, for people and tools (`tunefleet-<p> normalize FILE`):
// ref, provider, job_id, status ("ok" / "not_found"), external_id, genres, moods and the
// fields that are set; absent optionals are left out. raw_json is included (as JSON, under
// "raw") only when `with_raw` is true and it parses.
std::string RecordJson(const catalog::TrackRecord& record, bool with_raw = false);
std::string RecordJson(const catalog::AlbumRecord& record, bool with_raw = false);

}  // namespace json

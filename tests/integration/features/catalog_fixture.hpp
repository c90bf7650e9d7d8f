#pragma once

#include <string>

#include "tests/support/test_database.hpp"
#include "workers/features/features_builder.hpp"

namespace features_test {

// A small hand-built catalog (ids 1..6) whose vectors the tests know by heart:
//   genres: rock x3, jazz x2, polka x1   moods: happy x2, calm x1
// With top 2 genres and 2 moods the vocabulary is genres {jazz, rock}, moods {calm, happy}.
void InsertCatalog(const test_support::TestDatabase& db);

// Settings that make the vocabulary above, refreshing on every Background() call.
features::FeaturesSettings SmallSettings();

// The expected `features` and `missing` arrays of track `id` under version 1, as
// PostgreSQL prints them.
std::string ExpectedFeatures(int id);
std::string ExpectedMissing(int id);

}  // namespace features_test

#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/worker_process.hpp"

// Albums bring their tracks (TUNEFLEET_ALBUM_TRACKS): what an album job's tracklist left in
// the database, and a queue that counts the track jobs it published.
namespace test_support {

struct AlbumTrackCounts {
  std::int64_t linked = 0;     // album_tracks rows
  std::int64_t published = 0;  // of them, track job confirmed
  std::int64_t enriched = 0;   // linked tracks with an ok source row of the provider
  std::int64_t tracks = 0;     // rows in tracks
};

// The counts, with `provider`'s ok track_sources rows as the enriched ones.
AlbumTrackCounts CountAlbumTracks(const TestDatabase& database, const std::string& provider);
std::string Describe(const AlbumTrackCounts& counts);

// Waits until the album's `tracks` positions are linked, confirmed and enriched by `provider`;
// false on timeout (the failure names the counts) or when the worker exits meanwhile.
bool WaitForEnrichedAlbum(const TestDatabase& database, WorkerProcess& worker, const std::string& provider,
                          std::int64_t tracks, std::chrono::milliseconds timeout);

// A queue of the test's own, `queue`, bound to track.all like every provider's queue: it keeps
// a copy of every track job the worker published, so the test counts them (the worker
// consumes its own copy).
void DeclareTrackJobCounter(TestVhost& vhost, const std::string& queue);

}  // namespace test_support

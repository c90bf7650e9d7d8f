#include "tests/support/album_tracks.hpp"

#include "tests/support/wait.hpp"

namespace test_support {

AlbumTrackCounts CountAlbumTracks(const TestDatabase& database, const std::string& provider) {
  auto row = database
                 .Rows("SELECT (SELECT count(*) FROM album_tracks),"
                       " (SELECT count(*) FROM album_tracks WHERE track_job_published_at IS NOT NULL),"
                       " (SELECT count(DISTINCT at.track_id) FROM album_tracks at JOIN track_sources s"
                       "    ON s.track_id = at.track_id AND s.provider = '" +
                       provider +
                       "' AND s.status = 'ok'),"
                       " (SELECT count(*) FROM tracks)")
                 .at(0);
  return {std::stoll(row[0]), std::stoll(row[1]), std::stoll(row[2]), std::stoll(row[3])};
}

std::string Describe(const AlbumTrackCounts& counts) {
  return "linked=" + std::to_string(counts.linked) + " published=" + std::to_string(counts.published) +
         " enriched=" + std::to_string(counts.enriched) + " tracks=" + std::to_string(counts.tracks);
}

bool WaitForEnrichedAlbum(const TestDatabase& database, WorkerProcess& worker, const std::string& provider,
                          std::int64_t tracks, std::chrono::milliseconds timeout) {
  return WaitUntil(
             [&] {
               if (!worker.Running()) return true;
               auto counts = CountAlbumTracks(database, provider);
               return counts.linked == tracks && counts.published == tracks && counts.enriched == tracks;
             },
             timeout, "the album's tracks linked, published and enriched",
             [&] { return Describe(CountAlbumTracks(database, provider)); }) &&
         worker.Running();
}

void DeclareTrackJobCounter(TestVhost& vhost, const std::string& queue) {
  amqp::Topology topology;
  amqp::QueueSpec spec;
  spec.name = queue;
  topology.queues.push_back(spec);
  topology.bindings.push_back({.queue = queue, .exchange = "tunefleet.jobs", .routing_key = "track.all", .arguments = {}});
  vhost.Declare(topology);
}

}  // namespace test_support

#include "workers/noop/noop_provider.hpp"

#include <functional>
#include <string>

namespace noop {
namespace {

const char* const kGenres[] = {"rock", "pop", "electronic", "house", "jazz", "hip hop", "folk", "metal"};
const char* const kMoods[] = {"calm", "energetic", "melancholic", "happy", "dark", "dreamy"};

}  // namespace

runtime::Enrichment NoopEnrichment(const json::Job& job) {
  runtime::Enrichment out;
  if (const auto* track = std::get_if<json::TrackJob>(&job)) {
    catalog::TrackRecord r;
    r.ref = {track->artist, track->title, track->album, track->isrc, track->mbid, track->spotify_id, track->discogs_id};
    r.provider = "noop";
    r.job_id = track->job_id;
    std::size_t h = std::hash<std::string>{}(track->artist + '\x1f' + track->title);
    r.external_id = "noop:" + std::to_string(h % 1000000007);
    r.genres = {kGenres[h % 8], kGenres[(h / 8) % 8]};
    if (r.genres[0] == r.genres[1]) r.genres.pop_back();
    r.moods = {kMoods[(h / 64) % 6]};
    r.fields.title = track->title;
    r.fields.duration_ms = static_cast<std::int32_t>(120000 + h % 240000);
    r.fields.popularity = static_cast<std::int32_t>(h % 101);
    out.tracks.push_back(std::move(r));
  } else if (const auto* album = std::get_if<json::AlbumJob>(&job)) {
    catalog::AlbumRecord r;
    r.ref = {album->artist, album->album, album->upc, album->mbid, album->spotify_id, album->discogs_id};
    r.provider = "noop";
    r.job_id = album->job_id;
    std::size_t h = std::hash<std::string>{}(album->artist + '\x1f' + album->album);
    r.genres = {kGenres[h % 8]};
    r.fields.title = album->album;
    out.albums.push_back(std::move(r));
  }
  return out;
}

void NoopProvider::Enrich(const json::Job& job, runtime::EnrichDone done) { done(NoopEnrichment(job)); }

}  // namespace noop

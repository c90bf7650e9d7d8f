#include "bench/drain/raw_writer.hpp"

#include <cstdio>
#include <functional>
#include <pqxx/pqxx>
#include <string_view>

#include "common/db/identity.hpp"

namespace bench {
namespace {

constexpr const char* kUpsert = R"SQL(
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::int[], $9::int[], $10::text[], $11::text[])
    AS x(identity_key, name_key, artist, title, job_id, genres, moods, duration_ms, popularity, external_id, fields)
),
up AS (
  INSERT INTO tracks AS t (identity_key, name_key, artist_name, title, genres, moods, duration_ms, popularity,
                           providers_done, enriched_at)
  SELECT identity_key, name_key, artist, title, genres::text[], moods::text[], duration_ms, popularity,
         '{noop}', now()
  FROM input ORDER BY identity_key
  ON CONFLICT (identity_key) DO UPDATE
    SET genres = EXCLUDED.genres, moods = EXCLUDED.moods, duration_ms = EXCLUDED.duration_ms,
        popularity = EXCLUDED.popularity, providers_done = EXCLUDED.providers_done,
        updated_at = now(), enriched_at = now()
  RETURNING t.id, t.identity_key
)
INSERT INTO track_sources AS s (track_id, provider, status, external_id, fetched_at, genres, moods, fields, job_id)
SELECT up.id, 'noop', 'ok', i.external_id, now(), i.genres::text[], i.moods::text[], i.fields::jsonb, i.job_id
FROM input i JOIN up USING (identity_key)
ON CONFLICT (track_id, provider) DO UPDATE
  SET status = EXCLUDED.status, external_id = EXCLUDED.external_id, fetched_at = EXCLUDED.fetched_at,
      genres = EXCLUDED.genres, moods = EXCLUDED.moods, fields = EXCLUDED.fields, job_id = EXCLUDED.job_id
)SQL";

// The same vocabulary and derivation as workers/noop/noop_provider.cpp.
const char* const kGenres[] = {"rock", "pop", "electronic", "house", "jazz", "hip hop", "folk", "metal"};
const char* const kMoods[] = {"calm", "energetic", "melancholic", "happy", "dark", "dreamy"};

// A PostgreSQL array literal with every element quoted: {"a","b\"c"}.
class ArrayLiteral {
 public:
  void Add(std::string_view value) {
    text_ += text_.empty() ? "{\"" : ",\"";
    for (char c : value) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
  }
  void AddInt(long value) {
    text_ += text_.empty() ? "{" : ",";
    text_ += std::to_string(value);
  }
  std::string Take() {
    std::string out = text_.empty() ? "{}" : text_ + "}";
    text_.clear();
    return out;
  }

 private:
  std::string text_;
};

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

bool MakeRawRow(std::string job_id, std::string artist, std::string title, RawRow& row) {
  auto key = db::TrackIdentityKey({.artist = artist, .title = title});
  if (!key || job_id.empty()) return false;
  row.identity_key = std::move(*key);
  row.name_key = db::TrackNameKey(artist, title);
  row.artist = std::move(artist);
  row.title = std::move(title);
  row.job_id = std::move(job_id);
  return true;
}

void WriteRawBatch(pqxx::connection& conn, const std::vector<RawRow>& rows) {
  ArrayLiteral keys, names, artists, titles, jobs, genres, moods, durations, popularities, external_ids, fields;
  for (const auto& row : rows) {
    std::size_t h = std::hash<std::string>{}(row.artist + '\x1f' + row.title);
    std::string g = std::string("{\"") + kGenres[h % 8] + "\"";
    if (h % 8 != (h / 8) % 8) g += std::string(",\"") + kGenres[(h / 8) % 8] + "\"";
    g += "}";
    auto duration = static_cast<long>(120000 + h % 240000);
    auto popularity = static_cast<long>(h % 101);
    std::string f = "{\"title\":";
    AppendJsonString(f, row.title);
    f += ",\"duration_ms\":" + std::to_string(duration) + ",\"popularity\":" + std::to_string(popularity) + "}";
    keys.Add(row.identity_key);
    names.Add(row.name_key);
    artists.Add(row.artist);
    titles.Add(row.title);
    jobs.Add(row.job_id);
    genres.Add(g);
    moods.Add(std::string("{\"") + kMoods[(h / 64) % 6] + "\"}");
    durations.AddInt(duration);
    popularities.AddInt(popularity);
    external_ids.Add("noop:" + std::to_string(h % 1000000007));
    fields.Add(f);
  }
  pqxx::work tx(conn);
  tx.exec_params(kUpsert, keys.Take(), names.Take(), artists.Take(), titles.Take(), jobs.Take(), genres.Take(),
                 moods.Take(), durations.Take(), popularities.Take(), external_ids.Take(), fields.Take());
  tx.commit();
}

}  // namespace bench

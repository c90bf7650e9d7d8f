// `tunefleet stats`'s renderings: aligned tables and one JSON document.
#include "tools/tunefleet/stats_report.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace stats {
namespace {

// Columns of text; the first is left-aligned, the others (numbers) right-aligned.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render() const {
    std::vector<std::size_t> width(rows_.front().size(), 0);
    for (const auto& row : rows_) {
      for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line = "  ";
      for (std::size_t i = 0; i < row.size(); ++i) {
        const std::string pad(width[i] - row[i].size(), ' ');
        if (i > 0) line += "  ";
        line += i == 0 ? row[i] + pad : pad + row[i];
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string Int(std::int64_t value) { return std::to_string(value); }

// 0.4671 -> "46.7 %".
std::string Percent(double share) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %%", share * 100);
  return buffer;
}

std::string ShareOf(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? Percent(static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

std::string BucketsTable(const std::vector<Bucket>& buckets, std::int64_t total, const char* noun) {
  Table table({"PROVIDERS", noun, "SHARE"});
  for (const auto& b : buckets) table.Add({Int(b.providers), Int(b.count), ShareOf(b.count, total)});
  return table.Render();
}

std::string TagsTable(const char* title, const std::vector<TagCount>& tags) {
  Table table({title, "TRACKS", "SHARE"});
  for (const auto& t : tags) table.Add({t.name, Int(t.tracks), Percent(t.share)});
  return table.Render();
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer& w, std::string_view key) { w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())); }
void String(Writer& w, const std::string& value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void Buckets(Writer& w, std::string_view key, const std::vector<Bucket>& buckets, const char* noun) {
  Key(w, key);
  w.StartArray();
  for (const auto& b : buckets) {
    w.StartObject();
    Key(w, "providers");
    w.Int(b.providers);
    Key(w, noun);
    w.Int64(b.count);
    w.EndObject();
  }
  w.EndArray();
}

void Counts(Writer& w, std::string_view key, const SourceCounts& counts) {
  Key(w, key);
  w.StartObject();
  Key(w, "stored");
  w.Int64(counts.stored);
  Key(w, "not_found");
  w.Int64(counts.not_found);
  w.EndObject();
}

void Tags(Writer& w, std::string_view key, std::string_view name_key, const std::vector<TagCount>& tags,
          std::int64_t distinct) {
  Key(w, key);
  w.StartObject();
  Key(w, "distinct");
  w.Int64(distinct);
  Key(w, "top");
  w.StartArray();
  for (const auto& t : tags) {
    w.StartObject();
    Key(w, name_key);
    String(w, t.name);
    Key(w, "tracks");
    w.Int64(t.tracks);
    Key(w, "share");
    w.Double(t.share);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

void AddDeadLetters(CatalogStats& stats, const std::map<std::string, std::int64_t>& dead) {
  stats.dead_letters_known = true;
  for (auto& row : stats.coverage) {
    auto it = dead.find(row.provider);
    row.dead_letters = it == dead.end() ? 0 : it->second;
  }
  for (const auto& [provider, messages] : dead) {
    auto same = [&](const ProviderCoverage& row) { return row.provider == provider; };
    if (std::none_of(stats.coverage.begin(), stats.coverage.end(), same)) {
      stats.coverage.push_back({.provider = provider, .tracks = {}, .albums = {}, .dead_letters = messages});
    }
  }
  std::sort(stats.coverage.begin(), stats.coverage.end(),
            [](const ProviderCoverage& a, const ProviderCoverage& b) { return a.provider < b.provider; });
}

std::string FormatTable(const CatalogStats& stats) {
  std::string out = "catalog at " + stats.at + "\n\n";
  out += "  tracks " + Int(stats.tracks) + ", albums " + Int(stats.albums) + ", tracks with audio features " +
         Int(stats.tracks_with_audio_features) + " (" + Percent(stats.audio_features_share) + ")\n";
  out += "  merged rows: " + Int(stats.merged_tracks) + " tracks, " + Int(stats.merged_albums) + " albums, " +
         Int(stats.merged_artists) + " artists; identity conflicts: " + Int(stats.identity_conflicts) + "\n";

  out += "\ntracks by providers that stored them\n" + BucketsTable(stats.tracks_by_providers, stats.tracks, "TRACKS");
  out += "\nalbums by providers that stored them\n" + BucketsTable(stats.albums_by_providers, stats.albums, "ALBUMS");

  out += "\ncoverage per provider (source rows; dead letters from RabbitMQ";
  out += stats.dead_letters_known ? ")\n" : ": not asked or unreachable, shown as -)\n";
  Table coverage({"PROVIDER", "TRACKS STORED", "TRACKS NOT FOUND", "ALBUMS STORED", "ALBUMS NOT FOUND", "DEAD LETTERS"});
  for (const auto& c : stats.coverage) {
    coverage.Add({c.provider, Int(c.tracks.stored), Int(c.tracks.not_found), Int(c.albums.stored),
                  Int(c.albums.not_found), c.dead_letters ? Int(*c.dead_letters) : "-"});
  }
  out += coverage.Render();

  out += "\ngenres: top " + Int(static_cast<std::int64_t>(stats.genres.size())) + " of " + Int(stats.distinct_genres) +
         " (share of all tracks)\n" + TagsTable("GENRE", stats.genres);
  out += "\nmoods: top " + Int(static_cast<std::int64_t>(stats.moods.size())) + " of " + Int(stats.distinct_moods) +
         " (share of all tracks)\n" + TagsTable("MOOD", stats.moods);

  out += "\nfeature matrix (track_features per vocabulary version)\n";
  Table features({"VERSION", "ROWS", "MISSING CELLS", "MISSING SHARE"});
  for (const auto& v : stats.feature_matrix) {
    features.Add({Int(v.version) + (v.latest ? " (latest)" : ""), Int(v.rows), Int(v.missing_cells),
                  Percent(v.missing_share)});
  }
  out += features.Render();

  out += "\njobs committed (job_commits)\n";
  Table rate({"PROVIDER", "LAST HOUR", "LAST DAY"});
  for (const auto& r : stats.enrichment_rate) rate.Add({r.provider, Int(r.jobs_last_hour), Int(r.jobs_last_day)});
  out += rate.Render();
  return out;
}

std::string FormatJson(const CatalogStats& stats) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "at");
  String(w, stats.at);
  Key(w, "tracks");
  w.Int64(stats.tracks);
  Key(w, "albums");
  w.Int64(stats.albums);
  Key(w, "tracks_with_audio_features");
  w.Int64(stats.tracks_with_audio_features);
  Key(w, "audio_features_share");
  w.Double(stats.audio_features_share);
  Buckets(w, "tracks_by_providers", stats.tracks_by_providers, "tracks");
  Buckets(w, "albums_by_providers", stats.albums_by_providers, "albums");
  Key(w, "coverage");
  w.StartArray();
  for (const auto& c : stats.coverage) {
    w.StartObject();
    Key(w, "provider");
    String(w, c.provider);
    Counts(w, "tracks", c.tracks);
    Counts(w, "albums", c.albums);
    Key(w, "dead_letters");
    if (c.dead_letters) {
      w.Int64(*c.dead_letters);
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
  Tags(w, "genres", "genre", stats.genres, stats.distinct_genres);
  Tags(w, "moods", "mood", stats.moods, stats.distinct_moods);
  Key(w, "feature_matrix");
  w.StartArray();
  for (const auto& v : stats.feature_matrix) {
    w.StartObject();
    Key(w, "version");
    w.Int(v.version);
    Key(w, "latest");
    w.Bool(v.latest);
    Key(w, "rows");
    w.Int64(v.rows);
    Key(w, "cells");
    w.Int64(v.cells);
    Key(w, "missing_cells");
    w.Int64(v.missing_cells);
    Key(w, "missing_share");
    w.Double(v.missing_share);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "enrichment_rate");
  w.StartArray();
  for (const auto& r : stats.enrichment_rate) {
    w.StartObject();
    Key(w, "provider");
    String(w, r.provider);
    Key(w, "jobs_last_hour");
    w.Int64(r.jobs_last_hour);
    Key(w, "jobs_last_day");
    w.Int64(r.jobs_last_day);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "identity");
  w.StartObject();
  Key(w, "merged_tracks");
  w.Int64(stats.merged_tracks);
  Key(w, "merged_albums");
  w.Int64(stats.merged_albums);
  Key(w, "merged_artists");
  w.Int64(stats.merged_artists);
  Key(w, "conflicts");
  w.Int64(stats.identity_conflicts);
  w.EndObject();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace stats

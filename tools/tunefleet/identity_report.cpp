// `tunefleet identity`: reads identity_conflicts and the alias tables of
// migrations/0009_identity_merge.sql, and renders them as text or JSON.
#include "tools/tunefleet/identity_report.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <pqxx/pqxx>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <string_view>

#include "common/db/session.hpp"

namespace identity {
namespace {

// A row's label: "artist - title" (tracks, albums) or the artist's name; NULL when it is gone.
// Each LEFT JOIN is by primary key and only for its own entity.
constexpr const char* kSelectConflicts = R"SQL(
SELECT c.entity, c.low_id, c.high_id,
       COALESCE(lt.artist_name || ' - ' || lt.title, la.artist_name || ' - ' || la.title, lr.name),
       COALESCE(ht.artist_name || ' - ' || ht.title, ha.artist_name || ' - ' || ha.title, hr.name),
       c.low_value, c.high_value, c.shared_kind, c.shared_value, c.conflict_kind, c.seen,
       to_char(c.first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(c.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM identity_conflicts c
LEFT JOIN tracks lt ON c.entity = 'track' AND lt.id = c.low_id
LEFT JOIN tracks ht ON c.entity = 'track' AND ht.id = c.high_id
LEFT JOIN albums la ON c.entity = 'album' AND la.id = c.low_id
LEFT JOIN albums ha ON c.entity = 'album' AND ha.id = c.high_id
LEFT JOIN artists lr ON c.entity = 'artist' AND lr.id = c.low_id
LEFT JOIN artists hr ON c.entity = 'artist' AND hr.id = c.high_id
WHERE $1 = '' OR c.entity = $1
ORDER BY c.last_seen_at DESC, c.entity, c.low_id, c.high_id
LIMIT $2
)SQL";

// $1: the earliest merged_at, '' for all.
constexpr const char* kAliases = R"SQL(
  SELECT 'track' AS entity, a.absorbed_id, a.identity_key, a.survivor_id, t.artist_name || ' - ' || t.title AS survivor,
         a.kind, a.value, a.merged_at
  FROM track_aliases a LEFT JOIN tracks t ON t.id = a.survivor_id
  WHERE a.merged_at >= COALESCE(NULLIF($1, '')::timestamptz, '-infinity')
  UNION ALL
  SELECT 'album', a.absorbed_id, a.identity_key, a.survivor_id, b.artist_name || ' - ' || b.title,
         a.kind, a.value, a.merged_at
  FROM album_aliases a LEFT JOIN albums b ON b.id = a.survivor_id
  WHERE a.merged_at >= COALESCE(NULLIF($1, '')::timestamptz, '-infinity')
  UNION ALL
  SELECT 'artist', a.absorbed_id, a.name_key, a.survivor_id, r.name, a.kind, a.value, a.merged_at
  FROM artist_aliases a LEFT JOIN artists r ON r.id = a.survivor_id
  WHERE a.merged_at >= COALESCE(NULLIF($1, '')::timestamptz, '-infinity')
)SQL";

const std::string kSelectMerges =
    std::string("SELECT entity, absorbed_id, identity_key, survivor_id, survivor, kind, value, "
                "to_char(merged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM (") +
    kAliases + ") m ORDER BY merged_at DESC, entity, absorbed_id DESC LIMIT $2";

const std::string kSelectTotals =
    std::string("SELECT entity, kind, count(*) FROM (") + kAliases + ") m GROUP BY entity, kind ORDER BY entity, kind";

std::string Text(const pqxx::field& field) { return field.is_null() ? std::string() : field.as<std::string>(); }

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer& w, std::string_view key) { w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())); }
void String(Writer& w, const std::string& value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void Label(Writer& w, const std::string& label) {
  if (label.empty()) {
    w.Null();
  } else {
    String(w, label);
  }
}

std::string Quoted(const std::string& label) { return label.empty() ? "(row gone)" : "\"" + label + "\""; }

// A name identity key joins artist and title with U+001F (db::kNameKeySeparator), which a
// terminal does not show: as "|", like `tunefleet similar`.
std::string Printable(std::string key) {
  for (char& c : key) {
    if (c == '\x1f') c = '|';
  }
  return key;
}

std::string Pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

core::Result<std::vector<Conflict>> ReadConflicts(const std::string& dsn, const std::string& entity, int limit) {
  db::Session session(dsn);
  return session.Run([&] {
    pqxx::read_transaction tx(session.Connection());
    std::vector<Conflict> out;
    for (const auto& row : tx.exec_params(kSelectConflicts, entity, limit)) {
      Conflict c;
      c.entity = row[0].as<std::string>();
      c.low = {row[1].as<std::int64_t>(), Text(row[3]), row[5].as<std::string>()};
      c.high = {row[2].as<std::int64_t>(), Text(row[4]), row[6].as<std::string>()};
      c.shared_kind = row[7].as<std::string>();
      c.shared_value = row[8].as<std::string>();
      c.conflict_kind = row[9].as<std::string>();
      c.seen = row[10].as<std::int64_t>();
      c.first_seen = row[11].as<std::string>();
      c.last_seen = row[12].as<std::string>();
      out.push_back(std::move(c));
    }
    return out;
  });
}

core::Result<MergeList> ReadMerges(const std::string& dsn, const std::string& since, int limit) {
  db::Session session(dsn);
  return session.Run([&] {
    // One snapshot: the list and the totals agree.
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(session.Connection());
    MergeList list;
    for (const auto& row : tx.exec_params(kSelectMerges, since, limit)) {
      list.merges.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<std::string>(),
                             row[3].as<std::int64_t>(), Text(row[4]), row[5].as<std::string>(),
                             row[6].as<std::string>(), row[7].as<std::string>()});
    }
    for (const auto& row : tx.exec_params(kSelectTotals, since)) {
      list.totals.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::int64_t>()});
    }
    tx.commit();
    return list;
  });
}

std::string FormatConflicts(const std::vector<Conflict>& conflicts) {
  if (conflicts.empty()) return "no identity conflicts\n";
  std::string out = std::to_string(conflicts.size()) +
                    " identity conflicts, most recently seen first (not merged: fix the provider data or delete one "
                    "row by hand)\n";
  for (const auto& c : conflicts) {
    out += c.entity + " " + std::to_string(c.low.id) + " " + Quoted(c.low.label) + " and " +
           std::to_string(c.high.id) + " " + Quoted(c.high.label) + ": share " + c.shared_kind + " " +
           c.shared_value + ", differ on " + c.conflict_kind + " (" + std::to_string(c.low.id) + ": " + c.low.value +
           ", " + std::to_string(c.high.id) + ": " + c.high.value + "); seen " + std::to_string(c.seen) +
           (c.seen == 1 ? " time" : " times") + ", last " + c.last_seen + "\n";
  }
  return out;
}

std::string FormatConflictsJson(const std::vector<Conflict>& conflicts) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "conflicts");
  w.StartArray();
  for (const auto& c : conflicts) {
    w.StartObject();
    Key(w, "entity");
    String(w, c.entity);
    for (const auto* side : {&c.low, &c.high}) {
      Key(w, side == &c.low ? "low" : "high");
      w.StartObject();
      Key(w, "id");
      w.Int64(side->id);
      Key(w, "label");
      Label(w, side->label);
      Key(w, "value");
      String(w, side->value);
      w.EndObject();
    }
    Key(w, "shared_kind");
    String(w, c.shared_kind);
    Key(w, "shared_value");
    String(w, c.shared_value);
    Key(w, "conflict_kind");
    String(w, c.conflict_kind);
    Key(w, "seen");
    w.Int64(c.seen);
    Key(w, "first_seen");
    String(w, c.first_seen);
    Key(w, "last_seen");
    String(w, c.last_seen);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string FormatMerges(const MergeList& list) {
  std::int64_t total = 0;
  for (const auto& t : list.totals) total += t.merges;
  std::string out = "merges: " + std::to_string(total) + "\n";
  if (!list.totals.empty()) {
    out += "  " + Pad("ENTITY", 8) + Pad("KIND", 12) + "MERGES\n";
    for (const auto& t : list.totals) {
      out += "  " + Pad(t.entity, 8) + Pad(t.kind, 12) + std::to_string(t.merges) + "\n";
    }
  }
  if (list.merges.empty()) return out;
  out += "\nnewest first (" + std::to_string(list.merges.size()) + " shown): absorbed -> survivor\n";
  for (const auto& m : list.merges) {
    out += "  " + m.merged_at + "  " + m.entity + " " + std::to_string(m.absorbed_id) + " (" +
           Printable(m.identity_key) + ") -> " + std::to_string(m.survivor_id) + " " + Quoted(m.survivor) + "  " + m.kind + " " + m.value + "\n";
  }
  return out;
}

std::string FormatMergesJson(const MergeList& list) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "merges");
  w.StartArray();
  for (const auto& m : list.merges) {
    w.StartObject();
    Key(w, "entity");
    String(w, m.entity);
    Key(w, "absorbed_id");
    w.Int64(m.absorbed_id);
    Key(w, "identity_key");
    String(w, m.identity_key);
    Key(w, "survivor_id");
    w.Int64(m.survivor_id);
    Key(w, "survivor");
    Label(w, m.survivor);
    Key(w, "kind");
    String(w, m.kind);
    Key(w, "value");
    String(w, m.value);
    Key(w, "merged_at");
    String(w, m.merged_at);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "totals");
  w.StartArray();
  for (const auto& t : list.totals) {
    w.StartObject();
    Key(w, "entity");
    String(w, t.entity);
    Key(w, "kind");
    String(w, t.kind);
    Key(w, "merges");
    w.Int64(t.merges);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::optional<std::string> ParseSince(const std::string& text, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  // "7d", "24h", "30m": that long before now.
  if (text.size() >= 2 && (text.back() == 'd' || text.back() == 'h' || text.back() == 'm')) {
    std::int64_t n = 0;
    const char* end = text.data() + text.size() - 1;
    auto [ptr, ec] = std::from_chars(text.data(), end, n);
    if (ec != std::errc{} || ptr != end || n < 0 || n > 100000) return std::nullopt;
    const minutes span = text.back() == 'd' ? minutes(n * 1440) : text.back() == 'h' ? minutes(n * 60) : minutes(n);
    const std::time_t at = system_clock::to_time_t(now - span);
    std::tm tm{};
    gmtime_r(&at, &tm);
    char buffer[40];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S+00", &tm);
    return std::string(buffer);
  }
  // "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ", checked to be a real day and time.
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail = 0;
  if (text.size() == 10) {
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &tail) != 3) return std::nullopt;
  } else if (text.size() == 20) {
    char t = 0, z = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%c%c", &y, &mo, &d, &t, &h, &mi, &s, &z, &tail) != 8 ||
        t != 'T' || z != 'Z') {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  const year_month_day day{year{y}, month{static_cast<unsigned>(mo)}, std::chrono::day{static_cast<unsigned>(d)}};
  if (!day.ok() || h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0) return std::nullopt;
  // Sized for any int the format could print (GCC's -Wformat-truncation at -O2 checks that).
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d+00", y, mo, d, h, mi, s);
  return std::string(buffer);
}

}  // namespace identity

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace provider_sim {

// Percent-decoding. `plus_is_space` for query strings and form bodies
// (application/x-www-form-urlencoded); a malformed escape is kept literally.
std::string UrlDecode(std::string_view text, bool plus_is_space);

// Decoded name=value pairs of a query string or form body, in order. Get() returns the first.
class QueryParams {
 public:
  void Add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  std::optional<std::string_view> Get(std::string_view name) const;
  std::string_view GetOr(std::string_view name, std::string_view fallback) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

QueryParams ParseQueryString(std::string_view query);

// A request target ("/spotify/v1/search?q=..."): the decoded path and the query.
struct Target {
  std::string path;
  QueryParams query;
};
Target ParseTarget(std::string_view target);

// A field query as Spotify's `q` and MusicBrainz's Lucene `query` spell them:
//   isrc:USUM71703861
//   track:"Mr. Brightside" artist:"The Killers"
//   recording:"Mr. Brightside" AND artist:"The Killers"
//   artist:(the killers) AND NOT country:XX
// Field names are lower-cased; quoted values lose their quotes and backslash escapes; operators
// (AND, OR, NOT, &&, ||, leading + and -), grouping parentheses and Lucene suffixes (~2, ^3)
// are dropped. Words outside any field join `text`, space-separated.
struct FieldQuery {
  std::vector<std::pair<std::string, std::string>> fields;
  std::string text;
  std::optional<std::string_view> Field(std::string_view name) const;
};
FieldQuery ParseFieldQuery(std::string_view query);

// Lower-case ASCII, whitespace trimmed and collapsed: the form every catalog key hashes, so
// "The Killers " and "the  killers" are the same artist.
std::string Normalize(std::string_view text);

}  // namespace provider_sim

#include "common/db/identity.hpp"

namespace db {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char AsciiUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

std::string Trimmed(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && IsSpace(text[begin])) ++begin;
  while (end > begin && IsSpace(text[end - 1])) --end;
  return std::string(text.substr(begin, end - begin));
}

}  // namespace

std::string NameKey(std::string_view name) {
  std::string key;
  key.reserve(name.size());
  bool pending_space = false;
  for (char c : name) {
    if (IsSpace(c)) {
      pending_space = !key.empty();
      continue;
    }
    if (pending_space) key += ' ';
    pending_space = false;
    key += AsciiLower(c);
  }
  return key;
}

std::string TrackNameKey(std::string_view artist, std::string_view title) {
  return NameKey(artist) + kNameKeySeparator + NameKey(title);
}

std::string NormalizeIsrc(std::string_view isrc) {
  std::string out;
  for (char c : isrc) {
    if (c == '-' || IsSpace(c)) continue;
    out += AsciiUpper(c);
  }
  return out;
}

std::string NormalizeUpc(std::string_view upc) {
  std::string out;
  for (char c : upc) {
    if (c < '0' || c > '9') continue;
    // A UPC-A and the EAN-13 spelling of the same code differ by a leading zero.
    if (out.empty() && c == '0') continue;
    out += c;
  }
  return out;
}

std::string NormalizeMbid(std::string_view mbid) {
  std::string out = Trimmed(mbid);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

core::Result<std::string> TrackIdentityKey(const TrackIdentity& track) {
  if (auto isrc = NormalizeIsrc(track.isrc); !isrc.empty()) return "isrc:" + isrc;
  if (auto mbid = NormalizeMbid(track.mbid); !mbid.empty()) return "mbid:" + mbid;
  if (auto spotify = Trimmed(track.spotify_id); !spotify.empty()) return "spotify:" + spotify;
  std::string artist = NameKey(track.artist);
  std::string title = NameKey(track.title);
  if (artist.empty() || title.empty()) {
    return core::Error::InvalidInput(
        "track has no isrc, mbid or spotify_id and no artist and title to identify it by");
  }
  return "name:" + artist + kNameKeySeparator + title;
}

core::Result<std::string> AlbumIdentityKey(const AlbumIdentity& album) {
  if (auto upc = NormalizeUpc(album.upc); !upc.empty()) return "upc:" + upc;
  if (auto mbid = NormalizeMbid(album.mbid); !mbid.empty()) return "mbid:" + mbid;
  if (auto spotify = Trimmed(album.spotify_id); !spotify.empty()) return "spotify:" + spotify;
  if (album.discogs_id && *album.discogs_id > 0) {
    return "discogs:" + std::to_string(*album.discogs_id);
  }
  std::string artist = NameKey(album.artist);
  std::string title = NameKey(album.title);
  if (artist.empty() || title.empty()) {
    return core::Error::InvalidInput(
        "album has no upc, mbid, spotify_id or discogs_id and no artist and title to identify "
        "it by");
  }
  return "name:" + artist + kNameKeySeparator + title;
}

}  // namespace db

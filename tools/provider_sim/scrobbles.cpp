#include "tools/provider_sim/scrobbles.hpp"

#include <algorithm>
#include <cctype>

#include "tools/provider_sim/ids.hpp"

namespace provider_sim {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

ScrobbleBook::ScrobbleBook(std::uint64_t seed, const std::vector<LastfmUser>& users, std::int64_t history_end)
    : seed_(seed), history_end_(history_end) {
  for (const auto& user : users) {
    History history;
    history.count = user.scrobbles;
    const std::string key = Lower(user.name);
    history.salt = Mix(seed_ ^ Fnv1a(key) ^ 0x7363726full);
    users_[key] = std::move(history);
  }
}

bool ScrobbleBook::WithMbid(std::uint64_t track_key) const { return Mix(track_key ^ seed_ ^ 0x6d626964ull) % 5 == 0; }

void ScrobbleBook::Generate(History& history) const {
  SplitMix r(history.salt);
  history.scrobbles.reserve(static_cast<std::size_t>(history.count));
  std::vector<std::uint64_t> played;
  // Average gap so the history spans ~60 days; gaps drawn in [1, 2 * average - 1].
  const std::int64_t average = std::max<std::int64_t>(1, kHistorySpanSeconds / std::max(1, history.count));
  std::int64_t uts = history_end_;
  for (int i = 0; i < history.count; ++i) {
    std::uint64_t key = 0;
    if (!played.empty() && r.Unit() < 0.16) {
      key = played[r.Index(played.size())];  // a repeated play
    } else {
      key = Mix(history.salt ^ (static_cast<std::uint64_t>(i) + 1) * 0x9e3779b97f4a7c15ull);
      played.push_back(key);
    }
    history.scrobbles.push_back({key, uts, WithMbid(key)});
    const auto gap = static_cast<std::int64_t>(r.Next() % static_cast<std::uint64_t>(2 * average - 1)) + 1;
    uts = std::max<std::int64_t>(1, uts - gap);
    if (uts == 1) break;  // a history cannot reach before 1970
  }
  history.generated = true;
}

const std::vector<Scrobble>* ScrobbleBook::Find(std::string_view user) {
  auto it = users_.find(Lower(user));
  if (it == users_.end()) return nullptr;
  if (!it->second.generated) Generate(it->second);
  return &it->second.scrobbles;
}

std::uint64_t ScrobbleBook::NowPlaying(std::string_view user) const {
  auto it = users_.find(Lower(user));
  return Mix((it == users_.end() ? 0 : it->second.salt) ^ 0x6e6f77ull);
}

std::optional<std::string> ScrobbleBook::Append(std::string_view user, int count, std::int64_t at) {
  if (count < 1 || count > 100'000) return "count must be between 1 and 100000";
  auto it = users_.find(Lower(user));
  if (it == users_.end()) return "no Last.fm user \"" + std::string(user) + "\" (see --lastfm-users)";
  History& history = it->second;
  if (!history.generated) Generate(history);
  std::int64_t uts = history.scrobbles.empty() ? at : std::max(at, history.scrobbles.front().uts + 1);
  std::vector<Scrobble> added;
  for (int i = 0; i < count; ++i, ++uts) {
    const std::uint64_t key = Mix(history.salt ^ 0x617070656e64ull ^ ++history.appended);
    added.push_back({key, uts, WithMbid(key)});
  }
  std::reverse(added.begin(), added.end());  // newest first
  history.scrobbles.insert(history.scrobbles.begin(), added.begin(), added.end());
  return std::nullopt;
}

}  // namespace provider_sim

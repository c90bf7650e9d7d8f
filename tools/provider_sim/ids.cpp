#include "tools/provider_sim/ids.hpp"

#include <array>
#include <cstdio>

namespace provider_sim {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::uint64_t Check(std::uint64_t key, IdKind kind, std::uint64_t seed) {
  return Mix(key ^ Mix(static_cast<std::uint64_t>(kind) ^ Mix(seed)));
}

int Base62Digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c >= 'a' && c <= 'z') return c - 'a' + 36;
  return -1;
}

std::optional<std::uint64_t> ParseHex(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (digit < 0) return std::nullopt;
    value = value * 16 + static_cast<std::uint64_t>(digit);
  }
  return value;
}

}  // namespace

std::string Base62(std::uint64_t value, std::size_t width) {
  std::string out(width, '0');
  for (std::size_t i = width; i > 0 && value > 0; --i) {
    out[i - 1] = kBase62[value % 62];
    value /= 62;
  }
  return out;
}

std::optional<std::uint64_t> ParseBase62(std::string_view text) {
  // 11 base62 digits hold 62^11 > 2^64, so overflow must be checked.
  std::uint64_t value = 0;
  for (char c : text) {
    int digit = Base62Digit(c);
    if (digit < 0) return std::nullopt;
    auto d = static_cast<std::uint64_t>(digit);
    if (value > (UINT64_MAX - d) / 62) return std::nullopt;
    value = value * 62 + d;
  }
  return value;
}

std::string SpotifyId(std::uint64_t key, IdKind kind, std::uint64_t seed) {
  return Base62(key, 11) + Base62(Check(key, kind, seed), 11);
}

std::optional<std::uint64_t> ParseSpotifyId(std::string_view id, IdKind kind, std::uint64_t seed) {
  if (id.size() != 22) return std::nullopt;
  auto key = ParseBase62(id.substr(0, 11));
  auto check = ParseBase62(id.substr(11));
  if (!key || !check || *check != Check(*key, kind, seed)) return std::nullopt;
  return key;
}

std::string Mbid(std::uint64_t key, IdKind kind, std::uint64_t seed) {
  std::uint64_t check = Check(key, kind, seed);
  auto g1 = static_cast<unsigned>(key >> 32);
  auto g2 = static_cast<unsigned>((key >> 16) & 0xffff);
  auto g3 = static_cast<unsigned>(0x4000 | ((key >> 4) & 0x0fff));  // version 4
  // Variant bits 10, then the key's last 4 bits, then 10 check bits.
  auto g4 = static_cast<unsigned>(0x8000 | ((key & 0xf) << 10) | (check & 0x3ff));
  auto g5 = static_cast<unsigned long long>((check >> 10) & 0xffffffffffffull);
  std::array<char, 40> buf{};
  std::snprintf(buf.data(), buf.size(), "%08x-%04x-%04x-%04x-%012llx", g1, g2, g3, g4, g5);
  return std::string(buf.data(), 36);
}

std::optional<std::uint64_t> ParseMbid(std::string_view id, IdKind kind, std::uint64_t seed) {
  if (id.size() != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-') {
    return std::nullopt;
  }
  auto g1 = ParseHex(id.substr(0, 8));
  auto g2 = ParseHex(id.substr(9, 4));
  auto g3 = ParseHex(id.substr(14, 4));
  auto g4 = ParseHex(id.substr(19, 4));
  auto g5 = ParseHex(id.substr(24, 12));
  if (!g1 || !g2 || !g3 || !g4 || !g5) return std::nullopt;
  std::uint64_t key = (*g1 << 32) | (*g2 << 16) | ((*g3 & 0x0fff) << 4) | ((*g4 >> 10) & 0xf);
  if (Mbid(key, kind, seed) != id) return std::nullopt;
  return key;
}

}  // namespace provider_sim

#include "common/core/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>

namespace core {
namespace {

constexpr std::size_t kNpos = std::string::npos;

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string LowerCopy(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
// Characters a parameter name is made of, '%' included so an encoded name is read whole.
bool IsNameChar(char c) { return IsAlnum(c) || c == '_' || c == '-' || c == '.' || c == '%'; }
bool IsHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return Lower(c) - 'a' + 10;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && IsHexDigit(text[i + 1]) && IsHexDigit(text[i + 2])) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// "%3D" / "%3d" etc. at `pos`: an encoded `c`.
bool IsEncoded(std::string_view text, std::size_t pos, char c) {
  if (pos + 2 >= text.size()) return false;
  return text[pos] == '%' && IsHexDigit(text[pos + 1]) && IsHexDigit(text[pos + 2]) &&
         HexValue(text[pos + 1]) * 16 + HexValue(text[pos + 2]) == static_cast<unsigned char>(c);
}

// End of an unquoted value starting at `pos`: the first space, '&', '#', quote or angle
// bracket, an encoded '&' or '#' (the value belongs to a URL encoded inside a query), or
// punctuation that ends a clause (':', ',', ';', ')', '.' before a space or the text's end).
// In JSON, also ',', '}' and ']'.
std::size_t UnquotedValueEnd(std::string_view text, std::size_t pos, bool json) {
  for (std::size_t i = pos; i < text.size(); ++i) {
    char c = text[i];
    if (IsSpace(c) || c == '&' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>') return i;
    if (json && (c == ',' || c == '}' || c == ']')) return i;
    if (c == '%' && (IsEncoded(text, i, '&') || IsEncoded(text, i, '#'))) return i;
    bool clause_end = i + 1 == text.size() || IsSpace(text[i + 1]);
    if (clause_end && (c == ':' || c == ',' || c == ';' || c == ')' || c == '.')) return i;
  }
  return text.size();
}

// End (index of the closing quote, or the text's end) of a value quoted with `quote` that
// starts after the opening quote at `pos`; a backslash escapes the next character and, in
// libpq's single-quoted values, '' stands for one quote.
std::size_t QuotedValueEnd(std::string_view text, std::size_t pos, char quote) {
  for (std::size_t i = pos; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
      continue;
    }
    if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;
        continue;
      }
      return i;
    }
  }
  return text.size();
}

// Replaces [begin, end) of `out` with the marker unless it is empty or already the marker.
// Returns the index just after what was written.
std::size_t ReplaceValue(std::string& out, std::size_t begin, std::size_t end) {
  if (end <= begin) return begin;
  if (std::string_view(out).substr(begin, end - begin) == kRedacted) return end;
  out.replace(begin, end - begin, kRedacted);
  return begin + kRedacted.size();
}

// Redacts the value that starts at `pos` (after '=' or ':' and any spaces): quoted values
// inside their quotes, others up to UnquotedValueEnd. Returns where scanning resumes.
std::size_t RedactValueAt(std::string& out, std::size_t pos, bool json) {
  if (pos >= out.size()) return pos;
  if (out[pos] == '\'' || out[pos] == '"') {
    char quote = out[pos];
    std::size_t end = QuotedValueEnd(out, pos + 1, quote);
    return ReplaceValue(out, pos + 1, end) + 1;
  }
  if (out[pos] == '\\' && pos + 1 < out.size() && out[pos + 1] == '"') {
    // A JSON string inside a JSON string (a header value quoted in a log field): \"VALUE\".
    std::size_t end = out.find("\\\"", pos + 2);
    if (end == kNpos) end = out.size();
    return ReplaceValue(out, pos + 2, end) + 2;
  }
  return ReplaceValue(out, pos, UnquotedValueEnd(out, pos, json));
}

// scheme://user:PASSWORD@host and scheme://TOKEN@host.
void RedactUserinfo(std::string& out) {
  std::size_t search = 0;
  while ((search = out.find("://", search)) != kNpos) {
    std::size_t start = search + 3;
    search = start;
    if (start - 3 == 0 || !(IsAlnum(out[start - 4]) || out[start - 4] == '+' || out[start - 4] == '.' ||
                            out[start - 4] == '-')) {
      continue;
    }
    auto stops_text = [&](char c) { return IsSpace(c) || c == '"' || c == '\'' || c == '<' || c == '>'; };
    std::size_t text_end = start;
    while (text_end < out.size() && !stops_text(out[text_end])) ++text_end;
    std::size_t authority_end = start;
    while (authority_end < text_end && out[authority_end] != '/' && out[authority_end] != '?' &&
           out[authority_end] != '#') {
      ++authority_end;
    }
    std::size_t at = kNpos;
    for (std::size_t i = authority_end; i > start; --i) {
      if (out[i - 1] == '@') {
        at = i - 1;
        break;
      }
    }
    if (at == kNpos) {
      // A raw '/', '?' or '#' inside the password ends the authority early: user:pa/ss@host.
      // A colon followed by something other than a port means userinfo; take the next '@'.
      std::size_t colon = std::string_view(out).substr(start, authority_end - start).find(':');
      if (colon == kNpos) continue;
      colon += start;
      bool port = colon + 1 < authority_end;
      for (std::size_t i = colon + 1; i < authority_end; ++i) port = port && std::isdigit(static_cast<unsigned char>(out[i]));
      if (port) continue;
      std::size_t next_at = out.find('@', authority_end);
      if (next_at == kNpos || next_at >= text_end) continue;
      at = next_at;
    }
    std::size_t colon = std::string_view(out).substr(start, at - start).find(':');
    std::size_t resume =
        colon == kNpos ? ReplaceValue(out, start, at) : ReplaceValue(out, start + colon + 1, at);
    search = resume;
  }
}

// name=VALUE (also name%3DVALUE inside an encoded URL, and "name = VALUE" in a libpq DSN).
void RedactAssignments(std::string& out) {
  std::size_t i = 0;
  while (i < out.size()) {
    std::size_t eq_len = 0;
    if (out[i] == '=') eq_len = 1;
    else if (IsEncoded(out, i, '=')) eq_len = 3;
    if (eq_len == 0) {
      ++i;
      continue;
    }
    std::size_t name_end = i;
    while (name_end > 0 && (out[name_end - 1] == ' ' || out[name_end - 1] == '\t')) --name_end;
    std::size_t name_begin = name_end;
    while (name_begin > 0 && IsNameChar(out[name_begin - 1])) --name_begin;
    std::string name = PercentDecode(std::string_view(out).substr(name_begin, name_end - name_begin));
    // "…%3Fapi_key%3D…" decodes to "…?api_key": the name is what follows the last separator.
    std::size_t last_sep = kNpos;
    for (std::size_t k = 0; k < name.size(); ++k) {
      char c = name[k];
      if (!(IsAlnum(c) || c == '_' || c == '-' || c == '.')) last_sep = k;
    }
    if (last_sep != kNpos) name = name.substr(last_sep + 1);
    std::size_t value = i + eq_len;
    if (name.empty() || !IsSecretName(name)) {
      i = value;
      continue;
    }
    while (value < out.size() && (out[value] == ' ' || out[value] == '\t')) ++value;
    i = RedactValueAt(out, value, false);
  }
}

// "name": "VALUE" (JSON, also with escaped quotes inside a JSON string) and Name: VALUE
// header lines.
void RedactColonPairs(std::string& out) {
  std::size_t i = 0;
  while ((i = out.find(':', i)) != kNpos) {
    std::size_t colon = i;
    ++i;
    std::size_t key_end = colon;
    while (key_end > 0 && (out[key_end - 1] == ' ' || out[key_end - 1] == '\t')) --key_end;
    std::size_t value = colon + 1;
    while (value < out.size() && (out[value] == ' ' || out[value] == '\t')) ++value;
    if (value >= out.size()) break;
    if (key_end > 0 && out[key_end - 1] == '"') {
      // A JSON key: "name" or \"name\".
      std::size_t close = key_end - 1;
      bool escaped = close > 0 && out[close - 1] == '\\';
      std::size_t name_end = escaped ? close - 1 : close;
      std::size_t open = out.rfind('"', name_end == 0 ? 0 : name_end - 1);
      if (open == kNpos || open >= name_end) continue;
      std::size_t name_begin = open + 1;
      std::string_view name = std::string_view(out).substr(name_begin, name_end - name_begin);
      if (!IsSecretName(name) && !IsSecretHeader(name)) continue;
      i = RedactValueAt(out, value, true);
      continue;
    }
    std::size_t name_begin = key_end;
    while (name_begin > 0 && (IsAlnum(out[name_begin - 1]) || out[name_begin - 1] == '-' || out[name_begin - 1] == '_')) {
      --name_begin;
    }
    std::string_view name = std::string_view(out).substr(name_begin, key_end - name_begin);
    if (name.empty() || !IsSecretHeader(name)) continue;
    std::string lower = LowerCopy(name);
    if (lower == "authorization" || lower == "proxy-authorization" || lower == "cookie" || lower == "set-cookie") {
      // Keep the scheme word (Bearer, Basic, Digest…), hide the rest of the line: Digest
      // and cookies carry several values.
      std::size_t word = value;
      while (word < out.size() && std::isalpha(static_cast<unsigned char>(out[word]))) ++word;
      if (word < out.size() && word > value && out[word] == ' ') {
        value = word;
        while (value < out.size() && out[value] == ' ') ++value;
      }
      std::size_t end = value;
      while (end < out.size() && out[end] != '\r' && out[end] != '\n') ++end;
      i = ReplaceValue(out, value, end);
      continue;
    }
    i = RedactValueAt(out, value, false);
  }
}

// Bearer TOKEN / Basic TOKEN wherever they appear (a header quoted without its name).
void RedactAuthSchemes(std::string& out) {
  auto is_token_char = [](char c) {
    return IsAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
  };
  for (std::string_view scheme : {std::string_view("bearer"), std::string_view("basic")}) {
    std::size_t i = 0;
    while (i + scheme.size() < out.size()) {
      bool match = (i == 0 || !IsAlnum(out[i - 1]));
      for (std::size_t k = 0; match && k < scheme.size(); ++k) match = Lower(out[i + k]) == scheme[k];
      if (!match || out[i + scheme.size()] != ' ') {
        ++i;
        continue;
      }
      std::size_t value = i + scheme.size();
      while (value < out.size() && out[value] == ' ') ++value;
      std::size_t end = value;
      while (end < out.size() && is_token_char(out[end])) ++end;
      i = ReplaceValue(out, value, end);
    }
  }
}

}  // namespace

bool IsSecretName(std::string_view name) {
  static constexpr std::array<std::string_view, 17> kExact = {
      "key", "apikey", "token", "secret", "signature", "sig", "api_sig", "sk", "password", "passwd", "pass",
      "pwd", "auth", "credentials", "authorization", "code_verifier", "x-api-key"};
  // Not "-key": x-tunefleet-routing-key is ours and names a queue.
  static constexpr std::array<std::string_view, 8> kSuffixes = {
      "password", "passwd", "secret", "token", "_key", "apikey", "_sig", "signature"};
  std::string lower = LowerCopy(PercentDecode(name));
  if (std::find(kExact.begin(), kExact.end(), lower) != kExact.end()) return true;
  return std::any_of(kSuffixes.begin(), kSuffixes.end(), [&](std::string_view s) { return EndsWith(lower, s); });
}

bool IsSecretHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kExact = {"authorization", "proxy-authorization", "cookie",
                                                            "set-cookie", "x-api-key", "api-key"};
  static constexpr std::array<std::string_view, 4> kSuffixes = {"-token", "-secret", "-password", "api-key"};
  std::string lower = LowerCopy(name);
  if (std::find(kExact.begin(), kExact.end(), lower) != kExact.end()) return true;
  return std::any_of(kSuffixes.begin(), kSuffixes.end(), [&](std::string_view s) { return EndsWith(lower, s); });
}

std::string Redact(std::string_view text) {
  std::string out(text);
  // Most strings (messages, ids, names) hold none of the characters a credential form needs:
  // the log writer calls this on every string, so skip the passes that cannot match.
  bool has_colon = out.find(':') != kNpos;
  bool has_assignment = out.find('=') != kNpos || out.find('%') != kNpos;
  bool has_scheme_word = out.find_first_of("bB") != kNpos && out.find(' ') != kNpos;
  if (has_colon && out.find("://") != kNpos) RedactUserinfo(out);
  if (has_assignment) RedactAssignments(out);
  if (has_colon) RedactColonPairs(out);
  if (has_scheme_word) RedactAuthSchemes(out);
  return out;
}

}  // namespace core

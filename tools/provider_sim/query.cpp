#include "tools/provider_sim/query.hpp"

#include <cctype>

namespace provider_sim {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Drops a Lucene fuzziness or boost suffix ("~", "~2", "^3", "^0.5") at `pos`.
std::size_t SkipSuffix(std::string_view q, std::size_t pos) {
  if (pos < q.size() && (q[pos] == '~' || q[pos] == '^')) {
    ++pos;
    while (pos < q.size() && (std::isdigit(static_cast<unsigned char>(q[pos])) != 0 || q[pos] == '.')) ++pos;
  }
  return pos;
}

// Reads a value at `pos`: "quoted \" text", (grouped words) or a bare word with \ escapes.
std::string ReadValue(std::string_view q, std::size_t& pos) {
  std::string out;
  if (pos < q.size() && q[pos] == '"') {
    ++pos;
    while (pos < q.size() && q[pos] != '"') {
      if (q[pos] == '\\' && pos + 1 < q.size()) ++pos;
      out += q[pos++];
    }
    if (pos < q.size()) ++pos;  // closing quote
    pos = SkipSuffix(q, pos);
    return out;
  }
  if (pos < q.size() && q[pos] == '(') {
    int depth = 1;
    ++pos;
    while (pos < q.size() && depth > 0) {
      if (q[pos] == '\\' && pos + 1 < q.size()) {
        out += q[pos + 1];
        pos += 2;
        continue;
      }
      if (q[pos] == '(') ++depth;
      if (q[pos] == ')' && --depth == 0) break;
      if (q[pos] != '"') out += q[pos];
      ++pos;
    }
    if (pos < q.size()) ++pos;  // closing parenthesis
    return out;
  }
  while (pos < q.size() && !IsSpace(q[pos]) && q[pos] != ')' && q[pos] != '(') {
    if (q[pos] == '\\' && pos + 1 < q.size()) {
      out += q[pos + 1];
      pos += 2;
      continue;
    }
    if (q[pos] == '~' || q[pos] == '^') {
      pos = SkipSuffix(q, pos);
      break;
    }
    out += q[pos++];
  }
  return out;
}

}  // namespace

std::string UrlDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::optional<std::string_view> QueryParams::Get(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view QueryParams::GetOr(std::string_view name, std::string_view fallback) const {
  auto value = Get(name);
  return value ? *value : fallback;
}

QueryParams ParseQueryString(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    params.Add(UrlDecode(name, true), UrlDecode(value, true));
  }
  return params;
}

Target ParseTarget(std::string_view target) {
  Target out;
  std::size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  std::size_t question = target.find('?');
  out.path = UrlDecode(target.substr(0, question), false);
  if (question != std::string_view::npos) out.query = ParseQueryString(target.substr(question + 1));
  return out;
}

std::optional<std::string_view> FieldQuery::Field(std::string_view name) const {
  for (const auto& [key, value] : fields) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

FieldQuery ParseFieldQuery(std::string_view q) {
  FieldQuery out;
  std::size_t pos = 0;
  auto add_text = [&out](std::string_view word) {
    if (word.empty()) return;
    if (!out.text.empty()) out.text += ' ';
    out.text += word;
  };
  while (pos < q.size()) {
    char c = q[pos];
    if (IsSpace(c) || c == '(' || c == ')' || c == '+' || c == '-' || c == '!') {
      ++pos;
      continue;
    }
    if (q.substr(pos, 2) == "&&" || q.substr(pos, 2) == "||") {
      pos += 2;
      continue;
    }
    // A field name is letters, digits, '-' and '_' followed by ':'.
    std::size_t name_end = pos;
    while (name_end < q.size() && (std::isalnum(static_cast<unsigned char>(q[name_end])) != 0 ||
                                   q[name_end] == '_' || q[name_end] == '-')) {
      ++name_end;
    }
    if (name_end > pos && name_end < q.size() && q[name_end] == ':') {
      std::string name;
      for (char n : q.substr(pos, name_end - pos)) name += Lower(n);
      pos = name_end + 1;
      out.fields.emplace_back(std::move(name), ReadValue(q, pos));
      continue;
    }
    std::string word = ReadValue(q, pos);
    if (word == "AND" || word == "OR" || word == "NOT") continue;
    if (word.empty()) {
      ++pos;  // a stray character ReadValue does not consume, such as ':'
      continue;
    }
    add_text(word);
  }
  return out;
}

std::string Normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += Lower(c);
  }
  return out;
}

}  // namespace provider_sim

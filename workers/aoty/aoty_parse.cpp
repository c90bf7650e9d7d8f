#include "workers/aoty/aoty_parse.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "common/http/url.hpp"
#include "common/json/record_writer.hpp"

namespace aoty {
namespace {

// ---- libxml2, kept inside this file: an HTML document and XPath queries over it. ----------

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
struct ContextFree {
  void operator()(xmlXPathContext* context) const { xmlXPathFreeContext(context); }
};
struct ObjectFree {
  void operator()(xmlXPathObject* object) const { xmlXPathFreeObject(object); }
};
struct XmlFree {
  void operator()(xmlChar* text) const { xmlFree(text); }
};

const xmlChar* X(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

// A parsed page. libxml2's HTML parser recovers from broken markup like a browser does; its
// complaints are not printed (HTML_PARSE_NOERROR) and it never touches the network.
class Page {
 public:
  static std::optional<Page> Parse(std::string_view html) {
    static std::once_flag init;
    std::call_once(init, [] { xmlInitParser(); });
    if (html.size() > static_cast<std::size_t>(INT_MAX)) return std::nullopt;
    xmlDoc* doc = htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                                 HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    if (doc == nullptr) return std::nullopt;
    Page page;
    page.doc_.reset(doc);
    page.context_.reset(xmlXPathNewContext(doc));
    if (!page.context_) return std::nullopt;
    return page;
  }

  // The nodes `xpath` selects under `from` (the document when null), in document order.
  std::vector<xmlNode*> All(const std::string& xpath, xmlNode* from = nullptr) const {
    std::unique_ptr<xmlXPathObject, ObjectFree> result(
        xmlXPathNodeEval(from != nullptr ? from : xmlDocGetRootElement(doc_.get()), X(xpath.c_str()), context_.get()));
    std::vector<xmlNode*> out;
    if (!result || result->nodesetval == nullptr) return out;
    for (int i = 0; i < result->nodesetval->nodeNr; ++i) out.push_back(result->nodesetval->nodeTab[i]);
    return out;
  }
  xmlNode* First(const std::string& xpath, xmlNode* from = nullptr) const {
    auto nodes = All(xpath, from);
    return nodes.empty() ? nullptr : nodes.front();
  }
  // The node as served (for the raw column).
  std::string Markup(xmlNode* node) const {
    std::unique_ptr<xmlBuffer, decltype(&xmlBufferFree)> buffer(xmlBufferCreate(), &xmlBufferFree);
    if (!buffer || htmlNodeDump(buffer.get(), doc_.get(), node) < 0) return "";
    return {reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
            static_cast<std::size_t>(xmlBufferLength(buffer.get()))};
  }

 private:
  Page() = default;
  std::unique_ptr<xmlDoc, DocFree> doc_;
  std::unique_ptr<xmlXPathContext, ContextFree> context_;
};

// XPath for "has CSS class `name`" (class lists are space-separated).
std::string Cls(const char* name) {
  return std::string("contains(concat(' ', normalize-space(@class), ' '), ' ") + name + " ')";
}

// The text of a node and its descendants, whitespace collapsed and trimmed; "" for null.
std::string Text(xmlNode* node) {
  if (node == nullptr) return "";
  std::unique_ptr<xmlChar, XmlFree> content(xmlNodeGetContent(node));
  if (!content) return "";
  std::string out;
  bool space = false;
  for (const char* c = reinterpret_cast<const char*>(content.get()); *c != '\0'; ++c) {
    if (std::isspace(static_cast<unsigned char>(*c)) != 0) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += *c;
  }
  return out;
}

std::string Attribute(xmlNode* node, const char* name) {
  if (node == nullptr) return "";
  std::unique_ptr<xmlChar, XmlFree> value(xmlGetProp(node, X(name)));
  return value ? std::string(reinterpret_cast<const char*>(value.get())) : std::string();
}

}  // namespace

bool PageComplete(std::string_view html) {
  std::string_view tail = html.substr(html.size() > 4096 ? html.size() - 4096 : 0);
  static constexpr std::string_view kEnd = "</html>";
  for (std::size_t i = 0; i + kEnd.size() <= tail.size(); ++i) {
    bool match = true;
    for (std::size_t k = 0; k < kEnd.size() && match; ++k) {
      match = std::tolower(static_cast<unsigned char>(tail[i + k])) == kEnd[k];
    }
    if (match) return true;
  }
  return false;
}

namespace {

std::string SearchMarkerXPath() { return "//div[" + Cls("albumBlock") + "] | //div[" + Cls("noResults") + "]"; }
std::string AlbumMarkerXPath() {
  return "//h1[" + Cls("albumTitle") + "] | //div[" + Cls("albumCriticScoreBox") + "] | //div[" +
         Cls("albumUserScoreBox") + "]";
}

core::Error Unexpected(std::string_view page, const std::string& missing) {
  return core::Error::Transient("aoty " + std::string(page) + " page: unexpected page: " + missing);
}

}  // namespace

std::optional<std::string> MissingMarker(PageKind kind, std::string_view html) {
  bool search = kind == PageKind::kSearch;
  std::string wanted = search ? "no div.albumBlock or div.noResults (not AOTY's album search)"
                              : "no h1.albumTitle, div.albumCriticScoreBox or div.albumUserScoreBox (not an AOTY album page)";
  bool blank = true;
  for (char c : html) blank = blank && std::isspace(static_cast<unsigned char>(c)) != 0;
  if (blank) return "an empty body, " + wanted;
  auto page = Page::Parse(html);
  if (!page) return "not an HTML document (" + std::to_string(html.size()) + " bytes), " + wanted;
  if (page->First(search ? SearchMarkerXPath() : AlbumMarkerXPath()) != nullptr) return std::nullopt;
  std::string title = Text(page->First("//title"));
  if (title.size() > 80) title = title.substr(0, 80) + "...";
  return wanted + (title.empty() ? std::string() : ", titled \"" + title + "\"");
}

namespace {

core::Error Changed(std::string_view page, const std::string& what) {
  return core::Error::InvalidInput("aoty " + std::string(page) + " page: " + what +
                                   "; the page changed shape (update workers/aoty/aoty_parse.cpp, docs/providers/AOTY.md)");
}

// "85", "85.3": a score 0..100; nullopt for text that is not a number.
std::optional<double> Number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double n = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(n)) return std::nullopt;
  return n;
}

// The first run of digits (thousands separators skipped) in "Based on 1,234 ratings".
std::optional<std::int32_t> Count(const std::string& text) {
  std::int64_t n = 0;
  bool seen = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      seen = true;
      n = n * 10 + (c - '0');
      if (n > INT32_MAX) return std::nullopt;
    } else if (seen && c == ',' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])) != 0) {
      continue;
    } else if (seen) {
      break;
    }
  }
  if (!seen) return std::nullopt;
  return static_cast<std::int32_t>(n);
}

struct Score {
  std::optional<double> score;
  std::optional<std::int32_t> count;
};

// One score box: `score_class` holds the score (its link's @title is the exact value, the
// link text the rounded one; "NR" or no link: no score), div.numReviews the count.
core::Result<Score> ReadBox(const Page& page, xmlNode* box, const char* box_class, const char* score_class) {
  Score out;
  xmlNode* score = page.First(".//div[" + Cls(score_class) + "]", box);
  xmlNode* link = score != nullptr ? page.First(".//a", score) : nullptr;
  std::string text = Text(link != nullptr ? link : score);
  if (link != nullptr || (!text.empty() && text != "NR")) {
    if (text != "NR") {
      auto exact = Number(Attribute(link, "title"));
      auto shown = Number(text);
      if (!shown && !exact) {
        return Changed("album", std::string("div.") + score_class + " reads \"" + text + "\", not a score");
      }
      double value = exact ? *exact : *shown;
      if (value < 0 || value > 100) {
        return Changed("album", std::string("div.") + score_class + " reads " + text + ", outside 0..100");
      }
      out.score = value;
    }
  }
  out.count = Count(Text(page.First(".//div[" + Cls("numReviews") + "]", box)));
  if (out.score && !out.count) {
    return Changed("album", std::string("div.") + box_class + " has a score but no div.numReviews count");
  }
  return out;
}

void String(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

bool IsAlnum(unsigned char c) { return std::isalnum(c) != 0 || c >= 0x80; }

// The title without bracketed parts: "Blonde (Deluxe Edition) [Remastered]" -> "Blonde".
std::string WithoutBrackets(std::string_view title) {
  std::string out;
  int depth = 0;
  for (char c : title) {
    if (c == '(' || c == '[') ++depth;
    else if ((c == ')' || c == ']') && depth > 0) --depth;
    else if (depth == 0) out += c;
  }
  return out;
}

}  // namespace

namespace {

core::Result<std::vector<SearchCandidate>> ReadSearch(std::string_view html) {
  auto page = Page::Parse(html);
  if (!page) return core::Error::Transient("aoty search page: not an HTML document (" + std::to_string(html.size()) + " bytes)");
  if (page->First(SearchMarkerXPath()) == nullptr) {
    return Unexpected("search", *MissingMarker(PageKind::kSearch, html));
  }
  std::vector<SearchCandidate> out;
  int n = 0;
  for (xmlNode* block : page->All("//div[" + Cls("albumBlock") + "]")) {
    ++n;
    std::string where = "result " + std::to_string(n) + " (div.albumBlock)";
    xmlNode* title = page->First(".//div[" + Cls("albumTitle") + "]", block);
    xmlNode* artist = page->First(".//div[" + Cls("artistTitle") + "]", block);
    if (title == nullptr) return Changed("search", where + " has no div.albumTitle");
    if (artist == nullptr) return Changed("search", where + " has no div.artistTitle");
    // The album link: the one around the title, else the cover's (div.image a).
    std::string path = Attribute(page->First("ancestor::a[1]", title), "href");
    if (path.find("/album/") == std::string::npos) {
      path = Attribute(page->First(".//a[contains(@href, '/album/')]", block), "href");
    }
    if (path.find("/album/") == std::string::npos) return Changed("search", where + " has no link to /album/");
    if (auto scheme = path.find("://"); scheme != std::string::npos) {
      auto slash = path.find('/', scheme + 3);
      path = slash == std::string::npos ? "/" : path.substr(slash);
    }
    out.push_back({Text(artist), Text(title), path});
  }
  return out;
}

// A shape error of a page that does not reach </html> was cut off in transit: transient.
template <typename T>
core::Result<T> UnlessCutOff(core::Result<T> result, std::string_view html, std::string_view page) {
  if (result || result.error().kind != core::ErrorKind::kInvalidInput || PageComplete(html)) return result;
  return core::Error::Transient("aoty " + std::string(page) + " page cut off (" + std::to_string(html.size()) +
                                " bytes, no </html>): " + result.error().message);
}

}  // namespace

core::Result<std::vector<SearchCandidate>> ParseSearch(std::string_view html) {
  return UnlessCutOff(ReadSearch(html), html, "search");
}

std::string MatchKey(std::string_view name, bool is_artist) {
  std::string out;
  bool space = false;
  auto add_word_break = [&] { space = !out.empty(); };
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (c == '&') {
      add_word_break();
      if (space) out += ' ';
      out += "and";
      space = true;
      continue;
    }
    if (!IsAlnum(u)) {
      if (c != '\'' && c != '.') add_word_break();  // "Don't" = "Dont", "R.E.M." = "REM"
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(u));
  }
  if (is_artist && out.rfind("the ", 0) == 0 && out.size() > 4) out.erase(0, 4);
  return out;
}

std::optional<SearchCandidate> PickCandidate(const std::vector<SearchCandidate>& candidates, std::string_view artist,
                                             std::string_view title) {
  std::string artist_key = MatchKey(artist, true);
  std::string title_key = MatchKey(title);
  for (const auto& c : candidates) {
    if (MatchKey(c.artist, true) == artist_key && MatchKey(c.title) == title_key) return c;
  }
  std::string bare_title = MatchKey(WithoutBrackets(title));
  if (bare_title.empty()) return std::nullopt;
  for (const auto& c : candidates) {
    if (MatchKey(c.artist, true) == artist_key && MatchKey(WithoutBrackets(c.title)) == bare_title) return c;
  }
  return std::nullopt;
}

namespace {

core::Result<AlbumPage> ReadAlbumPage(std::string_view html) {
  auto page = Page::Parse(html);
  if (!page) return core::Error::Transient("aoty album page: not an HTML document (" + std::to_string(html.size()) + " bytes)");
  if (page->First(AlbumMarkerXPath()) == nullptr) return Unexpected("album", *MissingMarker(PageKind::kAlbum, html));
  AlbumPage out;
  xmlNode* title = page->First("//h1[" + Cls("albumTitle") + "]");
  if (title == nullptr) return Changed("album", "no h1.albumTitle");
  out.title = Text(title);
  out.artist = Text(page->First("//div[" + Cls("artist") + "]"));
  xmlNode* critic_box = page->First("//div[" + Cls("albumCriticScoreBox") + "]");
  xmlNode* user_box = page->First("//div[" + Cls("albumUserScoreBox") + "]");
  if (critic_box == nullptr) return Changed("album", "no div.albumCriticScoreBox");
  if (user_box == nullptr) return Changed("album", "no div.albumUserScoreBox");
  auto critic = ReadBox(*page, critic_box, "albumCriticScoreBox", "albumCriticScore");
  if (!critic) return critic.error();
  auto user = ReadBox(*page, user_box, "albumUserScoreBox", "albumUserScore");
  if (!user) return user.error();
  out.critic_score = critic->score;
  out.critic_count = critic->count;
  out.user_score = user->score;
  out.user_count = user->count;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("critic_box");
  String(w, page->Markup(critic_box));
  w.Key("user_box");
  String(w, page->Markup(user_box));
  w.EndObject();
  out.raw_json.assign(buffer.GetString(), buffer.GetSize());
  return out;
}

}  // namespace

core::Result<AlbumPage> ParseAlbumPage(std::string_view html) {
  return UnlessCutOff(ReadAlbumPage(html), html, "album");
}

catalog::AlbumRecord NotFoundAlbum(const json::AlbumJob& job) {
  catalog::AlbumRecord r;
  r.ref = {job.artist, job.album, job.upc, job.mbid, job.spotify_id, job.discogs_id};
  r.provider = "aoty";
  r.job_id = job.job_id;
  r.status = catalog::SourceStatus::kNotFound;
  return r;
}

catalog::AlbumRecord AlbumRecordFrom(const json::AlbumJob& job, std::string_view path, const AlbumPage& page) {
  catalog::AlbumRecord r = NotFoundAlbum(job);
  r.status = catalog::SourceStatus::kOk;
  r.external_id = std::string(path);
  if (!page.title.empty()) r.fields.title = page.title;
  if (!page.artist.empty() && page.artist != job.artist) r.fields.artist_credit = page.artist;
  r.fields.aoty_critic_score = page.critic_score;
  r.fields.aoty_critic_count = page.critic_count;
  r.fields.aoty_user_score = page.user_score;
  r.fields.aoty_user_count = page.user_count;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("page");
  String(w, path);
  w.Key("boxes");
  w.RawValue(page.raw_json.data(), page.raw_json.size(), rapidjson::kObjectType);
  w.EndObject();
  r.raw_json.emplace(buffer.GetString(), buffer.GetSize());
  return r;
}

std::string SearchUrl(std::string_view base_url, std::string_view artist, std::string_view title) {
  std::string base(base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/search/albums/?q=" + http::PercentEncode(std::string(artist) + " - " + std::string(title));
}

core::Result<runtime::NormalizedAnswer> NormalizeAnswer(std::string_view body) {
  auto page = Page::Parse(body);
  if (!page) return core::Error::InvalidInput("not an HTML document");
  bool album = page->First(AlbumMarkerXPath()) != nullptr;
  runtime::NormalizedAnswer out;
  if (album) {
    out.shape = "album";
    auto parsed = ParseAlbumPage(body);
    if (!parsed) {
      out.error = parsed.error();
      return out;
    }
    json::AlbumJob job;
    job.artist = parsed->artist;
    job.album = parsed->title;
    out.record_json = json::RecordJson(AlbumRecordFrom(job, "", *parsed));
    return out;
  }
  out.shape = "search";
  auto candidates = ParseSearch(body);
  if (!candidates) {
    out.error = candidates.error();
    return out;
  }
  out.candidates = static_cast<long>(candidates->size());
  if (candidates->empty()) return out;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("candidates");
  w.StartArray();
  for (const auto& c : *candidates) {
    w.StartObject();
    w.Key("artist");
    String(w, c.artist);
    w.Key("title");
    String(w, c.title);
    w.Key("path");
    String(w, c.path);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out.record_json.assign(buffer.GetString(), buffer.GetSize());
  return out;
}

}  // namespace aoty

#include "tools/tunefleet/playlist_options.hpp"

#include <charconv>

namespace playlist {
namespace {

core::Error Usage(std::string message) { return core::Error::InvalidInput(std::move(message)); }

std::optional<std::int64_t> ParsePositive(const std::string& text, std::int64_t max) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 1 || value > max) return std::nullopt;
  return value;
}

// Which flags each action takes.
bool Allowed(Options::Action action, std::string_view flag) {
  switch (action) {
    case Options::Action::kBuild:
      return flag == "--user" || flag == "--kind" || flag == "--size" || flag == "--days" || flag == "--m3u" ||
             flag == "--json";
    case Options::Action::kList:
      return flag == "--user" || flag == "--json";
    case Options::Action::kShow:
      return flag == "--json";
    case Options::Action::kExport:
      return flag == "--m3u" || flag == "--json";
    case Options::Action::kHelp:
      return false;
  }
  return false;
}

std::string_view ActionName(Options::Action action) {
  switch (action) {
    case Options::Action::kList:
      return "list";
    case Options::Action::kShow:
      return "show";
    case Options::Action::kExport:
      return "export";
    default:
      return "building a playlist";
  }
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kSimilarRecent:
      return "similar-recent";
    case Kind::kDiscovery:
      return "discovery";
    case Kind::kTrending:
      return "trending";
  }
  return "?";
}

std::optional<Kind> ParseKind(std::string_view name) {
  for (Kind kind : {Kind::kSimilarRecent, Kind::kDiscovery, Kind::kTrending}) {
    if (KindName(kind) == name) return kind;
  }
  return std::nullopt;
}

core::Result<Options> ParseArgs(const std::vector<std::string>& args) {
  Options options;
  for (const auto& arg : args) {
    if (arg == "-h" || arg == "--help") {
      options.action = Options::Action::kHelp;
      return options;
    }
  }
  if (args.empty()) return Usage("what? give --user NAME --kind KIND, or list, show or export");
  std::size_t i = 0;
  if (args[0] == "list" || args[0] == "show" || args[0] == "export") {
    options.action = args[0] == "list"   ? Options::Action::kList
                     : args[0] == "show" ? Options::Action::kShow
                                         : Options::Action::kExport;
    i = 1;
  }
  bool id_given = false;
  bool kind_given = false;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("-")) {
      if ((options.action == Options::Action::kShow || options.action == Options::Action::kExport) && !id_given) {
        auto id = ParsePositive(arg, INT64_MAX);
        if (!id) return Usage("\"" + arg + "\" is not a playlist id (a positive whole number)");
        options.id = *id;
        id_given = true;
        continue;
      }
      return Usage("unexpected argument \"" + arg + "\"");
    }
    std::string flag = arg;
    std::optional<std::string> value;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.starts_with("--")) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const bool known = flag == "--user" || flag == "--kind" || flag == "--size" || flag == "--days" ||
                       flag == "--m3u" || flag == "--json";
    if (!known) return Usage("unknown option " + flag);
    if (!Allowed(options.action, flag)) {
      return Usage(flag + " does not apply to " + std::string(ActionName(options.action)));
    }
    if (flag == "--json") {
      if (value) return Usage("--json takes no value");
      options.json = true;
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) return Usage(flag + " needs a value");
      value = args[++i];
    }
    if (flag == "--user") {
      if (value->empty()) return Usage("--user needs a listener name");
      options.user = *value;
    } else if (flag == "--kind") {
      auto kind = ParseKind(*value);
      if (!kind) return Usage("--kind \"" + *value + "\" is not similar-recent, discovery or trending");
      options.kind = *kind;
      kind_given = true;
    } else if (flag == "--size") {
      auto size = ParsePositive(*value, kMaxSize);
      if (!size) return Usage("--size \"" + *value + "\" is not a whole number from 1 to " + std::to_string(kMaxSize));
      options.size = static_cast<int>(*size);
    } else if (flag == "--days") {
      auto days = ParsePositive(*value, kMaxDays);
      if (!days) return Usage("--days \"" + *value + "\" is not a whole number from 1 to " + std::to_string(kMaxDays));
      options.days = static_cast<int>(*days);
    } else {  // --m3u
      if (value->empty()) return Usage("--m3u needs a file name");
      options.m3u = *value;
    }
  }
  if (!options.m3u.empty() && options.json) return Usage("give --m3u FILE or --json, not both");
  switch (options.action) {
    case Options::Action::kBuild:
      if (options.user.empty()) return Usage("whose playlist? give --user NAME");
      if (!kind_given) return Usage("which kind? give --kind similar-recent, discovery or trending");
      break;
    case Options::Action::kList:
      if (options.user.empty()) return Usage("whose playlists? give --user NAME");
      break;
    case Options::Action::kShow:
    case Options::Action::kExport:
      if (!id_given) return Usage("which playlist? give its id (tunefleet playlist list --user NAME lists them)");
      break;
    case Options::Action::kHelp:
      break;
  }
  return options;
}

}  // namespace playlist

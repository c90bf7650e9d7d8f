#include "common/db/connection.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>

namespace db {
namespace {

struct ConninfoFree {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using ConninfoPtr = std::unique_ptr<PQconninfoOption, ConninfoFree>;

core::Result<ConninfoPtr> ParseOptions(std::string_view dsn) {
  char* error = nullptr;
  ConninfoPtr options{PQconninfoParse(std::string(dsn).c_str(), &error)};
  if (!options) {
    // libpq's message quotes the offending part, never the whole string, but it may quote the
    // password when that is what it failed on; keep only the reason.
    std::string why = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    if (auto colon = why.find(':'); colon != std::string::npos) why.erase(colon);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return core::Error::InvalidInput("invalid PostgreSQL connection string: " + why);
  }
  return options;
}

std::string EnvOr(const char* name, std::string_view fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : std::string(fallback);
}

// A key=value string value: quoted when it has to be (libpq's own rules).
void AppendValue(std::string& out, std::string_view value) {
  bool plain = !value.empty() && value.find_first_of(" \t\n'\\=") == std::string_view::npos;
  if (plain) {
    out += value;
    return;
  }
  out += '\'';
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

// Renders the options that are set as key=value pairs, in libpq's option order.
std::string Render(const PQconninfoOption* options, std::string_view dbname_override,
                   bool redact_password) {
  std::string out;
  bool dbname_done = false;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    std::string_view keyword = o->keyword;
    std::string_view value = o->val != nullptr ? o->val : "";
    if (keyword == "dbname" && !dbname_override.empty()) {
      value = dbname_override;
      dbname_done = true;
    }
    if (value.empty()) continue;
    if (!out.empty()) out += ' ';
    out += keyword;
    out += '=';
    if (keyword == "password" && redact_password) {
      out += "***";
    } else {
      AppendValue(out, value);
    }
  }
  if (!dbname_override.empty() && !dbname_done) {
    out += out.empty() ? "dbname=" : " dbname=";
    AppendValue(out, dbname_override);
  }
  return out;
}

}  // namespace

core::Result<DsnTarget> ParseDsn(std::string_view dsn) {
  auto options = ParseOptions(dsn);
  if (!options) return options.error();
  DsnTarget target;
  for (const PQconninfoOption* o = options->get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view keyword = o->keyword;
    if (keyword == "host") target.host = o->val;
    if (keyword == "hostaddr" && target.host.empty()) target.host = o->val;
    if (keyword == "port") target.port = o->val;
    if (keyword == "dbname") target.dbname = o->val;
    if (keyword == "user") target.user = o->val;
  }
  if (target.host.empty()) target.host = EnvOr("PGHOST", "localhost");
  if (target.port.empty()) target.port = EnvOr("PGPORT", "5432");
  return target;
}

std::string RedactDsn(std::string_view dsn) {
  auto options = ParseOptions(dsn);
  if (!options) return "<unparsable DSN>";
  return Render(options->get(), {}, /*redact_password=*/true);
}

std::string DescribeDsn(std::string_view dsn) {
  auto target = ParseDsn(dsn);
  if (!target) return "<unparsable DSN>";
  std::string out = target->host + ":" + target->port;
  if (!target->dbname.empty() || !target->user.empty()) {
    out += " (";
    if (!target->dbname.empty()) out += "database " + target->dbname;
    if (!target->dbname.empty() && !target->user.empty()) out += ", ";
    if (!target->user.empty()) out += "user " + target->user;
    out += ")";
  }
  return out;
}

core::Result<std::string> DsnWithDatabase(std::string_view dsn, std::string_view dbname) {
  auto options = ParseOptions(dsn);
  if (!options) return options.error();
  return Render(options->get(), dbname, /*redact_password=*/false);
}

}  // namespace db

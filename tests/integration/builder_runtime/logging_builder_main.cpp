// A test-only builder over the real runtime (runtime::RunBuilder): every Rebuild call writes
// one row per id into rebuild_log(call, track_id) of the test's database, so tests see which
// ids were rebuilt together and how often. Behaviour knobs (environment):
//   TUNEFLEET_TEST_BUILDER        name, "recommend" (default) or "features": the queue it reads
//   TUNEFLEET_TEST_FAIL_FIRST     the first N Rebuild calls fail transiently (database "down")
//   TUNEFLEET_TEST_BACKGROUND     Background() does this many steps (rows in background_log)
#include <pqxx/pqxx>

#include <cstdlib>
#include <string>

#include "common/db/errors.hpp"
#include "common/runtime/builder.hpp"
#include "workers/fleet/fleet.hpp"

namespace {

int EnvInt(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? 0 : std::atoi(value);
}

class LoggingBuilder : public runtime::Builder {
 public:
  LoggingBuilder(std::string name, std::string dsn)
      : name_(std::move(name)),
        dsn_(std::move(dsn)),
        fail_first_(EnvInt("TUNEFLEET_TEST_FAIL_FIRST")),
        background_left_(EnvInt("TUNEFLEET_TEST_BACKGROUND")) {}

  // runtime::Builder
  std::string_view Name() const override { return name_; }

  core::Result<runtime::RebuildStats> Rebuild(const std::vector<std::int64_t>& track_ids) override {
    if (fail_first_ > 0) {
      --fail_first_;
      return core::Error::Transient("test builder: database pretends to be down");
    }
    try {
      pqxx::connection conn(dsn_);
      pqxx::work tx(conn);
      std::string ids = "{";
      for (std::size_t i = 0; i < track_ids.size(); ++i) ids += (i ? "," : "") + std::to_string(track_ids[i]);
      ids += "}";
      tx.exec_params(
          "WITH c AS (SELECT nextval('rebuild_call') AS call) "
          "INSERT INTO rebuild_log (call, track_id) SELECT c.call, id FROM c, unnest($1::bigint[]) id",
          ids);
      tx.commit();
      return runtime::RebuildStats{.rebuilt = track_ids.size(), .missing = 0};
    } catch (const std::exception& e) {
      return db::DatabaseError(e, dsn_);
    }
  }

  core::Result<bool> Background() override {
    if (background_left_ == 0) return false;
    try {
      pqxx::connection conn(dsn_);
      pqxx::work tx(conn);
      tx.exec("INSERT INTO background_log DEFAULT VALUES");
      tx.commit();
      --background_left_;
      return true;
    } catch (const std::exception& e) {
      return db::DatabaseError(e, dsn_);
    }
  }

  core::Result<void> Ping() override {
    try {
      pqxx::connection conn(dsn_);
      return core::Ok();
    } catch (const std::exception& e) {
      return db::DatabaseError(e, dsn_);
    }
  }

 private:
  std::string name_;
  std::string dsn_;
  int fail_first_;
  int background_left_;
};

}  // namespace

int main(int argc, char* argv[]) {
  const char* name = std::getenv("TUNEFLEET_TEST_BUILDER");
  runtime::BuilderSpec spec;
  spec.name = name != nullptr ? name : "recommend";
  spec.make = [&spec](const runtime::BuilderContext& context) {
    return std::make_unique<LoggingBuilder>(spec.name, context.postgres_dsn);
  };
  return runtime::RunBuilder(argc, argv, spec, fleet::Providers());
}

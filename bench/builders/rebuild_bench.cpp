// bench-rebuild: how fast a builder rebuilds a whole catalog, without RabbitMQ.
//
//   bench-rebuild --builder recommend|features --dsn DSN [--chunk 500] [--limit N]
//
// Calls Builder::Rebuild on the ids of `tracks` (ascending) in chunks, each chunk one call as
// the runtime makes it for one window, and prints one line of key=value figures: tracks,
// wall seconds, tracks/s, median and p95 seconds per chunk, and this process's CPU seconds
// (user+system; most of the work is PostgreSQL's, which bench/builders.sh measures apart).
#include <sys/resource.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/config/env.hpp"
#include "workers/features/features_builder.hpp"
#include "workers/recommend/recommend_builder.hpp"
#include "common/resilience/clock.hpp"

namespace {

const resilience::SteadyClock kSteadyClock;  // the builders' caches and refreshes

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int Usage(const char* why) {
  std::fprintf(stderr, "bench-rebuild: %s\nusage: bench-rebuild --builder recommend|features --dsn DSN [--chunk 500] [--limit N]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::string builder_name;
  std::string dsn;
  std::size_t chunk = 500;
  long limit = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return Usage(("missing value after " + arg).c_str());
    std::string value = argv[++i];
    if (arg == "--builder") builder_name = value;
    else if (arg == "--dsn") dsn = value;
    else if (arg == "--chunk") chunk = static_cast<std::size_t>(std::stoul(value));
    else if (arg == "--limit") limit = std::stol(value);
    else return Usage(("unknown flag " + arg).c_str());
  }
  if (dsn.empty() || chunk == 0) return Usage("--dsn and a positive --chunk are required");

  config::Env env;
  std::unique_ptr<runtime::Builder> builder;
  if (builder_name == "recommend") {
    builder = recommend::MakeRecommendBuilder(dsn, recommend::LoadRecommendSettings(env), kSteadyClock);
  } else if (builder_name == "features") {
    builder = features::MakeFeaturesBuilder(dsn, features::LoadFeaturesSettings(env), kSteadyClock);
  } else {
    return Usage("--builder must be recommend or features");
  }

  std::vector<std::int64_t> ids;
  {
    pqxx::connection conn(dsn);
    pqxx::nontransaction tx(conn);
    std::string sql = "SELECT id FROM tracks ORDER BY id";
    if (limit > 0) sql += " LIMIT " + std::to_string(limit);
    for (const auto& row : tx.exec(sql)) ids.push_back(row[0].as<std::int64_t>());
  }
  if (auto ping = builder->Ping(); !ping) {
    std::fprintf(stderr, "bench-rebuild: %s\n", ping.error().message.c_str());
    return 1;
  }
  // Features: settle the vocabulary first (its first version is made from the catalog).
  for (int step = 0; step < 1000; ++step) {
    auto more = builder->Background();
    if (!more || !*more) break;
  }

  std::vector<double> chunk_seconds;
  std::size_t rebuilt = 0;
  const double cpu_start = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < ids.size(); i += chunk) {
    std::vector<std::int64_t> part(ids.begin() + static_cast<std::ptrdiff_t>(i),
                                   ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + chunk)));
    const auto t0 = std::chrono::steady_clock::now();
    auto result = builder->Rebuild(part);
    if (!result) {
      std::fprintf(stderr, "bench-rebuild: rebuild of ids %lld.. failed: %s\n", static_cast<long long>(part.front()),
                   result.error().message.c_str());
      return 1;
    }
    rebuilt += result->rebuilt;
    chunk_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (chunk_seconds.size() % 20 == 0) {
      std::fprintf(stderr, "\rbench-rebuild: %s %zu / %zu", builder_name.c_str(), i + part.size(), ids.size());
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;
  std::fprintf(stderr, "\n");
  std::sort(chunk_seconds.begin(), chunk_seconds.end());
  auto quantile = [&](double q) {
    return chunk_seconds.empty() ? 0.0 : chunk_seconds[static_cast<std::size_t>(q * static_cast<double>(chunk_seconds.size() - 1))];
  };
  std::printf("builder=%s tracks=%zu rebuilt=%zu chunk=%zu wall_s=%.2f tracks_per_s=%.0f chunk_median_s=%.4f "
              "chunk_p95_s=%.4f cpu_s=%.2f\n",
              builder_name.c_str(), ids.size(), rebuilt, chunk, wall, static_cast<double>(ids.size()) / wall,
              quantile(0.5), quantile(0.95), cpu);
  return 0;
}

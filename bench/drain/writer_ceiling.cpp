// bench-writer-ceiling: the database side of the drain benchmark alone, no RabbitMQ. Writes the
// rows of N benchmark jobs in batches, on one connection, with either the runtime's writer
// (db::CatalogWriter::WriteTracks: upsert statement + merge statement + commit, records from
// noop::NoopEnrichment) or the raw reference's (one unnest statement + commit). Prints
// rows/s, batch latency percentiles and the CPU seconds of the PostgreSQL backend: the
// ceiling a single worker process could reach if the database were its only cost.
//
//   bench-writer-ceiling --dsn postgresql://.../fresh_db --writer catalog|raw [--jobs 200000] [--batch 500]
#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <vector>

#include "bench/drain/raw_writer.hpp"
#include "common/db/catalog_writer.hpp"
#include "workers/fleet/fleet.hpp"
#include "workers/noop/noop_provider.hpp"

namespace {

constexpr const char* kUsage =
    "usage: bench-writer-ceiling --dsn DSN --writer catalog|raw [--jobs N] [--batch N]\n";

// utime + stime of a process, in seconds; -1 when unreadable.
double CpuSeconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 1; i <= 13 && fields >> field; ++i) {
    if (i == 12 || i == 13) ticks += std::strtod(field.c_str(), nullptr);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The pid of the other backend connected to this database (the writer's connection).
long OtherBackend(const std::string& dsn) {
  pqxx::connection conn(dsn);
  pqxx::nontransaction tx(conn);
  auto r = tx.exec(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' "
      "AND pid <> pg_backend_pid()");
  return r.size() == 1 ? r[0][0].as<long>() : -1;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::string dsn, writer;
  long jobs = 200000, batch = 500;
  static const option kLong[] = {{"dsn", required_argument, nullptr, 'd'},
                                 {"writer", required_argument, nullptr, 'w'},
                                 {"jobs", required_argument, nullptr, 'n'},
                                 {"batch", required_argument, nullptr, 'b'},
                                 {nullptr, 0, nullptr, 0}};
  int c = 0;
  while ((c = getopt_long(argc, argv, "", kLong, nullptr)) != -1) {
    switch (c) {
      case 'd': dsn = optarg; break;
      case 'w': writer = optarg; break;
      case 'n': jobs = std::strtol(optarg, nullptr, 10); break;
      case 'b': batch = std::strtol(optarg, nullptr, 10); break;
      default: std::fputs(kUsage, stderr); return 2;
    }
  }
  if (dsn.empty() || (writer != "catalog" && writer != "raw") || jobs < 1 || batch < 1) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  try {
    db::CatalogWriter catalog(dsn, fleet::MergePriority());
    std::unique_ptr<pqxx::connection> raw_conn;
    if (writer == "raw") {
      raw_conn = std::make_unique<pqxx::connection>(dsn);
    } else if (auto r = catalog.Ping(); !r) {
      throw std::runtime_error(r.error().message);
    }
    long backend = OtherBackend(dsn);
    double cpu_before = backend > 0 ? CpuSeconds(backend) : -1;
    std::vector<double> batch_ms;
    auto start = std::chrono::steady_clock::now();
    for (long first = 0; first < jobs; first += batch) {
      long last = std::min(jobs, first + batch);
      std::vector<catalog::TrackRecord> records;
      std::vector<bench::RawRow> rows;
      for (long i = first; i < last; ++i) {
        std::string n = std::to_string(i);
        json::TrackJob job{.job_id = "b-" + n, .trace_id = "b-" + n,
                           .artist = "Artist " + std::to_string(i % 5000), .title = "Title " + n};
        if (writer == "catalog") {
          auto enrichment = noop::NoopEnrichment(job);
          for (auto& track : enrichment.tracks) records.push_back(std::move(track));
        } else {
          bench::RawRow row;
          if (!bench::MakeRawRow(job.job_id, job.artist, job.title, row)) throw std::runtime_error("bad job");
          rows.push_back(std::move(row));
        }
      }
      auto t0 = std::chrono::steady_clock::now();
      if (writer == "catalog") {
        auto written = catalog.WriteTracks(records);
        if (!written) throw std::runtime_error(written.error().message);
      } else {
        bench::WriteRawBatch(*raw_conn, rows);
      }
      batch_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double cpu = backend > 0 ? CpuSeconds(backend) - cpu_before : -1;
    std::sort(batch_ms.begin(), batch_ms.end());
    auto pct = [&batch_ms](double p) {
      return batch_ms[std::min(batch_ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(batch_ms.size())))];
    };
    std::printf("writer=%s jobs=%ld batch=%ld seconds=%.2f rows_per_s=%.0f batch_ms_p50=%.1f p90=%.1f max=%.1f "
                "pg_backend_cpu_s=%.2f\n",
                writer.c_str(), jobs, batch, seconds, static_cast<double>(jobs) / seconds, pct(0.5), pct(0.9),
                batch_ms.back(), cpu);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-writer-ceiling: %s\n", e.what());
    return 1;
  }
  return 0;
}

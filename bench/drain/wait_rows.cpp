// bench-wait-rows: polls `select count(*) from <table>` every --interval-ms on one connection
// until it reaches --rows or --timeout seconds pass. Prints the seconds since start (or
// since --since, a CLOCK_REALTIME epoch in seconds with a fraction, e.g. `date +%s.%N`) when
// the count was first seen, and the count. Exit 0 when reached, 1 on timeout or error.
//
//   bench-wait-rows --dsn postgresql://... --rows 200000 [--table track_sources]
//                   [--interval-ms 100] [--timeout 300] [--since 1700000000.123]
#include <getopt.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <pqxx/pqxx>
#include <string>
#include <thread>

namespace {

constexpr const char* kUsage =
    "usage: bench-wait-rows --dsn DSN --rows N [--table T] [--interval-ms MS] [--timeout S] [--since EPOCH]\n";

double NowEpoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char* argv[]) {
  std::string dsn;
  std::string table = "track_sources";
  long rows = 0;
  long interval_ms = 100;
  double timeout_s = 300;
  double since = NowEpoch();
  static const option kLong[] = {{"dsn", required_argument, nullptr, 'd'},
                                 {"rows", required_argument, nullptr, 'r'},
                                 {"table", required_argument, nullptr, 't'},
                                 {"interval-ms", required_argument, nullptr, 'i'},
                                 {"timeout", required_argument, nullptr, 'T'},
                                 {"since", required_argument, nullptr, 's'},
                                 {nullptr, 0, nullptr, 0}};
  int c = 0;
  while ((c = getopt_long(argc, argv, "", kLong, nullptr)) != -1) {
    switch (c) {
      case 'd': dsn = optarg; break;
      case 'r': rows = std::strtol(optarg, nullptr, 10); break;
      case 't': table = optarg; break;
      case 'i': interval_ms = std::strtol(optarg, nullptr, 10); break;
      case 'T': timeout_s = std::strtod(optarg, nullptr); break;
      case 's': since = std::strtod(optarg, nullptr); break;
      default: std::fputs(kUsage, stderr); return 2;
    }
  }
  if (dsn.empty() || rows < 1 || interval_ms < 1) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  try {
    pqxx::connection conn(dsn);
    std::string query = "SELECT count(*) FROM " + conn.quote_name(table);
    long count = 0;
    for (;;) {
      {
        pqxx::nontransaction tx(conn);
        count = tx.exec1(query)[0].as<long>();
      }
      double elapsed = NowEpoch() - since;
      if (count >= rows) {
        std::printf("%.3f %ld\n", elapsed, count);
        return 0;
      }
      if (elapsed > timeout_s) {
        std::printf("timeout %ld\n", count);
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-wait-rows: %s\n", e.what());
    return 1;
  }
}

#include "tests/support/source_rows.hpp"

#include <stdexcept>

#include "tests/support/wait.hpp"

namespace test_support {

std::int64_t SourceRows(const TestDatabase& database, const std::string& table, const std::string& provider) {
  return database.Int("SELECT count(*) FROM " + table + " WHERE provider = '" + provider + "'");
}

bool WaitForSourceRows(const TestDatabase& database, TestVhost& vhost, WorkerProcess& worker, const std::string& table,
                       const std::string& provider, std::int64_t rows, std::chrono::milliseconds timeout) {
  const std::string queue = "tunefleet." + provider;
  return WaitUntil(
      [&] {
        if (!worker.Running()) throw std::runtime_error("the worker exited: " + Describe(*worker.exit_status()));
        return SourceRows(database, table, provider) >= rows && vhost.Depth(queue) == 0;
      },
      timeout, std::to_string(rows) + " " + provider + " rows in " + table,
      [&] {
        return "stored=" + std::to_string(SourceRows(database, table, provider)) +
               " ready=" + std::to_string(vhost.Depth(queue));
      });
}

}  // namespace test_support

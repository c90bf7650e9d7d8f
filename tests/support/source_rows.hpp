#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/worker_process.hpp"

namespace test_support {

// Rows `provider` has stored in `table` (track_sources or album_sources).
std::int64_t SourceRows(const TestDatabase& database, const std::string& table, const std::string& provider);

// Waits until `provider` has stored at least `rows` rows in `table` and its job queue
// (tunefleet.<provider>) is empty; throws if the worker exits meanwhile. On timeout the
// failure names the rows stored and the queue's depth.
bool WaitForSourceRows(const TestDatabase& database, TestVhost& vhost, WorkerProcess& worker, const std::string& table,
                       const std::string& provider, std::int64_t rows, std::chrono::milliseconds timeout);

}  // namespace test_support

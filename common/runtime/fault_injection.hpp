#pragma once

#include <string_view>

// Kill points for the reliability tests (docs/RELIABILITY.md): the process is killed with
// SIGKILL exactly where a crash is hardest to get right, e.g. between a batch's commit and
// its ack. Compiled in only when the tests are built (CMake option TUNEFLEET_FAULT_INJECTION,
// off in the release preset); elsewhere KillPoint does nothing.
//
//   TUNEFLEET_TEST_KILL_AT=after_commit:3    killed the 3rd time a batch has committed, before
//                                            its follow-ups are published and its jobs acked
//   TUNEFLEET_TEST_KILL_AT=after_retry_confirm:1   killed once a retry copy is confirmed,
//                                                  before the original is acked
//   TUNEFLEET_TEST_KILL_AT=after_track_jobs_confirm:1   killed once an album's track jobs
//                                                       are confirmed, before they are marked
namespace runtime::fault {

inline constexpr std::string_view kAfterCommit = "after_commit";
inline constexpr std::string_view kAfterRetryConfirm = "after_retry_confirm";
// An album job's track jobs are confirmed; their album_tracks rows are not yet marked.
inline constexpr std::string_view kAfterTrackJobsConfirm = "after_track_jobs_confirm";

// Counts a pass through `point`; SIGKILLs the process on the pass the variable names.
void KillPoint(std::string_view point);

}  // namespace runtime::fault

#pragma once

// Ctrl-C (SIGINT) and SIGTERM for the commands that stop between two steps (publish, dlq
// replay, cache invalidate, status --watch, workers --watch): the first signal only sets the
// flag StopRequested() reads; a second one ends the process at once (SA_RESETHAND).
namespace cli {

void CatchStopSignals();
bool StopRequested();

}  // namespace cli

#pragma once

// The subcommands of `tunefleet`. Each lives in cmd_<name>.cpp, gets argv starting at its own
// name (argv[0] == "migrate"), parses its flags with getopt_long and returns an exit code.
// Adding one: write cmd_<name>.cpp, declare Run<Name> here, add a row to kCommands in
// main.cpp and the file to CMakeLists.txt.
namespace cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the operation failed (database down, bad migration)
inline constexpr int kExitUsage = 2;    // bad flags or configuration: nothing was attempted
inline constexpr int kExitSomeRejected = 3;  // publish: some input lines rejected, the rest confirmed

int RunMigrate(int argc, char* argv[]);
int RunPublish(int argc, char* argv[]);
int RunStatus(int argc, char* argv[]);  // cmd_status.cpp
int RunDlq(int argc, char* argv[]);     // cmd_dlq.cpp: list, show, replay, purge
int RunSimilar(int argc, char* argv[]); // cmd_similar.cpp: neighbours from track_similar, M3U
int RunExport(int argc, char* argv[]);  // cmd_export.cpp: features | tracks as CSV
int RunTopology(int argc, char* argv[]);  // cmd_topology.cpp: upgrade an earlier build's RabbitMQ topology
int RunWorkers(int argc, char* argv[]);   // cmd_workers.cpp: the live workers and builders (control channel)
int RunControl(int argc, char* argv[]);   // cmd_control.cpp: pause, resume, breaker, rate, log-level
int RunCache(int argc, char* argv[]);     // cmd_cache.cpp: the gateway's response cache in Redis: stats, invalidate
int RunStats(int argc, char* argv[]);     // cmd_stats.cpp: catalog analytics (catalog_stats_* views)
int RunIdentity(int argc, char* argv[]);  // cmd_identity.cpp: identity conflicts and merges
int RunImport(int argc, char* argv[]);    // cmd_import.cpp: scrobbles from Last.fm or a CSV export
int RunPlaylist(int argc, char* argv[]);  // cmd_playlist.cpp: a listener's playlists: build, list, show, export

}  // namespace cli

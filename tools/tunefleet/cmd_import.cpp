// tunefleet import lastfm|csv: a listener's scrobbles into listens, and one track job per new
// catalog row they name (docs/LISTENERS.md). Last.fm pages go through the gateway with the
// Last.fm workers' settings (their fleet-wide rate limit key and response cache); every page
// is stored in one transaction with the cursor, then its jobs are published with confirms.
#include <getopt.h>
#include <uv.h>

#include <prometheus/registry.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include "common/amqp/connection.hpp"
#include "common/config/settings.hpp"
#include "common/core/redact.hpp"
#include "common/db/listen_store.hpp"
#include "common/gateway/gateway.hpp"
#include "common/http/http_client.hpp"
#include "common/json/job.hpp"
#include "common/json/job_parser.hpp"
#include "common/json/job_writer.hpp"
#include "common/logging/logger.hpp"
#include "common/metrics/gateway_metrics.hpp"
#include "common/redis/redis_client.hpp"
#include "common/resilience/clock.hpp"
#include "common/runtime/provider_settings.hpp"
#include "common/runtime/topology.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/import_csv.hpp"
#include "tools/tunefleet/import_lastfm.hpp"
#include "tools/tunefleet/publish_job.hpp"
#include "tools/tunefleet/status_line.hpp"
#include "tools/tunefleet/stop_signal.hpp"
#include "workers/fleet/fleet.hpp"
#include "workers/lastfm/lastfm_parse.hpp"
#include "workers/lastfm/lastfm_provider.hpp"
#include "workers/lastfm/lastfm_spec.hpp"

namespace cli {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kUsage =
    "usage: tunefleet import lastfm --user NAME [--since DATE] [--pages N] [--progress-every DUR]\n"
    "       tunefleet import csv --user NAME FILE [--rejects FILE] [--progress-every DUR]\n"
    "\n"
    "Stores a listener's scrobbles (listens) once each and publishes one track job (to\n"
    "tunefleet.jobs, track.all) per catalog row they name that no provider has enriched yet,\n"
    "once per row (docs/LISTENERS.md).\n"
    "\n"
    "lastfm: pages user.getRecentTracks (200 a page) over a fixed window [from, to): from is\n"
    "  where the last completed run stopped (or --since), to is now. Interrupted (Ctrl-C), a\n"
    "  run stops after the page in hand; the next run resumes at the next page of the same window.\n"
    "  --since DATE            first run only: from this time (2024-01-31, RFC 3339, unix seconds)\n"
    "  --pages N               stop after N pages (the next run goes on)\n"
    "csv: a scrobble export with a header row: artist, track, album (optional), timestamp (unix\n"
    "  seconds, RFC 3339 or YYYY-MM-DD HH:MM:SS UTC; also uts / utc_time). Bad lines go to the\n"
    "  rejects file as `line N: reason<TAB>line`.\n"
    "  --rejects FILE          where bad lines go (default FILE.rejects)\n"
    "common:\n"
    "  --user NAME             the listener (Last.fm user names are case-insensitive)\n"
    "  --progress-every DUR    progress line interval on stderr (default 5s; 0: every page)\n"
    "  -h, --help              this text\n"
    "\n"
    "environment: TUNEFLEET_PG_DSN, TUNEFLEET_AMQP_URL, TUNEFLEET_REDIS_URL, TUNEFLEET_LASTFM_API_KEY,\n"
    "  TUNEFLEET_LASTFM_BASE_URL, TUNEFLEET_LASTFM_RATE, _BURST ... (the Last.fm workers' settings)\n"
    "exit: 0 done, 1 failed (what is stored is kept; run again to resume), 2 bad flags or\n"
    "      configuration (or Last.fm refuses the API key), 3 some CSV lines rejected, 130 interrupted\n";

constexpr const char* kPrefix = "tunefleet import: ";
constexpr int kExitInterrupted = 130;
constexpr int kPageLimit = 200;
constexpr std::size_t kCsvBatch = 1000;
constexpr std::chrono::hours kPageCacheTtl{24};

struct Options {
  std::string source;  // lastfm | csv
  std::string user;
  std::optional<std::int64_t> since;
  std::optional<int> pages;
  std::chrono::milliseconds progress_every = 5s;
  std::string file;
  std::string rejects;
};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "%s%s (see tunefleet import --help)\n", kPrefix, message.c_str());
  return kExitUsage;
}

std::optional<int> ParseFlags(int argc, char* argv[], Options& options) {
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (argc < 2) return UsageError("missing the source: lastfm or csv");
  options.source = argv[1];
  if (options.source != "lastfm" && options.source != "csv") {
    return UsageError("unknown source \"" + options.source + "\"; expected lastfm or csv");
  }
  enum : int { kUser = 256, kSince, kPages, kProgress, kRejects };
  static const option kLong[] = {
      {"user", required_argument, nullptr, kUser},       {"since", required_argument, nullptr, kSince},
      {"pages", required_argument, nullptr, kPages},     {"progress-every", required_argument, nullptr, kProgress},
      {"rejects", required_argument, nullptr, kRejects}, {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;
  optind = 0;
  const int sub_argc = argc - 1;
  char** sub_argv = argv + 1;
  int c = 0;
  try {
    while ((c = getopt_long(sub_argc, sub_argv, ":h", kLong, nullptr)) != -1) {
      const std::string value = optarg != nullptr ? optarg : "";
      switch (c) {
        case kUser:
          if (value.empty()) return UsageError("--user needs a name");
          options.user = value;
          break;
        case kSince: {
          if (options.source != "lastfm") return UsageError("--since is for import lastfm");
          auto since = scrobbles::ParseTime(value);
          if (!since) return UsageError("--since: " + since.error().message);
          options.since = *since;
          break;
        }
        case kPages: {
          if (options.source != "lastfm") return UsageError("--pages is for import lastfm");
          const std::int64_t n = config::ParseInt(value, "--pages");
          if (n < 1 || n > 1'000'000) return UsageError("--pages must be between 1 and 1000000");
          options.pages = static_cast<int>(n);
          break;
        }
        case kProgress:
          options.progress_every = config::ParseDuration(value, "--progress-every");
          if (options.progress_every < 0ms) return UsageError("--progress-every must not be negative");
          break;
        case kRejects:
          if (options.source != "csv") return UsageError("--rejects is for import csv");
          if (value.empty()) return UsageError("--rejects needs a file name");
          options.rejects = value;
          break;
        case 'h':
          std::fputs(kUsage, stdout);
          return kExitOk;
        case ':':
          return UsageError(std::string(sub_argv[optind - 1]) + " needs a value");
        default:
          if (optopt != 0) return UsageError(std::string("unknown option -") + static_cast<char>(optopt));
          return UsageError(std::string("unknown option ") + sub_argv[optind - 1]);
      }
    }
  } catch (const config::ConfigError& e) {
    return UsageError(e.what());
  }
  if (options.user.empty()) return UsageError("missing --user NAME");
  if (options.source == "csv") {
    if (optind >= sub_argc) return UsageError("missing the CSV FILE");
    options.file = sub_argv[optind++];
    if (options.rejects.empty()) options.rejects = options.file + ".rejects";
  }
  if (optind < sub_argc) return UsageError(std::string("unexpected argument \"") + sub_argv[optind] + "\"");
  return std::nullopt;
}

std::string NowRfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// Publishes track jobs to tunefleet.jobs (track.all, like `tunefleet publish --kind track`)
// with publisher confirms, on one connection opened on first use.
class JobPublisher {
 public:
  explicit JobPublisher(amqp::ConnectionSettings settings) : connection_(std::move(settings)) {}
  ~JobPublisher() { connection_.Close(connection_.is_open()); }
  JobPublisher(const JobPublisher&) = delete;
  JobPublisher& operator=(const JobPublisher&) = delete;

  // The ids of the rows whose job the broker confirmed (a job the schema refuses is counted
  // as done, with a line saying so: publishing it again could not succeed either).
  core::Result<std::vector<std::int64_t>> Publish(const std::vector<db::TrackToPublish>& jobs) {
    std::vector<std::int64_t> done;
    if (jobs.empty()) return done;
    if (!connection_.is_open()) {
      if (auto r = Open(); !r) return r.error();
    }
    const std::string requested_at = NowRfc3339();
    auto confirmed = std::make_shared<std::vector<std::int64_t>>();
    auto refused = std::make_shared<std::size_t>(0);
    for (const auto& job : jobs) {
      json::TrackJob track{.job_id = job.job_id,
                           .trace_id = job.job_id,
                           .artist = job.artist,
                           .title = job.title,
                           .album = Optional(job.album),
                           .isrc = Optional(job.isrc),
                           .mbid = Optional(job.mbid),
                           .spotify_id = Optional(job.spotify_id),
                           .requested_at = requested_at};
      amqp::OutgoingMessage message;
      message.exchange = runtime::kJobsExchange;
      message.routing_key = "track.all";
      message.message_id = job.job_id;
      message.body = json::Serialize(json::Job(track));
      if (auto valid = parser_.Parse(message.body); !valid) {
        std::fprintf(stderr, "%snot publishing %s (%s - %s): %s\n", kPrefix, job.job_id.c_str(), job.artist.c_str(),
                     job.title.c_str(), valid.error().message.c_str());
        done.push_back(job.track_id);
        continue;
      }
      auto sent = connection_.Publish(message, [confirmed, refused, id = job.track_id](core::Result<void> answer) {
        if (answer) {
          confirmed->push_back(id);
        } else {
          ++*refused;
        }
      });
      if (!sent) {
        connection_.Close(false);
        return sent.error();
      }
    }
    if (auto waited = connection_.WaitForConfirms(60s); !waited) {
      connection_.Close(false);
      return waited.error();
    }
    if (*refused > 0) {
      return core::Error::Transient("RabbitMQ refused " + std::to_string(*refused) + " jobs (basic.nack)");
    }
    done.insert(done.end(), confirmed->begin(), confirmed->end());
    return done;
  }

 private:
  static std::optional<std::string> Optional(const std::string& value) {
    return value.empty() ? std::nullopt : std::optional(value);
  }

  core::Result<void> Open() {
    if (auto r = connection_.Open(); !r) return r;
    if (auto r = connection_.Declare(runtime::FleetTopology(fleet::Names())); !r) {
      // A publisher-only user may declare nothing: publish into the topology as it is.
      if (r.error().message.find("ACCESS_REFUSED") == std::string::npos) return r;
      connection_.Close(false);
      if (auto reopened = connection_.Open(); !reopened) return reopened;
    }
    return core::Ok();
  }

  amqp::Connection connection_;
  json::JobParser parser_;
};

// The listens side of a run: the store, the publisher and the counters.
class Importer {
 public:
  Importer(const Options& options, std::string dsn, amqp::ConnectionSettings amqp)
      : options_(options), store_(std::move(dsn)), publisher_(std::move(amqp)) {}

  scrobbles::Counters& counters() { return counters_; }
  // --progress-every: every page (0) or at most once per interval, the first after one.
  bool ProgressDue(Clock::time_point now) {
    if (options_.progress_every == 0ms) return true;
    if (!next_progress_) next_progress_ = now + options_.progress_every;
    if (now < *next_progress_) return false;
    next_progress_ = now + options_.progress_every;
    return true;
  }
  db::ListenStore& store() { return store_; }

  // Publishes what earlier runs committed but the broker never confirmed (a crash).
  core::Result<void> PublishLeftovers() {
    for (;;) {
      auto pending = store_.Unpublished(1000);
      if (!pending) return pending.error();
      if (pending->empty()) return core::Ok();
      if (auto r = PublishAndMark(*pending); !r) return r;
    }
  }

  core::Result<void> StoreBatch(const std::vector<db::ScrobbleRow>& rows, const std::optional<db::ListenCursor>& cursor) {
    auto stored = store_.Store(options_.user, options_.source, rows, cursor);
    if (!stored) return stored.error();
    counters_.stored += stored->stored;
    counters_.already += stored->already;
    counters_.new_tracks += stored->new_tracks;
    return PublishAndMark(stored->to_publish);
  }

 private:
  core::Result<void> PublishAndMark(const std::vector<db::TrackToPublish>& jobs) {
    if (jobs.empty()) return core::Ok();
    auto confirmed = publisher_.Publish(jobs);
    if (!confirmed) return core::Error::Transient("publishing track jobs: " + confirmed.error().message);
    if (auto marked = store_.MarkPublished(*confirmed); !marked) return marked;
    counters_.published += confirmed->size();
    return core::Ok();
  }

  const Options& options_;
  db::ListenStore store_;
  JobPublisher publisher_;
  scrobbles::Counters counters_;
  std::optional<Clock::time_point> next_progress_;
};

// user.getRecentTracks through a gateway::Gateway on a loop of its own, with the Last.fm
// workers' settings (same rate-limit key in Redis, same cache).
class LastfmPages {
 public:
  LastfmPages(const runtime::ProviderSettings& provider, lastfm::LastfmSettings lastfm,
              const config::RedisSettings& redis)
      : lastfm_(std::move(lastfm)) {
    uv_loop_init(&loop_);
    http::HttpClientSettings http_settings;
    http_settings.user_agent = provider.policy.user_agent;
    http_settings.connect_timeout = provider.policy.connect_timeout;
    http_settings.total_timeout = provider.policy.total_timeout;
    http_settings.max_response_bytes = static_cast<std::uint64_t>(provider.policy.max_response_bytes);
    http_settings.name = "lastfm";
    http_settings.max_response_variable = runtime::ProviderEnvPrefix("lastfm") + "MAX_RESPONSE_BYTES";
    http_ = std::make_unique<http::HttpClient>(loop_, http_settings);
    redis_ = std::make_unique<redis::RedisClient>(
        loop_, redis::RedisClientSettings{.url = redis.url, .tls_ca_file = redis.tls_ca_file}, logging::Logger("redis"));
    metrics_ = std::make_unique<metrics::GatewayMetrics>(registry_, "lastfm");
    gateway_ = std::make_unique<gateway::Gateway>(loop_, *http_, *redis_, clock_, provider.gateway, *metrics_,
                                                  logging::Logger("gateway").With({{"provider", "lastfm"}}));
  }
  ~LastfmPages() {
    gateway_->Close();
    http_->Close();
    redis_->Close();
    uv_run(&loop_, UV_RUN_DEFAULT);
    gateway_.reset();
    uv_loop_close(&loop_);
  }
  LastfmPages(const LastfmPages&) = delete;
  LastfmPages& operator=(const LastfmPages&) = delete;

  // One page of the window; `error_code` gets the Last.fm error code of a refusal.
  core::Result<scrobbles::RecentPage> Page(const std::string& user, const db::ListenCursor& window, int page,
                                           std::optional<int>& error_code) {
    std::vector<std::pair<std::string, std::string>> params = {
        {"user", user}, {"limit", std::to_string(kPageLimit)}, {"page", std::to_string(page)},
        {"to", std::to_string(window.window_to)}};
    if (window.window_from) params.push_back({"from", std::to_string(*window.window_from)});
    http::Request request;
    request.url = lastfm::MethodUrl(lastfm_.base_url, "user.getRecentTracks", params, lastfm_.api_key);
    gateway::CallOptions options;
    options.endpoint = "user.getRecentTracks";
    // Pages of a fixed window do not change: cached by user, window and page.
    std::string lowered = user;
    for (char& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    options.cache_key = "user.getRecentTracks:" + lastfm::KeyPart(lowered) + ":" +
                        (window.window_from ? std::to_string(*window.window_from) : std::string("-")) + ":" +
                        std::to_string(window.window_to) + ":" + std::to_string(page) + ":" +
                        std::to_string(kPageLimit);
    options.cache_ttl = kPageCacheTtl;
    auto code = std::make_shared<std::optional<int>>();
    options.classify = [code](const http::Response& response) {
      auto error = lastfm::ClassifyBody(response.body, "user.getRecentTracks");
      if (error) *code = lastfm::ErrorCode(response.body);
      return error;
    };
    std::optional<core::Result<http::Response>> answer;
    gateway_->Call(std::move(request), std::move(options),
                   [&answer](core::Result<http::Response> result) { answer = std::move(result); });
    while (!answer) uv_run(&loop_, UV_RUN_ONCE);
    error_code = *code;
    if (!*answer) return answer->error();
    return scrobbles::ParseRecentTracks((*answer)->body);
  }

 private:
  lastfm::LastfmSettings lastfm_;
  uv_loop_t loop_{};
  resilience::SteadyClock clock_;
  prometheus::Registry registry_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<redis::RedisClient> redis_;
  std::unique_ptr<metrics::GatewayMetrics> metrics_;
  std::unique_ptr<gateway::Gateway> gateway_;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int Fail(StatusLine& line, const std::string& why) {
  line.Clear();
  std::fprintf(stderr, "%s%s\n", kPrefix, core::Redact(why).c_str());
  return kExitFailure;
}

int RunLastfm(const Options& options, Importer& importer, const config::Env& env, StatusLine& line) {
  runtime::ProviderSettings provider;
  lastfm::LastfmSettings lastfm_settings;
  config::RedisSettings redis_settings;
  try {
    provider = runtime::LoadProviderSettings(env, lastfm::Spec());
    lastfm_settings = lastfm::LoadLastfmSettings(env, provider);
    redis_settings = config::LoadRedisSettings(env);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s%s\n", kPrefix, core::Redact(e.what()).c_str());
    return kExitUsage;
  }
  auto saved = importer.store().Cursor(options.user, "lastfm");
  if (!saved) return Fail(line, saved.error().message);
  db::ListenCursor cursor = scrobbles::PlanWindow(*saved, options.since, static_cast<std::int64_t>(std::time(nullptr)));
  if (auto leftovers = importer.PublishLeftovers(); !leftovers) return Fail(line, leftovers.error().message);
  LastfmPages pages(provider, lastfm_settings, redis_settings);
  scrobbles::Counters& counters = importer.counters();
  counters.first_page = cursor.next_page;
  if (cursor.total_pages) counters.pages_total = *cursor.total_pages;
  const auto start = Clock::now();
  const std::string window = (cursor.window_from ? scrobbles::FormatTime(*cursor.window_from) : "the beginning") +
                             " to " + scrobbles::FormatTime(cursor.window_to);
  while (!cursor.done) {
    if (StopRequested()) {
      line.Clear();
      std::fprintf(stderr, "%sinterrupted: stopped before page %d of %s (window %s); run the same command to resume\n",
                   kPrefix, cursor.next_page, options.user.c_str(), window.c_str());
      std::fprintf(stderr, "%s%s\n", kPrefix, scrobbles::SummaryLine(counters).c_str());
      return kExitInterrupted;
    }
    if (options.pages && counters.pages_done >= *options.pages) break;
    std::optional<int> code;
    const int page_number = cursor.next_page;
    auto page = pages.Page(options.user, cursor, page_number, code);
    if (!page) {
      line.Clear();
      const auto failure = scrobbles::DescribeFailure(options.user, code, page.error());
      std::fprintf(stderr, "%s%s\n", kPrefix, core::Redact(failure.line).c_str());
      return failure.exit_code;
    }
    const db::ListenCursor next = scrobbles::AfterPage(cursor, page_number, page->total_pages);
    if (auto stored = importer.StoreBatch(page->scrobbles, next); !stored) {
      return Fail(line, stored.error().message + "; what is stored is kept, run the same command again to resume");
    }
    cursor = next;
    ++counters.pages_done;
    counters.pages_total = page->total_pages;
    if (importer.ProgressDue(Clock::now())) {
      line.Show(scrobbles::ProgressLine(counters, Seconds(Clock::now() - start)));
    }
  }
  line.Clear();
  if (!cursor.done) {
    std::fprintf(stderr, "%sstopped after %d pages (--pages) before page %d of %s; run again to go on\n", kPrefix,
                 counters.pages_done, cursor.next_page, options.user.c_str());
  } else if (counters.pages_done == 0) {
    // An empty window (a run right after another) still closes: the next starts at its `to`.
    if (auto saved_cursor = importer.store().SaveCursor(options.user, "lastfm", cursor); !saved_cursor) {
      return Fail(line, saved_cursor.error().message);
    }
  }
  std::printf("%s%s\n", kPrefix, scrobbles::SummaryLine(counters).c_str());
  if (cursor.done && counters.stored == 0 && counters.published == 0) {
    std::printf("%snothing new for %s up to %s\n", kPrefix, options.user.c_str(),
                scrobbles::FormatTime(cursor.window_to).c_str());
  }
  return kExitOk;
}

int RunCsv(const Options& options, Importer& importer, StatusLine& line) {
  const int fd = ::open(options.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "%scannot open %s: %s\n", kPrefix, options.file.c_str(), std::strerror(errno));
    return kExitUsage;
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  publish::LineReader lines = publish::LineReader::FromFd(fd);
  scrobbles::CsvRecords records(lines);
  scrobbles::CsvRecord record;
  auto header = records.Next(record);
  if (!header) return Fail(line, options.file + ": " + header.error().message);
  if (!*header) {
    std::fprintf(stderr, "%s%s is empty: expected a header row (artist, track, album, timestamp)\n", kPrefix,
                 options.file.c_str());
    return kExitUsage;
  }
  auto columns = scrobbles::ParseCsvHeader(record.fields);
  if (!record.error.empty() || !columns) {
    std::fprintf(stderr, "%s%s: %s\n", kPrefix, options.file.c_str(),
                 record.error.empty() ? columns.error().message.c_str() : record.error.c_str());
    return kExitUsage;
  }
  if (auto leftovers = importer.PublishLeftovers(); !leftovers) return Fail(line, leftovers.error().message);
  std::FILE* rejects = nullptr;
  std::uint64_t rejected = 0;
  std::vector<db::ScrobbleRow> batch;
  scrobbles::Counters& counters = importer.counters();
  const auto start = Clock::now();
  auto flush = [&]() -> core::Result<void> {
    if (batch.empty()) return core::Ok();
    auto r = importer.StoreBatch(batch, std::nullopt);
    batch.clear();
    if (r && importer.ProgressDue(Clock::now())) {
      line.Show("line " + std::to_string(record.line) + ", " + scrobbles::Thousands(counters.stored) +
                " scrobbles stored, " + scrobbles::Thousands(counters.new_tracks) + " new tracks, " +
                std::to_string(static_cast<int>(Seconds(Clock::now() - start))) + "s");
    }
    return r;
  };
  for (;;) {
    if (StopRequested()) {
      if (auto r = flush(); !r) return Fail(line, r.error().message);
      line.Clear();
      std::fprintf(stderr, "%sinterrupted after line %llu: %s\n", kPrefix,
                   static_cast<unsigned long long>(record.line), scrobbles::SummaryLine(counters).c_str());
      if (rejects != nullptr) std::fclose(rejects);
      return kExitInterrupted;
    }
    auto got = records.Next(record);
    if (!got) return Fail(line, options.file + ": " + got.error().message);
    if (!*got) break;
    core::Result<db::ScrobbleRow> row = record.error.empty() ? scrobbles::ParseCsvRow(*columns, record.fields)
                                                             : core::Result<db::ScrobbleRow>(
                                                                   core::Error::InvalidInput(record.error));
    if (!row) {
      ++rejected;
      if (rejects == nullptr) rejects = std::fopen(options.rejects.c_str(), "w");
      if (rejects == nullptr) {
        return Fail(line, "cannot write the rejects file " + options.rejects + ": " + std::strerror(errno));
      }
      const std::string entry = publish::RejectEntry(record.line, row.error().message, record.raw);
      std::fwrite(entry.data(), 1, entry.size(), rejects);
      continue;
    }
    batch.push_back(std::move(*row));
    if (batch.size() >= kCsvBatch) {
      if (auto r = flush(); !r) return Fail(line, r.error().message + "; importing the file again stores only what is missing");
    }
  }
  if (auto r = flush(); !r) return Fail(line, r.error().message + "; importing the file again stores only what is missing");
  if (rejects != nullptr && std::fclose(rejects) != 0) {
    return Fail(line, "cannot write the rejects file " + options.rejects);
  }
  line.Clear();
  std::printf("%s%s\n", kPrefix, scrobbles::SummaryLine(counters).c_str());
  if (rejected > 0) {
    std::fprintf(stderr, "%s%llu lines rejected, see %s\n", kPrefix, static_cast<unsigned long long>(rejected),
                 options.rejects.c_str());
    return kExitSomeRejected;
  }
  return kExitOk;
}

}  // namespace

int RunImport(int argc, char* argv[]) {
  Options options;
  if (auto exit_code = ParseFlags(argc, argv, options)) return *exit_code;
  config::Env env;
  std::string dsn;
  amqp::ConnectionSettings amqp_settings;
  try {
    dsn = config::LoadPostgresSettings(env).dsn;
    const auto amqp = config::LoadAmqpSettings(env);
    amqp_settings.url = amqp.url;
    amqp_settings.heartbeat = amqp.heartbeat;
    amqp_settings.connection_name = "tunefleet-import";
    amqp_settings.tls_ca_file = amqp.tls_ca_file;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s%s\n", kPrefix, core::Redact(e.what()).c_str());
    return kExitUsage;
  }
  // The gateway's and Redis' own lines would interleave with ours; errors only.
  logging::Configure(logging::Level::kError);
  CatchStopSignals();
  std::signal(SIGPIPE, SIG_IGN);
  StatusLine line(kPrefix, Clock::now());
  Importer importer(options, dsn, amqp_settings);
  return options.source == "lastfm" ? RunLastfm(options, importer, env, line) : RunCsv(options, importer, line);
}

}  // namespace cli

// tunefleet publish FILE|- [flags]: turns CSV or JSON Lines into job messages on tunefleet.jobs,
// with publisher confirms; bad lines go to a rejects file (docs/PUBLISH.md).
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <getopt.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/amqp/connection.hpp"
#include "common/config/settings.hpp"
#include "common/runtime/topology.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/stop_signal.hpp"
#include "tools/tunefleet/status_line.hpp"
#include "tools/tunefleet/publish_input.hpp"
#include "tools/tunefleet/publish_job.hpp"
#include "tools/tunefleet/publish_report.hpp"
#include "tools/tunefleet/publish_window.hpp"
#include "workers/fleet/fleet.hpp"

namespace cli {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kUsage =
    "usage: tunefleet publish FILE|- [flags]\n"
    "\n"
    "Publishes one job per input line to tunefleet.jobs with publisher confirms. Input is CSV\n"
    "with a header row (columns in any order) or JSON Lines (one object per line), with the\n"
    "fields artist, title, album, isrc, mbid, spotify_id, discogs_id (--kind track) or artist,\n"
    "album, upc, mbid, spotify_id, discogs_id, year (--kind album). `-` reads stdin. Bad lines\n"
    "are skipped and written to the rejects file as `line N: reason<TAB>line`.\n"
    "\n"
    "  --kind track|album       what each line describes (default track)\n"
    "  --providers LIST|all     comma-separated providers, one message each with routing key\n"
    "                           <kind>.<provider>; all (default): one message, key <kind>.all\n"
    "  --format csv|jsonl|auto  auto (default): by extension (.csv, .jsonl, .ndjson), else JSON\n"
    "                           Lines when the first non-blank byte is '{'\n"
    "  --rate N/s               at most N jobs per second (default: as fast as confirmed)\n"
    "  --dry-run                validate every line and write the rejects file; publish nothing\n"
    "  --rejects FILE           where bad lines go (default FILE.rejects, publish.rejects for stdin)\n"
    "  --job-id-prefix P        job_id = P-<line number> (default: a random run id)\n"
    "  --skip-lines N           skip input lines 1..N (the CSV header is still read): resumes a run\n"
    "                           that failed; pass the same --job-id-prefix\n"
    "  --give-up-after DUR      how long RabbitMQ may stay unreachable (or silent) before the run\n"
    "                           fails (default 60s; 500ms, 30s, 2m)\n"
    "  --max-unconfirmed N      published but unconfirmed messages kept at most (default 10000)\n"
    "  -h, --help               this text\n"
    "\n"
    "environment: TUNEFLEET_AMQP_URL, TUNEFLEET_AMQP_HEARTBEAT\n"
    "exit: 0 every line published and confirmed, 3 some lines rejected (the rest confirmed),\n"
    "      1 failed (RabbitMQ unreachable, messages unconfirmed, input unreadable), 2 bad flags,\n"
    "      configuration or CSV header\n";

constexpr const char* kPrefix = "tunefleet publish: ";

struct Options {
  std::string input;
  std::string format = "auto";
  publish::Kind kind = publish::Kind::kTrack;
  std::string providers = "all";
  std::optional<double> rate;
  bool dry_run = false;
  std::string rejects;
  std::string job_id_prefix;
  std::uint64_t skip_lines = 0;
  std::chrono::milliseconds give_up_after = 60s;
  std::size_t max_unconfirmed = 10000;
};


int UsageError(const std::string& message) {
  std::fprintf(stderr, "%s%s (see tunefleet publish --help)\n", kPrefix, message.c_str());
  return kExitUsage;
}

// nullopt to go on, else the exit code (--help, or a usage error already printed).
std::optional<int> ParseFlags(int argc, char* argv[], Options& options) {
  enum : int { kKind = 256, kProviders, kFormat, kRate, kDryRun, kRejects, kPrefixFlag, kSkip, kGiveUp, kWindow };
  static const option kLong[] = {
      {"kind", required_argument, nullptr, kKind},
      {"providers", required_argument, nullptr, kProviders},
      {"format", required_argument, nullptr, kFormat},
      {"rate", required_argument, nullptr, kRate},
      {"dry-run", no_argument, nullptr, kDryRun},
      {"rejects", required_argument, nullptr, kRejects},
      {"job-id-prefix", required_argument, nullptr, kPrefixFlag},
      {"skip-lines", required_argument, nullptr, kSkip},
      {"give-up-after", required_argument, nullptr, kGiveUp},
      {"max-unconfirmed", required_argument, nullptr, kWindow},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;  // we print our own one-line messages
  optind = 0;  // glibc: full re-initialization
  int c = 0;
  try {
    while ((c = getopt_long(argc, argv, ":h", kLong, nullptr)) != -1) {
      const std::string value = optarg != nullptr ? optarg : "";
      switch (c) {
        case kKind:
          if (value == "track") {
            options.kind = publish::Kind::kTrack;
          } else if (value == "album") {
            options.kind = publish::Kind::kAlbum;
          } else {
            return UsageError("--kind \"" + value + "\": expected track or album");
          }
          break;
        case kProviders:
          config::ParseProviderList(value, "--providers", fleet::Names());  // validates now, names the flag
          options.providers = value;
          break;
        case kFormat:
          if (value != "csv" && value != "jsonl" && value != "auto") {
            return UsageError("--format \"" + value + "\": expected csv, jsonl or auto");
          }
          options.format = value;
          break;
        case kRate: {
          auto rate = publish::ParseRate(value);
          if (!rate) return UsageError(rate.error().message);
          options.rate = *rate;
          break;
        }
        case kDryRun:
          options.dry_run = true;
          break;
        case kRejects:
          if (value.empty()) return UsageError("--rejects needs a file name");
          options.rejects = value;
          break;
        case kPrefixFlag:
          if (auto ok = publish::CheckJobIdPrefix(value); !ok) return UsageError(ok.error().message);
          options.job_id_prefix = value;
          break;
        case kSkip: {
          const std::int64_t n = config::ParseInt(value, "--skip-lines");
          if (n < 0) return UsageError("--skip-lines must not be negative");
          options.skip_lines = static_cast<std::uint64_t>(n);
          break;
        }
        case kGiveUp:
          options.give_up_after = config::ParseDuration(value, "--give-up-after");
          if (options.give_up_after <= 0ms) return UsageError("--give-up-after must be positive");
          break;
        case kWindow: {
          const std::int64_t n = config::ParseInt(value, "--max-unconfirmed");
          if (n < 1 || n > 1'000'000) return UsageError("--max-unconfirmed must be between 1 and 1000000");
          options.max_unconfirmed = static_cast<std::size_t>(n);
          break;
        }
        case 'h':
          std::fputs(kUsage, stdout);
          return kExitOk;
        case ':':
          return UsageError(std::string(argv[optind - 1]) + " needs a value");
        default:
          if (optopt != 0) return UsageError(std::string("unknown option -") + static_cast<char>(optopt));
          return UsageError(std::string("unknown option ") + argv[optind - 1]);
      }
    }
  } catch (const config::ConfigError& e) {
    return UsageError(e.what());
  }
  if (optind >= argc) return UsageError("missing the input: a FILE, or - for stdin");
  options.input = argv[optind++];
  if (optind < argc) return UsageError(std::string("unexpected argument \"") + argv[optind] + "\"");
  return std::nullopt;
}

std::string RandomRunId() {
  std::random_device random;
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%08x", static_cast<unsigned>(random()));
  return buffer;
}

std::string NowRfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Progress on stderr: one line rewritten in place on a terminal, else a plain line every 5 s.
class Progress {
 public:
  Progress(const publish::Counters& counters, Clock::time_point start, std::uint64_t input_size)
      : counters_(counters), start_(start), input_size_(input_size), line_(kPrefix, start) {}

  void Tick(Clock::time_point now, std::uint64_t bytes_read) {
    if (!line_.Due(now)) return;
    std::optional<double> fraction;
    if (input_size_ > 0) fraction = static_cast<double>(bytes_read) / static_cast<double>(input_size_);
    line_.Show(publish::ProgressLine(counters_, Seconds(now - start_), fraction));
  }

  // Clears the in-place line before anything else is printed.
  void Clear() { line_.Clear(); }

 private:
  const publish::Counters& counters_;
  Clock::time_point start_;
  std::uint64_t input_size_;
  StatusLine line_;
};

// Publishes through one blocking connection, keeping at most `window` messages unconfirmed.
// Reconnects with backoff when the connection drops, republishing every unconfirmed message
// (at least once: the workers' writes are idempotent). Every failure it returns is final.
class Publisher {
 public:
  Publisher(amqp::ConnectionSettings settings, const Options& options, std::vector<std::string> routing_keys,
            publish::Counters& counters, Progress& progress)
      : connection_(std::move(settings)),
        options_(options),
        routing_keys_(std::move(routing_keys)),
        topology_(runtime::FleetTopology(fleet::Names())),
        window_(std::max(options.max_unconfirmed, routing_keys_.size())),
        counters_(counters),
        progress_(progress) {
    if (options.rate) pacer_.emplace(*options.rate, Clock::now());
  }

  ~Publisher() { connection_.Close(false); }
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  void set_bytes_read(std::uint64_t bytes) { bytes_read_ = bytes; }

  core::Result<void> Connect() {
    auto opened = OpenAndDeclare();
    if (!opened) return Recover(opened.error());
    return core::Ok();
  }

  // One message per routing key for this line; blocks while the window is full.
  core::Result<void> PublishLine(std::uint64_t line, const std::string& body, const std::string& job_id) {
    if (window_.room() < routing_keys_.size()) {
      if (auto r = WaitUntil([&] { return window_.room() >= routing_keys_.size(); }); !r) return r;
    }
    for (std::size_t i = 0; i < routing_keys_.size(); ++i) {
      if (pacer_) {
        if (auto r = Pace(); !r) return r;
      }
      if (auto r = WaitWhileBlocked(); !r) return r;
      const std::uint64_t seq = window_.Push(line, i + 1 == routing_keys_.size());
      amqp::OutgoingMessage& message = window_.slot(seq).message;
      message.exchange = runtime::kJobsExchange;
      message.routing_key = routing_keys_[i];
      message.message_id = job_id;
      message.body = body;
      ++counters_.published;
      if (auto r = Send(seq); !r) {
        if (auto recovered = Recover(r.error()); !recovered) return recovered;
      }
    }
    if (++since_pump_ >= kPumpEvery) {
      since_pump_ = 0;
      if (auto r = Service(); !r) return r;
    }
    return core::Ok();
  }

  // Waits until every message is confirmed; `limit` (when set) bounds the wait.
  core::Result<void> Finish(std::optional<Clock::duration> limit = std::nullopt) {
    const auto deadline = limit ? Clock::now() + *limit : Clock::time_point::max();
    auto r = WaitUntil([&] { return window_.empty() || Clock::now() >= deadline; });
    if (!r) return r;
    if (!window_.empty()) {
      return core::Error::Transient(std::to_string(window_.size()) + " messages still unconfirmed");
    }
    Cork(false);
    connection_.Close(true);
    return core::Ok();
  }

  // Every line up to this one has all its messages confirmed (given the last line handled).
  std::uint64_t ConfirmedThrough(std::uint64_t last_handled_line) const {
    if (const auto oldest = window_.OldestUnconfirmedLine()) return *oldest - 1;
    return last_handled_line;
  }

 private:
  static constexpr int kPumpEvery = 64;  // lines between reads of the confirms already in
  static constexpr Clock::duration kFirstNap = 100ms;  // before the first reconnect attempt

  core::Result<void> OpenAndDeclare() {
    if (auto r = connection_.Open(); !r) return r;
    if (declare_) {
      if (auto r = connection_.Declare(topology_); !r) {
        // A publisher-only user (deploy/rabbitmq/permissions.txt) may write to tunefleet.jobs
        // and declare nothing: the topology is then the workers' and `tunefleet topology`'s to
        // declare, and publishing goes into it as it is (a missing exchange fails the publish).
        if (r.error().message.find("ACCESS_REFUSED") == std::string::npos) return r;
        declare_ = false;
        std::fprintf(stderr,
                     "%sthis RabbitMQ user may not declare the topology; publishing to the existing %s "
                     "(declared by the workers or tunefleet topology upgrade)\n",
                     kPrefix, runtime::kJobsExchange);
        connection_.Close(false);
        if (auto reopened = connection_.Open(); !reopened) return reopened;
      }
    }
    last_progress_ = Clock::now();
    Cork(true);
    return RepublishUnsent();
  }

  core::Result<void> Send(std::uint64_t seq) {
    auto r = connection_.Publish(window_.slot(seq).message, [this, seq](core::Result<void> answer) {
      window_.OnConfirm(seq, answer.has_value());
    });
    if (r) window_.MarkSent(seq);
    return r;
  }

  core::Result<void> RepublishUnsent() {
    if (window_.unsent() == 0) return core::Ok();
    for (const std::uint64_t seq : window_.Unsent()) {
      if (auto r = Send(seq); !r) return r;
      ++counters_.republished;
    }
    return core::Ok();
  }

  // rabbitmq-c writes each message as three frames, the last one pushed at once: one TCP
  // segment per message, which the broker pays for in reads. Corking the socket between
  // Service() calls sends many messages per segment, which the broker reads far more cheaply
  // (measured in docs/PUBLISH.md).
  void Cork(bool on) {
    const int fd = connection_.socket_fd();
    if (fd < 0) return;
    const int value = on ? 1 : 0;
    ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &value, sizeof value);
  }

  // Sends what is corked, reads the confirms that have arrived, republishes what the broker
  // refused. Runs before every wait, so nothing waits in the cork.
  core::Result<void> Service() {
    Cork(false);
    Cork(true);
    const std::uint64_t before = window_.confirmed_messages();
    const std::uint64_t refused_before = connection_.refused();
    if (auto r = connection_.Pump({}); !r) return Recover(r.error());
    counters_.confirmed = window_.confirmed_messages();
    counters_.confirmed_lines = window_.confirmed_lines();
    if (counters_.confirmed != before) {
      last_progress_ = Clock::now();
      refusing_since_.reset();
      refusal_nap_ = kFirstNap;
    }
    if (const std::uint64_t refused = connection_.refused() - refused_before; refused > 0) return OnRefused(refused);
    if (auto r = RepublishUnsent(); !r) return Recover(r.error());
    return core::Ok();
  }

  // The broker refused `count` messages (basic.nack): they are unsent again. Republishing them
  // at once on the same channel spins: in a cluster, a channel whose quorum queue changed
  // leader under it can refuse everything it publishes. So reconnect (a new channel), after a
  // nap that doubles while the refusals go on, and give up once they have lasted
  // --give-up-after without a confirm.
  core::Result<void> OnRefused(std::uint64_t count) {
    const auto now = Clock::now();
    if (!refusing_since_) refusing_since_ = now;
    if (now - *refusing_since_ > options_.give_up_after) {
      return core::Error::Transient("RabbitMQ refused every message for " +
                                    publish::FormatDuration(Seconds(options_.give_up_after)) +
                                    " (--give-up-after; basic.nack): a queue bound to " + runtime::kJobsExchange +
                                    " is full (a max-length policy) or has lost its leader");
    }
    const auto nap = refusal_nap_;
    refusal_nap_ = std::min(refusal_nap_ * 2, Clock::duration(5s));
    return Recover(core::Error::Transient("RabbitMQ refused " + std::to_string(count) +
                                          " messages (basic.nack); reconnecting for a new channel"),
                   nap);
  }

  template <typename Done>
  core::Result<void> WaitUntil(Done done) {
    for (;;) {
      if (auto r = Service(); !r) return r;
      const auto now = Clock::now();
      progress_.Tick(now, bytes_read_);
      if (done()) return core::Ok();
      if (now - last_progress_ > options_.give_up_after) {
        return core::Error::Transient("RabbitMQ at " + connection_.Endpoint() + " confirmed nothing for " +
                                      publish::FormatDuration(Seconds(options_.give_up_after)) +
                                      " (--give-up-after) with " + std::to_string(window_.size()) +
                                      " messages outstanding" +
                                      (connection_.blocked() ? "; it blocks publishing: " + connection_.blocked_reason() +
                                                                   " (a memory or disk alarm)"
                                                             : std::string()));
      }
      pollfd fd{connection_.socket_fd(), POLLIN, 0};
      ::poll(&fd, 1, 100);
    }
  }

  // During a memory or disk alarm RabbitMQ blocks publishers (connection.blocked): publish
  // nothing more (the socket would fill up and block us where --give-up-after cannot act),
  // wait for it to unblock, and give up once --give-up-after has passed.
  core::Result<void> WaitWhileBlocked() {
    if (!connection_.blocked()) return core::Ok();
    const auto since = Clock::now();
    std::fprintf(stderr, "%sRabbitMQ blocks publishing: %s (a memory or disk alarm); waiting up to %s (--give-up-after)\n",
                 kPrefix, connection_.blocked_reason().c_str(),
                 publish::FormatDuration(Seconds(options_.give_up_after)).c_str());
    for (;;) {
      if (auto r = Service(); !r) return r;
      if (!connection_.blocked()) {
        std::fprintf(stderr, "%sRabbitMQ unblocked publishing after %s\n", kPrefix,
                     publish::FormatDuration(Seconds(Clock::now() - since)).c_str());
        last_progress_ = Clock::now();
        return core::Ok();
      }
      if (StopRequested()) return core::Error::Transient("interrupted while RabbitMQ blocked publishing");
      if (Clock::now() - since > options_.give_up_after) {
        return core::Error::Transient("RabbitMQ blocked publishing for " +
                                      publish::FormatDuration(Seconds(options_.give_up_after)) +
                                      " (--give-up-after): " + connection_.blocked_reason() +
                                      " (a memory or disk alarm; see its log and `rabbitmqctl status`)");
      }
      pollfd fd{connection_.socket_fd(), POLLIN, 0};
      ::poll(&fd, 1, 100);
    }
  }

  core::Result<void> Pace() {
    for (;;) {
      const auto wait = pacer_->Take(Clock::now());
      if (wait == Clock::duration::zero()) return core::Ok();
      // Sleep on the socket, so confirms keep flowing while we hold back.
      pollfd fd{connection_.socket_fd(), POLLIN, 0};
      ::poll(&fd, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count()));
      if (auto r = Service(); !r) return r;
      progress_.Tick(Clock::now(), bytes_read_);
    }
  }

  // The connection failed with `why`: reconnect with backoff until --give-up-after has passed
  // since the failure, then republish everything unconfirmed.
  core::Result<void> Recover(core::Error why, Clock::duration first_nap = kFirstNap) {
    // Fails every pending confirm, which puts those messages back to unsent.
    connection_.Close(false);
    const auto outage_start = Clock::now();
    progress_.Clear();
    std::fprintf(stderr, "%s%s; retrying for up to %s (--give-up-after)\n", kPrefix, why.message.c_str(),
                 publish::FormatDuration(Seconds(options_.give_up_after)).c_str());
    auto backoff = first_nap;
    for (int attempt = 1;; ++attempt) {
      if (StopRequested()) return core::Error::Transient("interrupted while reconnecting: " + why.message);
      const auto left = options_.give_up_after - (Clock::now() - outage_start);
      if (left <= Clock::duration::zero()) {
        return core::Error::Transient("gave up after " + publish::FormatDuration(Seconds(options_.give_up_after)) +
                                      " (--give-up-after): " + why.message);
      }
      const auto nap = std::min(backoff, std::chrono::duration_cast<Clock::duration>(left));
      ::poll(nullptr, 0, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(nap).count()));
      backoff = std::min(backoff * 2, Clock::duration(5s));
      const std::size_t unsent = window_.unsent();
      auto r = OpenAndDeclare();
      if (r) {
        // Always said, even with nothing to republish: the operator saw the failure line above.
        std::fprintf(stderr, "%sreconnected to %s after %s; republished %zu unconfirmed messages\n", kPrefix,
                     connection_.Endpoint().c_str(), publish::FormatDuration(Seconds(Clock::now() - outage_start)).c_str(),
                     unsent);
        return core::Ok();
      }
      connection_.Close(false);
      // A refusal by the broker (a queue declared elsewhere with other arguments, no access
      // to the vhost) will not fix itself.
      if (r.error().kind == core::ErrorKind::kInvalidInput) return r.error();
      why = r.error();
    }
  }

  amqp::Connection connection_;
  const Options& options_;
  std::vector<std::string> routing_keys_;
  amqp::Topology topology_;
  bool declare_ = true;  // false once the broker refused this user a declare
  std::optional<Clock::time_point> refusing_since_;  // first refusal since the last confirm
  Clock::duration refusal_nap_ = kFirstNap;          // before reconnecting after the next refusal
  publish::ConfirmWindow window_;
  publish::Counters& counters_;
  Progress& progress_;
  std::optional<publish::Pacer> pacer_;
  int since_pump_ = 0;
  Clock::time_point last_progress_ = Clock::now();
  std::uint64_t bytes_read_ = 0;
};

// Writes rejected records to a file opened on first use (appending when resuming).
class Rejects {
 public:
  Rejects(std::string path, bool append) : path_(std::move(path)), append_(append) {}
  ~Rejects() {
    if (file_ != nullptr) std::fclose(file_);
  }
  Rejects(const Rejects&) = delete;
  Rejects& operator=(const Rejects&) = delete;

  const std::string& path() const { return path_; }

  core::Result<void> Write(std::uint64_t line, std::string_view reason, std::string_view raw) {
    if (file_ == nullptr) {
      file_ = std::fopen(path_.c_str(), append_ ? "a" : "w");
      if (file_ == nullptr) {
        return core::Error::Transient("cannot write the rejects file " + path_ + ": " + std::strerror(errno));
      }
    }
    const std::string entry = publish::RejectEntry(line, reason, raw);
    if (std::fwrite(entry.data(), 1, entry.size(), file_) != entry.size()) {
      return core::Error::Transient("cannot write the rejects file " + path_ + ": " + std::strerror(errno));
    }
    return core::Ok();
  }

  core::Result<void> Close() {
    if (file_ == nullptr) return core::Ok();
    const bool ok = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!ok) return core::Error::Transient("cannot write the rejects file " + path_ + ": " + std::strerror(errno));
    return core::Ok();
  }

 private:
  std::string path_;
  bool append_;
  std::FILE* file_ = nullptr;
};

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& key : keys) out += (out.empty() ? "" : ",") + key;
  return out;
}

}  // namespace

int RunPublish(int argc, char* argv[]) {
  Options options;
  if (auto exit_code = ParseFlags(argc, argv, options)) return *exit_code;
  const bool from_stdin = options.input == "-";
  if (options.rejects.empty()) options.rejects = from_stdin ? "publish.rejects" : options.input + ".rejects";
  const bool random_prefix = options.job_id_prefix.empty();
  if (random_prefix) options.job_id_prefix = RandomRunId();

  std::vector<std::string> routing_keys;
  const std::string entity(publish::ToString(options.kind));
  if (options.providers == "all") {
    routing_keys.push_back(entity + ".all");
  } else {
    for (const auto& provider : config::ParseProviderList(options.providers, "--providers", fleet::Names())) {
      routing_keys.push_back(runtime::ProviderRoutingKey(entity, provider));
    }
  }

  amqp::ConnectionSettings amqp_settings;
  if (!options.dry_run) {
    try {
      config::Env env;
      const auto settings = config::LoadAmqpSettings(env);
      amqp_settings.url = settings.url;
      amqp_settings.heartbeat = settings.heartbeat;
      amqp_settings.connection_name = "tunefleet-publish";
      amqp_settings.tls_ca_file = settings.tls_ca_file;
    } catch (const config::ConfigError& e) {
      std::fprintf(stderr, "%s%s\n", kPrefix, e.what());
      return kExitUsage;
    }
  }

  const int fd = from_stdin ? STDIN_FILENO : ::open(options.input.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "%scannot open %s: %s\n", kPrefix, options.input.c_str(), std::strerror(errno));
    return kExitUsage;
  }
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd != STDIN_FILENO) ::close(fd);
    }
  } closer{fd};
  std::uint64_t input_size = 0;
  if (struct stat st{}; ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    input_size = static_cast<std::uint64_t>(st.st_size);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }

  publish::LineReader lines = publish::LineReader::FromFd(fd);
  publish::Format format = publish::Format::kCsv;
  if (options.format == "auto") {
    auto detected = publish::DetectFormat(from_stdin ? "" : options.input, lines);
    if (!detected) {
      std::fprintf(stderr, "%s%s\n", kPrefix, detected.error().message.c_str());
      return kExitFailure;
    }
    format = *detected;
  } else {
    format = options.format == "csv" ? publish::Format::kCsv : publish::Format::kJsonl;
  }
  std::unique_ptr<publish::RecordReader> reader;
  if (format == publish::Format::kCsv) {
    auto opened = publish::OpenCsv(lines, options.kind);
    if (!opened) {
      std::fprintf(stderr, "%s%s: %s\n", kPrefix, from_stdin ? "stdin" : options.input.c_str(),
                   opened.error().message.c_str());
      return opened.error().kind == core::ErrorKind::kInvalidInput ? kExitUsage : kExitFailure;
    }
    reader = std::move(*opened);
  } else {
    reader = publish::OpenJsonl(lines, options.kind);
  }

  CatchStopSignals();
  std::signal(SIGPIPE, SIG_IGN);

  const auto start = Clock::now();
  publish::Counters counters;
  Progress progress(counters, start, input_size);
  Rejects rejects(options.rejects, options.skip_lines > 0);
  const publish::JobBuilder builder({.kind = options.kind,
                                     .job_id_prefix = options.job_id_prefix,
                                     .requested_at = NowRfc3339()});
  std::optional<Publisher> publisher;
  std::uint64_t last_handled = options.skip_lines;

  // Prints why the run failed, what is confirmed and how to resume; returns kExitFailure.
  auto fail = [&](const std::string& why) {
    progress.Clear();
    std::fprintf(stderr, "%s%s\n", kPrefix, why.c_str());
    if (options.dry_run) return kExitFailure;
    if (counters.published == 0) {
      std::fprintf(stderr, "%snothing was published\n", kPrefix);
      return kExitFailure;
    }
    const std::uint64_t through = publisher ? publisher->ConfirmedThrough(last_handled) : options.skip_lines;
    std::fprintf(stderr,
                 "%s%llu of %llu lines read were confirmed (%llu of %llu jobs), %llu rejected; every line up to "
                 "%llu is confirmed\n",
                 kPrefix, static_cast<unsigned long long>(counters.confirmed_lines),
                 static_cast<unsigned long long>(counters.lines - counters.rejected),
                 static_cast<unsigned long long>(counters.confirmed),
                 static_cast<unsigned long long>(counters.published),
                 static_cast<unsigned long long>(counters.rejected), static_cast<unsigned long long>(through));
    std::fprintf(stderr, "%sto resume: tunefleet publish %s --job-id-prefix %s --skip-lines %llu (and the same flags)\n",
                 kPrefix, options.input.c_str(), options.job_id_prefix.c_str(),
                 static_cast<unsigned long long>(through));
    return kExitFailure;
  };

  if (!options.dry_run) {
    publisher.emplace(amqp_settings, options, routing_keys, counters, progress);
    if (auto connected = publisher->Connect(); !connected) return fail(connected.error().message);
  }

  publish::Record record;
  std::string body;
  std::string job_id;
  std::uint64_t since_tick = 0;
  for (;;) {
    if (StopRequested()) break;
    auto got = reader->Next(record);
    if (!got) return fail(got.error().message);
    if (!*got) break;
    if (record.line <= options.skip_lines) continue;
    ++counters.lines;
    if (auto built = builder.Build(record, body, job_id); !built) {
      ++counters.rejected;
      if (auto written = rejects.Write(record.line, built.error().message, record.raw); !written) {
        return fail(written.error().message);
      }
    } else if (publisher) {
      if (auto sent = publisher->PublishLine(record.line, body, job_id); !sent) return fail(sent.error().message);
    }
    last_handled = record.line;
    if (++since_tick == 256) {
      since_tick = 0;
      if (publisher) publisher->set_bytes_read(lines.bytes_consumed());
      progress.Tick(Clock::now(), lines.bytes_consumed());
    }
  }
  if (auto closed = rejects.Close(); !closed) return fail(closed.error().message);

  if (publisher) {
    publisher->set_bytes_read(lines.bytes_consumed());
    // Interrupted: give the confirms already under way a moment, then report what is safe.
    const auto limit = StopRequested() ? std::optional<Clock::duration>(5s) : std::nullopt;
    if (auto finished = publisher->Finish(limit); !finished) return fail(finished.error().message);
    if (StopRequested()) return fail("interrupted");
  } else if (StopRequested()) {
    return fail("interrupted");
  }

  const double elapsed = Seconds(Clock::now() - start);
  progress.Clear();
  if (options.dry_run) {
    std::printf("%s\n", publish::DryRunSummaryLine(counters, elapsed, rejects.path()).c_str());
  } else {
    std::printf("%s\n", publish::SummaryLine(counters, runtime::kJobsExchange, JoinKeys(routing_keys), elapsed,
                                             rejects.path())
                            .c_str());
  }
  return counters.rejected > 0 ? kExitSomeRejected : kExitOk;
}

}  // namespace cli

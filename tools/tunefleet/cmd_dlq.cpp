// tunefleet dlq list|show|replay|purge --provider P: the dead letters of tunefleet.<P>.dead
// (docs/OPERATIONS.md). list and show peek through the management API; replay and purge
// work over AMQP.
#include <getopt.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/amqp/connection.hpp"
#include "common/config/settings.hpp"
#include "common/runtime/topology.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/stop_signal.hpp"
#include "tools/tunefleet/dlq_messages.hpp"
#include "tools/tunefleet/management_api.hpp"
#include "workers/fleet/fleet.hpp"

namespace cli {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kUsage =
    "usage: tunefleet dlq list|show|replay|purge --provider P [flags]\n"
    "\n"
    "Works on the dead letters of one provider: the queue tunefleet.<P>.dead.\n"
    "\n"
    "  list    [--limit N]                       job id, dead-at, last status, attempts and\n"
    "                                            reason of the first N (default 100)\n"
    "  show    --job-id ID | --index N           one message whole: headers and body\n"
    "  replay  [--limit N] [--job-id ID] [--dry-run]\n"
    "                                            republish to tunefleet.jobs, then remove\n"
    "  purge   [--yes]                           drop every dead letter of the provider\n"
    "\n"
    "Run `tunefleet dlq <subcommand> --help` for details.\n"
    "\n"
    "environment: TUNEFLEET_AMQP_URL (replay, purge; its path is the vhost for all four),\n"
    "             TUNEFLEET_RABBITMQ_API_URL (list, show)\n"
    "exit: 0 done, 1 failed (RabbitMQ unreachable, nothing matched, purge declined),\n"
    "      2 bad flags or configuration, purge without --yes and without a terminal\n";

constexpr const char* kListUsage =
    "usage: tunefleet dlq list --provider P [--limit N]\n"
    "\n"
    "Lists the first N dead letters of tunefleet.<P>.dead without removing them: job id,\n"
    "dead-at, last status, attempts and reason (cut to one line), then how many there are.\n"
    "Peeks through the management API (a get with requeue): every message peeked is\n"
    "requeued and marked redelivered; peeking fewer than all of them moves the ones peeked\n"
    "behind the others (docs/OPERATIONS.md).\n"
    "\n"
    "  --provider P   spotify, lastfm, musicbrainz, discogs, cyanite, aoty or noop\n"
    "  --limit N      how many to show (default 100, at most 10000)\n"
    "  -h, --help     this text\n"
    "\n"
    "environment: TUNEFLEET_RABBITMQ_API_URL, TUNEFLEET_AMQP_URL (its path names the vhost)\n"
    "exit: 0 listed (also when empty), 1 the management API failed, 2 bad flags\n";

constexpr const char* kShowUsage =
    "usage: tunefleet dlq show --provider P (--job-id ID | --index N) [--limit N]\n"
    "\n"
    "Prints one dead letter whole: where it is, every header, and the body (pretty-printed\n"
    "when it is JSON). Peeks like `dlq list` (the messages peeked are requeued).\n"
    "\n"
    "  --provider P   spotify, lastfm, musicbrainz, discogs, cyanite, aoty or noop\n"
    "  --job-id ID    the message whose id (the job id) is ID\n"
    "  --index N      the N-th message, as numbered by `dlq list` (1 is the head)\n"
    "  --limit N      with --job-id: how many messages to search (default 1000)\n"
    "  -h, --help     this text\n"
    "\n"
    "environment: TUNEFLEET_RABBITMQ_API_URL, TUNEFLEET_AMQP_URL (its path names the vhost)\n"
    "exit: 0 shown, 1 not found or the management API failed, 2 bad flags\n";

constexpr const char* kReplayUsage =
    "usage: tunefleet dlq replay --provider P [--limit N] [--job-id ID] [--dry-run]\n"
    "\n"
    "Moves dead letters back to work once their cause is fixed: consumes tunefleet.<P>.dead,\n"
    "republishes each message to tunefleet.jobs with the routing key of its\n"
    "x-tunefleet-routing-key header (else track.<P>), the same body and message id, and its\n"
    "headers reset (x-tunefleet-attempt, -reason, -last-status, -dead-at and -delay dropped;\n"
    "x-tunefleet-replayed-at set, x-tunefleet-replays counted up). A dead letter is removed\n"
    "only after the broker confirmed its copy; on any failure it stays in the queue. Looks\n"
    "at most at the messages that were in the queue when it started, so jobs that die again\n"
    "during the replay are not replayed twice.\n"
    "\n"
    "  --provider P   spotify, lastfm, musicbrainz, discogs, cyanite, aoty or noop\n"
    "  --limit N      replay at most N messages (default: all)\n"
    "  --job-id ID    replay only the messages whose id is ID\n"
    "  --dry-run      print what would be replayed; change nothing (the messages are\n"
    "                 requeued, so their order in the queue may change)\n"
    "  -h, --help     this text\n"
    "\n"
    "environment: TUNEFLEET_AMQP_URL, TUNEFLEET_AMQP_HEARTBEAT\n"
    "exit: 0 replayed (also when there was nothing), 1 failed (RabbitMQ unreachable, a publish\n"
    "      refused, --job-id matched nothing), 2 bad flags or configuration\n";

constexpr const char* kPurgeUsage =
    "usage: tunefleet dlq purge --provider P [--yes]\n"
    "\n"
    "Drops every dead letter of tunefleet.<P>.dead. Asks first when stdin is a terminal;\n"
    "without a terminal it needs --yes.\n"
    "\n"
    "  --provider P   spotify, lastfm, musicbrainz, discogs, cyanite, aoty or noop\n"
    "  --yes          do not ask\n"
    "  -h, --help     this text\n"
    "\n"
    "environment: TUNEFLEET_AMQP_URL\n"
    "exit: 0 purged, 1 failed or declined at the prompt, 2 bad flags, or no --yes without a\n"
    "      terminal\n";

constexpr std::int64_t kDefaultListLimit = 100;
constexpr std::int64_t kDefaultShowSearch = 1000;
constexpr std::int64_t kMaxPeek = 10000;
// Deliveries in flight while replaying without holding any back: enough to keep the
// publish-confirm pipeline busy, small enough that an interrupted run leaves little unacked.
constexpr std::uint16_t kReplayPrefetch = 200;
// No delivery for this long while nothing is unconfirmed: the queue has nothing more for us
// (another consumer took the rest).
constexpr auto kIdleEnd = 2s;
constexpr auto kConfirmTimeout = 30s;

enum class Sub { kList, kShow, kReplay, kPurge };

struct Options {
  Sub sub = Sub::kList;
  std::string name;  // "list"
  std::string provider;
  std::optional<std::int64_t> limit;
  std::string job_id;
  std::optional<std::int64_t> index;
  bool dry_run = false;
  bool yes = false;
};


std::string Prefix(const Options& options) { return "tunefleet dlq " + options.name + ": "; }

int UsageError(const Options& options, const std::string& message) {
  std::fprintf(stderr, "%s%s (see tunefleet dlq %s --help)\n", Prefix(options).c_str(), message.c_str(),
               options.name.c_str());
  return kExitUsage;
}

int Fail(const Options& options, const std::string& message) {
  std::fprintf(stderr, "%s%s\n", Prefix(options).c_str(), message.c_str());
  return kExitFailure;
}

// Where replayed messages go, for messages: "tunefleet.jobs", or a builder's own queue.
std::string Destination(const std::string& provider) {
  const std::string exchange = ops::ReplayExchange(provider);
  return exchange.empty() ? runtime::JobQueue(provider) : exchange;
}

std::string KnownProviderList() {
  std::string out;
  for (const auto& p : fleet::Names().known) out += (out.empty() ? "" : ", ") + p;
  for (const auto& b : runtime::BuilderNames()) out += ", " + b;
  return out;
}

const char* UsageOf(Sub sub) {
  switch (sub) {
    case Sub::kList: return kListUsage;
    case Sub::kShow: return kShowUsage;
    case Sub::kReplay: return kReplayUsage;
    case Sub::kPurge: return kPurgeUsage;
  }
  return kUsage;
}

// nullopt to go on, else the exit code (--help, or a usage error already printed).
std::optional<int> ParseFlags(int argc, char* argv[], Options& options) {
  enum : int { kProvider = 256, kLimit, kJobId, kIndex, kDryRun, kYes };
  static const option kLong[] = {
      {"provider", required_argument, nullptr, kProvider},
      {"limit", required_argument, nullptr, kLimit},
      {"job-id", required_argument, nullptr, kJobId},
      {"index", required_argument, nullptr, kIndex},
      {"dry-run", no_argument, nullptr, kDryRun},
      {"yes", no_argument, nullptr, kYes},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  // Which flags each subcommand takes; the others are refused by name.
  const std::map<int, std::vector<Sub>> kAllowed = {
      {kLimit, {Sub::kList, Sub::kShow, Sub::kReplay}},
      {kJobId, {Sub::kShow, Sub::kReplay}},
      {kIndex, {Sub::kShow}},
      {kDryRun, {Sub::kReplay}},
      {kYes, {Sub::kPurge}},
  };
  opterr = 0;  // we print our own one-line messages
  optind = 0;  // glibc: full re-initialization
  int c = 0;
  try {
    while ((c = getopt_long(argc, argv, ":h", kLong, nullptr)) != -1) {
      if (const auto allowed = kAllowed.find(c); allowed != kAllowed.end()) {
        const auto& subs = allowed->second;
        if (std::find(subs.begin(), subs.end(), options.sub) == subs.end()) {
          std::string flag;
          for (const auto& o : kLong) {
            if (o.name != nullptr && o.val == c) flag = std::string("--") + o.name;
          }
          return UsageError(options, flag + " is not a flag of dlq " + options.name);
        }
      }
      const std::string value = optarg != nullptr ? optarg : "";
      switch (c) {
        case kProvider: {
          const auto& known = fleet::Names().known;
          if (std::find(known.begin(), known.end(), value) == known.end() && !runtime::IsBuilder(value)) {
            return UsageError(options, "--provider \"" + value + "\": unknown provider (expected one of " +
                                           KnownProviderList() + ")");
          }
          options.provider = value;
          break;
        }
        case kLimit:
          options.limit = config::ParseInt(value, "--limit");
          if (*options.limit < 1) return UsageError(options, "--limit must be at least 1");
          if (options.sub != Sub::kReplay && *options.limit > kMaxPeek) {
            return UsageError(options, "--limit must be at most " + std::to_string(kMaxPeek));
          }
          break;
        case kJobId:
          if (value.empty()) return UsageError(options, "--job-id needs a job id");
          options.job_id = value;
          break;
        case kIndex:
          options.index = config::ParseInt(value, "--index");
          if (*options.index < 1 || *options.index > kMaxPeek) {
            return UsageError(options, "--index must be between 1 and " + std::to_string(kMaxPeek));
          }
          break;
        case kDryRun:
          options.dry_run = true;
          break;
        case kYes:
          options.yes = true;
          break;
        case 'h':
          std::fputs(UsageOf(options.sub), stdout);
          return kExitOk;
        case ':':
          return UsageError(options, std::string(argv[optind - 1]) + " needs a value");
        default:
          if (optopt != 0) return UsageError(options, std::string("unknown option -") + static_cast<char>(optopt));
          return UsageError(options, std::string("unknown option ") + argv[optind - 1]);
      }
    }
  } catch (const config::ConfigError& e) {
    return UsageError(options, e.what());
  }
  if (optind < argc) return UsageError(options, std::string("unexpected argument \"") + argv[optind] + "\"");
  if (options.provider.empty()) {
    return UsageError(options, "missing --provider P (one of " + KnownProviderList() + ")");
  }
  if (options.sub == Sub::kShow && options.job_id.empty() == !options.index.has_value()) {
    return UsageError(options, "give exactly one of --job-id ID and --index N");
  }
  if (options.sub == Sub::kShow && options.index && options.limit) {
    return UsageError(options, "--limit goes with --job-id, not with --index");
  }
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

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Peeks `count` messages of the provider's dead-letter queue through the management API.
core::Result<ops::Peek> PeekDead(const Options& options, std::int64_t count) {
  ops::ApiTarget target;
  try {
    config::Env env;
    target = ops::LoadApiTarget(env);
  } catch (const config::ConfigError& e) {
    return core::Error::InvalidInput(e.what());
  }
  ops::ManagementApi api(target.endpoint);
  const std::string queue = runtime::DeadQueue(options.provider);
  auto body = api.Post("/queues/" + ops::PercentEncode(target.vhost) + "/" + ops::PercentEncode(queue) + "/get",
                       ops::PeekRequest(static_cast<std::size_t>(count)));
  if (!body) {
    // The API answers 401, not 404, for a get in a vhost that does not exist.
    if (body.error().kind == core::ErrorKind::kInvalidInput) {
      auto vhost = api.Get("/vhosts/" + ops::PercentEncode(target.vhost));
      if (!vhost && vhost.error().kind == core::ErrorKind::kNotFound) {
        return core::Error::InvalidInput("vhost \"" + target.vhost + "\" does not exist on RabbitMQ at " +
                                         api.host_port() + " (it is the path of TUNEFLEET_AMQP_URL)");
      }
    }
    if (body.error().kind == core::ErrorKind::kNotFound) {
      return core::Error::Transient("no queue " + queue + " in vhost \"" + target.vhost + "\" on RabbitMQ at " +
                                    api.host_port() +
                                    " (the vhost is the path of TUNEFLEET_AMQP_URL; the queue appears once a "
                                    "tunefleet binary has run there)");
    }
    return body.error();
  }
  return ops::ParsePeek(*body);
}

int RunList(const Options& options) {
  auto peek = PeekDead(options, options.limit.value_or(kDefaultListLimit));
  if (!peek) return Fail(options, peek.error().message);
  std::fputs(ops::FormatList(*peek, runtime::DeadQueue(options.provider)).c_str(), stdout);
  return kExitOk;
}

int RunShow(const Options& options) {
  const std::int64_t count = options.index ? *options.index : options.limit.value_or(kDefaultShowSearch);
  auto peek = PeekDead(options, count);
  if (!peek) return Fail(options, peek.error().message);
  const std::string queue = runtime::DeadQueue(options.provider);
  const ops::DeadLetter* found = nullptr;
  if (options.index) {
    if (static_cast<std::size_t>(*options.index) <= peek->messages.size()) {
      found = &peek->messages[static_cast<std::size_t>(*options.index - 1)];
    } else {
      return Fail(options, "no message " + std::to_string(*options.index) + ": " + queue + " holds " +
                               std::to_string(peek->ready) + " ready dead letters");
    }
  } else {
    for (const auto& m : peek->messages) {
      if (m.job_id == options.job_id) {
        found = &m;
        break;
      }
    }
    if (found == nullptr) {
      return Fail(options, "no dead letter with job id \"" + options.job_id + "\" among the first " +
                               std::to_string(peek->messages.size()) + " of " + std::to_string(peek->ready) + " in " +
                               queue + (static_cast<std::int64_t>(peek->messages.size()) < peek->ready
                                            ? " (--limit N searches further)"
                                            : ""));
    }
  }
  std::fputs(ops::FormatShow(*found, queue, peek->ready).c_str(), stdout);
  return kExitOk;
}

core::Result<amqp::ConnectionSettings> AmqpConnectionSettings() {
  try {
    config::Env env;
    const auto settings = config::LoadAmqpSettings(env);
    return amqp::ConnectionSettings{.url = settings.url,
                                    .heartbeat = settings.heartbeat,
                                    .connection_name = "tunefleet-dlq",
                                    .tls_ca_file = settings.tls_ca_file};
  } catch (const config::ConfigError& e) {
    return core::Error::InvalidInput(e.what());
  }
}

// Consumes the dead-letter queue and republishes what is wanted, acking each dead letter only
// after the broker confirmed its copy. Messages not wanted (beyond --limit, another job id,
// --dry-run, or more than were there at the start) are held unacknowledged and go back to
// the queue when the connection closes.
class Replayer {
 public:
  Replayer(const Options& options, amqp::Connection& connection, std::uint32_t depth)
      : options_(options), connection_(connection), depth_(depth), replayed_at_(NowRfc3339()) {}

  // The error that ended the run early, if any; the counts say what was done either way.
  core::Result<void> Run() {
    last_delivery_ = Clock::now();
    const auto on_delivery = [this](amqp::Delivery delivery) { inbox_.push_back(std::move(delivery)); };
    for (;;) {
      if (auto r = connection_.Pump(on_delivery); !r) return r;
      if (auto r = Settle(); !r) return r;
      while (!inbox_.empty()) {
        amqp::Delivery delivery = std::move(inbox_.front());
        inbox_.pop_front();
        if (auto r = Handle(delivery); !r) return r;
      }
      const auto now = Clock::now();
      const bool scan_done = StopRequested() || seen_ >= depth_ || (options_.limit && matched_ >= static_cast<std::uint64_t>(*options_.limit)) ||
                             (now - last_delivery_ > kIdleEnd && connection_.unconfirmed() == 0);
      if (scan_done && connection_.unconfirmed() == 0) return core::Ok();
      if (connection_.unconfirmed() > 0 && now - last_confirm_ > kConfirmTimeout) {
        return core::Error::Transient(std::to_string(connection_.unconfirmed()) + " replayed messages unconfirmed after " +
                                      std::to_string(kConfirmTimeout.count()) + " s");
      }
      pollfd fd{connection_.socket_fd(), POLLIN, 0};
      ::poll(&fd, 1, 100);
    }
  }

  std::uint64_t replayed() const { return replayed_; }
  std::uint64_t matched() const { return matched_; }
  std::uint64_t seen() const { return seen_; }

 private:
  struct InFlight {
    std::string job_id;
    std::string routing_key;
  };

  core::Result<void> Handle(const amqp::Delivery& delivery) {
    ++seen_;
    last_delivery_ = Clock::now();
    const bool wanted = !StopRequested() && seen_ <= depth_ &&
                        (options_.job_id.empty() || delivery.message_id == options_.job_id) &&
                        (!options_.limit || matched_ < static_cast<std::uint64_t>(*options_.limit));
    if (!wanted) return core::Ok();  // held: requeued by the broker when we close
    ++matched_;
    amqp::OutgoingMessage message = ops::ReplayMessage(delivery, options_.provider, replayed_at_);
    if (options_.dry_run) {
      std::printf("would replay %s to %s as %s\n", Name(delivery.message_id).c_str(), message.exchange.c_str(),
                  message.routing_key.c_str());
      return core::Ok();
    }
    const std::uint64_t tag = delivery.delivery_tag;
    in_flight_[tag] = {delivery.message_id, message.routing_key};
    if (connection_.unconfirmed() == 0) last_confirm_ = Clock::now();
    auto published = connection_.Publish(message, [this, tag](core::Result<void> confirmed) {
      last_confirm_ = Clock::now();
      if (confirmed) {
        confirmed_.push_back(tag);
      } else {
        refused_.emplace_back(tag, confirmed.error().message);
      }
    });
    if (!published) {
      // Best effort: when the connection is gone the broker requeues it anyway.
      (void)connection_.Reject(tag, true);
      in_flight_.erase(tag);
      return published.error();
    }
    return core::Ok();
  }

  // Acks the dead letters whose copies are confirmed; requeues (and stops at) a refused one.
  core::Result<void> Settle() {
    for (const std::uint64_t tag : confirmed_) {
      if (auto r = connection_.Ack(tag, false); !r) return r;
      ++replayed_;
      const auto& job = in_flight_.at(tag);
      std::printf("replayed %s to %s as %s\n", Name(job.job_id).c_str(), Destination(options_.provider).c_str(),
                  job.routing_key.c_str());
      in_flight_.erase(tag);
    }
    confirmed_.clear();
    if (refused_.empty()) return core::Ok();
    for (const auto& [tag, why] : refused_) {
      (void)connection_.Reject(tag, true);
      in_flight_.erase(tag);
    }
    const std::string why = refused_.front().second;
    refused_.clear();
    return core::Error::Transient("RabbitMQ did not take a replayed message (" + why + "); it stays dead-lettered");
  }

  static std::string Name(const std::string& job_id) { return job_id.empty() ? "(no message id)" : job_id; }

  const Options& options_;
  amqp::Connection& connection_;
  const std::uint32_t depth_;
  const std::string replayed_at_;
  std::deque<amqp::Delivery> inbox_;
  std::map<std::uint64_t, InFlight> in_flight_;
  std::vector<std::uint64_t> confirmed_;
  std::vector<std::pair<std::uint64_t, std::string>> refused_;
  std::uint64_t seen_ = 0;
  std::uint64_t matched_ = 0;
  std::uint64_t replayed_ = 0;
  Clock::time_point last_delivery_;
  Clock::time_point last_confirm_ = Clock::now();
};

int RunReplay(const Options& options) {
  auto settings = AmqpConnectionSettings();
  if (!settings) {
    std::fprintf(stderr, "%s%s\n", Prefix(options).c_str(), settings.error().message.c_str());
    return kExitUsage;
  }
  const std::string queue = runtime::DeadQueue(options.provider);
  const auto start = Clock::now();
  amqp::Connection connection(*settings);
  if (auto r = connection.Open(); !r) return Fail(options, r.error().message);
  // Every binary declares the fleet topology: the copies need tunefleet.jobs and its bindings.
  if (auto r = connection.Declare(runtime::FleetTopology(fleet::Names())); !r) {
    return Fail(options, r.error().message);
  }
  auto depth = connection.QueueDepth(queue);
  if (!depth) return Fail(options, depth.error().message);
  if (*depth == 0) {
    std::printf("no dead letters in %s\n", queue.c_str());
    return kExitOk;
  }
  // Holding messages back (another job id, a dry run) needs a window that can hold every
  // message looked at, or the broker stops delivering; 0 is unlimited.
  const bool holds = options.dry_run || !options.job_id.empty();
  std::uint16_t prefetch = kReplayPrefetch;
  if (holds) {
    prefetch = options.limit && options.job_id.empty() && *options.limit < 65535
                   ? static_cast<std::uint16_t>(*options.limit)
                   : std::uint16_t{0};
  } else if (options.limit && *options.limit < kReplayPrefetch) {
    prefetch = static_cast<std::uint16_t>(*options.limit);
  }
  if (auto r = connection.Consume(queue, prefetch); !r) return Fail(options, r.error().message);

  CatchStopSignals();

  Replayer replayer(options, connection, *depth);
  auto result = replayer.Run();
  // Closing returns every delivery we did not ack to the queue.
  (void)connection.CancelConsume();
  connection.Close(result.has_value());
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "%.1f s", Seconds(Clock::now() - start));
  if (!result) {
    std::fprintf(stderr, "%s%s\n", Prefix(options).c_str(), result.error().message.c_str());
    std::fprintf(stderr, "%sreplayed %llu before the failure; every other dead letter is still in %s\n",
                 Prefix(options).c_str(), static_cast<unsigned long long>(replayer.replayed()), queue.c_str());
    return kExitFailure;
  }
  if (options.dry_run) {
    std::printf("dry run: %llu of %u dead letters in %s would be replayed to %s; nothing changed\n",
                static_cast<unsigned long long>(replayer.matched()), *depth, queue.c_str(), Destination(options.provider).c_str());
    return kExitOk;
  }
  std::printf("replayed %llu of %u dead letters from %s to %s in %s%s\n",
              static_cast<unsigned long long>(replayer.replayed()), *depth, queue.c_str(),
              Destination(options.provider).c_str(), elapsed, StopRequested() ? " (interrupted)" : "");
  if (!options.job_id.empty() && replayer.matched() == 0) {
    return Fail(options, "no dead letter with job id \"" + options.job_id + "\" in " + queue);
  }
  return StopRequested() ? kExitFailure : kExitOk;
}

int RunPurge(const Options& options) {
  const bool tty = isatty(STDIN_FILENO) == 1;
  if (!options.yes && !tty) {
    return UsageError(options, "refusing to purge without --yes: stdin is not a terminal to ask on");
  }
  auto settings = AmqpConnectionSettings();
  if (!settings) {
    std::fprintf(stderr, "%s%s\n", Prefix(options).c_str(), settings.error().message.c_str());
    return kExitUsage;
  }
  const std::string queue = runtime::DeadQueue(options.provider);
  amqp::Connection connection(*settings);
  if (auto r = connection.Open(); !r) return Fail(options, r.error().message);
  auto depth = connection.QueueDepth(queue);
  if (!depth) return Fail(options, depth.error().message);
  if (!options.yes) {
    std::fprintf(stderr, "purge %u dead letters from %s on %s? This cannot be undone. [y/N] ", *depth, queue.c_str(),
                 connection.Endpoint().c_str());
    std::fflush(stderr);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") return Fail(options, "not purged");
  }
  auto purged = connection.Purge(queue);
  if (!purged) return Fail(options, purged.error().message);
  connection.Close(true);
  std::printf("purged %u dead letters from %s\n", *purged, queue.c_str());
  return kExitOk;
}

}  // namespace

int RunDlq(int argc, char* argv[]) {
  Options options;
  if (argc < 2) {
    std::fprintf(stderr, "tunefleet dlq: missing the subcommand: list, show, replay or purge (see tunefleet dlq --help)\n");
    return kExitUsage;
  }
  const std::string_view sub = argv[1];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  static const std::map<std::string_view, Sub> kSubs = {
      {"list", Sub::kList}, {"show", Sub::kShow}, {"replay", Sub::kReplay}, {"purge", Sub::kPurge}};
  const auto found = kSubs.find(sub);
  if (found == kSubs.end()) {
    std::fprintf(stderr, "tunefleet dlq: unknown subcommand \"%s\": expected list, show, replay or purge (see tunefleet dlq --help)\n",
                 argv[1]);
    return kExitUsage;
  }
  options.sub = found->second;
  options.name = std::string(sub);
  if (auto exit_code = ParseFlags(argc - 1, argv + 1, options)) return *exit_code;
  switch (options.sub) {
    case Sub::kList: return RunList(options);
    case Sub::kShow: return RunShow(options);
    case Sub::kReplay: return RunReplay(options);
    case Sub::kPurge: return RunPurge(options);
  }
  return kExitUsage;
}

}  // namespace cli

#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/amqp/message.hpp"
#include "common/config/settings.hpp"

// Names and shape of tunefleet's RabbitMQ topology (docs/RUNTIME.md). Every binary declares
// the whole fleet topology at start, idempotently, so any process can start first.
namespace runtime {

inline constexpr const char* kJobsExchange = "tunefleet.jobs";           // topic: <entity>.<provider|all>
inline constexpr const char* kRetryExchange = "tunefleet.retry";         // headers: x-tunefleet-delay
inline constexpr const char* kDeadExchange = "tunefleet.dead";           // direct: <provider>
inline constexpr const char* kFollowupsExchange = "tunefleet.followups";  // topic: followup.<provider>

// Message headers written by the runtime.
inline constexpr const char* kAttemptHeader = "x-tunefleet-attempt";         // failed attempts so far
inline constexpr const char* kDelayHeader = "x-tunefleet-delay";             // retry tier name
// Rounds that ended core::Error::Pending, and when the first did (Unix ms): runtime::JobHistory.
inline constexpr const char* kPendingRoundsHeader = "x-tunefleet-pending-rounds";
inline constexpr const char* kPendingSinceHeader = "x-tunefleet-pending-since";
inline constexpr const char* kReasonHeader = "x-tunefleet-reason";           // why it died
inline constexpr const char* kLastStatusHeader = "x-tunefleet-last-status";  // invalid_input, transient...
inline constexpr const char* kProviderHeader = "x-tunefleet-provider";
inline constexpr const char* kRoutingKeyHeader = "x-tunefleet-routing-key";  // where to replay it
inline constexpr const char* kDeadAtHeader = "x-tunefleet-dead-at";
inline constexpr const char* kTraceHeader = "x-tunefleet-trace-id";

struct DelayTier {
  std::string name;                 // "5s": the header value and the queue suffix
  std::chrono::milliseconds delay;  // the queue's message TTL
};

// The default backoff tiers: 1 s, 5 s, 30 s, 2 min, 10 min.
const std::vector<DelayTier>& DefaultDelayTiers();

// The builders (tunefleet-recommend, tunefleet-features): their queues read follow-ups.
const std::vector<std::string>& BuilderNames();
bool IsBuilder(const std::string& consumer);

std::string JobQueue(const std::string& consumer);      // tunefleet.spotify, tunefleet.recommend
std::string DeadQueue(const std::string& provider);     // tunefleet.spotify.dead
std::string DelayQueue(const DelayTier& tier);          // tunefleet.delay.5s (quorum)
// The classic delay queue of builds before at-least-once delay tiers: tunefleet.retry.5s.
// `tunefleet topology upgrade` moves what it holds into DelayQueue(tier) and deletes it.
std::string LegacyDelayQueue(const DelayTier& tier);
// The provider-specific routing key of a job: track.spotify, album.lastfm.
std::string ProviderRoutingKey(const std::string& entity, const std::string& provider);

// Queues: one quorum queue per provider of `providers.known` (bound to <entity>.<provider>
// for track and album, and to <entity>.all for those in `providers.all`; delivery limit as
// the poison backstop, dead-lettering to tunefleet.dead), one dead-letter queue per provider, one quorum TTL queue per delay tier dead-lettering
// back to tunefleet.jobs, and the builders' quorum queues on tunefleet.followups. Everywhere
// the broker moves a message (TTL expiry, delivery limit) it does so at least once
// (x-dead-letter-strategy at-least-once; docs/RUNTIME.md, "At least once").
amqp::Topology FleetTopology(const config::ProviderNames& providers,
                             const std::vector<DelayTier>& tiers = DefaultDelayTiers());

// The queue arguments that make a quorum queue's dead-lettering at-least-once.
const std::map<std::string, amqp::HeaderValue>& AtLeastOnceDeadLettering();

}  // namespace runtime

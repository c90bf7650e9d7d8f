#include "common/runtime/provider_pipeline.hpp"

#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "common/core/redact.hpp"
#include "common/db/catalog_writer.hpp"
#include "common/json/job_writer.hpp"
#include "common/runtime/dead_letter.hpp"
#include "common/runtime/fault_injection.hpp"
#include "common/runtime/retry_decision.hpp"

namespace runtime {
namespace {

std::string EntityOf(const amqp::Delivery& delivery) {
  // Routing keys are <entity>.<provider|all>; after a retry the key is <entity>.<provider>.
  auto dot = delivery.routing_key.find('.');
  return dot == std::string::npos ? std::string("track") : delivery.routing_key.substr(0, dot);
}

// The track job of an album_tracks row, to every provider (track.all). Its job id names the
// album's position, so a republish after a crash is the same message; it carries exactly the
// id the track row's identity key names (db::AlbumTrackJob), so it lands on that row.
amqp::OutgoingMessage AlbumTrackJobMessage(const db::AlbumTrackJob& row, const std::string& trace_id) {
  json::TrackJob job;
  job.job_id = "album-track:" + std::to_string(row.album_id) + ":" + std::to_string(row.disc) + ":" +
               std::to_string(row.position);
  job.trace_id = trace_id.substr(0, 64);
  job.artist = row.artist;
  job.title = row.title;
  if (!row.album.empty()) job.album = row.album;
  auto id_of = [&row](std::string_view prefix) -> std::optional<std::string> {
    if (!std::string_view(row.identity_key).starts_with(prefix)) return std::nullopt;
    return row.identity_key.substr(prefix.size());
  };
  job.isrc = id_of("isrc:");
  job.mbid = id_of("mbid:");
  job.spotify_id = id_of("spotify:");
  if (row.duration_ms) job.duration_ms = *row.duration_ms;
  return {kJobsExchange, "track.all", job.job_id, json::Serialize(job), {}};
}

}  // namespace

ProviderPipeline::ProviderPipeline(WorkerSettings settings, Provider& provider, std::unique_ptr<db::CatalogStore> store,
                                   uv_loop_s& loop)
    : loop_(loop),
      settings_(std::move(settings)),
      provider_(provider),
      provider_name_(provider.Name()),
      logger_(logging::Logger("runtime").With({{"provider", provider_name_}})),
      parser_(json::JobParserSettings{settings_.max_body_bytes}),
      tiers_(DefaultDelayTiers()),
      store_(std::move(store)) {}

ProviderPipeline::~ProviderPipeline() = default;

ConsumerSettings ProviderPipeline::Consuming(const config::ProviderNames& fleet) const {
  return {.name = provider_name_,
          .kind = "worker",
          .item = "job",
          .topology = FleetTopology(fleet, tiers_),
          .amqp = settings_.amqp,
          .shutdown_timeout = settings_.shutdown_timeout,
          .logger = logger_,
          .amqp_logger = logging::Logger("amqp").With({{"provider", provider_name_}})};
}

void ProviderPipeline::Attach(Consumer& consumer) { consumer_ = &consumer; }

void ProviderPipeline::OnStart() {
  // Check the database once at start so /readyz tells the truth before the first batch.
  auto ping = std::make_shared<core::Result<void>>();
  consumer_->writer().Post({[this, ping] { *ping = store_->Ping(); },
                            [this, ping] {
                              if (!*ping) {
                                logger_.Warn("database not reachable at start; jobs will wait for it",
                                             {{"error", ping->error().message}});
                              }
                              if (!db_down_) {
                                consumer_->health().SetHealthy("postgres", ping->has_value());
                                consumer_->metrics().DatabaseUp().Set(ping->has_value() ? 1 : 0);
                              }
                            }});
}

void ProviderPipeline::OnConnectionLost() {
  // Deliveries not yet started will come again on the next connection.
  std::set<std::uint64_t> waiting(waiting_.begin(), waiting_.end());
  consumer_->ledger().OnConnectionLost([&waiting](std::uint64_t seq) { return waiting.count(seq) > 0; });
  waiting_.clear();
}

logging::Logger ProviderPipeline::JobLogger(const HeldDelivery& job) const { return logger_.WithJob(job.job_id, job.trace_id); }

void ProviderPipeline::OnDelivery(std::uint64_t seq) {
  HeldDelivery& job = consumer_->ledger().At(seq);
  job.entity = EntityOf(job.delivery);
  if (paused_for_db_) {
    consumer_->Requeue(seq);  // sent before our basic.cancel arrived: straight back
    return;
  }
  if (db_down_) {
    waiting_.push_back(seq);  // the database is down: do not start new work
    return;
  }
  Process(seq);
}

void ProviderPipeline::Process(std::uint64_t seq) {
  HeldDelivery* found = consumer_->ledger().Find(seq);
  if (found == nullptr) return;
  HeldDelivery& job = *found;
  auto parsed = parser_.Parse(job.delivery.body);
  if (!parsed) {
    DeadLetter(seq, "invalid_message", "invalid message: " + parsed.error().message, 0);
    return;
  }
  job.job_id = std::string(json::JobId(*parsed));
  job.trace_id = std::string(json::TraceId(*parsed));
  if (std::holds_alternative<json::FollowUp>(*parsed)) {
    DeadLetter(seq, "invalid_message", "a follow-up message reached a provider queue", 0);
    return;
  }
  JobLogger(job).Debug("job started", {{"attempt", amqp::HeaderInt(job.delivery.headers, kAttemptHeader, 0)}});
  // One catch around the plug-in: a throwing provider must not take the worker down.
  try {
    JobHistory history;
    history.pending_rounds = static_cast<int>(amqp::HeaderInt(job.delivery.headers, kPendingRoundsHeader, 0));
    if (auto since = amqp::HeaderInt(job.delivery.headers, kPendingSinceHeader, 0); since > 0) {
      history.pending_since = std::chrono::system_clock::time_point(std::chrono::milliseconds(since));
    }
    provider_.EnrichWithHistory(*parsed, history,
                                [this, seq](core::Result<Enrichment> result) { OnEnriched(seq, std::move(result)); });
  } catch (const std::exception& e) {
    OnEnriched(seq, core::Error::Transient(std::string("provider threw: ") + e.what()));
  }
}

void ProviderPipeline::OnEnriched(std::uint64_t seq, core::Result<Enrichment> result) {
  // Stopped: the connection is closed, the delivery stays unacked and the broker redelivers it.
  if (stopped_) return;
  HeldDelivery* job = consumer_->ledger().Find(seq);
  if (job == nullptr) return;
  if (!result) {
    const core::Error& error = result.error();
    if (error.kind == core::ErrorKind::kTransient) {
      Retry(seq, error);
    } else {
      DeadLetter(seq, "invalid_input", error.message,
                 amqp::HeaderInt(job->delivery.headers, kAttemptHeader, 0) + 1);
    }
    return;
  }
  if (paused_for_db_) {
    consumer_->Requeue(seq);  // its provider call outlived the hold: back to RabbitMQ with the others
    return;
  }
  // Every record carries the job id, so a row can be traced back to its message.
  for (auto& track : result->tracks) {
    if (track.job_id.empty()) track.job_id = job->job_id;
    if (track.provider.empty()) track.provider = provider_name_;
  }
  for (auto& album : result->albums) {
    if (album.job_id.empty()) album.job_id = job->job_id;
    if (album.provider.empty()) album.provider = provider_name_;
    // TUNEFLEET_ALBUM_TRACKS / _MAX: what of the tracklist is linked and published.
    if (!settings_.album_tracks) album.tracklist.clear();
    else if (album.tracklist.size() > settings_.album_tracks_max) album.tracklist.resize(settings_.album_tracks_max);
  }
  pending_rows_ += std::max<std::size_t>(1, result->tracks.size() + result->albums.size());
  pending_.push_back({seq, std::move(*result)});
  if (pending_rows_ >= settings_.batch_size || consumer_->draining()) {
    Flush();
  } else {
    ScheduleFlush();
  }
}

void ProviderPipeline::ScheduleFlush() {
  if (batch_timer_.active()) return;
  batch_timer_.Start(settings_.batch_max_wait, [this] { Flush(); });
}

void ProviderPipeline::Flush() {
  if (writer_busy_ || (db_down_ && db_retry_timer_.active())) return;
  std::vector<Pending> batch;
  if (!singles_.empty()) {
    batch.push_back(std::move(singles_.front()));
    singles_.pop_front();
  } else {
    if (pending_.empty()) return;
    batch_timer_.Stop();
    std::size_t rows = 0;
    while (!pending_.empty() && rows < settings_.batch_size) {
      rows += std::max<std::size_t>(1, pending_.front().enrichment.tracks.size() +
                                           pending_.front().enrichment.albums.size());
      batch.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    pending_rows_ -= std::min(pending_rows_, rows);
  }
  writer_busy_ = true;
  // The writer thread reads the records through `jobs`, views into `shared_batch`, which
  // lives until the write is done. Each job's effect is counted in the batch's last
  // transaction (job_effects).
  auto shared_batch = std::make_shared<std::vector<Pending>>(std::move(batch));
  auto jobs = std::make_shared<std::vector<db::JobRows>>();
  jobs->reserve(shared_batch->size());
  for (const auto& p : *shared_batch) {
    std::optional<db::JobEffect> effect;
    if (const HeldDelivery* job = consumer_->ledger().Find(p.seq)) {
      effect = db::JobEffect{provider_name_, job->job_id, static_cast<int>(p.enrichment.tracks.size())};
    }
    jobs->push_back({p.enrichment.tracks, p.enrichment.albums, std::move(effect)});
  }
  auto result = std::make_shared<core::Result<std::vector<db::JobIds>>>(std::vector<db::JobIds>{});
  auto seconds = std::make_shared<double>(0);
  consumer_->writer().Post({[this, jobs, result, seconds] {
                             auto start = std::chrono::steady_clock::now();
                             *result = store_->WriteJobs(*jobs);
                             *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                           },
                           [this, shared_batch, result, seconds] {
                             OnBatchWritten(std::move(*shared_batch), std::move(*result), *seconds);
                           }});
}

void ProviderPipeline::OnBatchWritten(std::vector<Pending> batch, core::Result<std::vector<db::JobIds>> result,
                                      double seconds) {
  writer_busy_ = false;
  if (!result) {
    const core::Error& error = result.error();
    consumer_->metrics().DbErrors().Increment();
    if (error.kind == core::ErrorKind::kInvalidInput) {
      if (batch.size() > 1) {
        // One bad row refuses the whole statement: find it by writing the jobs one by one.
        logger_.Warn("database refused a batch; retrying its jobs one at a time",
                     {{"error", error.message}, {"jobs", batch.size()}});
        for (auto& p : batch) singles_.push_back(std::move(p));
      } else {
        DeadLetter(batch.front().seq, "database_refused", error.message, 0);
      }
      Flush();
      return;
    }
    // Transient: keep the batch (in order), stop starting new jobs, retry with backoff.
    ++db_failures_;
    if (!db_down_) {
      logger_.Error("database unavailable; holding the batch and pausing", {{"error", error.message}});
      db_down_since_ = std::chrono::steady_clock::now();
    }
    db_down_ = true;
    consumer_->health().SetHealthy("postgres", false);
    consumer_->metrics().DatabaseUp().Set(0);
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      pending_rows_ += std::max<std::size_t>(1, it->enrichment.tracks.size() + it->enrichment.albums.size());
      pending_.push_front(std::move(*it));
    }
    if (std::chrono::steady_clock::now() - db_down_since_ >= settings_.db_hold_max && !consumer_->draining()) {
      GiveBackHeldJobs();
    }
    ScheduleDatabaseRetry();
    return;
  }
  consumer_->health().SetHealthy("postgres", true);
  consumer_->metrics().DatabaseUp().Set(1);
  if (db_down_) OnDatabaseBack();
  db_failures_ = 0;
  consumer_->metrics().CommitSeconds().Observe(seconds);
  std::size_t rows = 0;
  for (const auto& p : batch) rows += p.enrichment.tracks.size() + p.enrichment.albums.size();
  consumer_->metrics().BatchSize().Observe(static_cast<double>(rows));
  if (!result->empty()) CountIdentity((*result)[0].identity);
  fault::KillPoint(fault::kAfterCommit);
  PublishFollowupsAndAck(std::move(batch), *result);
  Flush();
  consumer_->MaybeFinishShutdown();
}

void ProviderPipeline::CountIdentity(const std::vector<db::MergeResult>& identity) {
  // kAlreadyOne is not counted: another write (or this batch's earlier delivery) did the
  // merge and counted it then.
  for (const auto& merge : identity) {
    if (merge.outcome == db::MergeOutcome::kMerged) {
      consumer_->metrics().IdentityMerges(db::EntityName(merge.entity), merge.kind).Increment();
    } else if (merge.outcome == db::MergeOutcome::kConflict) {
      consumer_->metrics().IdentityConflicts(db::EntityName(merge.entity), merge.kind).Increment();
    }
  }
}

void ProviderPipeline::PublishFollowupsAndAck(std::vector<Pending> batch, const std::vector<db::JobIds>& ids) {
  // One follow-up per committed batch and reason (chunks of at most kMaxFollowupIds), not one
  // per job: the broker's cost per job stays small. The batch is acked once its follow-ups
  // are confirmed: a crash in between redelivers the jobs, which rewrite the same rows and
  // emit the follow-ups again (the builders are idempotent).
  constexpr std::size_t kMaxFollowupIds = 1000;
  struct Group {
    std::size_t remaining = 0;
    bool failed = false;
    std::vector<std::uint64_t> seqs;
    std::vector<std::string> outcomes;
  };
  auto group = std::make_shared<Group>();
  std::map<std::string, std::vector<std::int64_t>> ids_by_reason;
  std::string trace_id;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const HeldDelivery* job = consumer_->ledger().Find(batch[i].seq);
    if (job == nullptr) continue;
    if (trace_id.empty()) trace_id = job->trace_id.empty() ? job->job_id : job->trace_id;
    group->seqs.push_back(batch[i].seq);
    bool found = std::any_of(batch[i].enrichment.tracks.begin(), batch[i].enrichment.tracks.end(),
                             [](const auto& t) { return t.status == catalog::SourceStatus::kOk; }) ||
                 std::any_of(batch[i].enrichment.albums.begin(), batch[i].enrichment.albums.end(),
                             [](const auto& a) { return a.status == catalog::SourceStatus::kOk; });
    group->outcomes.push_back(found ? "stored" : "not_found");
    for (std::size_t t = 0; t < batch[i].enrichment.tracks.size() && t < ids[i].tracks.size(); ++t) {
      bool ok = batch[i].enrichment.tracks[t].status == catalog::SourceStatus::kOk;
      ids_by_reason[ok ? "enriched" : "not_found"].push_back(ids[i].tracks[t]);
    }
  }
  std::string emitted_at = NowRfc3339();
  std::vector<amqp::OutgoingMessage> messages;
  // Albums bring their tracks: one track job per album_tracks row whose job the broker has not
  // confirmed yet (this delivery's rows and a crashed delivery's), published with the
  // follow-ups; the rows are marked confirmed before the album jobs are acked.
  auto track_jobs = std::make_shared<std::vector<db::AlbumTrackJob>>();
  std::set<std::int64_t> tracks_sent;
  for (std::size_t i = 0; i < batch.size() && i < ids.size(); ++i) {
    const HeldDelivery* job = consumer_->ledger().Find(batch[i].seq);
    if (job == nullptr) continue;
    for (const auto& row : ids[i].track_jobs) {
      track_jobs->push_back(row);
      // A recording at two positions (a reprise listed twice) is one track job.
      if (!tracks_sent.insert(row.track_id).second) continue;
      messages.push_back(AlbumTrackJobMessage(row, job->trace_id.empty() ? job->job_id : job->trace_id));
    }
  }
  const std::size_t track_job_messages = messages.size();
  for (auto& [reason, track_ids] : ids_by_reason) {
    for (std::size_t start = 0; start < track_ids.size(); start += kMaxFollowupIds) {
      std::size_t end = std::min(track_ids.size(), start + kMaxFollowupIds);
      json::FollowUp followup{
          .job_id = "fu:" + provider_name_ + ":" + reason + ":" + std::to_string(track_ids[start]) + ":" +
                    std::to_string(end - start),
          .trace_id = trace_id.empty() ? std::string("followup") : trace_id.substr(0, 64),
          .track_ids = std::vector<std::int64_t>(track_ids.begin() + static_cast<std::ptrdiff_t>(start),
                                                 track_ids.begin() + static_cast<std::ptrdiff_t>(end)),
          .provider = provider_name_,
          .reason = reason,
          .emitted_at = emitted_at};
      messages.push_back({kFollowupsExchange, "followup." + provider_name_, followup.job_id,
                          json::Serialize(followup), {}});
    }
  }
  auto ack = [this, group] {
    std::map<std::string, std::vector<std::uint64_t>> by_outcome;
    for (std::size_t i = 0; i < group->seqs.size(); ++i) by_outcome[group->outcomes[i]].push_back(group->seqs[i]);
    for (auto& [outcome, seqs] : by_outcome) consumer_->Ack(seqs, outcome);
  };
  auto finish = [this, group, track_jobs, ack] {
    if (group->failed) {
      for (auto seq : group->seqs) consumer_->Requeue(seq);
      return;
    }
    if (track_jobs->empty()) {
      ack();
      return;
    }
    fault::KillPoint(fault::kAfterTrackJobsConfirm);
    // Recorded before the ack: a redelivery after this publishes nothing. A crash (or a failed
    // update) between the confirm and this commit publishes those track jobs once more on the
    // next delivery; they land on the same rows (idempotent upserts), counted in job_effects.
    ++marks_in_flight_;
    auto marked = std::make_shared<core::Result<void>>();
    consumer_->writer().Post({[this, track_jobs, marked] { *marked = store_->MarkTrackJobsPublished(*track_jobs); },
                              [this, track_jobs, marked, ack] {
                                --marks_in_flight_;
                                if (!*marked) {
                                  consumer_->metrics().DbErrors().Increment();
                                  logger_.Warn("could not record the album track jobs as confirmed; the album "
                                               "job's next delivery publishes them again",
                                               {{"error", marked->error().message}, {"rows", track_jobs->size()}});
                                }
                                if (stopped_) return;
                                ack();
                                consumer_->MaybeFinishShutdown();
                              }});
  };
  if (messages.empty()) {
    finish();
    return;
  }
  group->remaining = messages.size();
  for (std::size_t m = 0; m < messages.size(); ++m) {
    bool is_track_job = m < track_job_messages;
    consumer_->broker().Publish(messages[m], [this, group, finish, is_track_job](core::Result<void> confirmed) {
      if (!confirmed) group->failed = true;
      else if (is_track_job) consumer_->metrics().AlbumTrackJobsPublished().Increment();
      else consumer_->metrics().FollowupsPublished().Increment();
      if (--group->remaining == 0) finish();
    });
  }
}

void ProviderPipeline::Retry(std::uint64_t seq, const core::Error& error) {
  HeldDelivery& job = consumer_->ledger().At(seq);
  auto previous = static_cast<int>(amqp::HeaderInt(job.delivery.headers, kAttemptHeader, 0));
  RetryDecision decision = DecideRetry(previous, settings_.max_attempts, error.retry_after, tiers_, error.attempted);
  if (decision.kind == RetryDecision::Kind::kDeadLetter) {
    DeadLetter(seq, "attempts_exhausted", error.message, decision.attempt);
    return;
  }
  JobLogger(job).Warn("job failed; retrying later",
                      {{"error", error.message}, {"attempt", decision.attempt}, {"delay", decision.tier->name}});
  amqp::OutgoingMessage message;
  message.exchange = kRetryExchange;
  // Provider-specific key: a job published to track.all must come back to this provider only.
  message.routing_key = ProviderRoutingKey(job.entity, provider_name_);
  message.message_id = job.delivery.message_id;
  message.body = job.delivery.body;
  message.headers = job.delivery.headers;
  message.headers[kAttemptHeader] = std::int64_t{decision.attempt};
  message.headers[kDelayHeader] = decision.tier->name;
  if (error.pending) {
    message.headers[kPendingRoundsHeader] = amqp::HeaderInt(job.delivery.headers, kPendingRoundsHeader, 0) + 1;
    if (amqp::HeaderInt(job.delivery.headers, kPendingSinceHeader, 0) <= 0) {
      message.headers[kPendingSinceHeader] = std::int64_t{std::chrono::duration_cast<std::chrono::milliseconds>(
                                                              std::chrono::system_clock::now().time_since_epoch())
                                                              .count()};
    }
  }
  // Anyone who can read the queue sees this header: redact before cutting, so a cut never
  // splits a credential from the name that marks it.
  message.headers[kReasonHeader] = core::Redact(error.message).substr(0, 512);
  consumer_->PublishThenAck(seq, std::move(message), "retried");
}

void ProviderPipeline::DeadLetter(std::uint64_t seq, const std::string& reason, const std::string& why, std::int64_t attempts) {
  // A replay comes back to this provider only, like a retry.
  consumer_->DeadLetter(seq, reason, why, attempts,
                        ProviderRoutingKey(consumer_->ledger().At(seq).entity, provider_name_));
}

void ProviderPipeline::GiveBackHeldJobs() {
  // Held longer than TUNEFLEET_DB_HOLD_MAX: before the broker's consumer timeout closes the
  // channel under us (and redelivers everything at once), give every held job back in order
  // and stop consuming; ProbeDatabase resumes once the database answers. Jobs whose provider
  // call is still running are given back when it ends (OnEnriched).
  logger_.Warn("database down longer than TUNEFLEET_DB_HOLD_MAX; giving held jobs back to RabbitMQ and pausing",
               {{"held", consumer_->ledger().size()},
                {"down_seconds", std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::steady_clock::now() - db_down_since_).count()}});
  paused_for_db_ = true;
  consumer_->HoldDeliveries(Consumer::Hold::kDatabase);
  std::vector<std::uint64_t> seqs;
  for (auto& p : singles_) seqs.push_back(p.seq);
  for (auto& p : pending_) seqs.push_back(p.seq);
  seqs.insert(seqs.end(), waiting_.begin(), waiting_.end());
  singles_.clear();
  pending_.clear();
  pending_rows_ = 0;
  waiting_.clear();
  batch_timer_.Stop();
  for (auto seq : seqs) consumer_->Requeue(seq);
  consumer_->metrics().JobsDone("given_back").Increment(static_cast<double>(seqs.size()));
}

void ProviderPipeline::ProbeDatabase() {
  if (writer_busy_) return;
  writer_busy_ = true;
  auto ping = std::make_shared<core::Result<void>>();
  consumer_->writer().Post({[this, ping] { *ping = store_->Ping(); },
                           [this, ping] {
                             writer_busy_ = false;
                             if (*ping) {
                               OnDatabaseBack();
                               Flush();
                             } else {
                               ++db_failures_;
                               ScheduleDatabaseRetry();
                             }
                             consumer_->MaybeFinishShutdown();
                           }});
}

void ProviderPipeline::OnDatabaseBack() {
  logger_.Info("database is back; resuming", {{"failed_attempts", db_failures_}});
  db_down_ = false;
  db_failures_ = 0;
  consumer_->health().SetHealthy("postgres", true);
  consumer_->metrics().DatabaseUp().Set(1);
  if (paused_for_db_) {
    paused_for_db_ = false;
    consumer_->ReleaseDeliveries(Consumer::Hold::kDatabase);
  }
  ResumeWaiting();
}

void ProviderPipeline::ScheduleDatabaseRetry() {
  // Exponential backoff up to TUNEFLEET_DB_RETRY_MAX: the held batch is written again, or,
  // once the held jobs were given back, the database is only pinged.
  double ceiling = std::min(static_cast<double>(settings_.db_retry_max.count()),
                            250.0 * std::pow(2.0, std::min(db_failures_, 16)));
  db_retry_timer_.Start(std::chrono::milliseconds{static_cast<std::int64_t>(ceiling)}, [this] {
    db_retry_timer_.Stop();
    if (paused_for_db_) ProbeDatabase();
    else Flush();
  });
}

void ProviderPipeline::ResumeWaiting() {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto seq : waiting) {
    if (db_down_) {
      waiting_.push_back(seq);
      continue;
    }
    Process(seq);
  }
}

void ProviderPipeline::OnDrain() {
  logger_.Info("shutting down: finishing in-flight jobs", {{"in_flight", consumer_->ledger().size()}});
  Flush();
}

bool ProviderPipeline::Idle() const {
  return !writer_busy_ && marks_in_flight_ == 0 && pending_.empty() && singles_.empty();
}

void ProviderPipeline::OnStopped() {
  stopped_ = true;
  batch_timer_.Close();
  db_retry_timer_.Close();
  // Before RunWorker closes the gateway: the jobs still in the provider end here, once each
  // (provider.hpp, the lifetime rule), and the gateway's late answers are dropped.
  provider_.Close();
}

}  // namespace runtime

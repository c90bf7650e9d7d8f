#include "common/runtime/builder_pipeline.hpp"

#include <uv.h>

#include <algorithm>
#include <cmath>

#include "common/runtime/topology.hpp"

namespace runtime {

BuilderSettings LoadBuilderSettings(const config::Env& env) {
  using namespace std::chrono_literals;
  BuilderSettings s;
  s.worker = LoadConsumerSettings(env);
  s.window = env.Duration("TUNEFLEET_BUILDER_WINDOW", s.window, 0ms);
  s.max_ids = static_cast<std::size_t>(env.Int("TUNEFLEET_BUILDER_MAX_IDS", 500, 1, 100000));
  s.background_idle = env.Duration("TUNEFLEET_BUILDER_IDLE", s.background_idle, 10ms);
  return s;
}

BuilderPipeline::BuilderPipeline(BuilderSettings settings, Builder& builder, metrics::BuilderMetrics& builder_metrics,
                                 uv_loop_s& loop)
    : loop_(loop),
      settings_(std::move(settings)),
      builder_(builder),
      name_(builder.Name()),
      builder_metrics_(builder_metrics),
      logger_(logging::Logger("builder").With({{"builder", name_}})),
      parser_(json::JobParserSettings{settings_.worker.max_body_bytes}) {}

BuilderPipeline::~BuilderPipeline() = default;

ConsumerSettings BuilderPipeline::Consuming(const config::ProviderNames& fleet) const {
  return {.name = name_,
          .kind = "builder",
          .item = "follow-up",
          .topology = FleetTopology(fleet),
          .amqp = settings_.worker.amqp,
          .shutdown_timeout = settings_.worker.shutdown_timeout,
          .logger = logger_,
          .amqp_logger = logging::Logger("amqp").With({{"builder", name_}})};
}

void BuilderPipeline::Attach(Consumer& consumer) { consumer_ = &consumer; }

void BuilderPipeline::OnStart() {
  // Check the database once at start so /readyz tells the truth before the first rebuild.
  auto ping = std::make_shared<core::Result<void>>();
  writer_busy_ = true;
  consumer_->writer().Post({[this, ping] { *ping = builder_.Ping(); },
                           [this, ping] {
                             writer_busy_ = false;
                             if (!*ping) {
                               logger_.Warn("database not reachable at start; follow-ups will wait for it",
                                            {{"error", ping->error().message}});
                   }
                   consumer_->health().SetHealthy("postgres", ping->has_value());
                   consumer_->metrics().DatabaseUp().Set(ping->has_value() ? 1 : 0);
                   if (window_due_) Flush();
                 }});
  background_timer_.Start(settings_.background_idle, [this] { RunBackground(); }, settings_.background_idle);

}

void BuilderPipeline::OnConnectionLost() {
  // Follow-ups of the dead connection come again; their ids may stay gathered (a rebuild
  // is idempotent), but they can no longer be acked.
  consumer_->ledger().OnConnectionLost([](std::uint64_t) { return true; });
  std::erase_if(pending_seqs_, [this](std::uint64_t seq) { return consumer_->ledger().Find(seq) == nullptr; });
}

void BuilderPipeline::OnDelivery(std::uint64_t seq) {
  HeldDelivery& held = consumer_->ledger().At(seq);
  auto parsed = parser_.Parse(held.delivery.body);
  if (!parsed) {
    DeadLetter(seq, "invalid_message", "invalid message: " + parsed.error().message);
    return;
  }
  held.job_id = std::string(json::JobId(*parsed));
  held.trace_id = std::string(json::TraceId(*parsed));
  const auto* followup = std::get_if<json::FollowUp>(&*parsed);
  if (followup == nullptr) {
    DeadLetter(seq, "invalid_message",
               "a " + std::string(json::TypeName(*parsed)) + " message reached a builder queue (expected " +
                   std::string(json::FollowUp::kType) + ")");
    return;
  }
  for (std::int64_t id : followup->track_ids) {
    builder_metrics_.IdsReceived().Increment();
    if (!pending_ids_.insert(id).second) builder_metrics_.IdsCoalesced().Increment();
  }
  pending_seqs_.push_back(seq);
  builder_metrics_.PendingIds().Set(static_cast<double>(pending_ids_.size()));
  if (pending_ids_.size() >= settings_.max_ids || consumer_->draining() || settings_.window.count() == 0) {
    window_due_ = true;
    Flush();
  } else {
    StartWindow();
  }
}

void BuilderPipeline::StartWindow() {
  if (window_timer_.active()) return;
  window_timer_.Start(settings_.window, [this] {
    window_due_ = true;
    Flush();
  });
}

void BuilderPipeline::Flush() {
  if (pending_ids_.empty()) {
    window_due_ = false;
    return;
  }
  // A running rebuild (or background step) finishes first; so does a database backoff.
  if (writer_busy_ || retry_timer_.active()) return;
  window_timer_.Stop();
  window_due_ = false;
  auto batch = std::make_shared<Batch>();
  batch->ids.assign(pending_ids_.begin(), pending_ids_.end());
  batch->seqs = std::move(pending_seqs_);
  pending_ids_.clear();
  pending_seqs_.clear();
  builder_metrics_.PendingIds().Set(0);
  writer_busy_ = true;
  auto result = std::make_shared<core::Result<RebuildStats>>(RebuildStats{});
  auto seconds = std::make_shared<double>(0);
  const std::size_t chunk = settings_.max_ids;
  consumer_->writer().Post({[this, batch, result, seconds, chunk] {
                             auto start = std::chrono::steady_clock::now();
                             RebuildStats total;
                             for (std::size_t i = 0; i < batch->ids.size(); i += chunk) {
                               std::vector<std::int64_t> ids(
                                   batch->ids.begin() + static_cast<std::ptrdiff_t>(i),
                                   batch->ids.begin() + static_cast<std::ptrdiff_t>(std::min(batch->ids.size(), i + chunk)));
                               core::Result<RebuildStats> step = core::Error::Transient("builder threw");
                               try {
                                 step = builder_.Rebuild(ids);
                               } catch (const std::exception& e) {
                                 step = core::Error::Transient(std::string("builder threw: ") + e.what());
                               }
                               if (!step) {
                                 *result = step.error();
                                 return;
                               }
                               total.rebuilt += step->rebuilt;
                               total.missing += step->missing;
                             }
                             *result = total;
                             *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                           },
                           [this, batch, result, seconds] { OnRebuilt(std::move(*batch), std::move(*result), *seconds); }});
}

void BuilderPipeline::OnRebuilt(Batch batch, core::Result<RebuildStats> result, double seconds) {
  writer_busy_ = false;
  if (!result && result.error().kind == core::ErrorKind::kTransient) {
    // Keep everything (the follow-ups stay unacked), back off, try the same ids again.
    consumer_->metrics().DbErrors().Increment();
    ++db_failures_;
    if (!db_down_) logger_.Error("rebuild failed; holding the follow-ups and retrying", {{"error", result.error().message}});
    db_down_ = true;
    consumer_->health().SetHealthy("postgres", false);
    consumer_->metrics().DatabaseUp().Set(0);
    pending_ids_.insert(batch.ids.begin(), batch.ids.end());
    pending_seqs_.insert(pending_seqs_.begin(), batch.seqs.begin(), batch.seqs.end());
    builder_metrics_.PendingIds().Set(static_cast<double>(pending_ids_.size()));
    double delay = std::min(static_cast<double>(settings_.worker.db_retry_max.count()),
                            250.0 * std::pow(2.0, std::min(db_failures_, 16)));
    retry_timer_.Start(std::chrono::milliseconds{static_cast<std::int64_t>(delay)}, [this] {
      retry_timer_.Stop();
      window_due_ = true;
      Flush();
    });
    consumer_->MaybeFinishShutdown();
    return;
  }
  if (!result) {
    // The database refused the statement: retrying the same ids cannot help.
    consumer_->metrics().DbErrors().Increment();
    logger_.Error("database refused a rebuild; dead-lettering its follow-ups",
                  {{"error", result.error().message}, {"follow_ups", batch.seqs.size()}});
    for (auto seq : batch.seqs) DeadLetter(seq, "database_refused", result.error().message);
  } else {
    if (db_down_) logger_.Info("database is back; resuming", {{"failed_attempts", db_failures_}});
    db_down_ = false;
    db_failures_ = 0;
    consumer_->health().SetHealthy("postgres", true);
    consumer_->metrics().DatabaseUp().Set(1);
    builder_metrics_.TracksRebuilt().Increment(static_cast<double>(result->rebuilt));
    builder_metrics_.TracksMissing().Increment(static_cast<double>(result->missing));
    builder_metrics_.RebuildSeconds().Observe(seconds);
    consumer_->metrics().CommitSeconds().Observe(seconds);
    consumer_->metrics().BatchSize().Observe(static_cast<double>(batch.ids.size()));
    logger_.Debug("rebuilt", {{"tracks", result->rebuilt}, {"missing", result->missing},
                              {"follow_ups", batch.seqs.size()}, {"seconds", seconds}});
    consumer_->ledger().Ack(batch.seqs, "rebuilt");
    consumer_->MaybeFinishShutdown();
  }
  if (window_due_ || pending_ids_.size() >= settings_.max_ids || (consumer_->draining() && !pending_ids_.empty())) {
    window_due_ = true;
    Flush();
  } else if (!pending_ids_.empty()) {
    StartWindow();
  }
  consumer_->MaybeFinishShutdown();
}

void BuilderPipeline::RunBackground() {
  if (writer_busy_ || consumer_->draining() || db_down_ || consumer_->finished()) return;
  writer_busy_ = true;
  auto result = std::make_shared<core::Result<bool>>(false);
  consumer_->writer().Post({[this, result] {
                             try {
                               *result = builder_.Background();
                             } catch (const std::exception& e) {
                               *result = core::Error::Transient(std::string("builder threw: ") + e.what());
                             }
                           },
                           [this, result] {
                             writer_busy_ = false;
                             bool again = false;
                             if (!*result) {
                               logger_.Warn("background step failed; trying again later", {{"error", result->error().message}});
                   } else if (**result) {
                     builder_metrics_.BackgroundSteps().Increment();
                     again = true;
                   }
                   if (window_due_ || pending_ids_.size() >= settings_.max_ids || consumer_->draining()) {
                     window_due_ = !pending_ids_.empty();
                     Flush();  // new work first: the background continues on the next idle tick
                   } else if (again) {
                     RunBackground();
                   }
                   consumer_->MaybeFinishShutdown();
                 }});
}

void BuilderPipeline::DeadLetter(std::uint64_t seq, const std::string& reason, const std::string& why) {
  // A replay goes straight back to the builder's queue; follow-ups are not retried, so no attempts.
  consumer_->DeadLetter(seq, reason, why, 0, JobQueue(name_));
}

void BuilderPipeline::OnDrain() {
  logger_.Info("shutting down: rebuilding what is gathered",
               {{"pending_ids", pending_ids_.size()}, {"follow_ups", consumer_->ledger().size()}});
  background_timer_.Stop();
  window_due_ = true;
  Flush();
}

bool BuilderPipeline::Idle() const { return !writer_busy_ && pending_ids_.empty(); }

void BuilderPipeline::OnStopped() {
  window_timer_.Close();
  retry_timer_.Close();
  background_timer_.Close();
}

}  // namespace runtime

#include "common/runtime/builder_worker.hpp"

#include <uv.h>

#include <algorithm>
#include <cmath>

#include "common/runtime/dead_letter.hpp"
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

BuilderWorker::BuilderWorker(uv_loop_s& loop, BuilderSettings settings, Builder& builder,
                             metrics::WorkerMetrics& metrics, metrics::BuilderMetrics& builder_metrics,
                             metrics::HealthState& health)
    : loop_(loop),
      settings_(std::move(settings)),
      builder_(builder),
      name_(builder.Name()),
      metrics_(metrics),
      builder_metrics_(builder_metrics),
      health_(health),
      logger_(logging::Logger("builder").With({{"builder", name_}})),
      parser_(json::JobParserSettings{settings_.worker.max_body_bytes}),
      ledger_(metrics) {
  health_.SetHealthy("rabbitmq", false);
  health_.SetHealthy("postgres", false);
}

BuilderWorker::~BuilderWorker() {
  if (!finished_) FinishShutdown();
}

void BuilderWorker::Start() {
  writer_ = std::make_unique<WriterThread>(loop_);
  // Check the database once at start so /readyz tells the truth before the first rebuild.
  auto ping = std::make_shared<core::Result<void>>();
  writer_busy_ = true;
  writer_->Post({[this, ping] { *ping = builder_.Ping(); },
                 [this, ping] {
                   writer_busy_ = false;
                   if (!*ping) {
                     logger_.Warn("database not reachable at start; follow-ups will wait for it",
                                  {{"error", ping->error().message}});
                   }
                   health_.SetHealthy("postgres", ping->has_value());
                   metrics_.DatabaseUp().Set(ping->has_value() ? 1 : 0);
                   if (window_due_) Flush();
                 }});
  background_timer_.Start(settings_.background_idle, [this] { RunBackground(); }, settings_.background_idle);

  amqp::ClientSettings client_settings;
  client_settings.connection.url = settings_.worker.amqp.url;
  client_settings.connection.heartbeat = settings_.worker.amqp.heartbeat;
  client_settings.connection.connection_name = "tunefleet-" + name_;
  client_settings.topology = FleetTopology(config::KnownProviders());
  client_settings.queue = JobQueue(name_);
  client_settings.prefetch = settings_.worker.amqp.prefetch;
  amqp::Client::Callbacks callbacks;
  callbacks.on_ready = [this](std::uint64_t) {
    ledger_.OnConnected();
    health_.SetHealthy("rabbitmq", true);
    metrics_.BrokerUp().Set(1);
  };
  callbacks.on_delivery = [this](amqp::Delivery d) { OnDelivery(std::move(d)); };
  callbacks.on_lost = [this](const std::string&) { OnConnectionLost(); };
  // Blocked by a memory or disk alarm: not ready (nothing new can be acked) until unblocked.
  callbacks.on_blocked = [this](bool blocked, const std::string&) {
    health_.SetHealthy("rabbitmq", !blocked && client_ && client_->connected());
  };
  callbacks.on_fatal = [this](const std::string& why) {
    logger_.Error("cannot set up RabbitMQ; stopping", {{"error", why}});
    Shutdown(on_finished_);
  };
  client_ = std::make_unique<amqp::Client>(loop_, std::move(client_settings), std::move(callbacks),
                                           logging::Logger("amqp").With({{"builder", name_}}));
  ledger_.Attach(*client_);
  client_->Start();
}

void BuilderWorker::OnConnectionLost() {
  health_.SetHealthy("rabbitmq", false);
  metrics_.BrokerUp().Set(0);
  metrics_.AmqpReconnects().Increment();
  // Follow-ups of the dead connection come again; their ids may stay gathered (a rebuild
  // is idempotent), but they can no longer be acked.
  ledger_.OnConnectionLost([](std::uint64_t) { return true; });
  std::erase_if(pending_seqs_, [this](std::uint64_t seq) { return ledger_.Find(seq) == nullptr; });
  MaybeFinishShutdown();
}

void BuilderWorker::OnDelivery(amqp::Delivery delivery) {
  const std::uint64_t seq = ledger_.Add(std::move(delivery));
  HeldDelivery& held = ledger_.At(seq);
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
  if (pending_ids_.size() >= settings_.max_ids || draining_ || settings_.window.count() == 0) {
    window_due_ = true;
    Flush();
  } else {
    StartWindow();
  }
}

void BuilderWorker::StartWindow() {
  if (window_timer_.active()) return;
  window_timer_.Start(settings_.window, [this] {
    window_due_ = true;
    Flush();
  });
}

void BuilderWorker::Flush() {
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
  writer_->Post({[this, batch, result, seconds, chunk] {
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

void BuilderWorker::OnRebuilt(Batch batch, core::Result<RebuildStats> result, double seconds) {
  writer_busy_ = false;
  if (!result && result.error().kind == core::ErrorKind::kTransient) {
    // Keep everything (the follow-ups stay unacked), back off, try the same ids again.
    metrics_.DbErrors().Increment();
    ++db_failures_;
    if (!db_down_) logger_.Error("rebuild failed; holding the follow-ups and retrying", {{"error", result.error().message}});
    db_down_ = true;
    health_.SetHealthy("postgres", false);
    metrics_.DatabaseUp().Set(0);
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
    MaybeFinishShutdown();
    return;
  }
  if (!result) {
    // The database refused the statement: retrying the same ids cannot help.
    metrics_.DbErrors().Increment();
    logger_.Error("database refused a rebuild; dead-lettering its follow-ups",
                  {{"error", result.error().message}, {"follow_ups", batch.seqs.size()}});
    for (auto seq : batch.seqs) DeadLetter(seq, "database_refused", result.error().message);
  } else {
    if (db_down_) logger_.Info("database is back; resuming", {{"failed_attempts", db_failures_}});
    db_down_ = false;
    db_failures_ = 0;
    health_.SetHealthy("postgres", true);
    metrics_.DatabaseUp().Set(1);
    builder_metrics_.TracksRebuilt().Increment(static_cast<double>(result->rebuilt));
    builder_metrics_.TracksMissing().Increment(static_cast<double>(result->missing));
    builder_metrics_.RebuildSeconds().Observe(seconds);
    metrics_.CommitSeconds().Observe(seconds);
    metrics_.BatchSize().Observe(static_cast<double>(batch.ids.size()));
    logger_.Debug("rebuilt", {{"tracks", result->rebuilt}, {"missing", result->missing},
                              {"follow_ups", batch.seqs.size()}, {"seconds", seconds}});
    ledger_.Ack(batch.seqs, "rebuilt");
    MaybeFinishShutdown();
  }
  if (window_due_ || pending_ids_.size() >= settings_.max_ids || (draining_ && !pending_ids_.empty())) {
    window_due_ = true;
    Flush();
  } else if (!pending_ids_.empty()) {
    StartWindow();
  }
  MaybeFinishShutdown();
}

void BuilderWorker::RunBackground() {
  if (writer_busy_ || draining_ || db_down_ || finished_) return;
  writer_busy_ = true;
  auto result = std::make_shared<core::Result<bool>>(false);
  writer_->Post({[this, result] {
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
                   if (window_due_ || pending_ids_.size() >= settings_.max_ids || draining_) {
                     window_due_ = !pending_ids_.empty();
                     Flush();  // new work first: the background continues on the next idle tick
                   } else if (again) {
                     RunBackground();
                   }
                   MaybeFinishShutdown();
                 }});
}

void BuilderWorker::DeadLetter(std::uint64_t seq, const std::string& reason, const std::string& why) {
  HeldDelivery* held = ledger_.Find(seq);
  if (held == nullptr) return;
  logger_.WithJob(held->job_id, held->trace_id).Error("follow-up dead-lettered", {{"reason", reason}, {"error", why}});
  metrics_.DeadLettered(reason).Increment();
  amqp::OutgoingMessage message = DeadLetterMessage(held->delivery, name_, reason, why, 0, JobQueue(name_));
  client_->Publish(message, [this, seq](core::Result<void> confirmed) {
    if (confirmed) ledger_.Ack({seq}, "dead_lettered");
    else ledger_.Requeue(seq);  // not stored by the broker: put the original back
    MaybeFinishShutdown();
  });
}

void BuilderWorker::Shutdown(std::function<void()> on_finished) {
  if (on_finished) on_finished_ = std::move(on_finished);
  if (draining_) return;
  draining_ = true;
  logger_.Info("shutting down: rebuilding what is gathered",
               {{"pending_ids", pending_ids_.size()}, {"follow_ups", ledger_.size()}});
  if (client_) client_->StopConsuming();
  background_timer_.Stop();
  shutdown_timer_.Start(settings_.worker.shutdown_timeout, [this] {
    logger_.Warn("shutdown timeout: leaving unfinished follow-ups to be redelivered", {{"follow_ups", ledger_.size()}});
    FinishShutdown();
  });
  window_due_ = true;
  Flush();
  MaybeFinishShutdown();
}

void BuilderWorker::MaybeFinishShutdown() {
  if (!draining_ || finished_) return;
  if (ledger_.empty() && !writer_busy_ && pending_ids_.empty()) FinishShutdown();
}

void BuilderWorker::FinishShutdown() {
  if (finished_) return;
  finished_ = true;
  if (client_) client_->Close();
  if (writer_) writer_->Stop();
  window_timer_.Close();
  retry_timer_.Close();
  background_timer_.Close();
  shutdown_timer_.Close();
  logger_.Info("builder stopped", {{"unfinished", ledger_.size()}});
  if (on_finished_) {
    auto callback = std::move(on_finished_);
    on_finished_ = nullptr;
    callback();
  }
}

}  // namespace runtime

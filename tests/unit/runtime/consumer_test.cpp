// The consumer runtime under a provider pipeline (and, at the end, a builder pipeline), with a scripted broker, a provider that
// answers when told and a catalog store in memory: which deliveries are acked, requeued or
// dead-lettered, and when; the delivery holds (operator, database) and ProcessControl, which
// sets them and the gateway's breaker and rate. Nothing here talks to a service; the loop runs
// only while the database thread answers or an override's timer (50 ms) runs out.
#include "common/runtime/consumer.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/runtime/builder_pipeline.hpp"
#include "common/runtime/process_control.hpp"
#include "common/runtime/provider_pipeline.hpp"
#include "common/runtime/topology.hpp"
#include "tests/fakes/fake_broker.hpp"
#include "tests/fakes/fake_catalog_store.hpp"
#include "tests/fakes/gateway_fakes.hpp"

namespace runtime {
namespace {

using namespace std::chrono_literals;
using Settle = fakes::FakeBroker::Settle;

constexpr int kMaxAttempts = 3;

std::string TrackJob(const std::string& job_id) {
  return R"({"type":"tunefleet.track_job/1","job_id":")" + job_id + R"(","trace_id":"t-1","artist":"A","title":"T"})";
}

Enrichment Found() {
  catalog::TrackRecord track;
  track.ref.artist = "A";
  track.ref.title = "T";
  return {.tracks = {track}, .albums = {}};
}

// Keeps every Enrich call until the test answers it.
class FakeProvider final : public Provider {
 public:
  std::string_view Name() const override { return "fakeprov"; }
  void Enrich(const json::Job& job, EnrichDone done) override {
    job_ids_.push_back(std::string(json::JobId(job)));
    pending_.push_back(std::move(done));
  }
  std::size_t calls() const { return pending_.size(); }
  const std::vector<std::string>& job_ids() const { return job_ids_; }
  void Answer(std::size_t index, core::Result<Enrichment> result) {
    auto done = std::move(pending_.at(index));
    ASSERT_TRUE(done) << "call " << index << " answered twice";
    pending_.at(index) = nullptr;
    done(std::move(result));
  }

 private:
  std::vector<std::string> job_ids_;
  std::vector<EnrichDone> pending_;
};

// Runs `loop` until `done` holds (the database thread answers through it); false when it does
// not within 5 s.
bool RunLoopUntil(uv_loop_t& loop, const std::function<bool()>& done) {
  uv::Timer guard(loop);
  bool expired = false;
  guard.Start(5s, [&expired] { expired = true; });
  while (!done() && !expired) uv_run(&loop, UV_RUN_ONCE);
  guard.Close();
  return done();
}

const config::ProviderNames kFleet{.known = {"fakeprov"}, .all = {"fakeprov"}};

WorkerSettings ConsumerTestSettings() {
  WorkerSettings settings;
  settings.batch_size = 1;  // every job is written as soon as it is enriched: no batch timer
  settings.max_attempts = kMaxAttempts;
  settings.shutdown_timeout = 1h;  // a drain ends because everything settled, never by the timeout
  return settings;
}

class ConsumerTest : public ::testing::Test {
 protected:
  // `start`: false leaves Start to the test.
  explicit ConsumerTest(const WorkerSettings& settings = ConsumerTestSettings(), bool start = true) {
    uv_loop_init(&loop_);
    auto store = std::make_unique<fakes::FakeCatalogStore>();
    store_ = store.get();
    pipeline_ = std::make_unique<ProviderPipeline>(settings, provider_, std::move(store), loop_);
    consumer_ = std::make_unique<Consumer>(loop_, pipeline_->Consuming(kFleet), *pipeline_, metrics_, health_,
                                           fakes::FakeBroker::Factory(&broker_));
    if (start) consumer_->Start();
  }

  ~ConsumerTest() override {
    store_->Release();  // the database thread is joined when the consumer goes
    consumer_.reset();
    pipeline_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }

  bool RunUntil(const std::function<bool()>& done) { return RunLoopUntil(loop_, done); }

  const amqp::OutgoingMessage& Published(std::size_t index) { return broker_->published().at(index).message; }

  uv_loop_t loop_{};
  FakeProvider provider_;
  metrics::WorkerMetrics metrics_{"fakeprov"};
  metrics::HealthState health_;
  fakes::FakeCatalogStore* store_ = nullptr;  // owned by the pipeline
  fakes::FakeBroker* broker_ = nullptr;       // owned by the consumer
  std::unique_ptr<ProviderPipeline> pipeline_;
  std::unique_ptr<Consumer> consumer_;
};

TEST_F(ConsumerTest, ConsumesTheProviderQueue) {
  ASSERT_NE(broker_, nullptr);
  EXPECT_TRUE(broker_->started());
  EXPECT_EQ(broker_->settings().queue, JobQueue("fakeprov"));
}

TEST_F(ConsumerTest, AcksAGoodJobOnlyAfterItsWriteCommittedAndItsFollowUpIsConfirmed) {
  store_->Hold();
  const auto tag = broker_->Deliver(TrackJob("j-1"));
  ASSERT_EQ(provider_.calls(), 1u);
  provider_.Answer(0, Found());
  ASSERT_TRUE(store_->WaitForWrite());
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_TRUE(broker_->acks().empty()) << "acked while its write had not committed";
  EXPECT_TRUE(broker_->published().empty());

  store_->Release();
  ASSERT_TRUE(RunUntil([&] { return !broker_->published().empty(); }));
  EXPECT_EQ(store_->commits(), 1u);
  EXPECT_EQ(Published(0).exchange, kFollowupsExchange);
  EXPECT_EQ(Published(0).routing_key, "followup.fakeprov");
  EXPECT_TRUE(broker_->acks().empty()) << "acked before its follow-up was confirmed";

  broker_->Confirm(0);
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
  EXPECT_TRUE(broker_->requeues().empty());
  EXPECT_TRUE(consumer_->ledger().empty());
}

TEST_F(ConsumerTest, CountsTheMergesAndConflictsACommittedBatchReports) {
  using db::Entity;
  using db::MergeOutcome;
  auto result = [](MergeOutcome outcome, Entity entity, std::string kind) {
    db::MergeResult r;
    r.outcome = outcome;
    r.entity = entity;
    r.kind = std::move(kind);
    return r;
  };
  store_->SetNextIdentity({
      result(MergeOutcome::kMerged, Entity::kTrack, "isrc"),
      result(MergeOutcome::kMerged, Entity::kTrack, "isrc"),
      result(MergeOutcome::kMerged, Entity::kAlbum, "upc"),
      result(MergeOutcome::kConflict, Entity::kTrack, "mbid"),
      result(MergeOutcome::kAlreadyOne, Entity::kTrack, "spotify_id"),  // another write merged and counted it
  });
  broker_->Deliver(TrackJob("j-1"));
  provider_.Answer(0, Found());
  ASSERT_TRUE(RunUntil([&] { return !broker_->published().empty(); }));
  EXPECT_DOUBLE_EQ(metrics_.IdentityMerges("track", "isrc").Value(), 2);
  EXPECT_DOUBLE_EQ(metrics_.IdentityMerges("album", "upc").Value(), 1);
  EXPECT_DOUBLE_EQ(metrics_.IdentityMerges("track", "mbid").Value(), 0);
  EXPECT_DOUBLE_EQ(metrics_.IdentityMerges("track", "spotify_id").Value(), 0) << "kAlreadyOne counted";
  EXPECT_DOUBLE_EQ(metrics_.IdentityConflicts("track", "mbid").Value(), 1);
  EXPECT_DOUBLE_EQ(metrics_.IdentityConflicts("track", "isrc").Value(), 0);

  // A batch that met none leaves them alone.
  broker_->Confirm(0);
  broker_->Deliver(TrackJob("j-2"));
  provider_.Answer(1, Found());
  ASSERT_TRUE(RunUntil([&] { return broker_->published().size() == 2; }));
  EXPECT_DOUBLE_EQ(metrics_.IdentityMerges("track", "isrc").Value(), 2);
  EXPECT_DOUBLE_EQ(metrics_.IdentityConflicts("track", "mbid").Value(), 1);
}

TEST_F(ConsumerTest, DeadLettersAnInvalidMessageWithItsReasonAndAcksOnceThatIsConfirmed) {
  const auto tag = broker_->Deliver("this is { not JSON", {}, "track.all", "bad-1");
  EXPECT_EQ(provider_.calls(), 0u);
  ASSERT_EQ(broker_->published().size(), 1u);
  const auto& dead = Published(0);
  EXPECT_EQ(dead.exchange, kDeadExchange);
  EXPECT_EQ(dead.routing_key, "fakeprov");
  EXPECT_EQ(dead.message_id, "bad-1");
  EXPECT_EQ(dead.body, "this is { not JSON");
  EXPECT_EQ(amqp::HeaderString(dead.headers, kLastStatusHeader), "invalid_message");
  EXPECT_EQ(amqp::HeaderString(dead.headers, kReasonHeader).rfind("invalid message: ", 0), 0u)
      << amqp::HeaderString(dead.headers, kReasonHeader);
  EXPECT_EQ(amqp::HeaderString(dead.headers, kRoutingKeyHeader), "track.fakeprov");
  EXPECT_TRUE(broker_->acks().empty()) << "acked before the dead letter was stored";

  broker_->Confirm(0);
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
  EXPECT_TRUE(consumer_->ledger().empty());
}

TEST_F(ConsumerTest, RetriesATransientErrorThroughTheFirstDelayQueueThenAcks) {
  const auto tag = broker_->Deliver(TrackJob("j-1"));
  provider_.Answer(0, core::Error::Transient("timeout"));
  ASSERT_EQ(broker_->published().size(), 1u);
  const auto& retry = Published(0);
  EXPECT_EQ(retry.exchange, kRetryExchange);
  EXPECT_EQ(retry.routing_key, "track.fakeprov");
  EXPECT_EQ(amqp::HeaderInt(retry.headers, kAttemptHeader, 0), 1);
  EXPECT_EQ(amqp::HeaderString(retry.headers, kDelayHeader), DefaultDelayTiers().front().name);
  EXPECT_TRUE(broker_->acks().empty()) << "acked before the retry was stored";

  broker_->Confirm(0);
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
  EXPECT_EQ(store_->commits(), 0u);
}

TEST_F(ConsumerTest, DeadLettersATransientErrorOnceTheAttemptsAreUsedUp) {
  const auto tag = broker_->Deliver(TrackJob("j-1"), {{kAttemptHeader, std::int64_t{kMaxAttempts - 1}}});
  provider_.Answer(0, core::Error::Transient("timeout"));
  ASSERT_EQ(broker_->published().size(), 1u);
  const auto& dead = Published(0);
  EXPECT_EQ(dead.exchange, kDeadExchange);
  EXPECT_EQ(amqp::HeaderString(dead.headers, kLastStatusHeader), "attempts_exhausted");
  EXPECT_EQ(amqp::HeaderString(dead.headers, kReasonHeader), "timeout");
  EXPECT_EQ(amqp::HeaderInt(dead.headers, kAttemptHeader, 0), kMaxAttempts);

  broker_->Confirm(0);
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
}

TEST_F(ConsumerTest, DeadLettersAPermanentErrorWithoutARetry) {
  const auto tag = broker_->Deliver(TrackJob("j-1"));
  provider_.Answer(0, core::Error::InvalidInput("the provider rejects this id"));
  ASSERT_EQ(broker_->published().size(), 1u);
  const auto& dead = Published(0);
  EXPECT_EQ(dead.exchange, kDeadExchange);
  EXPECT_EQ(amqp::HeaderString(dead.headers, kLastStatusHeader), "invalid_input");
  EXPECT_EQ(amqp::HeaderString(dead.headers, kReasonHeader), "the provider rejects this id");
  EXPECT_EQ(amqp::HeaderInt(dead.headers, kAttemptHeader, 0), 1);

  broker_->Confirm(0);
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
}

TEST_F(ConsumerTest, PutsTheJobBackWhenTheBrokerNacksItsRetry) {
  const auto tag = broker_->Deliver(TrackJob("j-1"));
  provider_.Answer(0, core::Error::Transient("timeout"));
  ASSERT_EQ(broker_->published().size(), 1u);
  broker_->Nack(0);
  EXPECT_TRUE(broker_->acks().empty()) << "acked a job whose retry the broker did not store";
  EXPECT_EQ(broker_->requeues(), (std::vector<Settle>{{1, tag, false}}));
  EXPECT_TRUE(consumer_->ledger().empty());
}

TEST_F(ConsumerTest, PutsTheJobBackWhenTheBrokerNacksItsDeadLetter) {
  const auto tag = broker_->Deliver("this is { not JSON");
  ASSERT_EQ(broker_->published().size(), 1u);
  broker_->Nack(0);
  EXPECT_TRUE(broker_->acks().empty()) << "acked a job whose dead letter the broker did not store";
  EXPECT_EQ(broker_->requeues(), (std::vector<Settle>{{1, tag, false}}));
}

TEST_F(ConsumerTest, PutsTheWrittenJobBackWhenTheBrokerNacksItsFollowUp) {
  const auto tag = broker_->Deliver(TrackJob("j-1"));
  provider_.Answer(0, Found());
  ASSERT_TRUE(RunUntil([&] { return !broker_->published().empty(); }));
  broker_->Nack(0);
  EXPECT_TRUE(broker_->acks().empty()) << "acked a job whose follow-up the broker did not store";
  EXPECT_EQ(broker_->requeues(), (std::vector<Settle>{{1, tag, false}}));
}

// --- albums bring their tracks (docs/RUNTIME.md) --------------------------------------------

std::string AlbumJob(const std::string& job_id) {
  return R"({"type":"tunefleet.album_job/1","job_id":")" + job_id + R"(","trace_id":"t-1","artist":"A","album":"L"})";
}

Enrichment AlbumFound() {
  catalog::AlbumRecord album;
  album.ref.artist = "A";
  album.ref.title = "L";
  return {.tracks = {}, .albums = {album}};
}

std::vector<db::AlbumTrackJob> TwoPositions() {
  return {{.album_id = 0, .disc = 1, .position = 1, .track_id = 11, .identity_key = "spotify:sp1", .artist = "A",
           .title = "One", .album = "L", .duration_ms = 1000},
          {.album_id = 0, .disc = 1, .position = 2, .track_id = 12, .identity_key = "name:a\x1ftwo", .artist = "A",
           .title = "Two", .album = "L", .duration_ms = std::nullopt}};
}

TEST_F(ConsumerTest, AcksAnAlbumJobOnlyAfterItsTrackJobsAreConfirmedAndRecordedAsPublished) {
  store_->SetUnpublishedTrackJobs(TwoPositions());
  const auto tag = broker_->Deliver(AlbumJob("album-1"));
  provider_.Answer(0, AlbumFound());
  ASSERT_TRUE(RunUntil([&] { return broker_->published().size() == 2; }));
  EXPECT_EQ(Published(0).exchange, kJobsExchange);
  EXPECT_EQ(Published(0).routing_key, "track.all") << "every provider enriches the album's tracks";
  EXPECT_EQ(Published(0).message_id, "album-track:1:1:1");
  EXPECT_NE(Published(0).body.find(R"("spotify_id":"sp1")"), std::string::npos) << Published(0).body;
  EXPECT_NE(Published(0).body.find(R"("album":"L")"), std::string::npos) << Published(0).body;
  EXPECT_NE(Published(0).body.find(R"("duration_ms":1000)"), std::string::npos) << Published(0).body;
  EXPECT_EQ(Published(1).body.find("spotify_id"), std::string::npos) << "a name: row's job carries no id";

  broker_->Confirm(0);
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_TRUE(broker_->acks().empty()) << "acked before every track job was confirmed";
  EXPECT_TRUE(store_->marked().empty());
  broker_->Confirm(1);
  ASSERT_TRUE(RunUntil([&] { return !broker_->acks().empty(); }));
  EXPECT_EQ(store_->marked().size(), 2u) << "the positions are recorded as published before the ack";
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
  EXPECT_DOUBLE_EQ(metrics_.AlbumTrackJobsPublished().Value(), 2);

  // The same album job again: its positions are recorded, nothing is published.
  const auto again = broker_->Deliver(AlbumJob("album-1"));
  provider_.Answer(1, AlbumFound());
  ASSERT_TRUE(RunUntil([&] { return broker_->acks().size() == 2; }));
  EXPECT_EQ(broker_->published().size(), 2u) << "a re-run published track jobs again";
  EXPECT_EQ(broker_->acks().back(), (Settle{1, again, false}));
}

TEST_F(ConsumerTest, PutsTheAlbumJobBackUnrecordedWhenTheBrokerNacksATrackJob) {
  store_->SetUnpublishedTrackJobs(TwoPositions());
  const auto tag = broker_->Deliver(AlbumJob("album-1"));
  provider_.Answer(0, AlbumFound());
  ASSERT_TRUE(RunUntil([&] { return broker_->published().size() == 2; }));
  broker_->Confirm(0);
  broker_->Nack(1);
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_TRUE(broker_->acks().empty()) << "acked an album job whose track job the broker did not store";
  EXPECT_EQ(broker_->requeues(), (std::vector<Settle>{{1, tag, false}}));
  EXPECT_TRUE(store_->marked().empty()) << "recorded a position whose track job was not confirmed";
}

TEST_F(ConsumerTest, NeverSettlesADeliveryOfALostConnectionOnTheNewOne) {
  broker_->Deliver(TrackJob("old"));  // generation 1, tag 1: its provider call outlives the connection
  broker_->DropConnection();
  broker_->Connect();
  const auto tag = broker_->Deliver(TrackJob("new"));  // generation 2, tag 1 again
  ASSERT_EQ(broker_->generation(), 2u);
  ASSERT_EQ(provider_.job_ids(), (std::vector<std::string>{"old", "new"}));

  provider_.Answer(0, Found());
  ASSERT_TRUE(RunUntil([&] { return store_->commits() == 1 && !broker_->published().empty(); }));
  broker_->Confirm(0);
  EXPECT_TRUE(broker_->acks().empty()) << "the old delivery's tag was acked on the new connection";
  EXPECT_TRUE(broker_->refused().empty()) << "an ack was tried on the lost connection";

  provider_.Answer(1, Found());
  ASSERT_TRUE(RunUntil([&] { return broker_->published().size() == 2; }));
  broker_->Confirm(1);
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{2, tag, false}}));
  EXPECT_TRUE(consumer_->ledger().empty());
}

TEST_F(ConsumerTest, ShutdownFinishesOnlyOnceTheDeliveriesInFlightAreSettled) {
  const auto tag = broker_->Deliver(TrackJob("j-1"));
  bool finished = false;
  consumer_->Shutdown([&finished] { finished = true; });
  EXPECT_FALSE(broker_->consuming());
  EXPECT_FALSE(finished) << "finished with a job still at its provider";

  provider_.Answer(0, Found());
  ASSERT_TRUE(RunUntil([&] { return !broker_->published().empty(); }));
  EXPECT_FALSE(finished) << "finished before the job's follow-up was confirmed";
  EXPECT_FALSE(broker_->closed());

  broker_->Confirm(0);
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
  EXPECT_TRUE(finished);
  EXPECT_TRUE(broker_->closed());
}

TEST_F(ConsumerTest, HoldDeliveriesStopsConsumingUntilEveryHoldIsReleased) {
  ASSERT_TRUE(broker_->consuming());
  consumer_->HoldDeliveries(Consumer::Hold::kOperator);
  EXPECT_FALSE(broker_->consuming());
  consumer_->HoldDeliveries(Consumer::Hold::kDatabase);
  EXPECT_TRUE(consumer_->held(Consumer::Hold::kOperator));
  EXPECT_TRUE(consumer_->held(Consumer::Hold::kDatabase));
  consumer_->ReleaseDeliveries(Consumer::Hold::kOperator);
  EXPECT_FALSE(consumer_->held(Consumer::Hold::kOperator));
  EXPECT_FALSE(broker_->consuming()) << "consuming while the database hold is in force";
  consumer_->ReleaseDeliveries(Consumer::Hold::kDatabase);
  EXPECT_TRUE(broker_->consuming());
}

TEST_F(ConsumerTest, ReleasingAHoldNotInForceChangesNothing) {
  consumer_->HoldDeliveries(Consumer::Hold::kDatabase);
  consumer_->ReleaseDeliveries(Consumer::Hold::kOperator);
  EXPECT_FALSE(broker_->consuming());
  EXPECT_TRUE(consumer_->held(Consumer::Hold::kDatabase));
}

TEST_F(ConsumerTest, ReleasingTheLastHoldWhileDrainingDoesNotConsume) {
  consumer_->HoldDeliveries(Consumer::Hold::kOperator);
  consumer_->Shutdown(nullptr);
  consumer_->ReleaseDeliveries(Consumer::Hold::kOperator);
  EXPECT_FALSE(broker_->consuming());
}

TEST_F(ConsumerTest, HandlesAndAcksDeliveriesAlreadyReceivedWhileHeld) {
  const auto tag = broker_->Deliver(TrackJob("j-1"));
  consumer_->HoldDeliveries(Consumer::Hold::kOperator);
  ASSERT_EQ(provider_.calls(), 1u);
  provider_.Answer(0, Found());
  ASSERT_TRUE(RunUntil([&] { return !broker_->published().empty(); }));
  broker_->Confirm(0);
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
  EXPECT_TRUE(broker_->requeues().empty()) << "a hold gave a delivery back";
  EXPECT_TRUE(consumer_->ledger().empty());
  EXPECT_FALSE(broker_->consuming());
}

class ConsumerNotStartedTest : public ConsumerTest {
 protected:
  ConsumerNotStartedTest() : ConsumerTest(ConsumerTestSettings(), false) {}
};

TEST_F(ConsumerNotStartedTest, AHoldSetBeforeStartConnectsWithoutConsuming) {
  consumer_->HoldDeliveries(Consumer::Hold::kOperator);
  consumer_->Start();
  ASSERT_NE(broker_, nullptr);
  EXPECT_TRUE(broker_->started());
  EXPECT_TRUE(broker_->connected());
  EXPECT_FALSE(broker_->consuming());
  consumer_->ReleaseDeliveries(Consumer::Hold::kOperator);
  EXPECT_TRUE(broker_->consuming());
}

// What `tunefleet control` changes in a worker without a gateway (a builder, or a provider
// without network): the consumer's operator hold and the log level.
class ProcessControlTest : public ConsumerTest {
 protected:
  ProcessControlTest() { logging::SetMinLevel(logging::Level::kInfo); }
  ~ProcessControlTest() override {
    control_.Close();
    logging::SetMinLevel(logging::Level::kInfo);
  }

  static control::Command Command(control::Action action) {
    control::Command command;
    command.action = action;
    return command;
  }

  ProcessControl control_{loop_, *consumer_, nullptr, nullptr, logging::Level::kInfo};
};

TEST_F(ProcessControlTest, PauseAndResumeFlipTheOperatorHold) {
  auto paused = control_.Apply(Command(control::Action::kPause));
  ASSERT_TRUE(paused) << paused.error().message;
  EXPECT_TRUE(control_.Describe().paused);
  EXPECT_FALSE(broker_->consuming());

  auto resumed = control_.Apply(Command(control::Action::kResume));
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(*resumed, "resumed");
  EXPECT_FALSE(control_.Describe().paused);
  EXPECT_TRUE(broker_->consuming());
}

TEST_F(ProcessControlTest, ResumeLeavesTheDatabaseHoldInForce) {
  consumer_->HoldDeliveries(Consumer::Hold::kDatabase);
  ASSERT_TRUE(control_.Apply(Command(control::Action::kPause)));
  auto resumed = control_.Apply(Command(control::Action::kResume));
  ASSERT_TRUE(resumed);
  EXPECT_NE(resumed->find("database"), std::string::npos) << *resumed;
  EXPECT_FALSE(control_.Describe().paused);
  EXPECT_FALSE(broker_->consuming());
}

TEST_F(ProcessControlTest, ResumeOfAProcessNotPausedSaysSo) {
  auto resumed = control_.Apply(Command(control::Action::kResume));
  ASSERT_TRUE(resumed);
  EXPECT_EQ(*resumed, "was not paused");
  EXPECT_TRUE(broker_->consuming());
}

TEST_F(ProcessControlTest, RefusesBreakerAndRateCommandsWithoutAGateway) {
  auto rate = Command(control::Action::kRate);
  rate.rate_per_second = 5;
  rate.duration = 1min;
  for (const auto& command : {Command(control::Action::kBreakerOpen), Command(control::Action::kBreakerClose),
                              Command(control::Action::kBreakerReset), rate}) {
    auto applied = control_.Apply(command);
    ASSERT_FALSE(applied) << control::ToString(command.action) << ": " << *applied;
    EXPECT_EQ(applied.error().kind, core::ErrorKind::kInvalidInput);
    EXPECT_NE(applied.error().message.find("no gateway"), std::string::npos) << applied.error().message;
  }
  auto status = control_.Describe();
  EXPECT_TRUE(status.breaker.empty());
  EXPECT_FALSE(status.rate_per_second);
}

TEST_F(ProcessControlTest, LogLevelOverrideEndsWithItsDuration) {
  auto command = Command(control::Action::kLogLevel);
  command.log_level = "debug";
  command.duration = 50ms;
  auto applied = control_.Apply(command);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(logging::MinLevel(), logging::Level::kDebug);
  EXPECT_EQ(control_.Describe().log_level, "debug");
  ASSERT_TRUE(RunUntil([] { return logging::MinLevel() == logging::Level::kInfo; }))
      << "the configured level was not restored";
  EXPECT_EQ(control_.Describe().log_level, "info");
}

// ProcessControl of a provider that calls an API: breaker and rate commands reach its gateway.
class ProcessControlGatewayTest : public ConsumerTest {
 protected:
  ~ProcessControlGatewayTest() override { control_.Close(); }

  static control::Command Command(control::Action action) {
    control::Command command;
    command.action = action;
    return command;
  }
  static gateway::GatewaySettings GatewaySettings() {
    gateway::GatewaySettings settings;
    settings.provider = "fakeprov";
    settings.rate_limit = {.key = "fakeprov", .rate_per_second = 10, .burst = 10, .local_share = 1.0};
    return settings;
  }

  fakes::GatewayFakes fakes_;
  gateway::Gateway gateway_{fakes_.Seams(), GatewaySettings(), fakes_.metrics, logging::Logger("test")};
  ProcessControl control_{loop_, *consumer_, &gateway_, &fakes_.metrics, logging::Level::kInfo};
};

TEST_F(ProcessControlGatewayTest, BreakerCommandsHoldCloseAndResetTheGatewaysBreaker) {
  ASSERT_TRUE(control_.Apply(Command(control::Action::kBreakerOpen)));
  EXPECT_TRUE(gateway_.breaker_held_open());
  auto status = control_.Describe();
  EXPECT_EQ(status.breaker, "open");
  EXPECT_TRUE(status.breaker_held_open);

  ASSERT_TRUE(control_.Apply(Command(control::Action::kBreakerClose)));
  EXPECT_FALSE(gateway_.breaker_held_open());
  EXPECT_EQ(control_.Describe().breaker, "closed");

  ASSERT_TRUE(control_.Apply(Command(control::Action::kBreakerOpen)));
  ASSERT_TRUE(control_.Apply(Command(control::Action::kBreakerReset)));
  EXPECT_FALSE(gateway_.breaker_held_open());
  EXPECT_EQ(control_.Describe().breaker, "closed");
}

TEST_F(ProcessControlGatewayTest, RateOverrideLastsItsDurationThenTheConfiguredRateIsBack) {
  auto rate = Command(control::Action::kRate);
  rate.rate_per_second = 2.5;
  rate.duration = 50ms;
  auto applied = control_.Apply(rate);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_DOUBLE_EQ(gateway_.rate_in_force(), 2.5);
  auto status = control_.Describe();
  EXPECT_EQ(status.rate_per_second, 2.5);
  EXPECT_EQ(status.configured_rate, 10);
  ASSERT_TRUE(RunUntil([&] { return gateway_.rate_in_force() == 10; })) << "the override never ended";
  EXPECT_DOUBLE_EQ(fakes_.metrics.RateLimit().Value(), 10);
}

TEST_F(ConsumerTest, IsNotReadyWhileTheBrokerBlocksPublishing) {
  ASSERT_TRUE(RunUntil([&] { return health_.Ready(); }));  // the database answered its first ping
  broker_->SetBlocked(true);
  EXPECT_FALSE(health_.Ready());
  broker_->SetBlocked(false);
  EXPECT_TRUE(health_.Ready());
}

// The database down and the shutdown timeout: these paths wait on the pipeline's and the
// consumer's real timers, so the settings keep them to milliseconds and the tests wait for a
// state (RunUntil, bounded), never for a duration.

WorkerSettings ShortTimers(std::chrono::milliseconds db_hold_max) {
  WorkerSettings settings = ConsumerTestSettings();
  settings.batch_size = 3;  // three jobs answered in a row are written as one batch
  settings.batch_max_wait = 10ms;
  // Uncapped, the backoff (0.5 s, 1 s, 2 s, 4 s) would bring the fifth write 7.5 s after the
  // first: past RunUntil's deadline.
  settings.db_retry_max = 20ms;
  settings.db_hold_max = db_hold_max;
  settings.shutdown_timeout = 100ms;
  return settings;
}

class ConsumerTimersTest : public ConsumerTest {
 protected:
  explicit ConsumerTimersTest(std::chrono::milliseconds db_hold_max = 1h) : ConsumerTest(ShortTimers(db_hold_max)) {}

  bool PostgresHealthy() const {
    return health_.RenderJson().find(R"("postgres":{"status":"healthy")") != std::string::npos;
  }
  // The broker confirms every publish as it comes: the tests here are about the database.
  bool RunConfirmingUntil(const std::function<bool()>& done) {
    return RunUntil([&] {
      for (std::size_t i = 0; i < broker_->published().size(); ++i) {
        if (broker_->published()[i].on_confirm) broker_->Confirm(i);
      }
      return done();
    });
  }
  // The job of each track row the store committed, in commit order.
  std::vector<std::string> StoredJobIds() const {
    std::vector<std::string> ids;
    for (const auto& track : store_->tracks()) ids.push_back(track.job_id);
    return ids;
  }
};

// Writes keep failing longer than the hold (200 ms: about ten retries).
class ConsumerShortHoldTest : public ConsumerTimersTest {
 protected:
  ConsumerShortHoldTest() : ConsumerTimersTest(200ms) {}
};

TEST_F(ConsumerTimersTest, HoldsABatchWhileTheDatabaseIsDownThenWritesAndAcksEverythingInOrderOnce) {
  ASSERT_TRUE(RunUntil([&] { return health_.Ready(); }));  // the database answered its first ping
  for (const char* id : {"j-1", "j-2", "j-3", "j-4"}) broker_->Deliver(TrackJob(id));
  store_->GoDown(core::Error::Transient("server closed the connection unexpectedly"));
  for (std::size_t i = 0; i < 3; ++i) provider_.Answer(i, Found());
  ASSERT_TRUE(RunUntil([&] { return !PostgresHealthy(); }));
  EXPECT_EQ(metrics_.DatabaseUp().Value(), 0);

  broker_->Deliver(TrackJob("j-5"));  // held unstarted while the database is down
  provider_.Answer(3, Found());       // its provider call was running: it waits behind the batch
  ASSERT_TRUE(RunUntil([&] { return store_->writes() >= 5; })) << "the held batch is not retried (often enough)";
  EXPECT_EQ(provider_.calls(), 4u) << "a new job was started while the database was down";
  EXPECT_TRUE(broker_->acks().empty());
  EXPECT_TRUE(broker_->requeues().empty());
  EXPECT_TRUE(broker_->published().empty());
  EXPECT_TRUE(broker_->consuming()) << "gave up before the hold time";
  EXPECT_FALSE(health_.Ready());

  store_->Recover();
  ASSERT_TRUE(RunConfirmingUntil([&] { return provider_.calls() == 5; }));
  EXPECT_TRUE(PostgresHealthy());
  EXPECT_EQ(metrics_.DatabaseUp().Value(), 1);
  provider_.Answer(4, Found());
  ASSERT_TRUE(RunConfirmingUntil([&] { return consumer_->ledger().empty(); }));
  EXPECT_EQ(StoredJobIds(), (std::vector<std::string>{"j-1", "j-2", "j-3", "j-4", "j-5"}));
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, 3, true}, {1, 4, false}, {1, 5, false}}));
  EXPECT_TRUE(broker_->requeues().empty());
}

TEST_F(ConsumerShortHoldTest, GivesHeldJobsBackWhenTheDatabaseIsDownLongerThanTheHoldAndResumesOnceItAnswers) {
  ASSERT_TRUE(RunUntil([&] { return health_.Ready(); }));
  for (const char* id : {"j-1", "j-2", "j-3", "j-4"}) broker_->Deliver(TrackJob(id));
  store_->GoDown(core::Error::Transient("server closed the connection unexpectedly"));
  for (std::size_t i = 0; i < 3; ++i) provider_.Answer(i, Found());
  ASSERT_TRUE(RunUntil([&] { return !PostgresHealthy(); }));
  broker_->Deliver(TrackJob("j-5"));  // held unstarted; j-4 is still at its provider

  ASSERT_TRUE(RunUntil([&] { return !broker_->requeues().empty(); }));
  EXPECT_EQ(broker_->requeues(), (std::vector<Settle>{{1, 1, false}, {1, 2, false}, {1, 3, false}, {1, 5, false}}))
      << "every held job goes back, in order";
  EXPECT_TRUE(broker_->acks().empty());
  EXPECT_TRUE(broker_->published().empty()) << "nothing is dead-lettered for a database outage";
  EXPECT_FALSE(broker_->consuming());
  EXPECT_EQ(metrics_.JobsDone("given_back").Value(), 4);

  const auto late = broker_->Deliver(TrackJob("j-6"));  // sent before the broker saw our cancel
  EXPECT_EQ(broker_->requeues().back(), (Settle{1, late, false}));
  provider_.Answer(3, Found());  // j-4's provider call outlived the hold
  EXPECT_EQ(broker_->requeues().back(), (Settle{1, 4, false}));
  EXPECT_TRUE(consumer_->ledger().empty());
  EXPECT_EQ(provider_.calls(), 4u);

  const auto writes = store_->writes();
  const auto pings = store_->pings();
  ASSERT_TRUE(RunUntil([&] { return store_->pings() >= pings + 2; })) << "the database is not probed";
  EXPECT_FALSE(broker_->consuming()) << "resumed while the database does not answer";
  EXPECT_EQ(store_->writes(), writes) << "wrote while the jobs were given back";

  store_->Recover();
  ASSERT_TRUE(RunUntil([&] { return broker_->consuming(); })) << "did not resume once the database answered";
  EXPECT_TRUE(PostgresHealthy());
  EXPECT_EQ(metrics_.DatabaseUp().Value(), 1);

  const auto again = broker_->Deliver(TrackJob("j-1"));  // the broker delivers the given-back jobs again
  ASSERT_EQ(provider_.calls(), 5u);
  provider_.Answer(4, Found());
  ASSERT_TRUE(RunConfirmingUntil([&] { return consumer_->ledger().empty(); }));
  EXPECT_EQ(StoredJobIds(), (std::vector<std::string>{"j-1"}));
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, again, false}}));
}

TEST_F(ConsumerTimersTest, RetriesABatchTheDatabaseRefusesOneJobAtATimeAndDeadLettersOnlyTheCulprit) {
  ASSERT_TRUE(RunUntil([&] { return health_.Ready(); }));
  for (const char* id : {"j-1", "j-2", "j-3"}) broker_->Deliver(TrackJob(id));
  store_->Refuse("j-2", core::Error::InvalidInput("value too long for type character varying(512)"));
  for (std::size_t i = 0; i < 3; ++i) provider_.Answer(i, Found());
  ASSERT_TRUE(RunConfirmingUntil([&] { return consumer_->ledger().empty(); }));

  EXPECT_EQ(store_->writes(), 4u) << "the batch, then each of its three jobs";
  EXPECT_EQ(StoredJobIds(), (std::vector<std::string>{"j-1", "j-3"}));
  std::vector<amqp::OutgoingMessage> dead;
  for (const auto& published : broker_->published()) {
    if (published.message.exchange == kDeadExchange) dead.push_back(published.message);
  }
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].body, TrackJob("j-2"));
  EXPECT_EQ(dead[0].routing_key, "fakeprov");
  EXPECT_EQ(amqp::HeaderString(dead[0].headers, kLastStatusHeader), "database_refused");
  EXPECT_EQ(amqp::HeaderString(dead[0].headers, kReasonHeader), "value too long for type character varying(512)");
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, 1, false}, {1, 2, false}, {1, 3, false}}));
  EXPECT_TRUE(broker_->requeues().empty());
  EXPECT_TRUE(PostgresHealthy()) << "a refused row is not an outage";
}

TEST_F(ConsumerTimersTest, ShutdownTimeoutLeavesAJobStillAtItsProviderUnackedForTheBrokerToRedeliver) {
  broker_->Deliver(TrackJob("j-1"));
  bool finished = false;
  consumer_->Shutdown([&finished] { finished = true; });
  EXPECT_FALSE(finished);
  ASSERT_TRUE(RunUntil([&] { return finished; })) << "the drain did not end at the shutdown timeout";
  EXPECT_TRUE(broker_->closed());
  EXPECT_TRUE(broker_->acks().empty());
  EXPECT_TRUE(broker_->requeues().empty()) << "left unacked: closing the connection gives it back";
  EXPECT_EQ(consumer_->ledger().size(), 1u);
}

// The builder pipeline settles follow-ups through the same consumer.

std::string FollowUp(const std::string& job_id) {
  return R"({"type":"tunefleet.followup/1","job_id":")" + job_id + R"(","trace_id":"t-1","track_ids":[7],)"
         R"("provider":"lastfm","reason":"enriched","emitted_at":"2024-01-02T03:04:05Z"})";
}

// Rebuilds on the database thread; while held, a rebuild waits inside until Release.
class FakeBuilder final : public Builder {
 public:
  void Hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    changed_.notify_all();
  }
  bool WaitForRebuild() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [this] { return entered_ > 0; });
  }

  std::string_view Name() const override { return "fakebuild"; }
  core::Result<RebuildStats> Rebuild(const std::vector<std::int64_t>& track_ids) override {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !held_; });
    return RebuildStats{.rebuilt = track_ids.size(), .missing = 0};
  }
  core::Result<void> Ping() override { return core::Ok(); }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  int entered_ = 0;
};

class BuilderConsumerTest : public ::testing::Test {
 protected:
  BuilderConsumerTest() {
    uv_loop_init(&loop_);
    BuilderSettings settings;
    settings.window = 0ms;  // every follow-up is rebuilt at once: no window timer
    settings.worker.shutdown_timeout = 1h;
    pipeline_ = std::make_unique<BuilderPipeline>(settings, builder_, builder_metrics_, loop_);
    consumer_ = std::make_unique<Consumer>(loop_, pipeline_->Consuming(kFleet), *pipeline_, metrics_, health_,
                                           fakes::FakeBroker::Factory(&broker_));
    consumer_->Start();
  }

  ~BuilderConsumerTest() override {
    builder_.Release();
    consumer_.reset();
    pipeline_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }

  bool RunUntil(const std::function<bool()>& done) { return RunLoopUntil(loop_, done); }

  uv_loop_t loop_{};
  FakeBuilder builder_;
  metrics::WorkerMetrics metrics_{"fakebuild"};
  metrics::BuilderMetrics builder_metrics_{metrics_.registry(), "fakebuild"};
  metrics::HealthState health_;
  fakes::FakeBroker* broker_ = nullptr;  // owned by the consumer
  std::unique_ptr<BuilderPipeline> pipeline_;
  std::unique_ptr<Consumer> consumer_;
};

TEST_F(BuilderConsumerTest, AcksAFollowUpOnlyAfterItsRebuildReturned) {
  ASSERT_TRUE(RunUntil([&] { return health_.Ready(); }));  // the start's ping left the database thread
  builder_.Hold();
  const auto tag = broker_->Deliver(FollowUp("fu-1"), {}, "followup.fakeprov");
  ASSERT_TRUE(builder_.WaitForRebuild());
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_TRUE(broker_->acks().empty()) << "acked while its rebuild had not returned";

  builder_.Release();
  ASSERT_TRUE(RunUntil([&] { return !broker_->acks().empty(); }));
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
  EXPECT_TRUE(broker_->published().empty());
}

TEST_F(BuilderConsumerTest, DeadLettersAJobThatReachedABuilderQueueForReplayToThatBuilder) {
  const auto tag = broker_->Deliver(TrackJob("j-1"), {}, "followup.fakeprov", "m-1");
  ASSERT_EQ(broker_->published().size(), 1u);
  const auto& dead = broker_->published()[0].message;
  EXPECT_EQ(dead.exchange, kDeadExchange);
  EXPECT_EQ(dead.routing_key, "fakebuild");
  EXPECT_EQ(amqp::HeaderString(dead.headers, kLastStatusHeader), "invalid_message");
  EXPECT_EQ(amqp::HeaderString(dead.headers, kRoutingKeyHeader), JobQueue("fakebuild"));
  EXPECT_TRUE(broker_->acks().empty()) << "acked before the dead letter was stored";

  broker_->Confirm(0);
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
}

}  // namespace
}  // namespace runtime

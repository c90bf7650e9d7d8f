#include "common/gateway/micro_batcher.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <memory>

namespace gateway {
namespace {

using namespace std::chrono_literals;

class MicroBatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop_); }
  void TearDown() override {
    batcher_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  // A fake multi-id endpoint answering at once: each id maps to "v:<id>", except ids
  // starting with "missing".
  MicroBatcher& Make(std::size_t max_ids) {
    batcher_ = std::make_unique<MicroBatcher>(
        loop_, MicroBatcherSettings{max_ids, 5ms},
        [this](const std::vector<std::string>& ids, MicroBatcher::FetchDone done) {
          sizes_.push_back(ids.size());
          MicroBatcher::Values values;
          for (const auto& id : ids) {
            if (id.rfind("missing", 0) != 0) values[id] = "v:" + id;
          }
          if (fail_) done(core::Error::Transient("upstream 503"));
          else done(values);
        });
    return *batcher_;
  }

  uv_loop_t loop_;
  std::unique_ptr<MicroBatcher> batcher_;
  std::vector<std::size_t> sizes_;
  bool fail_ = false;
};

TEST_F(MicroBatcherTest, PacksTwoHundredFiftyIdsIntoCeilOfLimitCalls) {
  auto& batcher = Make(100);
  int answered = 0;
  for (int i = 0; i < 250; ++i) {
    batcher.Get("id" + std::to_string(i), [&answered, i](core::Result<std::optional<std::string>> r) {
      if (r && *r == "v:id" + std::to_string(i)) ++answered;
    });
  }
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(answered, 250);
  EXPECT_EQ(batcher.calls(), 3u);  // ceil(250 / 100)
  EXPECT_EQ(sizes_, (std::vector<std::size_t>{100, 100, 50}));
}

TEST_F(MicroBatcherTest, SharesOneSlotForTheSameId) {
  auto& batcher = Make(50);
  int answered = 0;
  for (int i = 0; i < 10; ++i) {
    batcher.Get("same", [&answered](core::Result<std::optional<std::string>> r) { answered += (r && *r) ? 1 : 0; });
  }
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(answered, 10);
  EXPECT_EQ(sizes_, (std::vector<std::size_t>{1}));
}

TEST_F(MicroBatcherTest, MissingIdsGetNulloptAndErrorsReachEveryCaller) {
  auto& batcher = Make(50);
  bool missing_was_empty = false;
  batcher.Get("missing-1", [&](core::Result<std::optional<std::string>> r) { missing_was_empty = r && !r->has_value(); });
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_TRUE(missing_was_empty);
  fail_ = true;
  int errors = 0;
  batcher.Get("a", [&](core::Result<std::optional<std::string>> r) { errors += r ? 0 : 1; });
  batcher.Get("b", [&](core::Result<std::optional<std::string>> r) { errors += r ? 0 : 1; });
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(errors, 2);
}

}  // namespace
}  // namespace gateway

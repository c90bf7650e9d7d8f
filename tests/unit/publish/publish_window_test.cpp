#include "tools/tunefleet/publish_window.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace publish {
namespace {

using namespace std::chrono_literals;

TEST(ConfirmWindow, ConfirmsLinesInOrderEvenWhenAnswersArriveOutOfOrder) {
  ConfirmWindow window(4);
  const auto a = window.Push(2, true);
  const auto b = window.Push(3, false);
  const auto c = window.Push(3, true);
  for (auto seq : {a, b, c}) window.MarkSent(seq);
  EXPECT_EQ(window.room(), 1u);
  window.OnConfirm(c, true);
  EXPECT_EQ(window.confirmed_lines(), 0u);
  EXPECT_EQ(window.OldestUnconfirmedLine(), 2u);
  window.OnConfirm(a, true);
  EXPECT_EQ(window.confirmed_lines(), 1u);
  EXPECT_EQ(window.OldestUnconfirmedLine(), 3u);
  window.OnConfirm(b, true);
  EXPECT_EQ(window.confirmed_lines(), 2u);
  EXPECT_EQ(window.confirmed_messages(), 3u);
  EXPECT_TRUE(window.empty());
  EXPECT_EQ(window.OldestUnconfirmedLine(), std::nullopt);
}

TEST(ConfirmWindow, RefusedMessagesBecomeUnsentInOrder) {
  ConfirmWindow window(3);
  const auto a = window.Push(1, true);
  const auto b = window.Push(2, true);
  window.MarkSent(a);
  window.MarkSent(b);
  window.OnConfirm(b, false);  // basic.nack
  window.OnConfirm(a, false);  // connection lost
  EXPECT_EQ(window.unsent(), 2u);
  EXPECT_EQ(window.Unsent(), (std::vector<std::uint64_t>{a, b}));
  window.OnConfirm(a, true);  // not in flight: ignored
  EXPECT_EQ(window.confirmed_messages(), 0u);
  window.MarkSent(a);
  window.OnConfirm(a, true);
  EXPECT_EQ(window.OldestUnconfirmedLine(), 2u);
}

TEST(ConfirmWindow, ReusesSlotsAfterWrapping) {
  ConfirmWindow window(2);
  for (std::uint64_t line = 1; line <= 10; ++line) {
    const auto seq = window.Push(line, true);
    window.slot(seq).message.body = "line " + std::to_string(line);
    window.MarkSent(seq);
    window.OnConfirm(seq, true);
  }
  EXPECT_EQ(window.confirmed_lines(), 10u);
  EXPECT_EQ(window.room(), 2u);
}

TEST(Pacer, SpacesMessagesAtTheRate) {
  const auto start = std::chrono::steady_clock::time_point{} + 1h;
  Pacer pacer(10, start);  // burst of one
  EXPECT_EQ(pacer.Take(start), 0ns);
  EXPECT_EQ(pacer.Take(start), 100ms);
  EXPECT_EQ(pacer.Take(start + 50ms), 50ms);
  EXPECT_EQ(pacer.Take(start + 100ms), 0ns);
}

TEST(ParseRate, AcceptsPerSecondRates) {
  EXPECT_EQ(*ParseRate("500/s"), 500.0);
  EXPECT_EQ(*ParseRate("2.5"), 2.5);
  EXPECT_FALSE(ParseRate("0/s").has_value());
  EXPECT_FALSE(ParseRate("fast").has_value());
  EXPECT_EQ(ParseRate("5/m").error().message, "--rate \"5/m\" is not a positive rate (expected N/s, e.g. 500/s)");
}

}  // namespace
}  // namespace publish

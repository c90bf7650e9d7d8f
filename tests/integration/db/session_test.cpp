// db::Session against a real PostgreSQL: opened on first use, JIT off on every connection,
// and a new connection after its backend was terminated or a statement failed.
#include "common/db/session.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <chrono>
#include <cstdint>
#include <string>

#include "tests/support/endpoints.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/wait.hpp"

namespace db {
namespace {

using namespace std::chrono_literals;
using test_support::TestDatabase;

// What a session's connection reports about itself.
struct Backend {
  std::int64_t pid = 0;
  std::string jit;
};

core::Result<Backend> Describe(Session& session) {
  return session.Run([&] {
    pqxx::nontransaction tx(session.Connection());
    pqxx::row row = tx.exec1("SELECT pg_backend_pid(), current_setting('jit')");
    return Backend{row[0].as<std::int64_t>(), row[1].as<std::string>()};
  });
}

class SessionTest : public ::testing::Test {
 protected:
  // Backends of the sessions under test (found by their application_name).
  std::int64_t Backends() const {
    return db_.Int("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app_ + "'");
  }

  TestDatabase db_{TestDatabase::Schema::kEmpty};
  std::string app_ = "tf_session_" + test_support::UniqueSuffix();
  // The server's JIT default forced on for these connections: "off" can only come from the
  // session, whatever the stack's postgresql.conf says.
  std::string dsn_ = db_.dsn() + " application_name=" + app_ + " options='-c jit=on'";
};

TEST_F(SessionTest, OpensNoConnectionBeforeItsFirstUse) {
  Session session(dsn_);
  EXPECT_EQ(Backends(), 0);
  auto ping = session.Ping();
  ASSERT_TRUE(ping) << ping.error().message;
  EXPECT_EQ(Backends(), 1);
  // Later uses share that connection.
  auto first = Describe(session);
  auto second = Describe(session);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(first->pid, second->pid);
  EXPECT_EQ(Backends(), 1);
}

TEST(Session, UnreachableServerFailsOnUseAsTransient) {
  Session session("postgresql://tunefleet@127.0.0.1:1/none?connect_timeout=2");
  auto ping = session.Ping();
  ASSERT_FALSE(ping);
  EXPECT_EQ(ping.error().kind, core::ErrorKind::kTransient);
  EXPECT_NE(ping.error().message.find("127.0.0.1:1"), std::string::npos) << ping.error().message;
}

TEST_F(SessionTest, TurnsJitOffUnlessToldNotTo) {
  Session session(dsn_);
  auto backend = Describe(session);
  ASSERT_TRUE(backend) << backend.error().message;
  EXPECT_EQ(backend->jit, "off");

  Session keeps_server_setting(dsn_, {.disable_jit = false});
  auto other = Describe(keeps_server_setting);
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(other->jit, "on");
}

TEST_F(SessionTest, ReopensAfterItsBackendIsTerminated) {
  Session session(dsn_);
  auto before = Describe(session);
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_EQ(db_.Scalar("SELECT pg_terminate_backend(" + std::to_string(before->pid) + ")"), "t");
  ASSERT_TRUE(test_support::WaitUntil([&] { return Backends() == 0; }, 10s, "the session's backend to end"));

  // The first use finds the connection broken: a transient error, and the connection is
  // dropped. The next use opens a new one, with JIT off again.
  auto broken = Describe(session);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().kind, core::ErrorKind::kTransient) << broken.error().message;
  auto after = Describe(session);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_NE(after->pid, before->pid);
  EXPECT_EQ(after->jit, "off");
  EXPECT_EQ(Backends(), 1);
}

TEST_F(SessionTest, OpensANewConnectionAfterAFailedStatement) {
  Session session(dsn_);
  auto before = Describe(session);
  ASSERT_TRUE(before) << before.error().message;
  auto refused = session.Run([&] {
    pqxx::nontransaction tx(session.Connection());
    tx.exec("SELECT * FROM no_such_table");
  });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, core::ErrorKind::kInvalidInput) << refused.error().message;
  // A connection whose state is unknown after a failure is never reused.
  auto after = Describe(session);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_NE(after->pid, before->pid);
  EXPECT_EQ(after->jit, "off");
  ASSERT_TRUE(test_support::WaitUntil([&] { return Backends() == 1; }, 10s, "the dropped backend to end"));
}

}  // namespace
}  // namespace db

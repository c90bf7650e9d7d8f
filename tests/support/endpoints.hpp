#pragma once

#include <string>

// Where the integration tests find the private stack (scripts/stack): environment variables,
// else the stack's defaults. Tests fail, never skip, when a service is not there.
namespace test_support {

// TUNEFLEET_AMQP_URL, else amqp://guest:guest@127.0.0.1:35672/%2f.
std::string AmqpUrl();
// TUNEFLEET_RABBITMQ_API_URL, else http://guest:guest@127.0.0.1:35673 (no trailing slash).
std::string RabbitApiUrl();
// TUNEFLEET_PG_DSN, else postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet.
std::string PgDsn();

// A short random token for unique names: lower-case hex, unique per process and call.
std::string UniqueSuffix();
// "<suite>_<test>" of the running test, lower case, alphanumerics and '_' only, at most
// `max_length` characters ("test" outside a test).
std::string CurrentTestSlug(std::size_t max_length);

}  // namespace test_support

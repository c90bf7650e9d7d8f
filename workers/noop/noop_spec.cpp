#include "workers/noop/noop_spec.hpp"

namespace noop {

runtime::ProviderSpec Spec() {
  runtime::ProviderSpec spec;
  spec.name = "noop";
  spec.in_all = false;  // for tests and benchmarks: only jobs published to it by name
  spec.policy.uses_network = false;
  // No cache TTLs (no requests) and no merge rank: its records merge after every real provider's.
  return spec;
}

}  // namespace noop

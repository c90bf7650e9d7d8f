#pragma once

#include "common/runtime/provider_spec.hpp"

namespace cyanite {

// The Cyanite provider as data: name, default policy, merge rank. main.cpp hands it to
// runtime::RunWorker; workers/fleet lists it with the others.
runtime::ProviderSpec Spec();

}  // namespace cyanite

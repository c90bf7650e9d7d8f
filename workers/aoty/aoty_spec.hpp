#pragma once

#include "common/runtime/provider_spec.hpp"

namespace aoty {

// The AOTY provider as data: name, default policy, cache TTLs, merge rank. main.cpp hands it
// to runtime::RunWorker; workers/fleet lists it with the others.
runtime::ProviderSpec Spec();

}  // namespace aoty

#pragma once

#include "common/runtime/provider_spec.hpp"

namespace discogs {

// The Discogs provider as data: name, default policy, cache TTLs, merge rank. main.cpp
// hands it to runtime::RunWorker; workers/fleet lists it with the others.
runtime::ProviderSpec Spec();

}  // namespace discogs

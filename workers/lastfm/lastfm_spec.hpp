#pragma once

#include "common/runtime/provider_spec.hpp"

namespace lastfm {

// The Last.fm provider as data: name, default policy, cache TTLs, merge rank. main.cpp
// hands it to runtime::RunWorker; workers/fleet lists it with the others.
runtime::ProviderSpec Spec();

}  // namespace lastfm

#pragma once

#include <string>
#include <vector>

#include "common/config/settings.hpp"
#include "common/runtime/provider_spec.hpp"

// The fleet's providers, gathered from their folders' specs (workers/<name>/<name>_spec.cpp)
// and handed to common/ as data: the topology every binary declares, the CLI's provider
// lists, the catalog's merge priority. A new provider adds its Spec() here.
namespace fleet {

// Every provider's spec, in fleet order (the order of `--providers all` and of listings).
const std::vector<runtime::ProviderSpec>& Providers();

// runtime::FleetNames(Providers()): for config::ParseProviderList and runtime::FleetTopology.
const config::ProviderNames& Names();

// runtime::MergePriority(Providers()): for db::CatalogWriter.
const std::vector<std::string>& MergePriority();

}  // namespace fleet

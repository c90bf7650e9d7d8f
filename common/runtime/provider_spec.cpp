#include "common/runtime/provider_spec.hpp"

#include <algorithm>

namespace runtime {

config::ProviderNames FleetNames(const std::vector<ProviderSpec>& fleet) {
  config::ProviderNames names;
  for (const auto& spec : fleet) {
    names.known.push_back(spec.name);
    if (spec.in_all) names.all.push_back(spec.name);
  }
  return names;
}

std::vector<std::string> MergePriority(const std::vector<ProviderSpec>& fleet) {
  std::vector<const ProviderSpec*> ranked;
  for (const auto& spec : fleet) {
    if (spec.merge_rank) ranked.push_back(&spec);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const ProviderSpec* a, const ProviderSpec* b) { return *a->merge_rank < *b->merge_rank; });
  std::vector<std::string> names;
  for (const auto* spec : ranked) names.push_back(spec->name);
  return names;
}

}  // namespace runtime

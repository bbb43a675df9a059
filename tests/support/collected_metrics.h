#pragma once

#include <prometheus/collectable.h>
#include <prometheus/labels.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <optional>
#include <string>

namespace cpe::testing {

// The one sample of family `name` with exactly `labels` in what `source`
// collects now; empty when there is none. For unit tests of the parts that
// count into a prometheus::Registry.
inline std::optional<prometheus::ClientMetric> collectedSample(
    const prometheus::Collectable& source, const std::string& name,
    const prometheus::Labels& labels = {}) {
  for (const prometheus::MetricFamily& family : source.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      prometheus::Labels has;
      for (const auto& label : metric.label) has[label.name] = label.value;
      if (has == labels) return metric;
    }
  }
  return std::nullopt;
}

// A counter's value; 0 when the series does not exist (yet).
inline double counterValue(const prometheus::Collectable& source, const std::string& name,
                           const prometheus::Labels& labels = {}) {
  const auto sample = collectedSample(source, name, labels);
  return sample ? sample->counter.value : 0;
}

// How many observations a histogram holds; 0 when the series does not exist.
inline std::uint64_t histogramCount(const prometheus::Collectable& source, const std::string& name,
                                    const prometheus::Labels& labels = {}) {
  const auto sample = collectedSample(source, name, labels);
  return sample ? sample->histogram.sample_count : 0;
}

}  // namespace cpe::testing

#include "cpe/metrics.h"

#include <prometheus/check_names.h>
#include <prometheus/text_serializer.h>

#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "cpe/sdk/mutex.h"

namespace cpe::metrics {
namespace {

double readSafely(const CallbackGauges::Read& read) {
  try {
    return read();
  } catch (...) {
    return std::numeric_limits<double>::quiet_NaN();
  }
}

prometheus::ClientMetric sample(const prometheus::Labels& labels, double value) {
  prometheus::ClientMetric metric;
  for (const auto& [name, text] : labels) metric.label.push_back({name, text});
  metric.gauge.value = value;
  return metric;
}

}  // namespace

void CallbackGauges::add(const std::string& name, const std::string& help, Read read,
                         const prometheus::Labels& labels) {
  if (!prometheus::CheckMetricName(name)) {
    throw std::invalid_argument("metrics: invalid name '" + name + "'");
  }
  for (const auto& label : labels) {
    if (!prometheus::CheckLabelName(label.first)) {
      throw std::invalid_argument("metrics: invalid label name '" + label.first + "'");
    }
  }
  MutexLock lock(mutex_);
  auto [family, made] = families_.try_emplace(name);
  if (made) family->second.help = help;
  family->second.readers[labels] = std::move(read);
}

std::vector<prometheus::MetricFamily> CallbackGauges::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  MutexLock lock(mutex_);
  families.reserve(families_.size());
  for (const auto& [name, family] : families_) {
    prometheus::MetricFamily collected;
    collected.name = name;
    collected.help = family.help;
    collected.type = prometheus::MetricType::Gauge;
    for (const auto& [labels, read] : family.readers) {
      collected.metric.push_back(sample(labels, readSafely(read)));
    }
    families.push_back(std::move(collected));
  }
  return families;
}

std::string render(const Sources& sources) {
  std::vector<prometheus::MetricFamily> families;
  for (const prometheus::Collectable* source : sources) {
    std::vector<prometheus::MetricFamily> collected = source->Collect();
    families.insert(families.end(), std::make_move_iterator(collected.begin()),
                    std::make_move_iterator(collected.end()));
  }
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, families);
  return text.str();
}

}  // namespace cpe::metrics

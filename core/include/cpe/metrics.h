#pragma once

#include <prometheus/collectable.h>
#include <prometheus/labels.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

// A process's metrics live in a prometheus::Registry (prometheus-cpp core:
// counters, gauges and histograms built with BuildCounter and friends, bumped
// without the registry's lock). What the library lacks is here: gauges read
// at scrape time, and the one function that serializes for GET /metrics.
namespace cpe::metrics {

// What prometheus::TextSerializer writes: the text exposition format 0.0.4.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Gauges whose value is read when the metrics are collected: a queue's
// length, a connection's state as 1 or 0. prometheus-cpp has only gauges that
// are set; one set by a timer would be stale at the scrape, and one set just
// before serializing would need every scrape path to remember it.
//
// Thread rule: every method is thread-safe. A reader runs inside Collect(),
// under this object's lock, on the scraping thread: it must not call add().
class CallbackGauges final : public prometheus::Collectable {
 public:
  using Read = std::function<double()>;

  // The gauge `name` with `labels`, read by `read` at each collection.
  // Adding the same name and labels again replaces the reader; a name's HELP
  // is the one given first. Throws std::invalid_argument for a metric or
  // label name Prometheus would refuse.
  void add(const std::string& name, const std::string& help, Read read,
           const prometheus::Labels& labels = {});

  // One gauge family per name, in name order. A reader that throws (its
  // source is gone, say) gives NaN rather than failing the whole scrape.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Family {
    std::string help;
    std::map<prometheus::Labels, Read> readers;
  };

  mutable Mutex mutex_;
  std::map<std::string, Family> families_ CPE_GUARDED_BY(mutex_);
};

// What one GET /metrics answers, in order: a registry, callback gauges, ...
// Each outlives every scrape.
using Sources = std::vector<const prometheus::Collectable*>;

// Everything `sources` collect, in the text exposition format.
std::string render(const Sources& sources);

}  // namespace cpe::metrics

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cpe/sdk/thread_annotations.h"

namespace cpe::metrics {

// Label names and values of one series, in the order they are rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

// A count that only goes up. increment() is one relaxed atomic add: cheap
// enough for every request on the hot path.
class Counter {
 public:
  void increment(std::uint64_t by = 1) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// The metrics of one process, rendered for GET /metrics in the Prometheus
// text exposition format, version 0.0.4. A series is registered once (most
// at start-up) and lives as long as the registry; counters are bumped
// without the registry's lock.
//
// Thread rule: every method is thread-safe. A gauge's reader runs inside
// render(), under the registry's lock: it must not call the registry.
class Registry {
 public:
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // The counter `name` with `labels`: made by the first call, the same one
  // after. Throws std::invalid_argument for a name or label name Prometheus
  // would refuse, or a name already taken by a gauge.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  // A value read at every render: a queue length, a state as 1 or 0.
  // Registering the same name and labels again replaces the reader.
  void gauge(const std::string& name, const std::string& help, std::function<double()> read,
             const Labels& labels = {});

  // Every series, grouped by name with its HELP and TYPE lines, in name order.
  std::string render() const;

 private:
  struct Family {
    std::string help;
    bool isCounter = true;
    // Keyed by the rendered label set, e.g. {code="200"}.
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::function<double()>> gauges;
  };

  Family& family(const std::string& name, const std::string& help, bool isCounter);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe::metrics

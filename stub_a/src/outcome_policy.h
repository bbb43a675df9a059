#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::stub {

// The answers A can give to a valid request.
enum class Outcome { kSuccess, kEquipmentNotFound, kProvisioningFailure };

int httpStatusOf(Outcome outcome);

// Decides which answer a device gets, in this order: an unknown device (when
// a known-devices list is configured) gets kEquipmentNotFound; a device on
// the always-fail list gets kProvisioningFailure; otherwise a failure is
// drawn with probability failureRate from a generator seeded once, so the
// same sequence of requests gets the same answers. Thread-safe.
class OutcomePolicy {
 public:
  using DeviceSet = std::unordered_set<std::string>;

  OutcomePolicy(std::optional<DeviceSet> knownDevices, DeviceSet failingDevices, double failureRate,
                std::uint64_t seed);

  // Reads device ids, one per line; blank lines and '#' comments are skipped.
  // Throws std::runtime_error naming the file if it cannot be read.
  static DeviceSet readDeviceFile(const std::string& path);

  Outcome decide(const std::string& equipmentId);

 private:
  bool drawFailure();

  const std::optional<DeviceSet> knownDevices_;
  const DeviceSet failingDevices_;
  const double failureRate_;
  Mutex mutex_;
  std::mt19937_64 random_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe::stub

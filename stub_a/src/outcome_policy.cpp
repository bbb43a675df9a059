#include "outcome_policy.h"

#include <Poco/String.h>

#include <fstream>
#include <stdexcept>

#include "cpe/sdk/mutex.h"

namespace cpe::stub {

int httpStatusOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return 200;
    case Outcome::kEquipmentNotFound:
      return 404;
    case Outcome::kProvisioningFailure:
      return 500;
  }
  return 500;
}

OutcomePolicy::OutcomePolicy(std::optional<DeviceSet> knownDevices, DeviceSet failingDevices,
                             double failureRate, std::uint64_t seed)
    : knownDevices_(std::move(knownDevices)),
      failingDevices_(std::move(failingDevices)),
      failureRate_(failureRate),
      random_(seed) {}

OutcomePolicy::DeviceSet OutcomePolicy::readDeviceFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read device list " + path);
  DeviceSet devices;
  std::string line;
  while (std::getline(in, line)) {
    const std::string id = Poco::trim(line.substr(0, line.find('#')));
    if (!id.empty()) devices.insert(id);
  }
  return devices;
}

Outcome OutcomePolicy::decide(const std::string& equipmentId) {
  if (knownDevices_ && knownDevices_->count(equipmentId) == 0) return Outcome::kEquipmentNotFound;
  if (failingDevices_.count(equipmentId) != 0) return Outcome::kProvisioningFailure;
  return drawFailure() ? Outcome::kProvisioningFailure : Outcome::kSuccess;
}

bool OutcomePolicy::drawFailure() {
  if (failureRate_ <= 0.0) return false;
  MutexLock lock(mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_) < failureRate_;
}

}  // namespace cpe::stub

#include "proton_log.h"

#include <Poco/Logger.h>

namespace cpe::brokers::proton_amqp {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("broker.proton"); }

}  // namespace

void logInformation(const std::string& text) noexcept {
  try {
    logger().information(text);
  } catch (...) {  // a failing log channel must not stop the broker
  }
}

void logWarning(const std::string& text) noexcept {
  try {
    logger().warning(text);
  } catch (...) {
  }
}

void logError(const std::string& text) noexcept {
  try {
    logger().error(text);
  } catch (...) {
  }
}

}  // namespace cpe::brokers::proton_amqp

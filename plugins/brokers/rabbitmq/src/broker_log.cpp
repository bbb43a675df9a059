#include "broker_log.h"

#include <Poco/Logger.h>

namespace cpe::brokers::rabbitmq {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("broker.rabbitmq"); }

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

}  // namespace cpe::brokers::rabbitmq

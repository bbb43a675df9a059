#pragma once

#include "cpe/sdk/plugin_support.h"

namespace cpe::brokers::rabbitmq {

// The plugin's log, on Poco's "broker.rabbitmq" logger; never a message body.
inline const plugin::PluginLog& pluginLog() {
  static const plugin::PluginLog log("broker.rabbitmq");
  return log;
}

}  // namespace cpe::brokers::rabbitmq

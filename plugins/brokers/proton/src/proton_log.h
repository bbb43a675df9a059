#pragma once

#include "cpe/sdk/plugin_support.h"

namespace cpe::brokers::proton_amqp {

// The plugin's log, on Poco's "broker.proton" logger; never a message body.
inline const plugin::PluginLog& pluginLog() {
  static const plugin::PluginLog log("broker.proton");
  return log;
}

}  // namespace cpe::brokers::proton_amqp

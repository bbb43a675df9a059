#include "cpe/server/config/layered_configuration.h"

#include <Poco/Path.h>
#include <Poco/Util/MapConfiguration.h>

#include "cpe/server/config/config_reader.h"
#include "cpe/server/config/environment_configuration.h"
#include "cpe/server/logging/log_format.h"

namespace cpe::config {
namespace {

// Lower numbers win in Poco's LayeredConfiguration; Application's own layers
// sit at -100 (application.*), 0 (files) and 100 (system.*).
constexpr int kPriorityDefinitions = -300;
constexpr int kPriorityEnvironment = -200;
constexpr int kPriorityDefaults = 50;

}  // namespace

void layerConfiguration(Poco::Util::Application& app, const std::string& file,
                        const Definitions& definitions) {
  auto& layers = app.config();
  Poco::AutoPtr<Poco::Util::MapConfiguration> defined = new Poco::Util::MapConfiguration;
  for (const auto& [key, value] : definitions) defined->setString(key, value);
  layers.add(defined, kPriorityDefinitions, /*writeable=*/false);
  layers.add(new EnvironmentConfiguration, kPriorityEnvironment, /*writeable=*/false);
  if (!file.empty()) app.loadConfiguration(file);
  // A value other than text or json is refused once logging works
  // (ServerApplication::main); until then the text format reports it.
  const auto format = logging::parseLogFormat(layers.getString(logging::kLogFormatKey, "text"));
  Poco::AutoPtr<Poco::Util::MapConfiguration> defaults =
      logging::loggingDefaults(app.commandName(), format.value_or(logging::LogFormat::kText));
  if (!file.empty()) {
    Poco::Path directory(Poco::Path(file).absolute().parent());
    defaults->setString("configDir", directory.toString());
  }
  layers.add(defaults, kPriorityDefaults, /*writeable=*/false);
}

void addDefinition(const std::string& text, Definitions& definitions) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw ConfigError("--define expects key=value, got '" + text + "'");
  }
  definitions[text.substr(0, equals)] = text.substr(equals + 1);
}

}  // namespace cpe::config

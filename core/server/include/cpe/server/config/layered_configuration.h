#pragma once

#include <Poco/Util/Application.h>

#include <map>
#include <string>

namespace cpe::config {

// Command-line `--define key=value` pairs, in order of appearance.
using Definitions = std::map<std::string, std::string>;

// Layers an application's configuration the same way for every cpe program,
// highest precedence first:
//   1. `--define key=value` on the command line,
//   2. environment variables (see EnvironmentConfiguration),
//   3. the configuration file, if `file` is not empty,
//   4. built-in defaults for logging (one line per event on the console, as
//      text or JSON as `logging.format` says: cpe/server/logging/log_format.h),
//      and `configDir`: the loaded file's folder with a trailing slash, so a
//      file can name its neighbours as ${configDir}name.
// Call from Application::initialize() before the base class initializes its
// subsystems, so that logging picks up the result. Throws on an unreadable file.
void layerConfiguration(Poco::Util::Application& app, const std::string& file,
                        const Definitions& definitions);

// Splits "key=value" (value may be empty) into `definitions`; throws
// ConfigError when there is no '='.
void addDefinition(const std::string& text, Definitions& definitions);

}  // namespace cpe::config

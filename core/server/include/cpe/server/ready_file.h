#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace cpe {

// Announces that a service is serving: writes {"pid":…,"<name>":port,…} to
// `path` atomically (write, then rename), so scripts and tests that chose
// port 0 learn the real ports and never read half a file. Throws
// Poco::Exception if the file cannot be written.
void writeReadyFile(const std::string& path, const std::map<std::string, std::uint16_t>& ports);

}  // namespace cpe

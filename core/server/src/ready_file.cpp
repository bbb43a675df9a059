#include "cpe/server/ready_file.h"

#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Object.h>
#include <Poco/Process.h>

namespace cpe {

void writeReadyFile(const std::string& path, const std::map<std::string, std::uint16_t>& ports) {
  Poco::JSON::Object ready(Poco::JSON_PRESERVE_KEY_ORDER);
  ready.set("pid", static_cast<Poco::Int64>(Poco::Process::id()));
  for (const auto& [name, port] : ports) ready.set(name, port);
  const std::string temporary = path + ".tmp";
  {
    Poco::FileOutputStream out(temporary);
    ready.stringify(out);
  }
  Poco::File(temporary).renameTo(path);
}

}  // namespace cpe

#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <string>

namespace cpe::config {

// Exposes environment variables as configuration keys, so a deployment can
// override any key without editing files: key `stub.delaySeconds` is read
// from CPE_STUB_DELAYSECONDS (prefix CPE_, upper case, dots to underscores).
// Read-only; lookups go to the live environment.
class EnvironmentConfiguration final : public Poco::Util::AbstractConfiguration {
 public:
  static std::string variableFor(const std::string& key);

 protected:
  bool getRaw(const std::string& key, std::string& value) const override;
  void setRaw(const std::string& key, const std::string& value) override;
  void enumerate(const std::string& key, Keys& range) const override;
};

}  // namespace cpe::config

// This tree's store plugins, as the contract suite and the store-specific
// tests run them: from the build's plugin directory, by name.

#include "store_fixture.h"

namespace cpe::testing {

StoreUnderTest inTreeStore(const std::string& name) {
  StoreUnderTest store{name, name, CPE_PLUGIN_DIR, {}, false};
  if (name == "sqlite") store.settings["store.sqlite.path"] = "${tmpDir}/tasks.db";
  if (name == "postgres") store.freshPostgresSchema = true;
  return store;
}

StoreFactory::StoreFactory(const std::string& pluginName) : StoreFactory(inTreeStore(pluginName)) {}

}  // namespace cpe::testing

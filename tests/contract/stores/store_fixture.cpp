#include "store_fixture.h"

#include <stdlib.h>

#include <filesystem>

#include "postgres_support.h"

namespace cpe::testing {

Task makeTask(const std::string& id, EpochMillis createdAt) {
  Task task;
  task.id = id;
  task.equipmentId = "SN-" + id;
  task.timeoutInSeconds = 14;
  task.parametersJson =
      std::string(R"({"username":"admin","password":")") + kSecret + R"(","vlan":534})";
  task.status = TaskStatus::kQueued;
  task.createdAt = createdAt;
  task.updatedAt = createdAt;
  return task;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cpe-store-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << pattern;
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

StoreFactory::StoreFactory(const std::string& pluginName)
    : pluginName_(pluginName), config_(new Poco::Util::MapConfiguration) {
  if (pluginName == "sqlite") config_->setString("store.sqlite.path", dir_.path() + "/tasks.db");
  if (pluginName == "postgres") {
    schema_ = uniqueSchemaName();
    config_->setString("store.postgres.connection", testPostgresConninfo());
    config_->setString("store.postgres.schema", schema_);
  }
}

StoreFactory::~StoreFactory() {
  if (!schema_.empty()) queryPostgres("DROP SCHEMA IF EXISTS \"" + schema_ + "\" CASCADE");
}

Result<std::unique_ptr<TaskStore>> StoreFactory::create() const {
  return plugin::PluginLoader(CPE_PLUGIN_DIR).createStore(pluginName_, *config_);
}

std::unique_ptr<TaskStore> StoreFactory::createOrFail() const {
  auto store = create();
  if (!store.isOk()) {
    ADD_FAILURE() << pluginName_ << ": " << store.status().toString();
    return nullptr;
  }
  return std::move(store).value();
}

}  // namespace cpe::testing

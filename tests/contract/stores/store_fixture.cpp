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

void PrintTo(const StoreUnderTest& store, std::ostream* out) { *out << store.plugin; }

StoreFactory::StoreFactory(const StoreUnderTest& store)
    : store_(store), config_(new Poco::Util::MapConfiguration) {
  static const std::string kTmpDir = "${tmpDir}";
  for (auto [key, value] : store.settings) {
    for (auto at = value.find(kTmpDir); at != std::string::npos; at = value.find(kTmpDir)) {
      value.replace(at, kTmpDir.size(), dir_.path());
    }
    config_->setString(key, value);
  }
  if (store.freshPostgresSchema) {
    schema_ = uniqueSchemaName();
    config_->setString("store.postgres.connection", testPostgresConninfo());
    config_->setString("store.postgres.schema", schema_);
  }
}

StoreFactory::~StoreFactory() {
  if (!schema_.empty()) queryPostgres("DROP SCHEMA IF EXISTS \"" + schema_ + "\" CASCADE");
}

Result<std::unique_ptr<TaskStore>> StoreFactory::create() const {
  return plugin::PluginLoader(store_.pluginDir).createStore(store_.plugin, *config_);
}

void expectVersion1TasksMigrated(TaskStore& store, const Task& queued) {
  auto old = store.get("v1-queued");
  ASSERT_TRUE(old.isOk()) << old.status().toString();
  EXPECT_EQ(old.value().parametersJson, queued.parametersJson);
  EXPECT_EQ(old.value().status, TaskStatus::kQueued);
  EXPECT_EQ(old.value().createdAt, queued.createdAt);
  auto done = store.get("v1-done");
  ASSERT_TRUE(done.isOk()) << done.status().toString();
  EXPECT_EQ(done.value().status, TaskStatus::kFailed);
  EXPECT_EQ(done.value().resultMessage, "boom");

  auto queuedBefore = store.queuedBefore(queued.createdAt + 100, 10);
  ASSERT_TRUE(queuedBefore.isOk()) << queuedBefore.status().toString();
  EXPECT_EQ(queuedBefore.value().count, 1u);
  EXPECT_EQ(queuedBefore.value().oldestIds, std::vector<std::string>{"v1-queued"});
  Task keyed = makeTask("v2", queued.createdAt + 10);
  Task again = makeTask("v2-again", queued.createdAt + 11);
  again.equipmentId = keyed.equipmentId;  // the key is per device
  auto first = store.insertWithKey(keyed, "key-1", queued.createdAt);
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  auto repeated = store.insertWithKey(again, "key-1", queued.createdAt);
  ASSERT_TRUE(repeated.isOk()) << repeated.status().toString();
  EXPECT_EQ(repeated.value().id, "v2");
}

std::unique_ptr<TaskStore> StoreFactory::createOrFail() const {
  auto store = create();
  if (!store.isOk()) {
    ADD_FAILURE() << store_.plugin << ": " << store.status().toString();
    return nullptr;
  }
  return std::move(store).value();
}

}  // namespace cpe::testing

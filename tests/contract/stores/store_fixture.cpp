#include "store_fixture.h"

#include <stdlib.h>

#include <filesystem>
#include <limits>

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

std::string insertVersion2Tasks(const std::string& tasks, EpochMillis t0) {
  auto row = [t0](const std::string& id, const char* statusAndResult, EpochMillis created,
                  EpochMillis updated, const char* published) {
    return "('" + id + "', 'SN-" + id + "', 14, '{}', " + statusAndResult + ", " +
           std::to_string(t0 + created) + ", " + std::to_string(t0 + updated) + ", " + published +
           ")";
  };
  // TRUE and FALSE: SQLite and PostgreSQL both take them for `published`.
  return "INSERT INTO " + tasks +
         " (id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
         " result_message, created_at, updated_at, published) VALUES " +
         row("v2-waiting", "'queued', 0, ''", 0, 0, "FALSE") + ", " +
         row("v2-sent", "'queued', 0, ''", 1, 5, "TRUE") + ", " +
         row("v2-done", "'failed', 500, 'boom'", 2, 3, "TRUE");
}

void expectVersion2TasksMigrated(TaskStore& store, EpochMillis t0) {
  constexpr EpochMillis kForever = std::numeric_limits<EpochMillis>::max();
  auto published = store.publishedBefore(kForever, 10);
  ASSERT_TRUE(published.isOk()) << published.status().toString();
  ASSERT_EQ(published.value().size(), 1u);
  EXPECT_EQ(published.value()[0].id, "v2-sent");
  EXPECT_EQ(published.value()[0].equipmentId, "SN-v2-sent");
  EXPECT_EQ(published.value()[0].publishCount, 1);
  EXPECT_EQ(published.value()[0].lastPublishedAt, t0 + 5);
  auto outbox = store.unpublished(10, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  ASSERT_EQ(outbox.value().size(), 1u);
  EXPECT_EQ(outbox.value()[0].id, "v2-waiting");

  // The reconciler's round trip on migrated tasks: back to the outbox (the
  // terminal one stays as it was), and published once more.
  ASSERT_TRUE(store.markUnpublished({"v2-sent", "v2-done"}).isOk());
  auto handedBack = store.unpublished(10, kForever);
  ASSERT_TRUE(handedBack.isOk()) << handedBack.status().toString();
  ASSERT_EQ(handedBack.value().size(), 2u);
  EXPECT_EQ(handedBack.value()[0].id, "v2-waiting");
  EXPECT_EQ(handedBack.value()[1].id, "v2-sent");
  auto done = store.get("v2-done");
  ASSERT_TRUE(done.isOk()) << done.status().toString();
  EXPECT_EQ(done.value().status, TaskStatus::kFailed);
  EXPECT_EQ(done.value().resultMessage, "boom");
  ASSERT_TRUE(store.markPublished({"v2-sent"}).isOk());
  auto republished = store.publishedBefore(kForever, 10);
  ASSERT_TRUE(republished.isOk()) << republished.status().toString();
  ASSERT_EQ(republished.value().size(), 1u);
  EXPECT_EQ(republished.value()[0].publishCount, 2);
  EXPECT_GT(republished.value()[0].lastPublishedAt, t0 + 5);
}

std::string insertVersion3Tasks(const std::string& tasks, EpochMillis t0) {
  auto row = [t0](const std::string& id, const char* device, const char* statusAndResult,
                  EpochMillis created, EpochMillis updated, const char* published,
                  const char* publishes) {
    return "('" + id + "', '" + device + "', 14, '{}', " + statusAndResult + ", " +
           std::to_string(t0 + created) + ", " + std::to_string(t0 + updated) + ", " + published +
           ", " + publishes + ")";
  };
  const std::string sent = "1, " + std::to_string(t0 + 1);
  return "INSERT INTO " + tasks +
         " (id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
         " result_message, created_at, updated_at, published, publish_count, last_published_at)"
         " VALUES " +
         row("v3-done", "SN-OLD", "'completed', 200, 'success'", 0, 9, "TRUE", "0, NULL") + ", " +
         row("v3-sent", "SN-OLD", "'queued', 0, ''", 1, 1, "TRUE", sent.c_str()) + ", " +
         row("v3-waiting", "SN-OLD", "'queued', 0, ''", 1, 1, "FALSE", "0, NULL") + ", " +
         row("v3-other", "SN-ELSE", "'queued', 0, ''", 2, 2, "FALSE", "0, NULL");
}

void expectVersion3TasksListed(TaskStore& store, EpochMillis t0) {
  auto first = store.listDeviceTasks("SN-OLD", 2, std::nullopt);
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  ASSERT_EQ(first.value().size(), 2u);
  EXPECT_EQ(first.value()[0].id, "v3-waiting");
  EXPECT_EQ(first.value()[0].status, TaskStatus::kQueued);
  EXPECT_EQ(first.value()[0].createdAt, t0 + 1);
  EXPECT_EQ(first.value()[1].id, "v3-sent");
  const TaskPosition after{first.value()[1].createdAt, first.value()[1].id};
  auto second = store.listDeviceTasks("SN-OLD", 2, after);
  ASSERT_TRUE(second.isOk()) << second.status().toString();
  ASSERT_EQ(second.value().size(), 1u);
  EXPECT_EQ(second.value()[0].id, "v3-done");
  EXPECT_EQ(second.value()[0].status, TaskStatus::kCompleted);
  EXPECT_EQ(second.value()[0].createdAt, t0);
  EXPECT_EQ(second.value()[0].updatedAt, t0 + 9);
  auto other = store.listDeviceTasks("SN-ELSE", 10, std::nullopt);
  ASSERT_TRUE(other.isOk()) << other.status().toString();
  ASSERT_EQ(other.value().size(), 1u);
  EXPECT_EQ(other.value()[0].id, "v3-other");
}

std::string insertVersion4Tasks(const std::string& tasks, EpochMillis t0) {
  const std::string clear = makeTask("x", t0).parametersJson;
  auto row = [t0](const std::string& id, const std::string& parameters, const char* statusAndResult,
                  EpochMillis created, EpochMillis updated, const char* published) {
    return "('" + id + "', 'SN-" + id + "', 14, '" + parameters + "', " + statusAndResult + ", " +
           std::to_string(t0 + created) + ", " + std::to_string(t0 + updated) + ", " + published +
           ")";
  };
  return "INSERT INTO " + tasks +
         " (id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
         " result_message, created_at, updated_at, published) VALUES " +
         row("v4-done", clear, "'completed', 200, 'success'", 0, 9, "TRUE") + ", " +
         row("v4-waiting", clear, "'queued', 0, ''", 1, 1, "FALSE") + ", " +
         row("v4-sealed", "U0VBTEVE", "'queued', 0, ''", 2, 2, "FALSE");
}

void expectVersion4TasksWiped(TaskStore& store, EpochMillis t0) {
  auto done = store.get("v4-done");
  ASSERT_TRUE(done.isOk()) << done.status().toString();
  EXPECT_EQ(done.value().parametersJson, "");
  EXPECT_EQ(done.value().status, TaskStatus::kCompleted);
  EXPECT_EQ(done.value().resultCode, 200);
  EXPECT_EQ(done.value().resultMessage, "success");
  EXPECT_EQ(done.value().updatedAt, t0 + 9);
  auto waiting = store.get("v4-waiting");
  ASSERT_TRUE(waiting.isOk()) << waiting.status().toString();
  EXPECT_EQ(waiting.value().parametersJson, makeTask("x", t0).parametersJson);
  auto sealed = store.get("v4-sealed");
  ASSERT_TRUE(sealed.isOk()) << sealed.status().toString();
  EXPECT_EQ(sealed.value().parametersJson, "U0VBTEVE");
  auto inTheClear = store.queuedInTheClear(10, "");
  ASSERT_TRUE(inTheClear.isOk()) << inTheClear.status().toString();
  ASSERT_EQ(inTheClear.value().size(), 1u);
  EXPECT_EQ(inTheClear.value()[0].id, "v4-waiting");
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

// CredentialMigration over the memory store (behind FaultyStore): queued
// tasks an older version stored in the clear are sealed in place, for their
// own task and device, and nothing else is touched; a task changed under it
// is left as it is; a store failure is returned, never swallowed.
#include "credentials/credential_migration.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cpe/older_sdk_store.h"
#include "faulty_store.h"
#include "memory_store.h"

namespace cpe::host {
namespace {

using cpe::test::FaultyStore;
using cpe::test::StoreMethod;

constexpr const char* kClear = R"({"username":"admin","password":"s3cr3t-Pa55word","vlan":7})";

CredentialKey keyOf(char fill) {
  return CredentialKey::fromFileContents(std::string(CredentialKey::kSize, fill)).value();
}

Task queuedTask(const std::string& id, const std::string& parameters = kClear) {
  Task task;
  task.id = id;
  task.equipmentId = "SN-" + id;
  task.timeoutInSeconds = 14;
  task.parametersJson = parameters;
  task.createdAt = nowMillis();
  task.updatedAt = task.createdAt;
  return task;
}

class CredentialMigrationTest : public ::testing::Test {
 protected:
  void insert(const Task& task) { ASSERT_TRUE(store_.inner().insert(task).isOk()); }
  std::string storedParameters(const std::string& id) {
    auto task = store_.inner().get(id);
    EXPECT_TRUE(task.isOk()) << task.status().toString();
    return task.isOk() ? task.value().parametersJson : std::string();
  }

  FaultyStore store_;
  const CredentialSealer sealer_{keyOf('k')};
};

TEST_F(CredentialMigrationTest, SealsEveryQueuedTaskInTheClearAcrossPagesForItsTaskAndDevice) {
  const std::vector<std::string> ids = {"t1", "t2", "t3", "t4", "t5"};
  for (const auto& id : ids) insert(queuedTask(id));

  auto count = CredentialMigration(store_, sealer_, /*pageSize=*/2).run();
  ASSERT_TRUE(count.isOk()) << count.status().toString();
  EXPECT_EQ(count.value().sealed, ids.size());
  EXPECT_EQ(count.value().skipped, 0u);
  for (const auto& id : ids) {
    const std::string stored = storedParameters(id);
    EXPECT_TRUE(CredentialSealer::looksSealed(stored)) << id;
    EXPECT_EQ(stored.find("s3cr3t"), std::string::npos) << id;
    auto opened = sealer_.open(stored, id, "SN-" + id);
    ASSERT_TRUE(opened.isOk()) << opened.status().toString();
    EXPECT_EQ(opened.value(), kClear);
    EXPECT_FALSE(sealer_.open(stored, "t9", "SN-" + id).isOk()) << "sealed for another task";
    EXPECT_FALSE(sealer_.open(stored, id, "SN-other").isOk()) << "sealed for another device";
  }
  // Three pages of two: the last one short.
  EXPECT_EQ(store_.calls(StoreMethod::kQueuedInTheClear), 3);
  EXPECT_TRUE(store_.inner().queuedInTheClear(10, "").value().empty());
}

TEST_F(CredentialMigrationTest, LeavesSealedAndFinishedTasksAsTheyAre) {
  const Task sealed = queuedTask("sealed", sealer_.seal(kClear, "sealed", "SN-sealed"));
  insert(sealed);
  insert(queuedTask("done"));
  TaskResult result;
  result.taskId = "done";
  result.status = TaskStatus::kCompleted;
  result.code = 200;
  ASSERT_TRUE(store_.inner().complete(result).isOk());

  auto count = CredentialMigration(store_, sealer_).run();
  ASSERT_TRUE(count.isOk()) << count.status().toString();
  EXPECT_EQ(count.value().sealed, 0u);
  EXPECT_EQ(storedParameters("sealed"), sealed.parametersJson);
  EXPECT_EQ(storedParameters("done"), "");
  EXPECT_EQ(store_.calls(StoreMethod::kReplaceParameters), 0);
}

TEST_F(CredentialMigrationTest, ATaskSealedByAnotherHostMeanwhileIsLeftToIt) {
  insert(queuedTask("t1"));
  insert(queuedTask("t2"));
  const CredentialSealer otherHost(keyOf('o'));
  std::string theirs;
  // Just before our swap of t1, another host swaps in its own blob.
  store_.setHook([&](StoreMethod method) {
    if (method != StoreMethod::kReplaceParameters || !theirs.empty()) return;
    theirs = otherHost.seal(kClear, "t1", "SN-t1");
    ASSERT_TRUE(store_.inner().replaceParameters("t1", kClear, theirs).value());
  });

  auto count = CredentialMigration(store_, sealer_).run();
  ASSERT_TRUE(count.isOk()) << count.status().toString();
  EXPECT_EQ(count.value().sealed, 1u);
  EXPECT_EQ(count.value().skipped, 1u);
  EXPECT_EQ(storedParameters("t1"), theirs);
  EXPECT_TRUE(sealer_.open(storedParameters("t2"), "t2", "SN-t2").isOk());
}

TEST_F(CredentialMigrationTest, AStoreThatCannotListIsAnErrorNotAQuietStart) {
  insert(queuedTask("t1"));
  store_.failAlways(StoreMethod::kQueuedInTheClear, Status::unavailable("database down"));
  auto count = CredentialMigration(store_, sealer_).run();
  ASSERT_FALSE(count.isOk());
  EXPECT_EQ(count.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(storedParameters("t1"), kClear);
}

TEST_F(CredentialMigrationTest, AFailedSwapStopsTheRunAndARetryFinishesIt) {
  for (const char* id : {"t1", "t2", "t3"}) insert(queuedTask(id));
  store_.failNext(StoreMethod::kReplaceParameters, 1, Status::unavailable("database busy"));

  auto failed = CredentialMigration(store_, sealer_).run();
  ASSERT_FALSE(failed.isOk());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(failed.status().message().find("database busy"), std::string::npos);
  EXPECT_EQ(failed.status().message().find("s3cr3t"), std::string::npos);
  EXPECT_EQ(storedParameters("t1"), kClear);

  auto retried = CredentialMigration(store_, sealer_).run();
  ASSERT_TRUE(retried.isOk()) << retried.status().toString();
  EXPECT_EQ(retried.value().sealed, 3u);
}

TEST_F(CredentialMigrationTest, AStorePluginBeforeSdk62IsAWarningAndStoredTasksStayAsTheyAre) {
  auto older = plugin::behindSealingDefaults(stores::memory::newMemoryStore());
  ASSERT_TRUE(older->insert(queuedTask("t1")).isOk());
  auto count = CredentialMigration(*older, sealer_).run();
  ASSERT_TRUE(count.isOk()) << count.status().toString();
  EXPECT_EQ(count.value().sealed, 0u);
  EXPECT_EQ(older->get("t1").value().parametersJson, kClear);
}

TEST(OlderSdkStore, PluginsBuiltBeforeSdk62AreToldApartByTheirVersion) {
  EXPECT_TRUE(plugin::predatesSealingMethods("6.1.0"));
  EXPECT_TRUE(plugin::predatesSealingMethods("6.0.3"));
  EXPECT_TRUE(plugin::predatesSealingMethods("5.9.0"));
  EXPECT_TRUE(plugin::predatesSealingMethods("garbage"));
  EXPECT_FALSE(plugin::predatesSealingMethods("6.2.0"));
  EXPECT_FALSE(plugin::predatesSealingMethods("6.10.0"));
  EXPECT_FALSE(plugin::predatesSealingMethods("7.0.0"));
}

TEST(OlderSdkStore, ForwardsTheMethodsOfSdk61AndAnswersTheNewOnesUnimplemented) {
  auto older = plugin::behindSealingDefaults(stores::memory::newMemoryStore());
  ASSERT_TRUE(older->insert(queuedTask("t1")).isOk());
  EXPECT_EQ(older->get("t1").value().parametersJson, kClear);
  EXPECT_TRUE(older->ping().isOk());
  EXPECT_EQ(older->queuedInTheClear(10, "").status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(older->replaceParameters("t1", kClear, "U0VBTEVE").status().code(),
            StatusCode::kUnimplemented);
  EXPECT_EQ(older->get("t1").value().parametersJson, kClear);
  EXPECT_EQ(older->deleteFinishedBefore(nowMillis(), 10).status().code(),
            StatusCode::kUnimplemented);
}

TEST(OlderSdkStore, PluginsBuiltBeforeSdk63AreToldApartByTheirVersion) {
  EXPECT_TRUE(plugin::predatesRetention("6.2.0"));
  EXPECT_TRUE(plugin::predatesRetention("6.1.9"));
  EXPECT_TRUE(plugin::predatesRetention("garbage"));
  EXPECT_FALSE(plugin::predatesRetention("6.3.0"));
  EXPECT_FALSE(plugin::predatesRetention("6.12.1"));
  EXPECT_FALSE(plugin::predatesRetention("7.0.0"));
}

TEST(OlderSdkStore, ForwardsTheSealingMethodsOfSdk62ButNotRetention) {
  auto older = plugin::behindRetentionDefaults(stores::memory::newMemoryStore());
  ASSERT_TRUE(older->insert(queuedTask("t1")).isOk());
  auto listed = older->queuedInTheClear(10, "");
  ASSERT_TRUE(listed.isOk()) << listed.status().toString();
  EXPECT_EQ(listed.value().size(), 1u);
  auto replaced = older->replaceParameters("t1", kClear, "U0VBTEVE");
  ASSERT_TRUE(replaced.isOk()) << replaced.status().toString();
  EXPECT_TRUE(replaced.value());
  EXPECT_EQ(older->deleteFinishedBefore(nowMillis(), 10).status().code(),
            StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace cpe::host

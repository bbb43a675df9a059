#pragma once

// What the store contract tests share: a fresh store of a plugin, created
// through PluginLoader exactly as the host creates it, and tasks to put in
// it. The same suite runs over this tree's plugins (in_tree_stores.cpp) and
// over any plugin .so given to cpe-store-contract (store_contract_main.cpp).

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "cpe/plugin_loader.h"
#include "cpe/sdk/task.h"
#include "cpe/sdk/task_store.h"

namespace cpe::testing {

// The parameters every test task carries: a password that must never
// appear in an error message.
inline constexpr const char* kSecret = "s3cr3t-Pa55word";

// A queued task created at `createdAt`, every field set.
Task makeTask(const std::string& id, EpochMillis createdAt);

// For the schema migration tests: a store just opened on a version 1
// database holding "v1-queued" (`queued`, unpublished) and "v1-done" (failed,
// 500 "boom"). Both must read back unchanged, and what version 2 added must
// work on the migrated data: queuedBefore() finds v1-queued, insertWithKey()
// answers a repeated key with the first task ("v2").
void expectVersion1TasksMigrated(TaskStore& store, const Task& queued);

// For the migrations from version 2: SQL that inserts, into `tasks` (a
// table of version 2, qualified as the store needs), tasks of every kind at
// `t0` and after: "v2-waiting" (queued, unpublished), "v2-sent" (queued,
// published, updated at t0 + 5) and "v2-done" (failed, 500 "boom").
std::string insertVersion2Tasks(const std::string& tasks, EpochMillis t0);

// A store just opened on a version 2 database holding insertVersion2Tasks():
// "v2-sent" counts one publish, at its updated_at; the others read back as
// they were, and what version 3 added works on the migrated data.
void expectVersion2TasksMigrated(TaskStore& store, EpochMillis t0);

// For the migrations from version 3: SQL that inserts, into `tasks` (a
// table of version 3, qualified as the store needs), tasks of device
// "SN-OLD" at `t0` and after: "v3-done" (completed at t0 + 9), "v3-sent"
// (queued, published) and "v3-waiting" (queued), the last two created in
// the same millisecond; and "v3-other" of device "SN-ELSE".
std::string insertVersion3Tasks(const std::string& tasks, EpochMillis t0);

// A store just opened on a version 3 database holding insertVersion3Tasks():
// listDeviceTasks() pages through SN-OLD's tasks newest first, ties by id.
void expectVersion3TasksListed(TaskStore& store, EpochMillis t0);

// For the migrations from version 4 (parameters sealed, SDK 6.2): SQL that
// inserts, into `tasks` (a table of version 4, qualified as the store
// needs), tasks an older version left at `t0` and after: "v4-done"
// (completed, its parameters with kSecret never wiped), "v4-waiting"
// (queued, parameters in the clear) and "v4-sealed" (queued, sealed).
std::string insertVersion4Tasks(const std::string& tasks, EpochMillis t0);

// A store just opened on a version 4 database holding insertVersion4Tasks():
// v4-done keeps everything but its parameters, which are wiped; the queued
// ones keep theirs, and queuedInTheClear() lists v4-waiting alone.
void expectVersion4TasksWiped(TaskStore& store, EpochMillis t0);

// A directory that exists for the life of the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A store plugin the contract suite runs against.
struct StoreUnderTest {
  std::string label;      // ends each test's name: StoreContract.X/<label>
  std::string plugin;     // a name (found in pluginDir) or a path to the .so
  std::string pluginDir;  // where names are looked up
  // Configuration keys in full ("store.sqlite.path"); "${tmpDir}" in a value
  // becomes a directory of the test's own, removed after it.
  std::map<std::string, std::string> settings;
  // This tree's postgres store: each test gets a schema of its own in the
  // test database (postgres_support.h), dropped after it.
  bool freshPostgresSchema = false;
};
void PrintTo(const StoreUnderTest& store, std::ostream* out);

// This tree's store plugin `name` ("memory", "sqlite", "postgres") as the
// contract suite runs it, from the build's plugin directory.
StoreUnderTest inTreeStore(const std::string& name);

// Creates stores of one plugin with a configuration the test can add keys
// to, so tests never see each other's tasks.
class StoreFactory {
 public:
  explicit StoreFactory(const StoreUnderTest& store);
  // inTreeStore(pluginName).
  explicit StoreFactory(const std::string& pluginName);
  ~StoreFactory();
  StoreFactory(const StoreFactory&) = delete;
  StoreFactory& operator=(const StoreFactory&) = delete;

  Poco::Util::MapConfiguration& config() { return *config_; }
  // The postgres store's schema; empty for other plugins.
  const std::string& schema() const { return schema_; }
  Result<std::unique_ptr<TaskStore>> create() const;
  // create(), failing the test on error.
  std::unique_ptr<TaskStore> createOrFail() const;

 private:
  StoreUnderTest store_;
  TempDir dir_;
  std::string schema_;  // postgres only
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_;
};

}  // namespace cpe::testing

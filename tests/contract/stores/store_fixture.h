#pragma once

// What the store contract tests share: a fresh store of a named plugin,
// created through PluginLoader exactly as the host creates it, and tasks to
// put in it.

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "cpe/plugin_loader.h"
#include "cpe/task.h"
#include "cpe/task_store.h"

namespace cpe::testing {

// The parameters every test task carries: a password that must never
// appear in an error message.
inline constexpr const char* kSecret = "s3cr3t-Pa55word";

// A queued task created at `createdAt`, every field set.
Task makeTask(const std::string& id, EpochMillis createdAt);

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

// Loads stores from the build's plugin directory, with a configuration the
// test can add keys to. For the sqlite store, store.sqlite.path names a file
// in a fresh directory.
class StoreFactory {
 public:
  explicit StoreFactory(const std::string& pluginName);

  Poco::Util::MapConfiguration& config() { return *config_; }
  Result<std::unique_ptr<TaskStore>> create() const;
  // create(), failing the test on error.
  std::unique_ptr<TaskStore> createOrFail() const;

 private:
  std::string pluginName_;
  TempDir dir_;
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_;
};

}  // namespace cpe::testing

#include "cpe/older_sdk_store.h"

#include <charconv>
#include <string>
#include <utility>
#include <vector>

namespace cpe::plugin {
namespace {

// Forwards the methods of SDK 6.1's TaskStore, and 6.2's sealing methods
// when the plugin has them; nothing added later.
class OlderSdkStore final : public TaskStore {
 public:
  OlderSdkStore(std::unique_ptr<TaskStore> inner, bool hasSealingMethods)
      : inner_(std::move(inner)), hasSealingMethods_(hasSealingMethods) {}

  Status insert(const Task& task) noexcept override { return inner_->insert(task); }
  Result<Task> insertWithKey(const Task& task, const std::string& key,
                             EpochMillis since) noexcept override {
    return inner_->insertWithKey(task, key, since);
  }
  Result<Task> get(const std::string& taskId) noexcept override { return inner_->get(taskId); }
  Result<bool> complete(const TaskResult& result) noexcept override {
    return inner_->complete(result);
  }
  Result<std::vector<Task>> unpublished(std::size_t limit,
                                        EpochMillis createdBefore) noexcept override {
    return inner_->unpublished(limit, createdBefore);
  }
  Status markPublished(const std::vector<std::string>& taskIds) noexcept override {
    return inner_->markPublished(taskIds);
  }
  Result<std::vector<PublishedTask>> publishedBefore(EpochMillis publishedBefore,
                                                     std::size_t limit) noexcept override {
    return inner_->publishedBefore(publishedBefore, limit);
  }
  Status markUnpublished(const std::vector<std::string>& taskIds) noexcept override {
    return inner_->markUnpublished(taskIds);
  }
  Result<QueuedTasks> queuedBefore(EpochMillis createdBefore,
                                   std::size_t sampleLimit) noexcept override {
    return inner_->queuedBefore(createdBefore, sampleLimit);
  }
  Result<std::vector<TaskSummary>> listDeviceTasks(
      const std::string& equipmentId, std::size_t limit,
      const std::optional<TaskPosition>& after) noexcept override {
    return inner_->listDeviceTasks(equipmentId, limit, after);
  }
  Status ping() noexcept override { return inner_->ping(); }
  Result<std::vector<Task>> queuedInTheClear(std::size_t limit,
                                             const std::string& afterId) noexcept override {
    if (!hasSealingMethods_) return TaskStore::queuedInTheClear(limit, afterId);
    return inner_->queuedInTheClear(limit, afterId);
  }
  Result<bool> replaceParameters(const std::string& taskId, const std::string& expected,
                                 const std::string& replacement) noexcept override {
    if (!hasSealingMethods_) return TaskStore::replaceParameters(taskId, expected, replacement);
    return inner_->replaceParameters(taskId, expected, replacement);
  }

 private:
  std::unique_ptr<TaskStore> inner_;
  const bool hasSealingMethods_;
};

// The number at the front of `text`, which moves past it and one '.'.
bool readNumber(std::string_view& text, int& number) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
  return true;
}

// The SDK's major and minor version in `sdkVersion` ("6.1.0"); unreadable
// counts as 0.0, older than anything: the wrapper is always safe, a call
// past the end of a table never is.
std::pair<int, int> majorMinor(std::string_view sdkVersion) {
  int major = 0;
  int minor = 0;
  if (!readNumber(sdkVersion, major) || !readNumber(sdkVersion, minor)) return {0, 0};
  return {major, minor};
}

}  // namespace

bool predatesSealingMethods(std::string_view sdkVersion) {
  return majorMinor(sdkVersion) < std::make_pair(6, 2);
}

bool predatesRetention(std::string_view sdkVersion) {
  return majorMinor(sdkVersion) < std::make_pair(6, 3);
}

std::unique_ptr<TaskStore> behindSealingDefaults(std::unique_ptr<TaskStore> olderStore) {
  return std::make_unique<OlderSdkStore>(std::move(olderStore), /*hasSealingMethods=*/false);
}

std::unique_ptr<TaskStore> behindRetentionDefaults(std::unique_ptr<TaskStore> olderStore) {
  return std::make_unique<OlderSdkStore>(std::move(olderStore), /*hasSealingMethods=*/true);
}

}  // namespace cpe::plugin

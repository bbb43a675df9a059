#include "cpe/older_sdk_store.h"

#include <charconv>
#include <string>
#include <utility>
#include <vector>

namespace cpe::plugin {
namespace {

// Forwards the methods of SDK 6.1's TaskStore, and only those.
class OlderSdkStore final : public TaskStore {
 public:
  explicit OlderSdkStore(std::unique_ptr<TaskStore> inner) : inner_(std::move(inner)) {}

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

 private:
  std::unique_ptr<TaskStore> inner_;
};

// The number at the front of `text`, which moves past it and one '.'.
bool readNumber(std::string_view& text, int& number) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
  return true;
}

}  // namespace

bool predatesSealingMethods(std::string_view sdkVersion) {
  int major = 0;
  int minor = 0;
  // Unreadable counts as older: the wrapper is always safe, a call past the
  // end of a table never is.
  if (!readNumber(sdkVersion, major) || !readNumber(sdkVersion, minor)) return true;
  return major < 6 || (major == 6 && minor < 2);
}

std::unique_ptr<TaskStore> behindSealingDefaults(std::unique_ptr<TaskStore> olderStore) {
  return std::make_unique<OlderSdkStore>(std::move(olderStore));
}

}  // namespace cpe::plugin

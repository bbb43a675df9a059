#include "credentials/credential_migration.h"

#include <exception>
#include <string>
#include <vector>

namespace cpe::host {

CredentialMigration::CredentialMigration(TaskStore& store, const CredentialSealer& sealer,
                                         std::size_t pageSize)
    : store_(store),
      sealer_(sealer),
      pageSize_(pageSize == 0 ? 1 : pageSize),
      log_(Poco::Logger::get("credentials")) {}

Result<CredentialMigrationCount> CredentialMigration::run() {
  CredentialMigrationCount count;
  std::string afterId;
  for (;;) {
    auto page = store_.queuedInTheClear(pageSize_, afterId);
    if (!page.isOk() && page.status().code() == StatusCode::kUnimplemented) {
      log_.warning(
          "the store plugin predates SDK 6.2 and cannot list tasks stored in the clear: queued "
          "tasks an earlier version stored keep their parameters unsealed until they end (%s)",
          page.status().message());
      return count;
    }
    if (!page.isOk()) return page.status();
    for (const Task& task : page.value()) {
      auto sealed = seal(task);
      if (!sealed.isOk()) return sealed.status();
      ++(sealed.value() ? count.sealed : count.skipped);
    }
    // Paged by id, so a task left in the clear (skipped) is not read again.
    if (page.value().size() < pageSize_) break;
    afterId = page.value().back().id;
  }
  log_.information(
      "sealed the parameters of %z queued task(s) stored in the clear (%z changed "
      "meanwhile and were left as they were)",
      count.sealed, count.skipped);
  return count;
}

Result<bool> CredentialMigration::seal(const Task& task) {
  std::string sealed;
  try {
    sealed = sealer_.seal(task.parametersJson, task.id, task.equipmentId);
  } catch (const std::exception& error) {
    // The message names the library's failure, never the parameters.
    return Status::internal("cannot seal the parameters of task " + task.id + ": " + error.what());
  }
  auto replaced = store_.replaceParameters(task.id, task.parametersJson, sealed);
  if (!replaced.isOk()) {
    return Status(replaced.status().code(),
                  "sealing stored parameters: " + replaced.status().message());
  }
  return replaced.value();
}

}  // namespace cpe::host

#pragma once

#include <Poco/Logger.h>

#include <cstddef>

#include "cpe/credential_sealer.h"
#include "cpe/sdk/status.h"
#include "cpe/sdk/task_store.h"

namespace cpe::host {

// What one run of CredentialMigration did.
struct CredentialMigrationCount {
  std::size_t sealed = 0;   // tasks whose parameters this run sealed
  std::size_t skipped = 0;  // changed under it (sealed by another host, or ended)
};

// Seals the parameters of queued tasks an earlier version stored in the
// clear (issue 11), so that no device password stays readable in the store
// once a host with a key runs; the relay and the reconciler then publish
// those tasks as version 2 messages, as they do every sealed row. Terminal
// tasks need no key: the stores' schema migration wiped their parameters.
//
// Each task is sealed as TaskService seals a new one (its id and device id
// as additional data) and swapped in with the store's compare-and-set, so
// hosts starting at once, a result applied meanwhile, or a relay reading
// the row lose nothing: a task that changed is left to whoever changed it.
//
// The API role runs it once at start, before the relay, with a sealer
// configured. Thread rule: one thread; the store may be shared.
class CredentialMigration {
 public:
  // `pageSize`: tasks read per store call.
  CredentialMigration(TaskStore& store, const CredentialSealer& sealer,
                      std::size_t pageSize = kDefaultPageSize);

  // Pages through every queued task in the clear and seals it. Logs one
  // information line with the counts (never a parameter). A store built
  // against an SDK before 6.2 cannot list them (kUnimplemented): a warning,
  // and a count of zero. Any other store error, or a failure to seal, is
  // returned as it is: the host then refuses to start, loudly, as it does
  // when it cannot open the store, rather than serve with passwords left in
  // the clear that it was given a key to seal; a restart retries, and
  // tasks sealed before the error stay sealed.
  Result<CredentialMigrationCount> run();

  static constexpr std::size_t kDefaultPageSize = 200;

 private:
  // Seals one task; false when it changed under us.
  Result<bool> seal(const Task& task);

  TaskStore& store_;
  const CredentialSealer& sealer_;
  const std::size_t pageSize_;
  Poco::Logger& log_;
};

}  // namespace cpe::host

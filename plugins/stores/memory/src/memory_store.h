#pragma once

#include <memory>

#include "cpe/sdk/task_store.h"

namespace cpe::stores::memory {

// The memory store: every task in one process's maps. Fast and simple, for
// tests, demos and single-process runs; it keeps nothing across a restart.
// Besides its plugin, the unit tests of the host link it directly
// (tests/support), as the store behind the parts they exercise.
std::unique_ptr<TaskStore> newMemoryStore();

}  // namespace cpe::stores::memory

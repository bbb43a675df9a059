#pragma once

#include <memory>
#include <string_view>

#include "cpe/sdk/task_store.h"

namespace cpe::plugin {

// Whether a plugin that reports `sdkVersion` ("6.1.0") was built before the
// SDK added TaskStore::queuedInTheClear() and replaceParameters() (6.2).
bool predatesSealingMethods(std::string_view sdkVersion);

// Whether it was built before the SDK added TaskStore::deleteFinishedBefore()
// (6.3).
bool predatesRetention(std::string_view sdkVersion);

// A store of a plugin built against SDK 6.0 or 6.1, behind a TaskStore of
// this build. Its object's table of virtual functions ends where 6.1's
// TaskStore ended: calling a method added since would jump past it. This
// forwards only the methods the plugin has and answers the others with
// TaskStore's defaults (kUnimplemented), so minor versions stay additions:
// such a plugin still loads and runs, without the new abilities.
std::unique_ptr<TaskStore> behindSealingDefaults(std::unique_ptr<TaskStore> olderStore);

// The same for a plugin built against SDK 6.2: it has the sealing methods,
// which this forwards too, but not deleteFinishedBefore().
std::unique_ptr<TaskStore> behindRetentionDefaults(std::unique_ptr<TaskStore> olderStore);

}  // namespace cpe::plugin

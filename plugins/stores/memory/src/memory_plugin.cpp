// libcpe_store_memory.so: the memory store's one exported entry point.

#include "cpe/sdk/plugin_support.h"
#include "memory_store.h"

namespace cpe::stores::memory {
namespace {

Result<std::unique_ptr<TaskStore>> makeStore(const plugin::Settings& /*settings*/) {
  return newMemoryStore();
}

}  // namespace
}  // namespace cpe::stores::memory

CPE_STORE_PLUGIN("memory", /*keys=*/nullptr, /*keyCount=*/0, cpe::stores::memory::makeStore)

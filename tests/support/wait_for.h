#pragma once

#include <chrono>
#include <thread>

namespace cpe::test {

// Long enough for a ThreadSanitizer build on a busy two-core machine; a test
// that reaches it has failed, so passing tests never wait this long.
inline constexpr std::chrono::milliseconds kWaitDeadline{20000};

// Waits until `condition()` holds, for at most `deadline`; returns whether it
// did. Tests wait for the state they expect instead of sleeping a fixed time
// and then looking: as fast as the code allows, never flaky because it is slow.
// `condition` runs on the caller's thread, every millisecond or so.
template <typename Condition>
bool waitFor(Condition condition, std::chrono::milliseconds deadline = kWaitDeadline) {
  const auto giveUpAt = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= giveUpAt) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace cpe::test

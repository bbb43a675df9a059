#pragma once

#include <chrono>
#include <condition_variable>
#include <ostream>
#include <string>
#include <thread>

#include "cpe/sdk/mutex.h"

namespace cpe::ctl {

// "  12 s  Task is still running": elapsed whole seconds, then the status.
std::string progressText(std::chrono::steady_clock::duration elapsed, const std::string& status);

// The live line of --wait on a terminal, redrawn in place ("\r") every
// second by a thread of its own, so the elapsed time moves while the main
// thread waits on a long-poll. finish() clears it before the final line is
// printed. When `live` is false (not a terminal, or --json) it writes
// nothing and starts no thread.
//
// Thread rule: any thread may call show() and finish(); `out_` is written
// only under `mutex_`.
class ProgressLine {
 public:
  using Clock = std::chrono::steady_clock;

  // `since` is the moment elapsed time counts from (the task's POST, or the
  // first status request).
  ProgressLine(std::ostream& out, bool live, Clock::time_point since);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Shows `status` from now on.
  void show(const std::string& status);
  // Stops redrawing and clears the line; later calls do nothing.
  void finish();

 private:
  void redrawEverySecond();
  void drawLocked() CPE_REQUIRES(mutex_);

  std::ostream& out_;
  const bool live_;
  const Clock::time_point since_;
  Mutex mutex_;
  std::condition_variable wake_;
  std::string status_ CPE_GUARDED_BY(mutex_);
  bool finished_ CPE_GUARDED_BY(mutex_) = false;
  std::thread ticker_;
};

}  // namespace cpe::ctl

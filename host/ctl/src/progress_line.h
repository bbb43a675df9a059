#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

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
  void drawLocked();

  std::ostream& out_;
  const bool live_;
  const Clock::time_point since_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string status_;     // guarded by mutex_
  bool finished_ = false;  // guarded by mutex_
  std::thread ticker_;
};

}  // namespace cpe::ctl

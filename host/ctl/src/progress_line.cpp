#include "progress_line.h"

#include "cpe/sdk/mutex.h"

namespace cpe::ctl {
namespace {

// Back to the start of the line and erase it (ECMA-48 EL), so a shorter
// text leaves nothing of a longer one behind.
constexpr const char* kClearLine = "\r\x1b[K";
constexpr auto kRedrawInterval = std::chrono::seconds(1);

}  // namespace

std::string progressText(std::chrono::steady_clock::duration elapsed, const std::string& status) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
  std::string text = std::to_string(seconds) + " s";
  // Right-aligned in four columns, so the status does not move until 10,000 s.
  if (text.size() < 6) text.insert(0, 6 - text.size(), ' ');
  return text + "  " + status;
}

ProgressLine::ProgressLine(std::ostream& out, bool live, Clock::time_point since)
    : out_(out), live_(live), since_(since) {
  if (live_) ticker_ = std::thread([this] { redrawEverySecond(); });
}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::show(const std::string& status) {
  if (!live_) return;
  MutexLock lock(mutex_);
  if (finished_) return;
  status_ = status;
  drawLocked();
}

void ProgressLine::finish() {
  if (!live_) return;
  {
    MutexLock lock(mutex_);
    if (finished_) return;
    finished_ = true;
    out_ << kClearLine << std::flush;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void ProgressLine::redrawEverySecond() {
  MutexLock lock(mutex_);
  while (!wake_.wait_for(lock.native(), kRedrawInterval,
                         [this]() CPE_REQUIRES(mutex_) { return finished_; })) {
    if (!status_.empty()) drawLocked();  // show() drew it first
  }
}

void ProgressLine::drawLocked() {
  out_ << kClearLine << progressText(Clock::now() - since_, status_) << std::flush;
}

}  // namespace cpe::ctl

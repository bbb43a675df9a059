#include "fault_mode.h"

namespace cpe::stub {

std::optional<FaultMode> parseFaultMode(std::string_view name) {
  for (const FaultMode mode : {FaultMode::kNone, FaultMode::kGarbage, FaultMode::kBadStatus,
                               FaultMode::kClose, FaultMode::kDrop, FaultMode::kDrip}) {
    if (name == faultModeName(mode)) return mode;
  }
  return std::nullopt;
}

const char* faultModeName(FaultMode mode) {
  switch (mode) {
    case FaultMode::kNone:
      return "none";
    case FaultMode::kGarbage:
      return "garbage";
    case FaultMode::kBadStatus:
      return "badStatus";
    case FaultMode::kClose:
      return "close";
    case FaultMode::kDrop:
      return "drop";
    case FaultMode::kDrip:
      return "drip";
  }
  return "none";
}

}  // namespace cpe::stub

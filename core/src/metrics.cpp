#include "cpe/metrics.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace cpe::metrics {
namespace {

bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool isName(const std::string& name, bool colonAllowed) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool digit = c >= '0' && c <= '9';
    if (c == ':' && !colonAllowed) return false;
    if (!isNameStart(c) && !(digit && i > 0)) return false;
  }
  return true;
}

// Escapes as the exposition format asks: \ and newline everywhere, and the
// double quote inside label values.
std::string escaped(const std::string& text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string labelSet(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    // "__" is reserved for Prometheus' own labels.
    if (!isName(name, false) || name.rfind("__", 0) == 0) {
      throw std::invalid_argument("metrics: invalid label name '" + name + "'");
    }
    if (out.size() > 1) out += ',';
    out += name + "=\"" + escaped(value, true) + "\"";
  }
  return out + "}";
}

std::string sampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out.precision(17);
  out << value;
  return out.str();
}

// A reader that throws (its source is gone, say) shows as NaN rather than
// failing the whole scrape.
double readSafely(const std::function<double()>& read) {
  try {
    return read();
  } catch (...) {
    return std::nan("");
  }
}

}  // namespace

Registry::Family& Registry::family(const std::string& name, const std::string& help,
                                   bool isCounter) {
  if (!isName(name, true)) throw std::invalid_argument("metrics: invalid name '" + name + "'");
  auto [found, made] = families_.try_emplace(name);
  if (made) {
    found->second.help = help;
    found->second.isCounter = isCounter;
  } else if (found->second.isCounter != isCounter) {
    throw std::invalid_argument("metrics: '" + name + "' is already a " +
                                (found->second.isCounter ? "counter" : "gauge"));
  }
  return found->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  const std::string set = labelSet(labels);
  std::lock_guard<std::mutex> lock(mutex_);
  std::unique_ptr<Counter>& counter = family(name, help, true).counters[set];
  if (!counter) counter = std::make_unique<Counter>();
  return *counter;
}

void Registry::gauge(const std::string& name, const std::string& help, std::function<double()> read,
                     const Labels& labels) {
  const std::string set = labelSet(labels);
  std::lock_guard<std::mutex> lock(mutex_);
  family(name, help, false).gauges[set] = std::move(read);
}

std::string Registry::render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + escaped(family.help, false) + "\n";
    out += "# TYPE " + name + (family.isCounter ? " counter\n" : " gauge\n");
    for (const auto& [set, counter] : family.counters) {
      out += name + set + " " + std::to_string(counter->value()) + "\n";
    }
    for (const auto& [set, read] : family.gauges) {
      out += name + set + " " + sampleValue(readSafely(read)) + "\n";
    }
  }
  return out;
}

}  // namespace cpe::metrics

#include "cpe/metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace cpe::metrics {
namespace {

TEST(MetricsRegistry, RendersACounterWithItsHelpAndType) {
  Registry registry;
  registry.counter("cpe_things_total", "Things done.").increment(3);
  EXPECT_EQ(registry.render(),
            "# HELP cpe_things_total Things done.\n"
            "# TYPE cpe_things_total counter\n"
            "cpe_things_total 3\n");
}

TEST(MetricsRegistry, TheSameNameAndLabelsGiveTheSameCounter) {
  Registry registry;
  Counter& first = registry.counter("cpe_calls_total", "Calls.", {{"outcome", "ok"}});
  Counter& again = registry.counter("cpe_calls_total", "Calls.", {{"outcome", "ok"}});
  Counter& other = registry.counter("cpe_calls_total", "Calls.", {{"outcome", "failed"}});
  EXPECT_EQ(&first, &again);
  EXPECT_NE(&first, &other);
  first.increment();
  again.increment();
  other.increment();
  EXPECT_EQ(registry.render(),
            "# HELP cpe_calls_total Calls.\n"
            "# TYPE cpe_calls_total counter\n"
            "cpe_calls_total{outcome=\"failed\"} 1\n"
            "cpe_calls_total{outcome=\"ok\"} 2\n");
}

TEST(MetricsRegistry, LabelValuesAndHelpAreEscaped) {
  Registry registry;
  registry.counter("cpe_odd_total", "Back\\slash and\nnewline.",
                   {{"route", "a\"b\\c\nd"}, {"code", "200"}});
  const std::string text = registry.render();
  EXPECT_NE(text.find("# HELP cpe_odd_total Back\\\\slash and\\nnewline.\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cpe_odd_total{route=\"a\\\"b\\\\c\\nd\",code=\"200\"} 0\n"),
            std::string::npos)
      << text;
}

TEST(MetricsRegistry, GaugesAreReadAtEachRender) {
  Registry registry;
  double level = 2;
  registry.gauge("cpe_level", "A level.", [&] { return level; });
  EXPECT_NE(registry.render().find("cpe_level 2\n"), std::string::npos);
  level = 0.5;
  const std::string text = registry.render();
  EXPECT_NE(text.find("# TYPE cpe_level gauge\ncpe_level 0.5\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, AGaugeThatThrowsShowsAsNaNAndTheRestStillRenders) {
  Registry registry;
  registry.gauge("cpe_broken", "Broken.", []() -> double { throw std::runtime_error("gone"); });
  registry.counter("cpe_fine_total", "Fine.").increment();
  const std::string text = registry.render();
  EXPECT_NE(text.find("cpe_broken NaN\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cpe_fine_total 1\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, FamiliesComeInNameOrder) {
  Registry registry;
  registry.counter("cpe_b_total", "B.");
  registry.gauge("cpe_a", "A.", [] { return 1.0; });
  const std::string text = registry.render();
  EXPECT_LT(text.find("cpe_a 1"), text.find("cpe_b_total 0")) << text;
}

TEST(MetricsRegistry, RefusesNamesPrometheusWouldNotAccept) {
  Registry registry;
  EXPECT_THROW(registry.counter("", "x"), std::invalid_argument);
  EXPECT_THROW(registry.counter("9lives", "x"), std::invalid_argument);
  EXPECT_THROW(registry.counter("has-dash", "x"), std::invalid_argument);
  EXPECT_THROW(registry.counter("cpe_ok_total", "x", {{"bad-label", "v"}}), std::invalid_argument);
  EXPECT_THROW(registry.counter("cpe_ok_total", "x", {{"__reserved", "v"}}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("cpe_ok", "x", [] { return 0.0; }, {{"a:b", "v"}}),
               std::invalid_argument);
  EXPECT_NO_THROW(registry.counter("cpe:recorded_total", "x", {{"_ok", "v"}}));
}

TEST(MetricsRegistry, ANameIsEitherACounterOrAGauge) {
  Registry registry;
  registry.counter("cpe_things", "Things.");
  EXPECT_THROW(registry.gauge("cpe_things", "Things.", [] { return 0.0; }), std::invalid_argument);
  registry.gauge("cpe_level", "Level.", [] { return 0.0; });
  EXPECT_THROW(registry.counter("cpe_level", "Level."), std::invalid_argument);
}

TEST(MetricsRegistry, CountsFromManyThreadsAddUp) {
  Registry registry;
  constexpr int kThreads = 4;
  constexpr int kEach = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry] {
      Counter& counter = registry.counter("cpe_shared_total", "Shared.");
      for (int i = 0; i < kEach; ++i) counter.increment();
      (void)registry.render();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(registry.counter("cpe_shared_total", "Shared.").value(),
            static_cast<std::uint64_t>(kThreads) * kEach);
}

}  // namespace
}  // namespace cpe::metrics

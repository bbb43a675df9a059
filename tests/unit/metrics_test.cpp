#include "cpe/metrics.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cpe::metrics {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(CallbackGauges, AreReadAtEachRenderWithTheirHelpAndType) {
  CallbackGauges gauges;
  double level = 2;
  gauges.add("cpe_level", "A level.", [&] { return level; });
  EXPECT_EQ(render({&gauges}), "# HELP cpe_level A level.\n# TYPE cpe_level gauge\ncpe_level 2\n");
  level = 0.5;
  EXPECT_TRUE(contains(render({&gauges}), "\ncpe_level 0.5\n"));
}

TEST(CallbackGauges, GaugesOfOneNameShareAFamilyOneSeriesPerLabelSet) {
  CallbackGauges gauges;
  gauges.add("cpe_up", "Up.", [] { return 1.0; }, {{"part", "broker"}});
  gauges.add("cpe_up", "Another help, ignored.", [] { return 0.0; }, {{"part", "store"}});
  const std::string text = render({&gauges});
  EXPECT_EQ(text,
            "# HELP cpe_up Up.\n"
            "# TYPE cpe_up gauge\n"
            "cpe_up{part=\"broker\"} 1\n"
            "cpe_up{part=\"store\"} 0\n");
}

TEST(CallbackGauges, AddingTheSameSeriesAgainReplacesItsReader) {
  CallbackGauges gauges;
  gauges.add("cpe_level", "A level.", [] { return 1.0; });
  gauges.add("cpe_level", "A level.", [] { return 7.0; });
  EXPECT_EQ(render({&gauges}), "# HELP cpe_level A level.\n# TYPE cpe_level gauge\ncpe_level 7\n");
}

TEST(CallbackGauges, AReaderThatThrowsGivesNaNAndTheRestStillRenders) {
  CallbackGauges gauges;
  gauges.add("cpe_broken", "Broken.", []() -> double { throw std::runtime_error("gone"); });
  gauges.add("cpe_fine", "Fine.", [] { return 3.0; });
  const std::string text = render({&gauges});
  // prometheus-cpp spells NaN "Nan"; Prometheus parses either.
  EXPECT_TRUE(contains(text, "\ncpe_broken Nan\n")) << text;
  EXPECT_TRUE(contains(text, "\ncpe_fine 3\n")) << text;
}

TEST(CallbackGauges, RefuseNamesPrometheusWouldNotAccept) {
  CallbackGauges gauges;
  const auto zero = [] { return 0.0; };
  EXPECT_THROW(gauges.add("", "x", zero), std::invalid_argument);
  EXPECT_THROW(gauges.add("9lives", "x", zero), std::invalid_argument);
  EXPECT_THROW(gauges.add("has-dash", "x", zero), std::invalid_argument);
  EXPECT_THROW(gauges.add("cpe_ok", "x", zero, {{"bad-label", "v"}}), std::invalid_argument);
  EXPECT_THROW(gauges.add("cpe_ok", "x", zero, {{"__reserved", "v"}}), std::invalid_argument);
  EXPECT_NO_THROW(gauges.add("cpe:recorded", "x", zero, {{"_ok", "v"}}));
  EXPECT_EQ(render({&gauges}),
            "# HELP cpe:recorded x\n# TYPE cpe:recorded gauge\n"
            "cpe:recorded{_ok=\"v\"} 0\n");
}

TEST(CallbackGauges, MayBeAddedToWhileAnotherThreadRenders) {
  CallbackGauges gauges;
  std::thread scraper([&] {
    for (int i = 0; i < 200; ++i) (void)render({&gauges});
  });
  for (int i = 0; i < 200; ++i) {
    gauges.add("cpe_level", "A level.", [i] { return static_cast<double>(i); },
               {{"n", std::to_string(i % 10)}});
  }
  scraper.join();
  EXPECT_TRUE(contains(render({&gauges}), "cpe_level{n=\"9\"} 199\n"));
}

TEST(Render, SerializesEverySourceInOrderInTheTextFormat) {
  prometheus::Registry registry;
  prometheus::BuildCounter()
      .Name("cpe_things_total")
      .Help("Things done.")
      .Register(registry)
      .Add({{"outcome", "ok"}})
      .Increment(3);
  prometheus::BuildHistogram()
      .Name("cpe_wait_seconds")
      .Help("Waits.")
      .Register(registry)
      .Add({}, prometheus::Histogram::BucketBoundaries{1, 10})
      .Observe(2);
  CallbackGauges gauges;
  gauges.add("cpe_a_level", "A level.", [] { return 1.0; });

  const std::string text = render({&registry, &gauges});
  EXPECT_TRUE(contains(text,
                       "# HELP cpe_things_total Things done.\n"
                       "# TYPE cpe_things_total counter\n"
                       "cpe_things_total{outcome=\"ok\"} 3\n"))
      << text;
  EXPECT_TRUE(contains(text,
                       "# TYPE cpe_wait_seconds histogram\n"
                       "cpe_wait_seconds_count 1\n"
                       "cpe_wait_seconds_sum 2\n"
                       "cpe_wait_seconds_bucket{le=\"1\"} 0\n"
                       "cpe_wait_seconds_bucket{le=\"10\"} 1\n"
                       "cpe_wait_seconds_bucket{le=\"+Inf\"} 1\n"))
      << text;
  // The registry's families first, though the gauge's name sorts before.
  EXPECT_LT(text.find("cpe_things_total"), text.find("cpe_a_level")) << text;
}

TEST(Render, NothingToSayIsAnEmptyAnswer) {
  prometheus::Registry registry;
  CallbackGauges gauges;
  EXPECT_EQ(render({}), "");
  EXPECT_EQ(render({&registry, &gauges}), "");
}

}  // namespace
}  // namespace cpe::metrics

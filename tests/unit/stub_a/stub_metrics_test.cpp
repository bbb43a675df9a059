#include "stub_metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "collected_metrics.h"

namespace cpe::stub {
namespace {

using namespace std::chrono_literals;

TEST(StubMetrics, CountsAndTimesAnswersByStatusAndClosedConnectionsAsNone) {
  RequestHolder holder;
  StubMetrics stub(holder);
  stub.answered(200, 60s);
  stub.answered(200, 61s);
  stub.answered(400, 1ms);
  stub.answered(0, 2ms);

  const std::string text = metrics::render(stub.sources());
  EXPECT_NE(text.find("cpe_stub_requests_total{code=\"200\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cpe_stub_requests_total{code=\"400\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cpe_stub_requests_total{code=\"none\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cpe_stub_request_duration_seconds_count{code=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cpe_stub_request_duration_seconds_bucket{code=\"200\",le=\"60\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cpe_stub_request_duration_seconds_bucket{code=\"200\",le=\"65\"} 2\n"),
            std::string::npos)
      << text;
}

TEST(StubMetrics, TheHeldGaugeReadsTheHolderAtEachScrape) {
  RequestHolder holder;
  StubMetrics stub(holder);
  EXPECT_NE(metrics::render(stub.sources()).find("\ncpe_stub_requests_held 0\n"),
            std::string::npos);
  std::thread held([&] { holder.hold(1h); });
  while (holder.snapshot().held < 1) std::this_thread::sleep_for(1ms);
  const std::string text = metrics::render(stub.sources());
  holder.shutdown();
  held.join();
  EXPECT_NE(text.find("# TYPE cpe_stub_requests_held gauge\ncpe_stub_requests_held 1\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace cpe::stub

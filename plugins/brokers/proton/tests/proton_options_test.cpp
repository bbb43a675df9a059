// The TLS settings of broker.proton as the plugin reads them at start: an
// amqps:// URL turns TLS on, the broker is checked unless verifyPeer is off,
// and TLS files are refused where they make no sense.
#include "proton_options.h"

#include <gtest/gtest.h>

#include <string>

namespace cpe::brokers::proton_amqp {
namespace {

// Any readable file will do for the parse; the connect reads it as PEM.
constexpr const char* kReadable = CPE_PROTON_TEST_SOURCE;

TEST(ProtonOptions, AnAmqpsUrlTakesTheTlsSettings) {
  const Result<ProtonOptions> options = parseOptions({{"url", "amqps://rmq.example:5671"},
                                                      {"caFile", kReadable},
                                                      {"clientCertificateFile", kReadable},
                                                      {"clientKeyFile", kReadable}});
  ASSERT_TRUE(options.isOk()) << options.status().toString();
  EXPECT_EQ(options.value().urls, std::vector<std::string>{"amqps://rmq.example:5671"});
  EXPECT_TRUE(options.value().verifyPeer);
  EXPECT_EQ(options.value().caFile, std::string(kReadable));
}

TEST(ProtonOptions, TlsFilesAreRefusedWithoutAnAmqpsUrlUnreadableOrHalfAPair) {
  const struct {
    plugin::Settings settings;
    std::string message;
  } cases[] = {
      {{{"caFile", kReadable}},
       "broker.proton.caFile is '" + std::string(kReadable) +
           "', expected nothing without an amqps:// URL"},
      {{{"url", "amqps://rmq:5671"}, {"caFile", "/no/such/ca.pem"}},
       "broker.proton.caFile is '/no/such/ca.pem', expected a file this process can read"},
      {{{"url", "amqps://rmq:5671"}, {"clientKeyFile", kReadable}},
       "broker.proton: clientCertificateFile and clientKeyFile go together (both or neither)"},
      {{{"url", "amqps://rmq:5671"}, {"verifyPeer", "never"}},
       "broker.proton.verifyPeer is 'never', expected true or false"},
      {{{"url", "tls://rmq:5671"}},
       "broker.proton.url is 'tls://rmq:5671', expected amqp://host:port or amqps://host:port"},
  };
  for (const auto& refused : cases) {
    const Result<ProtonOptions> options = parseOptions(refused.settings);
    ASSERT_FALSE(options.isOk()) << refused.message;
    EXPECT_EQ(options.status().message(), refused.message);
  }
}

}  // namespace
}  // namespace cpe::brokers::proton_amqp

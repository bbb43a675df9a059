// broker.rabbitmq.addresses as the plugin reads it at start: it replaces
// host and port when set, host and port still work alone, and a malformed
// list stops the plugin with an error naming the key. The TLS settings:
// off by default, checking the broker when on, refused where they make no
// sense.
#include "rabbitmq_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cpe::brokers::rabbitmq {
namespace {

TEST(RabbitOptions, HostAndPortAloneMakeTheOnlyAddress) {
  const Result<RabbitOptions> options = parseOptions({{"host", "rmq"}, {"port", "5673"}});
  ASSERT_TRUE(options.isOk()) << options.status().toString();
  EXPECT_EQ(options.value().addresses, (std::vector<BrokerAddress>{{"rmq", 5673}}));
}

TEST(RabbitOptions, AddressesReplaceHostAndPort) {
  const Result<RabbitOptions> options =
      parseOptions({{"host", "rmq"}, {"addresses", "a:5672, b:5673,c:5674"}});
  ASSERT_TRUE(options.isOk()) << options.status().toString();
  EXPECT_EQ(options.value().addresses,
            (std::vector<BrokerAddress>{{"a", 5672}, {"b", 5673}, {"c", 5674}}));
  EXPECT_EQ(options.value().addressesText(), "a:5672,b:5673,c:5674");
}

TEST(RabbitOptions, AMalformedAddressListIsRefusedNamingTheKeyAndTheEntry) {
  const Result<RabbitOptions> options = parseOptions({{"addresses", "a:5672,b"}});
  ASSERT_FALSE(options.isOk());
  EXPECT_EQ(options.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(options.status().message(),
            "broker.rabbitmq.addresses is 'a:5672,b', expected host:port entries separated by "
            "commas, e.g. rmq1:5672,rmq2:5672 ('b' is not host:port)");
}

TEST(RabbitOptions, TlsIsOffByDefaultAndChecksTheBrokerWhenOn) {
  const Result<RabbitOptions> plain = parseOptions({});
  ASSERT_TRUE(plain.isOk()) << plain.status().toString();
  EXPECT_FALSE(plain.value().tls);

  // Any readable file will do for the parse; the connect reads it as PEM.
  const std::string readable = CPE_RABBITMQ_TEST_SOURCE;
  const Result<RabbitOptions> tls = parseOptions({{"tls", "true"},
                                                  {"caFile", readable},
                                                  {"clientCertificateFile", readable},
                                                  {"clientKeyFile", readable}});
  ASSERT_TRUE(tls.isOk()) << tls.status().toString();
  EXPECT_TRUE(tls.value().tls);
  EXPECT_TRUE(tls.value().verifyPeer);
  EXPECT_EQ(tls.value().caFile, readable);
  EXPECT_EQ(tls.value().clientCertificateFile, readable);
}

TEST(RabbitOptions, TlsFilesAreRefusedWithoutTlsUnreadableOrHalfAPair) {
  const std::string readable = CPE_RABBITMQ_TEST_SOURCE;
  const struct {
    plugin::Settings settings;
    std::string message;
  } cases[] = {
      {{{"caFile", readable}},
       "broker.rabbitmq.caFile is '" + readable + "', expected nothing while tls is false"},
      {{{"tls", "true"}, {"caFile", "/no/such/ca.pem"}},
       "broker.rabbitmq.caFile is '/no/such/ca.pem', expected a file this process can read"},
      {{{"tls", "true"}, {"clientCertificateFile", readable}},
       "broker.rabbitmq: clientCertificateFile and clientKeyFile go together (both or neither)"},
      {{{"tls", "sometimes"}}, "broker.rabbitmq.tls is 'sometimes', expected true or false"},
  };
  for (const auto& refused : cases) {
    const Result<RabbitOptions> options = parseOptions(refused.settings);
    ASSERT_FALSE(options.isOk()) << refused.message;
    EXPECT_EQ(options.status().message(), refused.message);
  }
}

}  // namespace
}  // namespace cpe::brokers::rabbitmq

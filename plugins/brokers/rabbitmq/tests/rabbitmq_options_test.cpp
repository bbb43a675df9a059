// broker.rabbitmq.addresses as the plugin reads it at start: it replaces
// host and port when set, host and port still work alone, and a malformed
// list stops the plugin with an error naming the key.
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

}  // namespace
}  // namespace cpe::brokers::rabbitmq

// The node list of broker.rabbitmq.addresses: what it accepts, what it
// refuses with a reason, and the order a connection tries the nodes in.
#include "broker_addresses.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cpe::brokers::rabbitmq {
namespace {

std::vector<BrokerAddress> parsed(const std::string& text) {
  Result<std::vector<BrokerAddress>> addresses = parseBrokerAddresses(text);
  EXPECT_TRUE(addresses.isOk()) << text << ": " << addresses.status().toString();
  return addresses.isOk() ? addresses.value() : std::vector<BrokerAddress>{};
}

std::string refusal(const std::string& text) {
  Result<std::vector<BrokerAddress>> addresses = parseBrokerAddresses(text);
  EXPECT_FALSE(addresses.isOk()) << text << " was accepted";
  return addresses.isOk() ? "" : addresses.status().message();
}

TEST(BrokerAddresses, ParsesHostPortPairsInOrderIgnoringSpaces) {
  const std::vector<BrokerAddress> expected{{"host1", 5672}, {"10.0.0.2", 5673}, {"host3", 5674}};
  EXPECT_EQ(parsed("host1:5672,10.0.0.2:5673,host3:5674"), expected);
  EXPECT_EQ(parsed(" host1:5672 , 10.0.0.2:5673,\thost3:5674 "), expected);
}

TEST(BrokerAddresses, ParsesOneAddressAndBracketedIpv6) {
  EXPECT_EQ(parsed("rmq:5672"), (std::vector<BrokerAddress>{{"rmq", 5672}}));
  EXPECT_EQ(parsed("[::1]:5672"), (std::vector<BrokerAddress>{{"::1", 5672}}));
  EXPECT_EQ(BrokerAddress({"::1", 5672}).toString(), "[::1]:5672");
  EXPECT_EQ(BrokerAddress({"rmq", 5672}).toString(), "rmq:5672");
}

TEST(BrokerAddresses, RefusesAMalformedListSayingWhichEntryAndWhy) {
  EXPECT_EQ(refusal("host1:5672,host2"), "'host2' is not host:port");
  EXPECT_EQ(refusal("host1:5672,,host2:5672"), "an entry is empty");
  EXPECT_EQ(refusal("host1:5672,"), "an entry is empty");
  EXPECT_EQ(refusal(" "), "an entry is empty");
  EXPECT_EQ(refusal(":5672"), "':5672' has no valid host");
  EXPECT_EQ(refusal("host1:0"), "'host1:0' has no port from 1 to 65535");
  EXPECT_EQ(refusal("host1:65536"), "'host1:65536' has no port from 1 to 65535");
  EXPECT_EQ(refusal("host1:56x"), "'host1:56x' has no port from 1 to 65535");
  EXPECT_EQ(refusal("host1:"), "'host1:' has no port from 1 to 65535");
  EXPECT_EQ(refusal("::1:5672"), "'::1:5672' is not host:port");
  EXPECT_EQ(refusal("[::1]5672"), "'[::1]5672' is not host:port");
  EXPECT_EQ(refusal("host1:5672,host1:5672"), "host1:5672 is listed twice");
}

TEST(AddressRotation, MovesRoundRobinAndBacksOffOnlyAfterAFullTurn) {
  AddressRotation rotation({{"a", 1}, {"b", 2}, {"c", 3}});
  EXPECT_EQ(rotation.current().host, "a");
  EXPECT_FALSE(rotation.moveOn());
  EXPECT_EQ(rotation.current().host, "b");
  EXPECT_FALSE(rotation.moveOn());
  EXPECT_EQ(rotation.current().host, "c");
  EXPECT_TRUE(rotation.moveOn()) << "a, b and c have all failed";
  EXPECT_EQ(rotation.current().host, "a");
  EXPECT_FALSE(rotation.moveOn()) << "a new turn after the backoff";
}

TEST(AddressRotation, ATurnRestartsFromTheNodeThatHeldAConnection) {
  AddressRotation rotation({{"a", 1}, {"b", 2}, {"c", 3}});
  EXPECT_FALSE(rotation.moveOn());  // a failed; b connects and lasts
  rotation.restartTurn();
  EXPECT_FALSE(rotation.moveOn());  // b lost: c next, at once
  EXPECT_EQ(rotation.current().host, "c");
  EXPECT_FALSE(rotation.moveOn());  // c failed: a next, at once
  EXPECT_TRUE(rotation.moveOn()) << "b, c and a have failed since b's connection";
  EXPECT_EQ(rotation.current().host, "b");
}

TEST(AddressRotation, OneAddressBacksOffAfterEveryFailure) {
  AddressRotation rotation({{"only", 5672}});
  EXPECT_TRUE(rotation.moveOn());
  EXPECT_TRUE(rotation.moveOn());
  EXPECT_EQ(rotation.current().host, "only");
}

}  // namespace
}  // namespace cpe::brokers::rabbitmq

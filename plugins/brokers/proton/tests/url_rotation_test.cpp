// The server list of broker.proton.urls: what it accepts, what it refuses
// with a reason, and the order the connection tries the servers in.
#include "url_rotation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cpe::brokers::proton_amqp {
namespace {

using Urls = std::vector<std::string>;

Urls parsed(const std::string& text) {
  Result<Urls> urls = parseUrlList(text);
  EXPECT_TRUE(urls.isOk()) << text << ": " << urls.status().toString();
  return urls.isOk() ? urls.value() : Urls{};
}

std::string refusal(const std::string& text) {
  Result<Urls> urls = parseUrlList(text);
  EXPECT_FALSE(urls.isOk()) << text << " was accepted";
  return urls.isOk() ? "" : urls.status().message();
}

TEST(UrlList, ParsesUrlsInOrderIgnoringSpaces) {
  EXPECT_EQ(parsed("amqp://a:5672, amqps://b:5671 ,amqp://c"),
            (Urls{"amqp://a:5672", "amqps://b:5671", "amqp://c"}));
  EXPECT_EQ(parsed("amqp://127.0.0.1:5672"), Urls{"amqp://127.0.0.1:5672"});
}

TEST(UrlList, RefusesAMalformedListSayingWhichEntryAndWhy) {
  EXPECT_EQ(refusal("amqp://a:5672,b:5672"), "'b:5672' is not an amqp:// or amqps:// URL");
  EXPECT_EQ(refusal("amqp://a:5672,,amqp://b"), "an entry is empty");
  EXPECT_EQ(refusal("amqp://a:5672,"), "an entry is empty");
  EXPECT_EQ(refusal("amqp://"), "'amqp://' has no host");
  EXPECT_EQ(refusal("amqp://a b"), "'amqp://a b' holds a space");
  EXPECT_EQ(refusal("amqp://a,amqp://a"), "amqp://a is listed twice");
}

TEST(UrlRotation, MovesRoundRobinAndBacksOffOnlyAfterAFullTurn) {
  UrlRotation rotation({"amqp://a", "amqp://b", "amqp://c"});
  EXPECT_EQ(rotation.current(), "amqp://a");
  EXPECT_FALSE(rotation.moveOn());
  EXPECT_EQ(rotation.current(), "amqp://b");
  EXPECT_FALSE(rotation.moveOn());
  EXPECT_TRUE(rotation.moveOn()) << "a, b and c have all failed";
  EXPECT_EQ(rotation.current(), "amqp://a");
}

TEST(UrlRotation, ATurnRestartsFromTheUrlThatGotItsLinks) {
  UrlRotation rotation({"amqp://a", "amqp://b", "amqp://c"});
  EXPECT_FALSE(rotation.moveOn());  // a failed; b connects
  rotation.restartTurn();
  EXPECT_FALSE(rotation.moveOn());  // b lost: c at once
  EXPECT_FALSE(rotation.moveOn());  // c failed: a at once
  EXPECT_TRUE(rotation.moveOn()) << "b, c and a have failed since b's connection";
  EXPECT_EQ(rotation.current(), "amqp://b");
}

TEST(UrlRotation, OneUrlBacksOffAfterEveryFailure) {
  UrlRotation rotation({"amqp://only"});
  EXPECT_TRUE(rotation.moveOn());
  EXPECT_TRUE(rotation.moveOn());
}

}  // namespace
}  // namespace cpe::brokers::proton_amqp

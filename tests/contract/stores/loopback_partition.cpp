#include "loopback_partition.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>

namespace cpe::testing {
namespace {

struct Outcome {
  bool succeeded;
  std::string output;  // stdout and stderr
};

// iptables with `arguments`, waiting for the xtables lock (-w) rather than
// failing beside another user of it.
Outcome iptables(const std::string& arguments) {
  const std::string command = "iptables -w " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {false, "cannot run iptables"};
  std::string output;
  std::array<char, 256> chunk;
  while (fgets(chunk.data(), static_cast<int>(chunk.size()), pipe) != nullptr) {
    output += chunk.data();
  }
  const bool succeeded = pclose(pipe) == 0;
  return {succeeded, output};
}

// A rule on loopback's input: a packet from one port to the other is
// dropped, unanswered.
std::string dropRule(int sourcePort, int destinationPort) {
  return "INPUT -i lo -p tcp --sport " + std::to_string(sourcePort) + " --dport " +
         std::to_string(destinationPort) + " -j DROP";
}

}  // namespace

Status LoopbackPartition::checkUsable() {
  if (geteuid() != 0) return Status::unavailable("iptables needs root; this test runs as a user");
  const Outcome listed = iptables("-L INPUT -n");
  if (!listed.succeeded) return Status::unavailable("iptables -L INPUT failed: " + listed.output);
  return Status::ok();
}

LoopbackPartition::~LoopbackPartition() {
  for (auto rule = rules_.rbegin(); rule != rules_.rend(); ++rule) {
    const Outcome removed = iptables("-D " + *rule);
    if (!removed.succeeded) ADD_FAILURE() << "iptables -D " << *rule << ": " << removed.output;
  }
}

Status LoopbackPartition::cut(int clientPort) {
  for (const std::string& rule :
       {dropRule(clientPort, serverPort_), dropRule(serverPort_, clientPort)}) {
    const Outcome added = iptables("-I " + rule);
    if (!added.succeeded) return Status::unavailable("iptables -I " + rule + ": " + added.output);
    rules_.push_back(rule);
  }
  return Status::ok();
}

}  // namespace cpe::testing

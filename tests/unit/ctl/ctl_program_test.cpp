#include "ctl_program.h"

#include <gtest/gtest.h>

#include <sstream>

namespace cpe::ctl {
namespace {

// What a run printed and how it ended.
struct RunResult {
  ExitCode code;
  std::string out;
  std::string err;
};

RunResult run(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  std::istringstream in;
  Console console{out, err, in, false};
  const ExitCode code = runCtl(
      args, [](const std::string&) { return std::optional<std::string>(); }, console);
  return {code, out.str(), err.str()};
}

TEST(CtlProgram, AUsageErrorSaysWhatAndWhereToLook) {
  const RunResult refused = run({"post", "ABC123", "--colour"});
  EXPECT_EQ(refused.code, ExitCode::kUsage);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err, "cpe-ctl: unknown option --colour\nTry 'cpe-ctl --help'.\n");
}

TEST(CtlProgram, HelpAndVersionGoToStandardOutput) {
  const RunResult help = run({"help"});
  EXPECT_EQ(help.code, ExitCode::kOk);
  EXPECT_NE(help.out.find("Exit codes:"), std::string::npos);
  EXPECT_EQ(help.err, "");
  const RunResult version = run({"--version"});
  EXPECT_EQ(version.code, ExitCode::kOk);
  EXPECT_EQ(version.out.rfind("cpe-ctl ", 0), 0u) << version.out;
}

TEST(CtlProgram, LocalFilesAreCheckedBeforeAnythingIsSent) {
  const RunResult noCa = run({"history", "ABC123", "--ca-file", "/nonexistent/ca.pem"});
  EXPECT_EQ(noCa.code, ExitCode::kUsage);
  EXPECT_EQ(noCa.err, "cpe-ctl: --ca-file /nonexistent/ca.pem: cannot be read\n");
  const RunResult noToken = run(
      {"history", "ABC123", "--url", "http://127.0.0.1:1", "--token-file", "/nonexistent/token"});
  EXPECT_EQ(noToken.code, ExitCode::kUsage);
  EXPECT_EQ(noToken.err, "cpe-ctl: --token-file /nonexistent/token: cannot be read\n");
  const RunResult noBody = run({"post", "ABC123", "--url", "http://127.0.0.1:1", "--timeout", "5"});
  EXPECT_EQ(noBody.code, ExitCode::kUsage);
  EXPECT_EQ(noBody.err, "cpe-ctl: --username is required\n");
}

}  // namespace
}  // namespace cpe::ctl

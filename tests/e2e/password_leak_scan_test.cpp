// The scan behind the suite's password leak check (password_leaks.h): it
// must name the file and line of a password, and stay quiet without one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "password_leaks.h"
#include "running_services.h"

namespace cpe::testing {
namespace {

constexpr const char* kPassword = "scan-test-pw-7c1e";

TEST(PasswordLeakScan, NamesTheFileAndLineOfEachOccurrence) {
  const std::string dir = freshDir("leak-scan");
  std::ofstream(dir + "/service.log") << "{\"message\":\"started\"}\n"
                                      << "{\"message\":\"fine\"}\n"
                                      << "{\"message\":\"calling A with " << kPassword << "\"}\n";
  const auto leaks = findPasswordIn({dir}, kPassword);
  ASSERT_EQ(leaks.size(), 1u);
  EXPECT_EQ(leaks[0].rfind(dir + "/service.log:3: ", 0), 0u) << leaks[0];
}

TEST(PasswordLeakScan, ReadsBinaryFilesAndFilesInSubfolders) {
  const std::string dir = freshDir("leak-scan");
  std::filesystem::create_directories(dir + "/data");
  std::ofstream(dir + "/data/tasks.db", std::ios::binary)
      << std::string("SQLite format 3\0\x10\x00", 18) << kPassword << std::string(4, '\0');
  const auto leaks = findPasswordIn({dir}, kPassword);
  ASSERT_EQ(leaks.size(), 1u);
  EXPECT_EQ(leaks[0].rfind(dir + "/data/tasks.db:1: ", 0), 0u) << leaks[0];
}

TEST(PasswordLeakScan, ReadsAFileOnceThoughRememberedTwice) {
  const std::string dir = freshDir("leak-scan");
  std::ofstream(dir + "/tasks.db") << kPassword;
  EXPECT_EQ(findPasswordIn({dir, dir + "/tasks.db", dir + "/./tasks.db"}, kPassword).size(), 1u);
}

TEST(PasswordLeakScan, IsQuietAboutFilesWithoutThePasswordAndPathsThatAreGone) {
  const std::string dir = freshDir("leak-scan");
  std::ofstream(dir + "/service.log") << "a line with scan-test-pw but not all of it\n";
  EXPECT_TRUE(
      findPasswordIn({dir, dir + "/service.log", dir + "/tasks.db-wal"}, kPassword).empty());
}

TEST(PasswordLeakScan, CountsLinesUpToEachOccurrence) {
  const auto found = occurrencesIn("ab\nxx pw\n\npw pw", "pw");
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].line, 2u);
  EXPECT_EQ(found[0].offset, 6u);
  EXPECT_EQ(found[1].line, 4u);
  EXPECT_EQ(found[2].line, 4u);
  EXPECT_EQ(found[2].offset, 13u);
}

}  // namespace
}  // namespace cpe::testing

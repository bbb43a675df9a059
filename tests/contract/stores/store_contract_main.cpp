// cpe-store-contract: the TaskStore contract suite run against any store
// plugin, so that a plugin built outside this tree passes the same tests as
// ours before anyone calls it done (docs/plugins.md).
//
//   cpe-store-contract [--gtest_...] [--plugin-dir=DIR] PLUGIN [-DKEY=VALUE ...]
//
// PLUGIN is a path to the .so, or a name looked up in DIR (default: where
// an installed cpe-host finds its plugins). Each -D sets a configuration key
// in full, e.g. -Dstore.example.path='${tmpDir}/tasks', where "${tmpDir}"
// becomes a directory of each test's own. Exit status: 0 when every test
// passes, 1 when one fails, 2 for a mistake on the command line.

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "store_contract.h"

namespace cpe::testing {
namespace {

constexpr const char* kUsage =
    "usage: cpe-store-contract [--gtest_...] [--plugin-dir=DIR] PLUGIN [-DKEY=VALUE ...]\n";

std::vector<StoreUnderTest>& storesUnderTest() {
  static std::vector<StoreUnderTest> stores;
  return stores;
}

std::string installedPluginDir() {
  const auto binDir = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  return (binDir / CPE_PLUGIN_DIR_FROM_BINDIR).lexically_normal().string();
}

// "libcpe_store_example.so" -> "example": a label gtest accepts.
std::string labelFor(const std::string& plugin) {
  std::string stem = std::filesystem::path(plugin).stem().string();
  for (const char* prefix : {"libcpe_store_", "lib"}) {
    if (stem.rfind(prefix, 0) == 0) {
      stem.erase(0, std::string(prefix).size());
      break;
    }
  }
  std::string label;
  for (char c : stem) label += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return label.empty() ? "plugin" : label;
}

// The store under test from the arguments gtest does not own; nullopt after
// printing why, for a command line that names no plugin or a malformed key.
std::optional<StoreUnderTest> parseArguments(int argc, char** argv) {
  StoreUnderTest store;
  store.pluginDir = installedPluginDir();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--gtest_", 0) == 0) continue;
    if (arg.rfind("--plugin-dir=", 0) == 0) {
      store.pluginDir = arg.substr(std::string("--plugin-dir=").size());
    } else if (arg.rfind("-D", 0) == 0 && arg.find('=') != std::string::npos) {
      const auto equals = arg.find('=');
      store.settings[arg.substr(2, equals - 2)] = arg.substr(equals + 1);
    } else if (arg.rfind('-', 0) != 0 && store.plugin.empty()) {
      store.plugin = arg;
    } else {
      std::cerr << "cpe-store-contract: unexpected argument '" << arg << "'\n" << kUsage;
      return std::nullopt;
    }
  }
  if (store.plugin.empty()) {
    std::cerr << "cpe-store-contract: no plugin given\n" << kUsage;
    return std::nullopt;
  }
  store.label = labelFor(store.plugin);
  return store;
}

INSTANTIATE_TEST_SUITE_P(Plugin, StoreContract, ::testing::ValuesIn(storesUnderTest()), labelOf);

}  // namespace
}  // namespace cpe::testing

int main(int argc, char** argv) {
  // Before InitGoogleTest: it instantiates the suite over storesUnderTest().
  auto store = cpe::testing::parseArguments(argc, argv);
  if (!store) return 2;
  cpe::testing::storesUnderTest().push_back(*store);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS() == 0 ? 0 : 1;
}

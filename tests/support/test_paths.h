#pragma once

#include <string>

namespace cpe::testing {

// Paths of the build tree, compiled in by tests/CMakeLists.txt so the suites
// run from any working directory, under ctest or alone.
inline std::string stubBinary() { return CPE_STUB_A_BINARY; }
inline std::string hostBinary() { return CPE_HOST_BINARY; }
inline std::string ctlBinary() { return CPE_CTL_BINARY; }
inline std::string pluginDir() { return CPE_PLUGIN_DIR; }
inline std::string certDir() { return CPE_TEST_CERT_DIR; }
inline std::string workDir() { return CPE_TEST_WORK_DIR; }

}  // namespace cpe::testing

// The store contract suite over this tree's store plugins.

#include <gtest/gtest.h>

#include <vector>

#include "store_contract.h"

namespace cpe::testing {
namespace {

std::vector<StoreUnderTest> inTreeStores() {
  return {inTreeStore("memory"), inTreeStore("sqlite"), inTreeStore("postgres")};
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::ValuesIn(inTreeStores()), labelOf);

}  // namespace
}  // namespace cpe::testing

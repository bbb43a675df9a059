#pragma once

// The fixture of the TaskStore contract suite (store_contract_test.cpp):
// a fresh store of the plugin under test for every test.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store_fixture.h"

namespace cpe::testing {

class StoreContract : public ::testing::TestWithParam<StoreUnderTest> {
 protected:
  void SetUp() override {
    store_ = factory_.createOrFail();
    ASSERT_NE(store_, nullptr);
  }

  Task insertOrFail(const std::string& id, EpochMillis createdAt) {
    Task task = makeTask(id, createdAt);
    Status inserted = store_->insert(task);
    EXPECT_TRUE(inserted.isOk()) << inserted.toString();
    return task;
  }

  Task getOrFail(const std::string& id) {
    auto task = store_->get(id);
    EXPECT_TRUE(task.isOk()) << task.status().toString();
    return task.isOk() ? task.value() : Task{};
  }

  StoreFactory factory_{GetParam()};
  std::unique_ptr<TaskStore> store_;
};

// The test-name suffix of a StoreUnderTest: its label.
std::string labelOf(const ::testing::TestParamInfo<StoreUnderTest>& param);

}  // namespace cpe::testing

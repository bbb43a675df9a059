// The postgres store's group commit, one batch at a time: commitBatch() on
// the test PostgreSQL with the plugin's own connection, so each test decides
// exactly which writes share a transaction. Rows written by one transaction
// share its id (xmin), which tells how many transactions a batch took.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pg_connection.h"
#include "pg_schema.h"
#include "pg_writes.h"
#include "postgres_support.h"
#include "store_fixture.h"

namespace cpe::stores::postgres {
namespace {

using cpe::testing::makeTask;
using cpe::testing::queryPostgres;

constexpr EpochMillis kT0 = 1'700'000'000'000;

class PostgresWriteBatch : public ::testing::Test {
 protected:
  void SetUp() override {
    const ConnectionSettings settings{
        cpe::testing::testPostgresConninfo() + " application_name=" + schema_, schema_, 5000};
    auto setup = Connection::open(settings, {});
    ASSERT_TRUE(setup.isOk()) << setup.status().toString();
    ASSERT_TRUE(migrate(*setup.value(), schema_).isOk());
    auto opened = Connection::open(settings, writeStatements());
    ASSERT_TRUE(opened.isOk()) << opened.status().toString();
    db_ = std::move(opened).value();
  }

  void TearDown() override {
    db_.reset();
    queryPostgres("DROP SCHEMA IF EXISTS \"" + schema_ + "\" CASCADE");
  }

  // The first column of the first row of `sql` over this test's tasks.
  std::string query(const std::string& sql) {
    return queryPostgres("SET search_path TO \"" + schema_ + "\"; " + sql);
  }
  std::string statusOf(const std::string& id) {
    return query("SELECT status FROM tasks WHERE id = '" + id + "'");
  }
  // How many transactions wrote the current versions of these rows.
  std::string writersOf(const std::string& idList) {
    return query("SELECT count(DISTINCT xmin::text) FROM tasks WHERE id IN (" + idList + ")");
  }

  const std::string schema_ = cpe::testing::uniqueSchemaName();
  const OutboxClaim claim_{"30000", "test-instance"};
  std::unique_ptr<Connection> db_;
};

TEST_F(PostgresWriteBatch, NewTasksOfOneBatchGoInWithOneStatementClaimedForTheInstance) {
  const Task a = makeTask("a", kT0);
  const Task b = makeTask("b", kT0 + 1);
  const Task c = makeTask("c", kT0 + 2);
  InsertTask first(a);
  InsertTask second(b);
  InsertTask third(c);
  commitBatch(*db_, claim_, {&first, &second, &third});

  EXPECT_TRUE(first.answer().isOk()) << first.answer().toString();
  EXPECT_TRUE(second.answer().isOk()) << second.answer().toString();
  EXPECT_TRUE(third.answer().isOk()) << third.answer().toString();
  EXPECT_EQ(writersOf("'a','b','c'"), "1");
  EXPECT_EQ(query("SELECT count(*) FROM tasks WHERE claimed_by = 'test-instance'"
                  " AND claimed_until > (extract(epoch FROM clock_timestamp()) * 1000)::bigint"),
            "3");
  EXPECT_EQ(query("SELECT parameters_json FROM tasks WHERE id = 'b'"), b.parametersJson);
  EXPECT_EQ(query("SELECT created_at FROM tasks WHERE id = 'c'"), std::to_string(kT0 + 2));
}

TEST_F(PostgresWriteBatch, ADuplicateIdFailsOnlyItselfAndItsNeighboursAreStored) {
  const Task existing = makeTask("a", kT0);
  InsertTask stored(existing);
  commitBatch(*db_, claim_, {&stored});
  ASSERT_TRUE(stored.answer().isOk()) << stored.answer().toString();

  const Task before = makeTask("b", kT0 + 1);
  const Task duplicate = makeTask("a", kT0 + 2);
  const Task after = makeTask("c", kT0 + 3);
  InsertTask first(before);
  InsertTask bad(duplicate);
  InsertTask last(after);
  commitBatch(*db_, claim_, {&first, &bad, &last});

  EXPECT_TRUE(first.answer().isOk()) << first.answer().toString();
  EXPECT_EQ(bad.answer().code(), StatusCode::kAlreadyExists) << bad.answer().toString();
  EXPECT_TRUE(last.answer().isOk()) << last.answer().toString();
  EXPECT_EQ(statusOf("b"), "queued");
  EXPECT_EQ(statusOf("c"), "queued");
  EXPECT_EQ(query("SELECT created_at FROM tasks WHERE id = 'a'"), std::to_string(kT0))
      << "the first task was overwritten";
}

TEST_F(PostgresWriteBatch, TwoWritesWithOneKeyInABatchStoreOneTaskAndBothAnswerIt) {
  const Task firstTask = makeTask("k1", kT0);
  Task secondTask = makeTask("k2", kT0 + 1);
  secondTask.equipmentId = firstTask.equipmentId;  // keys are per device
  const std::string key = "key-1";
  const Task plain = makeTask("p", kT0 + 2);
  InsertTaskWithKey first(firstTask, key, kT0 - 1000);
  InsertTask between(plain);
  InsertTaskWithKey second(secondTask, key, kT0 - 1000);
  commitBatch(*db_, claim_, {&first, &between, &second});

  ASSERT_TRUE(first.answer().isOk()) << first.answer().status().toString();
  ASSERT_TRUE(second.answer().isOk()) << second.answer().status().toString();
  EXPECT_TRUE(between.answer().isOk()) << between.answer().toString();
  EXPECT_EQ(first.answer().value().id, "k1");
  EXPECT_EQ(second.answer().value().id, "k1");
  EXPECT_EQ(statusOf("k2"), "") << "the second write stored its task";
  EXPECT_EQ(writersOf("'k1','p'"), "1");
  EXPECT_EQ(query("SELECT task_id FROM idempotency_keys WHERE key = 'key-1'"), "k1");
}

TEST_F(PostgresWriteBatch, ResultsAndPublishMarksShareTheTransactionOfNewTasks) {
  const Task queued = makeTask("q", kT0);
  InsertTask stored(queued);
  commitBatch(*db_, claim_, {&stored});
  ASSERT_TRUE(stored.answer().isOk()) << stored.answer().toString();

  TaskResult done;
  done.taskId = "q";
  done.status = TaskStatus::kCompleted;
  done.code = 200;
  done.message = "done";
  TaskResult unknown = done;
  unknown.taskId = "nobody";
  const Task fresh = makeTask("n", kT0 + 1);
  const std::vector<std::string> published{"n"};
  InsertTask insert(fresh);
  MarkPublished mark(published, kT0 + 5);
  CompleteTask complete(done);
  CompleteTask missing(unknown);
  commitBatch(*db_, claim_, {&insert, &mark, &complete, &missing});

  EXPECT_TRUE(insert.answer().isOk()) << insert.answer().toString();
  EXPECT_TRUE(mark.answer().isOk()) << mark.answer().toString();
  ASSERT_TRUE(complete.answer().isOk()) << complete.answer().status().toString();
  EXPECT_TRUE(complete.answer().value());
  EXPECT_EQ(missing.answer().status().code(), StatusCode::kNotFound);
  EXPECT_EQ(statusOf("q"), "completed");
  EXPECT_EQ(query("SELECT publish_count FROM tasks WHERE id = 'n'"), "1");
  EXPECT_EQ(writersOf("'q','n'"), "1");
}

// Groups commit at once (pg_store.cpp): each takes its keys in one order,
// so two cannot each hold a key the other waits for. Rows inserted into
// this test's fresh table sit in the order they were written (ctid).
TEST_F(PostgresWriteBatch, AGroupTakesItsIdempotencyKeysInOneOrder) {
  Task b = makeTask("t1", kT0);
  b.equipmentId = "SN-B";
  Task z = makeTask("t2", kT0 + 1);
  z.equipmentId = "SN-A";
  Task a = makeTask("t3", kT0 + 2);
  a.equipmentId = "SN-A";
  const std::string keyK = "k";
  const std::string keyZ = "z";
  const std::string keyA = "a";
  InsertTaskWithKey first(b, keyK, kT0 - 1000);
  InsertTaskWithKey second(z, keyZ, kT0 - 1000);
  InsertTaskWithKey third(a, keyA, kT0 - 1000);
  commitBatch(*db_, claim_, {&first, &second, &third});

  EXPECT_TRUE(first.answer().isOk()) << first.answer().status().toString();
  EXPECT_TRUE(second.answer().isOk()) << second.answer().status().toString();
  EXPECT_TRUE(third.answer().isOk()) << third.answer().status().toString();
  EXPECT_EQ(writersOf("'t1','t2','t3'"), "1");
  EXPECT_EQ(query("SELECT string_agg(equipment_id || '/' || key, ',' ORDER BY ctid)"
                  " FROM idempotency_keys"),
            "SN-A/a,SN-A/z,SN-B/k");
}

TEST_F(PostgresWriteBatch, ALostConnectionFailsTheWholeBatchWithoutRetries) {
  const std::string ours =
      " FROM pg_stat_activity WHERE application_name = '" + schema_ + "'";
  queryPostgres("SELECT pg_terminate_backend(pid)" + ours);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (queryPostgres("SELECT count(*)" + ours) != "0") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the backend outlived its end";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const Task a = makeTask("a", kT0);
  TaskResult done;
  done.taskId = "a";
  done.status = TaskStatus::kCompleted;
  InsertTask first(a);
  CompleteTask second(done);
  commitBatch(*db_, claim_, {&first, &second});

  EXPECT_EQ(first.answer().code(), StatusCode::kUnavailable) << first.answer().toString();
  EXPECT_EQ(second.answer().status().code(), StatusCode::kUnavailable)
      << second.answer().status().toString();
  EXPECT_EQ(statusOf("a"), "");
}

}  // namespace
}  // namespace cpe::stores::postgres

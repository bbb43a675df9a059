// The SQLite store's group commit, one batch at a time: commitBatch() on a
// real database file, with the plugin's own write connection, so each test
// decides exactly which writes share a transaction.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "sqlite_database.h"
#include "sqlite_schema.h"
#include "sqlite_writes.h"
#include "store_fixture.h"

namespace cpe::stores::sqlite {
namespace {

using cpe::testing::makeTask;
using cpe::testing::TempDir;

constexpr EpochMillis kT0 = 1'700'000'000'000;

class SqliteWriteBatch : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Connection::open(path_, /*create=*/true, /*busyTimeoutMs=*/50);
    ASSERT_TRUE(opened.isOk()) << opened.status().toString();
    writer_ = std::move(opened).value();
    ASSERT_TRUE(prepareWriter(*writer_, Synchronous::kFull).isOk());
    sqlite3_commit_hook(writer_->handle(), &SqliteWriteBatch::countCommit, &commits_);
  }

  static int countCommit(void* commits) {
    ++*static_cast<int*>(commits);
    return 0;  // let it commit
  }

  // The task's row as the file holds it, or "" if there is none.
  std::string statusOf(const std::string& id) {
    sqlite3* reader = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &reader), SQLITE_OK);
    sqlite3_stmt* query = nullptr;
    sqlite3_prepare_v2(reader, "SELECT status FROM tasks WHERE id = ?1", -1, &query, nullptr);
    sqlite3_bind_text(query, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    std::string status;
    if (sqlite3_step(query) == SQLITE_ROW) {
      status = reinterpret_cast<const char*>(sqlite3_column_text(query, 0));
    }
    sqlite3_finalize(query);
    sqlite3_close(reader);
    return status;
  }

  TempDir dir_;
  const std::string path_ = dir_.path() + "/tasks.db";
  std::unique_ptr<Connection> writer_;
  int commits_ = 0;
};

TEST_F(SqliteWriteBatch, WritesOfOneBatchShareOneCommitAndEachAnswers) {
  const Task a = makeTask("a", kT0);
  const Task b = makeTask("b", kT0 + 1);
  const Task c = makeTask("c", kT0 + 2);
  InsertTask first(a);
  InsertTask second(b);
  InsertTask third(c);
  commitBatch(*writer_, {&first, &second, &third});

  EXPECT_EQ(commits_, 1);
  EXPECT_TRUE(first.answer().isOk()) << first.answer().toString();
  EXPECT_TRUE(second.answer().isOk()) << second.answer().toString();
  EXPECT_TRUE(third.answer().isOk()) << third.answer().toString();
  EXPECT_EQ(statusOf("a"), "queued");
  EXPECT_EQ(statusOf("b"), "queued");
  EXPECT_EQ(statusOf("c"), "queued");
}

TEST_F(SqliteWriteBatch, ADuplicateIdFailsOnlyItselfAndItsNeighboursAreStored) {
  const Task existing = makeTask("a", kT0);
  InsertTask stored(existing);
  commitBatch(*writer_, {&stored});
  ASSERT_TRUE(stored.answer().isOk());
  commits_ = 0;

  const Task before = makeTask("b", kT0 + 1);
  const Task duplicate = makeTask("a", kT0 + 2);
  const Task after = makeTask("c", kT0 + 3);
  InsertTask first(before);
  InsertTask bad(duplicate);
  InsertTask last(after);
  commitBatch(*writer_, {&first, &bad, &last});

  EXPECT_TRUE(first.answer().isOk()) << first.answer().toString();
  EXPECT_EQ(bad.answer().code(), StatusCode::kAlreadyExists) << bad.answer().toString();
  EXPECT_TRUE(last.answer().isOk()) << last.answer().toString();
  EXPECT_EQ(statusOf("b"), "queued");
  EXPECT_EQ(statusOf("c"), "queued");
  EXPECT_EQ(commits_, 2) << "the batch rolled back, then each good write committed alone";
}

TEST_F(SqliteWriteBatch, TwoWritesWithOneKeyInABatchStoreOneTaskAndBothAnswerIt) {
  const Task firstTask = makeTask("k1", kT0);
  Task secondTask = makeTask("k2", kT0 + 1);
  secondTask.equipmentId = firstTask.equipmentId;  // keys are per device
  const std::string key = "key-1";
  InsertTaskWithKey first(firstTask, key, kT0 - 1000);
  InsertTaskWithKey second(secondTask, key, kT0 - 1000);
  commitBatch(*writer_, {&first, &second});

  EXPECT_EQ(commits_, 1);
  ASSERT_TRUE(first.answer().isOk()) << first.answer().status().toString();
  ASSERT_TRUE(second.answer().isOk()) << second.answer().status().toString();
  EXPECT_EQ(first.answer().value().id, "k1");
  EXPECT_EQ(second.answer().value().id, "k1");
  EXPECT_EQ(statusOf("k1"), "queued");
  EXPECT_EQ(statusOf("k2"), "") << "the second write stored its task";
}

TEST_F(SqliteWriteBatch, ResultsAndPublishMarksShareTheBatchOfNewTasks) {
  const Task queued = makeTask("q", kT0);
  InsertTask stored(queued);
  commitBatch(*writer_, {&stored});
  ASSERT_TRUE(stored.answer().isOk());
  commits_ = 0;

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
  commitBatch(*writer_, {&insert, &mark, &complete, &missing});

  EXPECT_EQ(commits_, 1);
  EXPECT_TRUE(insert.answer().isOk());
  EXPECT_TRUE(mark.answer().isOk());
  ASSERT_TRUE(complete.answer().isOk()) << complete.answer().status().toString();
  EXPECT_TRUE(complete.answer().value());
  EXPECT_EQ(missing.answer().status().code(), StatusCode::kNotFound);
  EXPECT_EQ(statusOf("q"), "completed");
}

TEST_F(SqliteWriteBatch, AFileLockedElsewhereFailsTheWholeBatchWithoutRetries) {
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  int busyWaits = 0;
  sqlite3_busy_handler(
      writer_->handle(),
      [](void* waits, int) {
        ++*static_cast<int*>(waits);
        return 0;  // give up at once
      },
      &busyWaits);

  const Task a = makeTask("a", kT0);
  const Task b = makeTask("b", kT0 + 1);
  InsertTask first(a);
  InsertTask second(b);
  commitBatch(*writer_, {&first, &second});
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  EXPECT_EQ(first.answer().code(), StatusCode::kUnavailable) << first.answer().toString();
  EXPECT_EQ(second.answer().code(), StatusCode::kUnavailable) << second.answer().toString();
  EXPECT_EQ(busyWaits, 1) << "each write waited for the lock again on its own";
  EXPECT_EQ(commits_, 0);
}

}  // namespace
}  // namespace cpe::stores::sqlite

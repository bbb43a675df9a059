// What only the postgres store promises beyond the contract: tasks outlive
// the store object, hosts starting at once migrate the schema once, hosts
// sweeping the outbox at once take disjoint tasks under a lease, bounded
// waits answer UNAVAILABLE, and bad configuration is refused without
// quoting the connection string.

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "postgres_support.h"
#include "store_fixture.h"

namespace cpe::testing {
namespace {

constexpr EpochMillis kT0 = 1'700'000'000'000;

// A task of the one device the keyed inserts below share.
Task deviceTask(const std::string& id, EpochMillis createdAt) {
  Task task = makeTask(id, createdAt);
  task.equipmentId = "SN-DEVICE";
  return task;
}
constexpr EpochMillis kForever = std::numeric_limits<EpochMillis>::max();

using Clock = std::chrono::steady_clock;

long long millisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Waits until no claim in `schema` is live on the server's clock, the clock
// the store's leases run on: from then on every store may sweep every row.
bool awaitClaimsLapsed(const std::string& schema) {
  const std::string liveClaims =
      "SELECT count(*) FROM \"" + schema +
      "\".tasks WHERE claimed_until >= (extract(epoch FROM clock_timestamp()) * 1000)::bigint";
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (queryPostgres(liveClaims) != "0") {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Names the connections of the stores `factory` makes, so a test can find
// them in pg_stat_activity; returns the name.
std::string nameConnections(StoreFactory& factory) {
  std::string application = "cpe-test-" + factory.schema();
  factory.config().setString("store.postgres.connection",
                             testPostgresConninfo() + " application_name=" + application);
  return application;
}

// Whether one connection named `application` waits on a lock.
bool oneWaitsOnALock(const std::string& application) {
  return queryPostgres("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                       application + "' AND wait_event_type = 'Lock'") == "1";
}

// Waits (30 s at most) until a connection named `application` waits on a
// lock, or `call` returned; whether it waits.
template <typename Answer>
bool awaitLockWait(const std::string& application, std::future<Answer>& call) {
  bool waiting = oneWaitsOnALock(application);
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!waiting && Clock::now() < deadline &&
         call.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout) {
    waiting = oneWaitsOnALock(application);
  }
  return waiting;
}

std::set<std::string> idsOf(const std::vector<Task>& tasks) {
  std::set<std::string> ids;
  for (const auto& task : tasks) ids.insert(task.id);
  return ids;
}

TEST(PostgresStore, TasksAndTheirStatusSurviveReopeningTheStore) {
  StoreFactory factory("postgres");
  // The first store's claim on the task it inserted must lapse before the
  // reopened store (another instance) may sweep it.
  factory.config().setString("store.postgres.claimLeaseMs", "300");
  const Task queued = makeTask("queued", kT0);
  {
    auto store = factory.createOrFail();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->insert(queued).isOk());
    ASSERT_TRUE(store->insert(makeTask("done", kT0 + 1)).isOk());
    TaskResult result;
    result.taskId = "done";
    result.status = TaskStatus::kEquipmentNotFound;
    result.code = 404;
    result.message = "no such device";
    result.finishedAt = kT0 + 50;
    ASSERT_TRUE(store->complete(result).isOk());
  }
  auto reopened = factory.createOrFail();
  ASSERT_NE(reopened, nullptr);
  auto stillQueued = reopened->get("queued");
  ASSERT_TRUE(stillQueued.isOk()) << stillQueued.status().toString();
  EXPECT_EQ(stillQueued.value().parametersJson, queued.parametersJson);
  EXPECT_EQ(stillQueued.value().status, TaskStatus::kQueued);
  auto terminal = reopened->get("done");
  ASSERT_TRUE(terminal.isOk()) << terminal.status().toString();
  EXPECT_EQ(terminal.value().status, TaskStatus::kEquipmentNotFound);
  EXPECT_EQ(terminal.value().resultCode, 404);
  EXPECT_EQ(terminal.value().resultMessage, "no such device");
  EXPECT_EQ(terminal.value().updatedAt, kT0 + 50);
  ASSERT_TRUE(awaitClaimsLapsed(factory.schema()));
  auto outbox = reopened->unpublished(10, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  ASSERT_EQ(outbox.value().size(), 1u);
  EXPECT_EQ(outbox.value()[0].id, "queued");
}

TEST(PostgresStore, StoresCreatedAtOnceOnAFreshSchemaAllStartAndRecordTheVersionOnce) {
  StoreFactory factory("postgres");
  constexpr int kStores = 4;
  std::vector<Result<std::unique_ptr<TaskStore>>> stores;
  for (int i = 0; i < kStores; ++i) stores.emplace_back(Status::internal("not run"));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kStores; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      stores[static_cast<std::size_t>(i)] = factory.create();
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  for (auto& store : stores) {
    ASSERT_TRUE(store.isOk()) << store.status().toString();
    EXPECT_TRUE(store.value()->ping().isOk());
  }
  const std::string q = "\"" + factory.schema() + "\"";
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_TRUE(stores[0].value()->insert(makeTask("a1", kT0)).isOk());
  EXPECT_EQ(stores[1].value()->insert(makeTask("a1", kT0)).code(), StatusCode::kAlreadyExists);
}

TEST(PostgresStore, TwoStoresSweepingAtOnceTakeDisjointTasksThatCoverTheOutbox) {
  StoreFactory factory("postgres");
  // Short: the tasks are inserted by a third store, whose claims must lapse.
  factory.config().setString("store.postgres.claimLeaseMs", "300");
  auto first = factory.createOrFail();
  auto second = factory.createOrFail();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  constexpr int kTasks = 200;
  // Together more than the outbox holds: at least one sweep sees every row,
  // so the two must cover it, and overlapping sweeps would both come back full.
  constexpr std::size_t kSweepLimit = 120;
  {
    auto inserter = factory.createOrFail();
    ASSERT_NE(inserter, nullptr);
    for (int i = 0; i < kTasks; ++i) {
      ASSERT_TRUE(inserter->insert(makeTask("t" + std::to_string(i), kT0 + i)).isOk());
    }
  }
  ASSERT_TRUE(awaitClaimsLapsed(factory.schema()));
  std::atomic<bool> go{false};
  Result<std::vector<Task>> firstSweep = Status::internal("not run");
  Result<std::vector<Task>> secondSweep = Status::internal("not run");
  std::thread a([&] {
    while (!go) std::this_thread::yield();
    firstSweep = first->unpublished(kSweepLimit, kForever);
  });
  std::thread b([&] {
    while (!go) std::this_thread::yield();
    secondSweep = second->unpublished(kSweepLimit, kForever);
  });
  go = true;
  a.join();
  b.join();
  ASSERT_TRUE(firstSweep.isOk()) << firstSweep.status().toString();
  ASSERT_TRUE(secondSweep.isOk()) << secondSweep.status().toString();
  const std::set<std::string> firstIds = idsOf(firstSweep.value());
  const std::set<std::string> secondIds = idsOf(secondSweep.value());
  std::vector<std::string> shared;
  std::set_intersection(firstIds.begin(), firstIds.end(), secondIds.begin(), secondIds.end(),
                        std::back_inserter(shared));
  EXPECT_TRUE(shared.empty()) << shared.size() << " tasks handed to both, e.g. " << shared[0];
  EXPECT_EQ(firstIds.size() + secondIds.size(), static_cast<std::size_t>(kTasks));
  std::cout << "sweep split: " << firstIds.size() << " + " << secondIds.size() << "\n";
}

TEST(PostgresStore, ClaimedTasksComeBackToTheirStoreAndToOthersOnlyAfterTheLease) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.claimLeaseMs", "400");
  auto first = factory.createOrFail();
  auto second = factory.createOrFail();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(first->insert(makeTask("t" + std::to_string(i), kT0 + i)).isOk());
  }
  // Inserting claims too: another host's sweep leaves a task alone while its
  // own host may still be publishing it on the fast path.
  auto justInserted = second->unpublished(10, kForever);
  ASSERT_TRUE(justInserted.isOk()) << justInserted.status().toString();
  EXPECT_TRUE(justInserted.value().empty()) << "another store took freshly inserted tasks";
  auto claimed = first->unpublished(10, kForever);
  ASSERT_TRUE(claimed.isOk()) << claimed.status().toString();
  ASSERT_EQ(claimed.value().size(), 5u);

  auto others = second->unpublished(10, kForever);
  ASSERT_TRUE(others.isOk()) << others.status().toString();
  EXPECT_TRUE(others.value().empty()) << "another store took claimed tasks";
  auto again = first->unpublished(10, kForever);
  ASSERT_TRUE(again.isOk()) << again.status().toString();
  EXPECT_EQ(again.value().size(), 5u) << "a store's own claims are swept again (retry)";

  ASSERT_TRUE(awaitClaimsLapsed(factory.schema()));
  auto expired = second->unpublished(10, kForever);
  ASSERT_TRUE(expired.isOk()) << expired.status().toString();
  EXPECT_EQ(expired.value().size(), 5u) << "tasks of a store that stopped sweeping are reclaimed";
  ASSERT_TRUE(second->markPublished({"t0", "t1", "t2", "t3", "t4"}).isOk());
  // Unclaimed again, only the published mark keeps them out of the outbox.
  ASSERT_TRUE(awaitClaimsLapsed(factory.schema()));
  auto none = first->unpublished(10, kForever);
  ASSERT_TRUE(none.isOk()) << none.status().toString();
  EXPECT_TRUE(none.value().empty());
}

TEST(PostgresStore, CallsWaitingForALockAnswerUnavailableAfterTheirTimeouts) {
  StoreFactory factory("postgres");
  // Named, so the test can see its connection wait on the lock.
  const std::string application = nameConnections(factory);
  factory.config().setString("store.postgres.poolSize", "1");
  factory.config().setString("store.postgres.statementTimeoutMs", "2000");
  factory.config().setString("store.postgres.acquireTimeoutMs", "100");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->insert(makeTask("a1", kT0)).isOk());

  // Another client holds the row, so complete() waits on its lock while it
  // holds the pool's only connection.
  PGconn* other = PQconnectdb(testPostgresConninfo().c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK) << PQerrorMessage(other);
  PQclear(PQexec(
      other, ("BEGIN; SELECT 1 FROM \"" + factory.schema() + "\".tasks WHERE id = 'a1' FOR UPDATE")
                 .c_str()));
  TaskResult result;
  result.taskId = "a1";
  result.status = TaskStatus::kCompleted;
  result.code = 200;
  result.message = "done";
  // A call that waited past its timeout would never return while the lock is
  // held: each runs apart, and a generous bound says it hung.
  constexpr auto kHung = std::chrono::seconds(60);
  auto completing = std::async(std::launch::async, [&] { return store->complete(result); });
  const bool waiting = awaitLockWait(application, completing);
  auto pinging = std::async(std::launch::async, [&] { return store->ping(); });
  const bool pingReturned = pinging.wait_for(kHung) == std::future_status::ready;
  const bool stillWaiting = waiting && oneWaitsOnALock(application);
  const bool completeReturned = completing.wait_for(kHung) == std::future_status::ready;
  PQclear(PQexec(other, "ROLLBACK"));  // frees whatever still waits
  PQfinish(other);

  ASSERT_TRUE(waiting) << "complete() never waited on the row lock";
  ASSERT_TRUE(pingReturned) << "ping() waited for the pool past store.postgres.acquireTimeoutMs";
  ASSERT_TRUE(stillWaiting) << "precondition: ping() must run while complete() holds the pool's "
                               "only connection";
  ASSERT_TRUE(completeReturned) << "complete() waited on the lock past its statement timeout";
  const Status waited = pinging.get();
  EXPECT_EQ(waited.code(), StatusCode::kUnavailable) << waited.toString();
  const Result<bool> blocked = completing.get();
  ASSERT_FALSE(blocked.isOk());
  EXPECT_EQ(blocked.status().code(), StatusCode::kUnavailable) << blocked.status().toString();
  auto retried = store->complete(result);
  ASSERT_TRUE(retried.isOk()) << retried.status().toString();
  EXPECT_TRUE(retried.value());
}

// Ids travel to markPublished inside one text[] literal: characters that
// mean something there must not split or end an element.
TEST(PostgresStore, MarkPublishedTakesIdsWithArraySyntaxInThem) {
  StoreFactory factory("postgres");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> ids = {"a\"b", "c\\d", "e,f", "{g}", "NULL", " h ", "é"};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(store->insert(makeTask(ids[i], kT0 + static_cast<EpochMillis>(i))).isOk())
        << ids[i];
  }
  ASSERT_TRUE(store->insert(makeTask("stays", kT0 + 100)).isOk());
  Status marked = store->markPublished(ids);
  ASSERT_TRUE(marked.isOk()) << marked.toString();
  auto outbox = store->unpublished(100, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  EXPECT_EQ(idsOf(outbox.value()), std::set<std::string>{"stays"});
  auto odd = store->get("a\"b");
  ASSERT_TRUE(odd.isOk()) << odd.status().toString();
  EXPECT_EQ(odd.value().id, "a\"b");
}

// A relay marks its confirms in batches: each id is looked up by primary
// key once (a join with the array), not every row found checked against
// the whole array again, which made a batch of n cost n^2 comparisons; an
// id twice in one batch still counts one publish.
TEST(PostgresStore, MarkPublishedLooksEachIdUpOnceAndCountsARepeatedIdOnce) {
  StoreFactory factory("postgres");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->insert(makeTask("twice", kT0)).isOk());
  ASSERT_TRUE(store->markPublished({"twice", "twice"}).isOk());
  const std::string q = "\"" + factory.schema() + "\"";
  EXPECT_EQ(queryPostgres("SELECT publish_count FROM " + q + ".tasks WHERE id = 'twice'"), "1");

  queryPostgres("INSERT INTO " + q +
                ".tasks (id, equipment_id, timeout_seconds, parameters_json, status, created_at,"
                " updated_at) SELECT md5(i::text), 'DEV', 14, '', 'queued', i, i"
                " FROM generate_series(1, 20000) AS i; ANALYZE " +
                q + ".tasks");
  const std::string plan =
      queryPostgres("SET search_path TO " + q +
                    "; EXPLAIN (FORMAT JSON)"
                    " UPDATE tasks t SET published = true, publish_count = t.publish_count + 1,"
                    " last_published_at = 5 FROM unnest(ARRAY(SELECT md5(i::text)"
                    " FROM generate_series(1, 500) AS i)) AS marked(id)"
                    " WHERE t.id = marked.id AND t.status IS NOT DISTINCT FROM 'queued'");
  EXPECT_NE(plan.find("\"Index Name\": \"tasks_pkey\""), std::string::npos) << plan;
  EXPECT_EQ(plan.find("ANY"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("\"Node Type\": \"Seq Scan\""), std::string::npos) << plan;
}

// A plan made while few tasks are queued: a prepared statement keeps it
// while a backlog grows. The marks (kMarkPublished in pg_writes.cpp and
// kMarkUnpublished in pg_store.cpp, copied) probe the primary key for each
// id. Written with "=", the planner read the whole tasks_queued index into
// a hash join instead, then every batch did so over the grown backlog (the
// growth benchmark's POSTs over 10^4 stored tasks).
TEST(PostgresStore, MarksProbeThePrimaryKeyWhenFewTasksAreQueued) {
  StoreFactory factory("postgres");
  ASSERT_NE(factory.createOrFail(), nullptr);
  const std::string q = "\"" + factory.schema() + "\"";
  queryPostgres("INSERT INTO " + q +
                ".tasks (id, equipment_id, timeout_seconds, parameters_json, status, published,"
                " created_at, updated_at) SELECT md5(i::text), 'DEV', 14, '',"
                " CASE WHEN i % 100 = 0 THEN 'queued' ELSE 'completed' END, true, i, i"
                " FROM generate_series(1, 10000) AS i; ANALYZE " +
                q + ".tasks");

  const std::string ids = "unnest(ARRAY(SELECT md5(i::text) FROM generate_series(1, 60) AS i))";
  const std::string marked =
      queryPostgres("SET search_path TO " + q +
                    "; EXPLAIN (FORMAT JSON)"
                    " UPDATE tasks t SET published = true, publish_count = t.publish_count + 1,"
                    " last_published_at = 5 FROM " +
                    ids +
                    " AS marked(id)"
                    " WHERE t.id = marked.id AND t.status IS NOT DISTINCT FROM 'queued'");
  EXPECT_NE(marked.find("\"Index Name\": \"tasks_pkey\""), std::string::npos) << marked;
  EXPECT_EQ(marked.find("tasks_queued"), std::string::npos) << marked;
  const std::string unmarked = queryPostgres(
      "SET search_path TO " + q +
      "; EXPLAIN (FORMAT JSON)"
      " UPDATE tasks t SET published = false, claimed_by = NULL, claimed_until = NULL"
      " FROM " +
      ids +
      " AS lost(id) WHERE t.id = lost.id"
      " AND t.published IS NOT DISTINCT FROM true AND t.status IS NOT DISTINCT FROM 'queued'");
  EXPECT_NE(unmarked.find("\"Index Name\": \"tasks_pkey\""), std::string::npos) << unmarked;
  EXPECT_EQ(unmarked.find("tasks_published"), std::string::npos) << unmarked;
  EXPECT_EQ(unmarked.find("tasks_queued"), std::string::npos) << unmarked;
}

TEST(PostgresStore, SchemaOfANewerVersionIsRefused) {
  StoreFactory factory("postgres");
  ASSERT_NE(factory.createOrFail(), nullptr);
  queryPostgres("INSERT INTO \"" + factory.schema() +
                "\".cpe_schema_version (version, applied_at) VALUES (7, 0)");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("version 7"), std::string::npos)
      << store.status().message();
}

// The schema of version 1, as the plugin of that version created it.
std::string schemaV1(const std::string& q) {
  return "CREATE SCHEMA " + q + ";" + " CREATE TABLE " + q +
         ".cpe_schema_version (version integer NOT NULL PRIMARY KEY, applied_at bigint NOT NULL);"
         " CREATE TABLE " +
         q +
         ".tasks ("
         " id text NOT NULL PRIMARY KEY, equipment_id text NOT NULL,"
         " timeout_seconds integer NOT NULL, parameters_json text NOT NULL, status text NOT NULL,"
         " result_code integer NOT NULL DEFAULT 0, result_message text NOT NULL DEFAULT '',"
         " created_at bigint NOT NULL, updated_at bigint NOT NULL,"
         " published boolean NOT NULL DEFAULT false, claimed_by text, claimed_until bigint);"
         " CREATE INDEX tasks_outbox ON " +
         q +
         ".tasks (created_at, id) WHERE published = false AND status = 'queued';"
         " INSERT INTO " +
         q + ".cpe_schema_version (version, applied_at) VALUES (1, 0);";
}

// The schema of version 2: version 1's, and what the plugin of version 2
// added to it.
std::string schemaV2(const std::string& q) {
  return schemaV1(q) + " CREATE TABLE " + q +
         ".idempotency_keys (equipment_id text NOT NULL, key text NOT NULL,"
         " task_id text NOT NULL, created_at bigint NOT NULL, PRIMARY KEY (equipment_id, key));"
         " CREATE INDEX tasks_queued ON " +
         q + ".tasks (created_at, id) WHERE status = 'queued'; INSERT INTO " + q +
         ".cpe_schema_version (version, applied_at) VALUES (2, 0);";
}

// The schema of version 3: version 2's, and what the plugin of version 3
// added to it.
std::string schemaV3(const std::string& q) {
  return schemaV2(q) + " ALTER TABLE " + q +
         ".tasks ADD COLUMN publish_count integer NOT NULL DEFAULT 0,"
         " ADD COLUMN last_published_at bigint;"
         " CREATE INDEX tasks_published ON " +
         q + ".tasks (last_published_at, id) WHERE published = true AND status = 'queued';" +
         " INSERT INTO " + q + ".cpe_schema_version (version, applied_at) VALUES (3, 0);";
}

// The schema of version 4: version 3's, and what the plugin of version 4
// added to it.
std::string schemaV4(const std::string& q) {
  return schemaV3(q) + " CREATE INDEX tasks_device ON " + q +
         ".tasks (equipment_id, created_at DESC, id COLLATE \"C\" DESC);" + " INSERT INTO " + q +
         ".cpe_schema_version (version, applied_at) VALUES (4, 0);";
}

TEST(PostgresStore, Version1SchemaIsMigratedInPlaceKeepingItsTasks) {
  StoreFactory factory("postgres");
  const std::string q = "\"" + factory.schema() + "\"";
  const Task queued = makeTask("v1-queued", kT0);
  queryPostgres(schemaV1(q) + " INSERT INTO " + q +
                ".tasks (id, equipment_id, timeout_seconds, parameters_json, status, created_at,"
                " updated_at) VALUES ('v1-queued', '" +
                queued.equipmentId + "', 14, '" + queued.parametersJson + "', 'queued', " +
                std::to_string(kT0) + ", " + std::to_string(kT0) + "); INSERT INTO " + q +
                ".tasks (id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
                " result_message, created_at, updated_at, published) VALUES ('v1-done',"
                " 'SN-v1-done', 14, '{}', 'failed', 500, 'boom', " +
                std::to_string(kT0 + 1) + ", " + std::to_string(kT0 + 2) + ", true)");
  ASSERT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "1");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM pg_indexes WHERE schemaname = '" +
                          factory.schema() + "' AND indexname = 'tasks_queued'"),
            "1");
  // What version 2 added works on the migrated schema; the old unclaimed
  // task is in the outbox.
  expectVersion1TasksMigrated(*store, queued);
  auto outbox = store->unpublished(10, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  EXPECT_EQ(idsOf(outbox.value()), (std::set<std::string>{"v1-queued", "v2"}));

  // Opening again finds version 6 and records nothing more.
  store.reset();
  ASSERT_NE(factory.createOrFail(), nullptr);
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q + ".cpe_schema_version"), "6");
}

TEST(PostgresStore, Version2SchemaIsMigratedInPlaceCountingPublishedTasksOnce) {
  StoreFactory factory("postgres");
  const std::string q = "\"" + factory.schema() + "\"";
  queryPostgres(schemaV2(q) + " " + insertVersion2Tasks(q + ".tasks", kT0));
  ASSERT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "2");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM pg_indexes WHERE schemaname = '" +
                          factory.schema() + "' AND indexname = 'tasks_published'"),
            "1");
  // Terminal tasks are left uncounted: nothing reads them.
  EXPECT_EQ(queryPostgres("SELECT publish_count || ' ' || coalesce(last_published_at::text,"
                          " 'null') FROM " +
                          q + ".tasks WHERE id = 'v2-done'"),
            "0 null");
  expectVersion2TasksMigrated(*store, kT0);

  // Opening again finds version 6 and records nothing more.
  store.reset();
  ASSERT_NE(factory.createOrFail(), nullptr);
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_EQ(queryPostgres("SELECT publish_count FROM " + q + ".tasks WHERE id = 'v2-sent'"), "2");
}

TEST(PostgresStore, Version3SchemaIsMigratedInPlaceListingEachDevicesTasks) {
  StoreFactory factory("postgres");
  const std::string q = "\"" + factory.schema() + "\"";
  queryPostgres(schemaV3(q) + " " + insertVersion3Tasks(q + ".tasks", kT0));
  ASSERT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "3");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_EQ(queryPostgres("SELECT indexdef FROM pg_indexes WHERE schemaname = '" +
                          factory.schema() + "' AND indexname = 'tasks_device'"),
            "CREATE INDEX tasks_device ON " + factory.schema() +
                ".tasks USING btree (equipment_id, created_at DESC, id COLLATE \"C\" DESC)");
  expectVersion3TasksListed(*store, kT0);

  // Opening again finds version 6 and records nothing more.
  store.reset();
  ASSERT_NE(factory.createOrFail(), nullptr);
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q + ".cpe_schema_version"), "6");
}

TEST(PostgresStore, Version4SchemaIsMigratedWipingTheParametersOfFinishedTasks) {
  StoreFactory factory("postgres");
  const std::string q = "\"" + factory.schema() + "\"";
  queryPostgres(schemaV4(q) + " " + insertVersion4Tasks(q + ".tasks", kT0));
  ASSERT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "4");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q +
                          ".tasks WHERE status <> 'queued' AND parameters_json <> ''"),
            "0");
  EXPECT_EQ(queryPostgres("SELECT indexdef FROM pg_indexes WHERE schemaname = '" +
                          factory.schema() + "' AND indexname = 'tasks_in_the_clear'"),
            "CREATE INDEX tasks_in_the_clear ON " + factory.schema() +
                ".tasks USING btree (id COLLATE \"C\") WHERE ((status = 'queued'::text) AND"
                " (\"left\"(parameters_json, 1) = '{'::text))");
  expectVersion4TasksWiped(*store, kT0);

  // Opening again finds version 6 and records nothing more.
  store.reset();
  ASSERT_NE(factory.createOrFail(), nullptr);
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q + ".cpe_schema_version"), "6");
}

// queuedInTheClear's query (kQueuedInTheClear in pg_store.cpp, copied) is
// served by the tasks_in_the_clear index in id order, with no sort and no
// scan of the finished tasks, on a table whose statistics the planner has.
TEST(PostgresStore, QueuedInTheClearReadsItsIndexInOrder) {
  StoreFactory factory("postgres");
  ASSERT_NE(factory.createOrFail(), nullptr);
  const std::string tasks = "\"" + factory.schema() + "\".tasks";
  queryPostgres("INSERT INTO " + tasks +
                " (id, equipment_id, timeout_seconds, parameters_json, status, created_at,"
                " updated_at) SELECT md5(i::text), 'DEV' || (i % 200), 14,"
                " CASE WHEN i % 1000 = 0 THEN '{}' ELSE 'U0VBTEVE' END,"
                " CASE WHEN i % 10 = 0 THEN 'queued' ELSE 'completed' END,"
                " 1000 + i, 1000 + i FROM generate_series(1, 20000) AS i;"
                " ANALYZE " +
                tasks);
  const std::string plan = queryPostgres(
      "EXPLAIN (FORMAT JSON) SELECT id, equipment_id, timeout_seconds, parameters_json, status,"
      " result_code, result_message, created_at, updated_at FROM " +
      tasks +
      " WHERE status = 'queued' AND left(parameters_json, 1) = '{' AND id COLLATE \"C\" > 'abc'"
      " ORDER BY id COLLATE \"C\" LIMIT 200");
  EXPECT_NE(plan.find("\"Index Name\": \"tasks_in_the_clear\""), std::string::npos) << plan;
  EXPECT_EQ(plan.find("\"Node Type\": \"Seq Scan\""), std::string::npos) << plan;
}

// listDeviceTasks' queries (kDeviceTasks and kDeviceTasksAfter in
// pg_store.cpp, copied) are served by the tasks_device index in its order,
// with no sort, and a later page seeks to its position (an index condition,
// not a filter), on a table of many devices whose statistics the planner
// has: no planner setting is needed.
TEST(PostgresStore, DeviceHistoryReadsTheDeviceIndexInOrderWithoutASort) {
  StoreFactory factory("postgres");
  ASSERT_NE(factory.createOrFail(), nullptr);
  const std::string tasks = "\"" + factory.schema() + "\".tasks";
  queryPostgres("INSERT INTO " + tasks +
                " (id, equipment_id, timeout_seconds, parameters_json, status, created_at,"
                " updated_at) SELECT md5(i::text), 'DEV' || (i % 200), 14, '{}', 'completed',"
                " 1000 + i / 3, 1000 + i FROM generate_series(1, 20000) AS i;"
                " ANALYZE " +
                tasks);
  const std::string first = queryPostgres(
      "EXPLAIN (FORMAT JSON) SELECT id, status, created_at, updated_at FROM " + tasks +
      " WHERE equipment_id = 'DEV7' ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT 21");
  EXPECT_NE(first.find("\"Index Name\": \"tasks_device\""), std::string::npos) << first;
  EXPECT_EQ(first.find("\"Node Type\": \"Sort\""), std::string::npos) << first;
  const std::string after = queryPostgres(
      "EXPLAIN (FORMAT JSON) SELECT id, status, created_at, updated_at FROM " + tasks +
      " WHERE equipment_id = 'DEV7' AND (created_at, id COLLATE \"C\") < (5000::bigint,"
      " 'abc'::text) ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT 21");
  EXPECT_NE(after.find("\"Index Name\": \"tasks_device\""), std::string::npos) << after;
  EXPECT_EQ(after.find("\"Node Type\": \"Sort\""), std::string::npos) << after;
  EXPECT_NE(after.find("ROW(created_at"), std::string::npos) << "no seek:\n" << after;
  EXPECT_EQ(after.find("\"Filter\""), std::string::npos) << after;
}

// Retention's delete (kDeleteFinished in pg_store.cpp, copied) reads the
// tasks_finished and idempotency_keys_age indexes from the oldest, with no
// sort and no scan of either table, on tables whose statistics the planner
// has (most tasks finished long ago, a few recently).
TEST(PostgresStore, RetentionReadsTheFinishedAndKeyAgeIndexesInOrder) {
  StoreFactory factory("postgres");
  ASSERT_NE(factory.createOrFail(), nullptr);
  const std::string q = "\"" + factory.schema() + "\"";
  queryPostgres("INSERT INTO " + q +
                ".tasks (id, equipment_id, timeout_seconds, parameters_json, status, created_at,"
                " updated_at) SELECT md5(i::text), 'DEV' || (i % 200), 14, '',"
                " CASE WHEN i % 10 = 0 THEN 'queued' ELSE 'completed' END, 1000 + i, 1000 + i"
                " FROM generate_series(1, 20000) AS i;"
                " INSERT INTO " +
                q +
                ".idempotency_keys (equipment_id, key, task_id, created_at)"
                " SELECT 'DEV' || (i % 200), md5(i::text), md5(i::text), 1000 + i"
                " FROM generate_series(1, 20000) AS i; ANALYZE " +
                q + ".tasks; ANALYZE " + q + ".idempotency_keys");
  const std::string plan = queryPostgres(
      "SET search_path TO " + q +
      "; EXPLAIN (FORMAT JSON)"
      " WITH turn AS (SELECT pg_try_advisory_xact_lock(1668510835, hashtext(current_schema()))"
      "  AS held),"
      " old_tasks AS (DELETE FROM tasks WHERE ctid = ANY(ARRAY(SELECT ctid FROM tasks"
      "  WHERE (SELECT held FROM turn) AND status <> 'queued' AND updated_at < 2000"
      "  ORDER BY updated_at LIMIT 500 FOR UPDATE SKIP LOCKED)) RETURNING 1),"
      " old_keys AS (DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY("
      "  SELECT ctid FROM idempotency_keys"
      "  WHERE (SELECT held FROM turn) AND created_at < 2000"
      "  ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED)) RETURNING 1)"
      " SELECT (SELECT count(*) FROM old_tasks), (SELECT count(*) FROM old_keys)");
  EXPECT_NE(plan.find("\"Index Name\": \"tasks_finished\""), std::string::npos) << plan;
  EXPECT_NE(plan.find("\"Index Name\": \"idempotency_keys_age\""), std::string::npos) << plan;
  EXPECT_EQ(plan.find("\"Node Type\": \"Seq Scan\""), std::string::npos) << plan;
  EXPECT_EQ(plan.find("\"Node Type\": \"Sort\""), std::string::npos) << plan;
}

// Hosts sharing a schema take turns: while one holds the retention lock,
// another's call deletes nothing and answers at once.
TEST(PostgresStore, RetentionSkipsWhileAnotherHostDeletes) {
  StoreFactory factory("postgres");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->insert(makeTask("done", kT0)).isOk());
  TaskResult result;
  result.taskId = "done";
  result.status = TaskStatus::kCompleted;
  result.finishedAt = kT0 + 1;
  ASSERT_TRUE(store->complete(result).isOk());

  PGconn* other = PQconnectdb(testPostgresConninfo().c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK) << PQerrorMessage(other);
  PQclear(PQexec(other, ("BEGIN; SET LOCAL search_path TO \"" + factory.schema() +
                         "\"; SELECT pg_advisory_xact_lock(1668510835,"
                         " hashtext(current_schema()))")
                            .c_str()));
  auto skipped = store->deleteFinishedBefore(kT0 + 100, 10);
  PQclear(PQexec(other, "ROLLBACK"));
  PQfinish(other);
  ASSERT_TRUE(skipped.isOk()) << skipped.status().toString();
  EXPECT_EQ(skipped.value().tasks, 0u);
  auto deleted = store->deleteFinishedBefore(kT0 + 100, 10);
  ASSERT_TRUE(deleted.isOk()) << deleted.status().toString();
  EXPECT_EQ(deleted.value().tasks, 1u);
}

TEST(PostgresStore, Version5SchemaIsMigratedWithTheRetentionIndexes) {
  StoreFactory factory("postgres");
  const std::string q = "\"" + factory.schema() + "\"";
  queryPostgres(schemaV4(q) + " CREATE INDEX tasks_in_the_clear ON " + q +
                ".tasks (id COLLATE \"C\") WHERE status = 'queued' AND"
                " left(parameters_json, 1) = '{'; INSERT INTO " +
                q + ".cpe_schema_version (version, applied_at) VALUES (5, 0); INSERT INTO " + q +
                ".tasks (id, equipment_id, timeout_seconds, parameters_json, status, created_at,"
                " updated_at) VALUES ('v5-done', 'SN-OLD', 14, '', 'completed', 1, 2),"
                " ('v5-waiting', 'SN-OLD', 14, 'c2VhbGVk', 'queued', 3, 3)");
  ASSERT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "5");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryPostgres("SELECT max(version) FROM " + q + ".cpe_schema_version"), "6");
  EXPECT_EQ(
      queryPostgres("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + factory.schema() +
                    "' AND indexname IN ('tasks_finished', 'idempotency_keys_age')"),
      "2");
  auto deleted = store->deleteFinishedBefore(kT0, 10);
  ASSERT_TRUE(deleted.isOk()) << deleted.status().toString();
  EXPECT_EQ(deleted.value().tasks, 1u);
  EXPECT_TRUE(store->get("v5-waiting").isOk());
}

// publishedBefore's query (kPublishedBefore in pg_store.cpp, copied) can be
// served by the tasks_published index in its order, with no sort: with
// sequential scans off, the planner takes it.
TEST(PostgresStore, PublishedBeforeCanUseThePublishedIndexInOrder) {
  StoreFactory factory("postgres");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  const std::string plan = queryPostgres(
      "SET enable_seqscan = off; EXPLAIN (FORMAT JSON)"
      " SELECT id, equipment_id, publish_count, last_published_at FROM \"" +
      factory.schema() +
      "\".tasks WHERE published = true AND status = 'queued' AND last_published_at < 1000"
      " ORDER BY last_published_at, id LIMIT 100");
  EXPECT_NE(plan.find("\"Index Name\": \"tasks_published\""), std::string::npos) << plan;
  EXPECT_EQ(plan.find("\"Node Type\": \"Sort\""), std::string::npos) << plan;
}

// A task handed back to the outbox loses the claim of the sweep that
// published it, so that the next sweep of any host takes it at once.
TEST(PostgresStore, MarkUnpublishedReleasesTheClaimForAnyStoresNextSweep) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.claimLeaseMs", "600000");
  auto first = factory.createOrFail();
  auto second = factory.createOrFail();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(first->insert(makeTask("lost", kT0)).isOk());
  ASSERT_TRUE(first->insert(makeTask("claimed", kT0 + 1)).isOk());
  ASSERT_TRUE(first->markPublished({"lost"}).isOk());

  // "claimed" is still in the outbox, claimed by the first store: handing it
  // back must not release that claim.
  ASSERT_TRUE(first->markUnpublished({"lost", "claimed"}).isOk());
  auto swept = second->unpublished(10, kForever);
  ASSERT_TRUE(swept.isOk()) << swept.status().toString();
  EXPECT_EQ(idsOf(swept.value()), std::set<std::string>{"lost"});
}

// A keyed insert claims its task for its store instance, as insert() does:
// another host's sweep leaves it to the fast path.
TEST(PostgresStore, InsertWithKeyClaimsTheTaskForItsStoreLikeInsert) {
  StoreFactory factory("postgres");
  auto first = factory.createOrFail();
  auto second = factory.createOrFail();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(first->insertWithKey(deviceTask("k1", kT0), "key-1", kT0 - 1).isOk());
  auto others = second->unpublished(10, kForever);
  ASSERT_TRUE(others.isOk()) << others.status().toString();
  EXPECT_TRUE(others.value().empty()) << "another store took a freshly inserted task";
  auto own = first->unpublished(10, kForever);
  ASSERT_TRUE(own.isOk()) << own.status().toString();
  EXPECT_EQ(idsOf(own.value()), std::set<std::string>{"k1"});
}

// Keyed inserts of two store instances (two hosts) racing with one key.
TEST(PostgresStore, InsertWithKeyRacingAcrossStoresStoresOneTask) {
  StoreFactory factory("postgres");
  auto first = factory.createOrFail();
  auto second = factory.createOrFail();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  constexpr int kRounds = 20;
  constexpr int kThreads = 6;
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = "race-" + std::to_string(round);
    std::vector<Result<Task>> answers;
    for (int i = 0; i < kThreads; ++i) answers.emplace_back(Status::internal("not run"));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        TaskStore& store = i % 2 == 0 ? *first : *second;
        const Task task = deviceTask(key + "-t" + std::to_string(i), kT0 + round);
        ++ready;
        while (ready < kThreads) std::this_thread::yield();
        answers[static_cast<std::size_t>(i)] = store.insertWithKey(task, key, kT0 - 1);
      });
    }
    for (auto& thread : threads) thread.join();
    std::set<std::string> ids;
    for (const auto& answer : answers) {
      ASSERT_TRUE(answer.isOk()) << answer.status().toString();
      ids.insert(answer.value().id);
    }
    ASSERT_EQ(ids.size(), 1u) << "round " << round;
  }
  const std::string q = "\"" + factory.schema() + "\"";
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q + ".tasks"), std::to_string(kRounds));
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM " + q + ".idempotency_keys"),
            std::to_string(kRounds));
}

// A keyed insert that fails, or finds its key taken, ends its transaction:
// the connection goes back to the pool idle and is lent again, rather than
// closed (which would close every idle connection with it).
TEST(PostgresStore, InsertWithKeyLeavesItsConnectionIdleInThePool) {
  StoreFactory factory("postgres");
  const std::string application = nameConnections(factory);
  factory.config().setString("store.postgres.poolSize", "1");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  const std::string backend =
      "SELECT string_agg(pid::text || ' ' || state, ',')"
      " FROM pg_stat_activity WHERE application_name = '" +
      application + "'";
  ASSERT_TRUE(store->insertWithKey(deviceTask("k1", kT0), "key-1", kT0 - 1).isOk());
  const std::string first = queryPostgres(backend);
  ASSERT_GT(first.size(), 5u) << "no pooled connection found";
  EXPECT_EQ(first.substr(first.size() - 5), " idle") << first;

  auto repeated = store->insertWithKey(deviceTask("k2", kT0 + 1), "key-1", kT0 - 1);
  ASSERT_TRUE(repeated.isOk()) << repeated.status().toString();
  EXPECT_EQ(repeated.value().id, "k1");
  EXPECT_EQ(queryPostgres(backend), first);

  auto clash = store->insertWithKey(deviceTask("k1", kT0 + 2), "key-2", kT0 - 1);
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists) << clash.status().toString();
  EXPECT_EQ(queryPostgres(backend), first);
  EXPECT_TRUE(store->get("k1").isOk());
  EXPECT_EQ(queryPostgres(backend), first);
  EXPECT_EQ(queryPostgres("SELECT count(*) FROM \"" + factory.schema() + "\".idempotency_keys"),
            "1")
      << "the failed call's key was rolled back";
}

// New tasks commit in several groups at once (half the pool's
// connections): a keyed insert waiting on another client's lock holds up
// its own group only, not the inserts that come after it.
TEST(PostgresStore, AnInsertIsNotHeldUpByAGroupWaitingOnALock) {
  StoreFactory factory("postgres");
  const std::string application = nameConnections(factory);
  factory.config().setString("store.postgres.poolSize", "4");
  factory.config().setString("store.postgres.statementTimeoutMs", "120000");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);

  // Another client takes the key and keeps its transaction open.
  PGconn* other = PQconnectdb(testPostgresConninfo().c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK) << PQerrorMessage(other);
  PGresult* taken = PQexec(
      other, ("BEGIN; INSERT INTO \"" + factory.schema() +
              "\".idempotency_keys (equipment_id, key, task_id, created_at)"
              " VALUES ('SN-DEVICE', 'key-1', 'elsewhere', 0)")
                 .c_str());
  const bool keyTaken = PQresultStatus(taken) == PGRES_COMMAND_OK;
  PQclear(taken);
  constexpr auto kHung = std::chrono::seconds(60);

  auto keyed = std::async(std::launch::async, [&] {
    return store->insertWithKey(deviceTask("k1", kT0), "key-1", kT0 - 1);
  });
  const bool waiting = keyTaken && awaitLockWait(application, keyed);
  auto plain = std::async(std::launch::async, [&] { return store->insert(makeTask("p1", kT0)); });
  const bool plainReturned = plain.wait_for(kHung) == std::future_status::ready;
  const bool stillWaiting = waiting && oneWaitsOnALock(application);
  PQclear(PQexec(other, "ROLLBACK"));  // the key is free again
  PQfinish(other);
  const bool keyedReturned = keyed.wait_for(kHung) == std::future_status::ready;

  ASSERT_TRUE(keyTaken) << "precondition: the other client could not take the key";
  ASSERT_TRUE(waiting) << "precondition: the keyed insert never waited on the key's lock";
  ASSERT_TRUE(plainReturned) << "the insert waited for the group blocked on the lock";
  EXPECT_TRUE(stillWaiting) << "precondition: the keyed insert must still wait meanwhile";
  const Status inserted = plain.get();
  EXPECT_TRUE(inserted.isOk()) << inserted.toString();
  ASSERT_TRUE(keyedReturned) << "the keyed insert went on waiting after the lock was freed";
  const Result<Task> keyedTask = keyed.get();
  ASSERT_TRUE(keyedTask.isOk()) << keyedTask.status().toString();
  EXPECT_EQ(keyedTask.value().id, "k1");
  EXPECT_TRUE(store->get("p1").isOk());
}

// With a pool of one connection, the insert groups, the update group and
// reads all take turns on it: every call returns once the others let go,
// none waits out acquireTimeoutMs (UNAVAILABLE) and every write lands.
TEST(PostgresStore, APoolOfOneConnectionServesWritesOfEveryGroupAndReadsAtOnce) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.poolSize", "1");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  constexpr int kTasks = 200;
  const auto id = [](const char* kind, int index) { return kind + std::to_string(index); };
  std::atomic<int> inserted{0};
  std::atomic<int> failures{0};
  const auto check = [&failures](const Status& status) {
    if (!status.isOk()) {
      ++failures;
      std::cerr << status.toString() << "\n";
    }
  };
  // Inserts the tasks the others complete, mark and read ("r"), and as many
  // keyed ones ("k") beside them, which share the insert group's batches.
  std::thread insertsPlain([&] {
    for (int i = 0; i < kTasks && failures.load() == 0; ++i) {
      check(store->insert(makeTask(id("r", i), kT0 + i)));
      ++inserted;
    }
    inserted = kTasks;  // the others stop too
  });
  std::thread insertsKeyed([&] {
    for (int i = 0; i < kTasks && failures.load() == 0; ++i) {
      check(store->insertWithKey(makeTask(id("k", i), kT0 + i), id("key-", i), kT0 - 1).status());
    }
  });
  // Each waits for the plain inserts it works on; all stop at a failure.
  const auto awaitInserted = [&](int count) {
    while (inserted.load() < count) {
      if (failures.load() > 0) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return failures.load() == 0;
  };
  std::thread results([&] {
    for (int i = 0; i < kTasks && awaitInserted(i + 1); i += 2) {
      TaskResult result;
      result.taskId = id("r", i);
      result.status = TaskStatus::kCompleted;
      result.code = 200;
      result.finishedAt = kT0 + kTasks + i;
      check(store->complete(result).status());
    }
  });
  std::thread marks([&] {
    for (int i = 1; i < kTasks && awaitInserted(i + 1); i += 2) {
      check(store->markPublished({id("r", i)}));
    }
  });
  std::thread reads([&] {
    for (int i = 0; i < kTasks && awaitInserted(i + 1); ++i) {
      check(store->get(id("r", i)).status());
    }
  });
  for (std::thread* thread : {&insertsPlain, &insertsKeyed, &results, &marks, &reads}) {
    thread->join();
  }
  ASSERT_EQ(failures.load(), 0);
  const std::string tasks = "SELECT count(*) FROM \"" + factory.schema() + "\".tasks";
  EXPECT_EQ(queryPostgres(tasks), std::to_string(2 * kTasks));
  EXPECT_EQ(queryPostgres(tasks + " WHERE status = 'completed'"), std::to_string(kTasks / 2));
  EXPECT_EQ(queryPostgres(tasks + " WHERE status = 'queued' AND published"),
            std::to_string(kTasks / 2));
}

TEST(PostgresStore, LoaderRefusesAnUnknownKeyNamingIt) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.poolsize", "4");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("store.postgres.poolsize"), std::string::npos)
      << store.status().message();
}

TEST(PostgresStore, SchemaThatIsNotAPlainIdentifierIsRefused) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.schema", "x\"; DROP TABLE tasks; --");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("store.postgres.schema"), std::string::npos)
      << store.status().message();
}

TEST(PostgresStore, MalformedConnectionStringIsRefusedWithoutQuotingIt) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.connection", "host=127.0.0.1 password=hunter2 bogus");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("store.postgres.connection"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(store.status().message().find("hunter2"), std::string::npos)
      << store.status().message();
}

// Creation checks the schema, so it needs the server: it fails, without
// waiting on it, with the connect error and without the password.
TEST(PostgresStore, UnreachableServerFailsCreationWithoutHangingAndWithoutThePassword) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.connection",
                             "host=127.0.0.1 port=1 dbname=cpe_test user=cpe password=hunter2");
  auto creating = std::async(std::launch::async, [&] { return factory.create(); });
  ASSERT_EQ(creating.wait_for(std::chrono::seconds(60)), std::future_status::ready)
      << "creation waited on a server that refuses connections";
  auto store = creating.get();
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("connect"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(store.status().message().find("hunter2"), std::string::npos)
      << store.status().message();
}

TEST(PostgresStore, ZeroPoolSizeIsRefused) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.poolSize", "0");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("poolSize"), std::string::npos)
      << store.status().message();
}

// A figure for the record, not a limit: single-row insert transactions from
// eight threads on the default pool.
TEST(PostgresStore, EightThreadsInsertConcurrently) {
  StoreFactory factory("postgres");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::atomic<int> failures{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int index = t * kPerThread + i;
        if (!store->insert(makeTask("i" + std::to_string(index), kT0 + index)).isOk()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const long long elapsed = std::max(1LL, millisSince(start));
  EXPECT_EQ(failures.load(), 0);
  std::cout << "postgres: " << kThreads * kPerThread << " inserts from " << kThreads
            << " threads in " << elapsed << " ms = " << 1000LL * kThreads * kPerThread / elapsed
            << "/s\n";
}

}  // namespace
}  // namespace cpe::testing

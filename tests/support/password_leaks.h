#pragma once

#include <string>
#include <vector>

namespace cpe::testing {

// Issue 11: a device password never shows in a log line at any level, an API
// answer, an error message or a store once its task has ended. The
// end-to-end and fault suites post kSuiteDevicePassword in every body with a
// password, and a global environment (password_leak_check.cpp) greps every
// file their services wrote for it when the tests of the process end.

// The password every test body posts. Long and odd enough that no log line,
// id or random blob holds it by chance. Stub A receives it by design, but
// must not log it either.
inline constexpr const char* kSuiteDevicePassword = "device-pw-must-never-leak-3f9a";

// The password of version 1 task messages a test publishes straight to a
// queue: such a message carries its parameters in the clear by design (in
// the broker), but no log (a dead-lettered message's included), answer or
// store may show it either, so it is looked for too.
inline constexpr const char* kClearMessagePassword = "pw-of-a-clear-version-1-message";

// Suite-wide, off until the check's environment turns it on: every
// RunningStub and RunningHost started then logs at every level
// (logging.loggers.root.level = trace, unless its defines say otherwise), so
// that a debug or trace line holding a password shows too, and what it
// writes is remembered. Suites without the check (integration) are left as
// they were: no other level, no copies of PostgreSQL rows.
void watchForPasswordLeaks(bool on);
bool passwordLeaksWatched();

// What the services of this process wrote, remembered as they start
// (RunningStub, RunningHost) while leaks are watched for. Thread-safe.
//
// A file, or a folder whose every file is read, raw bytes.
void rememberWrittenPath(const std::string& path);
// A PostgreSQL schema (of the test database) a host stores tasks in.
void rememberPostgresSchema(const std::string& schema);

// Copies the rows of `schema` (pg_dump --data-only) to a file under the test
// work dir that the check reads, if a host of this process used the schema:
// deleteQueues() calls it just before dropping the schema, and the check
// does it at the end for schemas not copied yet. True once copied (or found
// not to exist: nothing was stored); false if the server could not be asked,
// which the check reports unless a later try succeeds.
bool keepPostgresRows(const std::string& schema);

// Where `needle` occurs in the text of a file: the 1-based number of the
// line (lines end at '\n'; in a binary file the count is still a way to
// find it) and the byte offset.
struct Occurrence {
  std::size_t line = 0;
  std::size_t offset = 0;
};
std::vector<Occurrence> occurrencesIn(const std::string& text, const std::string& needle);

// Every remembered file (and file in a remembered folder, and kept dump)
// that holds kSuiteDevicePassword or kClearMessagePassword, one text per
// occurrence: the file, the
// line and the offset; plus one text per schema whose rows could not be
// read. Copies the rows of the schemas not kept yet first.
std::vector<std::string> findPasswordLeaks();

// The same over `paths` and a given password: the scan itself, for tests.
std::vector<std::string> findPasswordIn(const std::vector<std::string>& paths,
                                        const std::string& password);

}  // namespace cpe::testing

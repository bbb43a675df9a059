#include "password_leaks.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cpe/sdk/mutex.h"
#include "running_services.h"
#include "test_paths.h"

namespace cpe::testing {
namespace {

Mutex registryMutex;
bool watched CPE_GUARDED_BY(registryMutex) = false;
std::set<std::string> writtenPaths CPE_GUARDED_BY(registryMutex);
std::set<std::string> schemasUsed CPE_GUARDED_BY(registryMutex);
std::set<std::string> schemasKept CPE_GUARDED_BY(registryMutex);

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// `path` itself if it is a file, every file under it if it is a folder;
// nothing if it does not exist (a WAL file SQLite has removed).
std::vector<std::string> filesAt(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_regular_file(path, error)) return {path};
  std::vector<std::string> files;
  if (!fs::is_directory(path, error)) return files;
  for (fs::recursive_directory_iterator it(path, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file(error)) files.push_back(it->path().string());
  }
  return files;
}

std::string dumpFileOf(const std::string& schema) {
  return workDir() + "/postgres-rows/" + schema + ".sql";
}

}  // namespace

void watchForPasswordLeaks(bool on) {
  MutexLock lock(registryMutex);
  watched = on;
}

bool passwordLeaksWatched() {
  MutexLock lock(registryMutex);
  return watched;
}

void rememberWrittenPath(const std::string& path) {
  MutexLock lock(registryMutex);
  if (watched) writtenPaths.insert(path);
}

void rememberPostgresSchema(const std::string& schema) {
  MutexLock lock(registryMutex);
  if (watched) schemasUsed.insert(schema);
}

bool keepPostgresRows(const std::string& schema) {
  {
    MutexLock lock(registryMutex);
    if (schemasUsed.count(schema) == 0 || schemasKept.count(schema) != 0) return true;
  }
  const std::string connection = kPostgresTestConnection;
  // pg_dump fails on a schema that is not there: a host that never got as
  // far as making it stored nothing.
  const std::string query = "psql '" + connection +
                            "' -Atc \"SELECT 1 FROM pg_namespace WHERE nspname = '" + schema +
                            "'\" 2>/dev/null";
  FILE* answer = ::popen(query.c_str(), "r");
  if (answer == nullptr) return false;
  char first = '\0';
  const bool exists = std::fread(&first, 1, 1, answer) == 1 && first == '1';
  if (::pclose(answer) != 0) return false;  // the server is down: try again later
  const std::string file = dumpFileOf(schema);
  if (exists) {
    std::filesystem::create_directories(std::filesystem::path(file).parent_path());
    // One COPY line per row: a leak is reported with the line of its row.
    const std::string dump = "pg_dump --data-only --schema='" + schema + "' -d '" + connection +
                             "' -f '" + file + "' 2>/dev/null";
    if (std::system(dump.c_str()) != 0) return false;
  }
  MutexLock lock(registryMutex);
  schemasKept.insert(schema);
  if (exists) writtenPaths.insert(file);
  return true;
}

std::vector<Occurrence> occurrencesIn(const std::string& text, const std::string& needle) {
  std::vector<Occurrence> found;
  if (needle.empty()) return found;
  std::size_t line = 1;
  std::size_t counted = 0;  // newlines before this offset are in `line`
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    for (; counted < at; ++counted) {
      if (text[counted] == '\n') ++line;
    }
    found.push_back({line, at});
  }
  return found;
}

std::vector<std::string> findPasswordIn(const std::vector<std::string>& paths,
                                        const std::string& password) {
  // A host's SQLite file may lie in its own folder too: each file once.
  std::set<std::string> files;
  for (const std::string& path : paths) {
    for (const std::string& file : filesAt(path)) {
      files.insert(std::filesystem::path(file).lexically_normal().string());
    }
  }
  std::vector<std::string> leaks;
  for (const std::string& file : files) {
    for (const Occurrence& where : occurrencesIn(readBytes(file), password)) {
      leaks.push_back(file + ":" + std::to_string(where.line) + ": the device password (byte " +
                      std::to_string(where.offset) + ")");
    }
  }
  return leaks;
}

std::vector<std::string> findPasswordLeaks() {
  std::set<std::string> notKept;
  {
    MutexLock lock(registryMutex);
    for (const std::string& schema : schemasUsed) {
      if (schemasKept.count(schema) == 0) notKept.insert(schema);
    }
  }
  std::vector<std::string> notChecked;
  for (const std::string& schema : notKept) {
    if (!keepPostgresRows(schema)) {
      notChecked.push_back("the rows of PostgreSQL schema " + schema +
                           " could not be read, so they were not checked");
    }
  }
  std::vector<std::string> paths;
  {
    MutexLock lock(registryMutex);
    paths.assign(writtenPaths.begin(), writtenPaths.end());
  }
  std::vector<std::string> leaks = findPasswordIn(paths, kSuiteDevicePassword);
  std::vector<std::string> clear = findPasswordIn(paths, kClearMessagePassword);
  leaks.insert(leaks.end(), clear.begin(), clear.end());
  leaks.insert(leaks.end(), notChecked.begin(), notChecked.end());
  return leaks;
}

}  // namespace cpe::testing

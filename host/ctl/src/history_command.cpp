#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <iomanip>
#include <sstream>

#include "commands.h"

namespace cpe::ctl {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// One page of a history answer:
// {"code":200,"tasks":[{"taskId","status","code","createdAt","finishedAt"}],"next":…}
struct Page {
  Array::Ptr tasks;
  std::optional<std::string> next;  // absent on the last page
};

std::optional<Page> readPage(const ApiAnswer& answer) {
  if (answer.json.isNull() || answer.code() != 200) return std::nullopt;
  Page page;
  page.tasks = answer.json->getArray("tasks");
  if (page.tasks.isNull()) return std::nullopt;
  for (std::size_t i = 0; i < page.tasks->size(); ++i) {
    if (page.tasks->getObject(static_cast<unsigned>(i)).isNull()) return std::nullopt;
  }
  if (answer.json->has("next")) {
    const Poco::Dynamic::Var next = answer.json->get("next");
    if (!next.isString()) return std::nullopt;
    page.next = next.extract<std::string>();
  }
  return page;
}

// A field as text; "-" when absent or null (finishedAt while queued).
std::string field(const Object& task, const std::string& name) {
  if (!task.has(name) || task.isNull(name)) return "-";
  return task.get(name).toString();
}

// Columns wide enough for a timestamp with milliseconds, the longest
// status (equipment_not_found) and a UUID.
void printRow(std::ostream& out, const std::string& created, const std::string& status,
              const std::string& task, const std::string& finished) {
  out << std::left << std::setw(26) << created << std::setw(21) << status << std::setw(38) << task
      << finished << "\n";
}

void printTask(std::ostream& out, const Object& task) {
  printRow(out, field(task, "createdAt"), field(task, "status"), field(task, "taskId"),
           field(task, "finishedAt"));
}

// Where the next page starts, for a person who did not ask for --all.
std::string nextPageHint(const HistoryOptions& history, const std::string& next) {
  std::string hint = "more tasks: cpe-ctl history " + history.device;
  if (history.limit) hint += " --limit " + std::to_string(*history.limit);
  return hint + " --after " + next + " (or --all)";
}

}  // namespace

ExitCode runHistory(const Invocation& invocation, const ApiClient& client, Console& console) {
  const HistoryOptions& history = invocation.history;
  std::optional<std::string> after = history.after;
  Array::Ptr collected = new Array;  // --json --all: every page's tasks
  std::size_t listed = 0;
  while (true) {
    const ApiReply reply = client.history(history.device, history.limit, after);
    if (const auto* error = std::get_if<TransportError>(&reply)) {
      return fail(console, ExitCode::kUnavailable, error->message);
    }
    const ApiAnswer& answer = std::get<ApiAnswer>(reply);
    if (answer.code() != 200) {
      if (invocation.json && !answer.json.isNull()) console.out << answer.body << "\n";
      ExitCode code = exitCodeForAnswerCode(answer.code());
      if (code == ExitCode::kOk) code = ExitCode::kUnavailable;
      return fail(console, code, describeAnswer(answer));
    }
    const std::optional<Page> page = readPage(answer);
    if (!page) {
      return fail(console, ExitCode::kUnavailable,
                  "the service's answer is not a page of history: " + describeAnswer(answer));
    }
    if (invocation.json && !history.all) {
      console.out << answer.body << "\n";
      return ExitCode::kOk;
    }
    for (std::size_t i = 0; i < page->tasks->size(); ++i) {
      const Object::Ptr task = page->tasks->getObject(static_cast<unsigned>(i));
      if (invocation.json) {
        collected->add(task);
        continue;
      }
      if (listed == 0) printRow(console.out, "CREATED", "STATUS", "TASK", "FINISHED");
      printTask(console.out, *task);
      ++listed;
    }
    if (!page->next) break;
    if (!history.all) {
      console.err << "cpe-ctl: " << nextPageHint(history, *page->next) << "\n";
      break;
    }
    if (page->next == after) {
      return fail(console, ExitCode::kUnavailable, "the service gave the same page again");
    }
    after = page->next;
  }
  if (invocation.json) {
    Object all(Poco::JSON_PRESERVE_KEY_ORDER);
    all.set("code", 200);
    all.set("tasks", collected);
    all.stringify(console.out);
    console.out << "\n";
  } else if (listed == 0) {
    console.out << "no tasks" << (history.after ? " after that cursor" : " for " + history.device)
                << "\n";
  }
  return ExitCode::kOk;
}

}  // namespace cpe::ctl

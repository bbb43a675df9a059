#include "pg_rows.h"

#include <charconv>
#include <system_error>

namespace cpe::stores::postgres {

Result<std::int64_t> integerAt(const PGresult* result, int row, int column) {
  const char* text = PQgetvalue(result, row, column);
  const char* end = text + PQgetlength(result, row, column);
  std::int64_t value = 0;
  const auto [next, error] = std::from_chars(text, end, value);
  if (error != std::errc() || next != end || next == text) {
    return Status::internal(std::string("postgres: column ") + PQfname(result, column) +
                            " is not a number");
  }
  return value;
}

std::string textAt(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column),
                     static_cast<std::size_t>(PQgetlength(result, row, column)));
}

Result<Task> taskFromRow(const PGresult* result, int row) {
  Task task;
  task.id = textAt(result, row, 0);
  task.equipmentId = textAt(result, row, 1);
  task.parametersJson = textAt(result, row, 3);
  const std::string status = textAt(result, row, 4);
  auto parsed = parseTaskStatus(status);
  if (!parsed) {
    return Status::internal("postgres: task " + task.id + " has unknown status '" + status + "'");
  }
  task.status = *parsed;
  task.resultMessage = textAt(result, row, 6);
  std::int64_t numbers[4] = {};
  const int columns[4] = {2, 5, 7, 8};
  for (int i = 0; i < 4; ++i) {
    auto number = integerAt(result, row, columns[i]);
    if (!number.isOk()) return number.status();
    numbers[i] = number.value();
  }
  task.timeoutInSeconds = static_cast<int>(numbers[0]);
  task.resultCode = static_cast<int>(numbers[1]);
  task.createdAt = numbers[2];
  task.updatedAt = numbers[3];
  return task;
}

std::string textArray(const std::vector<std::string>& items) {
  std::string array = "{";
  for (const std::string& item : items) {
    if (array.size() > 1) array += ',';
    array += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  return array + "}";
}

}  // namespace cpe::stores::postgres

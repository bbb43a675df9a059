#pragma once

#include <cstdint>
#include <string>

#include "https_client.h"

namespace cpe::testing {

// Every answer the test suites receive from our services, written down so
// that deploy/ci/openapi-answers.sh can check each one against the OpenAPI
// document of the service that gave it: the documents cannot drift from the
// code unnoticed.
//
// A service started by the test support registers its ports with the
// document that describes them ("service-b", "stub-a") and the status-line
// policy it runs with; answers from ports nobody registered (test servers of
// a test's own) are not written. Each test process appends JSON lines to a
// file of its own under answerLogDir().

// Answers from `port` are those of `document` under `statusLinePolicy`
// ("mirror", "bare204", "envelope"; the policy only matters for service B).
void describeService(std::uint16_t port, const std::string& document,
                     const std::string& statusLinePolicy = "mirror");

// Writes one answer down if `port` was described; never throws (a test must
// not fail because its answer could not be logged: the check then reports
// the answer missing instead).
void recordAnswer(std::uint16_t port, const std::string& method, const std::string& target,
                  const HttpResult& answer) noexcept;

// The same for an answer read off a socket as bytes (a request no client
// library would send): status line, header fields and body are taken from
// `raw`; nothing is written when it holds no status line.
void recordRawAnswer(std::uint16_t port, const std::string& method, const std::string& target,
                     const std::string& raw) noexcept;

// Where the answer files go: $CPE_ANSWER_LOG_DIR, else <test work dir>/answers.
std::string answerLogDir();
// The file of this process in it (which the password leak check reads too).
std::string answerLogFile();

}  // namespace cpe::testing

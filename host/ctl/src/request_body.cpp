#include "request_body.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "cpe/provisioning_request.h"
#include "secrets.h"

namespace cpe::ctl {
namespace {

using Poco::JSON::Object;

// Text longer than this cannot become a body the service takes, so it is
// not read further.
constexpr std::size_t kLargestFile = kMaxRequestBodyBytes + 1;

std::variant<std::string, UsageError> readRequestFile(const std::string& path,
                                                      std::istream& standardInput) {
  std::ifstream file;
  std::istream* in = &standardInput;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return UsageError{"--file " + path + ": cannot be read"};
    in = &file;
  }
  std::string text;
  std::istreambuf_iterator<char> it(*in), end;
  for (; it != end && text.size() < kLargestFile; ++it) text.push_back(*it);
  if (in->bad()) return UsageError{"--file " + path + ": cannot be read"};
  return text;
}

// The file's object. Poco's parse errors are not passed on: they may quote
// the text, and the text may hold the password.
std::variant<Object::Ptr, UsageError> parseRequestFile(const std::string& path,
                                                       const std::string& text) {
  if (text.size() > kMaxRequestBodyBytes) {
    return UsageError{"--file " + path + ": over 64 KiB, more than the service takes"};
  }
  Object::Ptr body;
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    body = parser.parse(text).extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
    return UsageError{"--file " + path + ": not a JSON object"};
  }
  if (body.isNull()) return UsageError{"--file " + path + ": not a JSON object"};
  if (body->has("parameters") && body->getObject("parameters").isNull()) {
    return UsageError{"--file " + path + ": parameters must be a JSON object"};
  }
  return body;
}

std::variant<std::string, UsageError> readPassword(const PasswordSource& source,
                                                   const EnvironmentLookup& environment) {
  switch (source.kind) {
    case PasswordSource::Kind::kFile:
      return readSecretFile("--password-file", source.value);
    case PasswordSource::Kind::kEnvironment:
      return readSecretVariable("--password-env", source.value, environment);
    default:
      return source.value;
  }
}

std::optional<UsageError> missingField(const Object& body) {
  if (!body.has("timeoutInSeconds")) return UsageError{"--timeout is required"};
  const Object::Ptr parameters = body.getObject("parameters");
  if (parameters.isNull() || !parameters->has("username")) {
    return UsageError{"--username is required"};
  }
  if (!parameters->has("password")) {
    return UsageError{"a password is required: --password-file, --password-env or --password"};
  }
  if (!parameters->has("interfaces")) return UsageError{"--interface is required"};
  return std::nullopt;
}

}  // namespace

std::variant<std::string, UsageError> buildRequestBody(const PostOptions& post,
                                                       const EnvironmentLookup& environment,
                                                       std::istream& standardInput) {
  Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  if (post.requestFile) {
    auto text = readRequestFile(*post.requestFile, standardInput);
    if (auto* error = std::get_if<UsageError>(&text)) return *error;
    auto parsed = parseRequestFile(*post.requestFile, std::get<std::string>(text));
    if (auto* error = std::get_if<UsageError>(&parsed)) return *error;
    body = std::get<Object::Ptr>(parsed);
  }
  if (post.timeoutSeconds) body->set("timeoutInSeconds", *post.timeoutSeconds);
  Object::Ptr parameters = body->getObject("parameters");
  if (parameters.isNull()) {
    parameters = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("parameters", parameters);
  }
  if (post.username) parameters->set("username", *post.username);
  if (post.password.kind != PasswordSource::Kind::kNone) {
    auto password = readPassword(post.password, environment);
    if (auto* error = std::get_if<UsageError>(&password)) return *error;
    parameters->set("password", std::get<std::string>(password));
  }
  if (post.vlan) parameters->set("vlan", *post.vlan);
  if (!post.interfaces.empty()) {
    Poco::JSON::Array::Ptr interfaces = new Poco::JSON::Array;
    for (std::int64_t interface : post.interfaces) interfaces->add(interface);
    parameters->set("interfaces", interfaces);
  }
  if (auto error = missingField(*body)) return *error;
  std::ostringstream text;
  body->stringify(text);
  if (text.str().size() > kMaxRequestBodyBytes) {
    return UsageError{"the request body is over 64 KiB, more than the service takes"};
  }
  return text.str();
}

}  // namespace cpe::ctl

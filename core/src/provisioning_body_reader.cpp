#include "provisioning_body_reader.h"

#include <Poco/JSONString.h>
#include <Poco/NumberFormatter.h>

#include <algorithm>

namespace cpe {

void ProvisioningBodyReader::reset() { *this = ProvisioningBodyReader(); }

ProvisioningBodyReader::Role ProvisioningBodyReader::roleOfNextValue() const {
  if (frames_.empty()) return Role::kRoot;
  switch (frames_.back().place) {
    case Place::kRoot:
      if (pendingName_ == "timeoutInSeconds") return Role::kTimeout;
      if (pendingName_ == "parameters") return Role::kParameters;
      return Role::kNone;
    case Place::kParameters:
      if (pendingName_ == "username") return Role::kUsername;
      if (pendingName_ == "password") return Role::kPassword;
      if (pendingName_ == "vlan") return Role::kVlan;
      if (pendingName_ == "interfaces") return Role::kInterfaces;
      return Role::kNone;
    case Place::kInterfaces:
      return Role::kInterface;
    case Place::kElsewhere:
      return Role::kNone;
  }
  return Role::kNone;
}

ProvisioningBodyReader::Role ProvisioningBodyReader::beginValue() {
  const Role role = roleOfNextValue();
  switch (role) {
    case Role::kTimeout:
      timeout_.present = true;
      break;
    case Role::kParameters:
      parametersPresent_ = true;
      break;
    case Role::kUsername:
      username_.present = true;
      break;
    case Role::kPassword:
      password_.present = true;
      break;
    case Role::kVlan:
      vlan_.present = true;
      break;
    case Role::kInterfaces:
      interfaces_.present = true;
      break;
    case Role::kNone:
    case Role::kRoot:
    case Role::kInterface:
      break;
  }
  // An object's separator goes out with the member's name, in key().
  if (writing()) {
    Frame& frame = frames_.back();
    if (!frame.isObject && !frame.empty) parametersJson_ += ',';
    frame.empty = false;
  }
  return role;
}

// `number` is unset for every value that is not a JSON integer within 64
// signed bits: such a value breaks whichever integer rule it meets.
void ProvisioningBodyReader::onInteger(Role role, std::optional<std::int64_t> number) {
  switch (role) {
    case Role::kTimeout:
      timeout_.value = number;
      break;
    case Role::kVlan:
      vlan_.value = number;
      break;
    case Role::kInterface:
      if (number && *number >= 1 && interfaces_.value) {
        interfaces_.value->push_back(*number);
      } else {
        interfacesWellFormed_ = false;
      }
      break;
    default:
      break;
  }
}

void ProvisioningBodyReader::openContainer(bool isObject) {
  const Role role = beginValue();
  Place place = Place::kElsewhere;
  if (role == Role::kRoot && isObject) {
    rootIsObject_ = true;
    place = Place::kRoot;
  } else if (role == Role::kParameters && isObject) {
    parametersIsObject_ = true;
    place = Place::kParameters;
  } else if (role == Role::kInterfaces && !isObject) {
    interfaces_.value.emplace();
    place = Place::kInterfaces;
  } else {
    onInteger(role, std::nullopt);
  }
  if (place == Place::kParameters || writing()) {
    ++writeDepth_;
    parametersJson_ += isObject ? '{' : '[';
  }
  frames_.push_back(Frame{place, isObject, true, {}});
}

void ProvisioningBodyReader::closeContainer() {
  const Frame& frame = frames_.back();
  if (writing()) {
    parametersJson_ += frame.isObject ? '}' : ']';
    --writeDepth_;
  }
  if (frame.place == Place::kInterfaces && !interfacesWellFormed_) interfaces_.value.reset();
  frames_.pop_back();
}

void ProvisioningBodyReader::startObject() { openContainer(/*isObject=*/true); }
void ProvisioningBodyReader::endObject() { closeContainer(); }
void ProvisioningBodyReader::startArray() { openContainer(/*isObject=*/false); }
void ProvisioningBodyReader::endArray() { closeContainer(); }

void ProvisioningBodyReader::key(const std::string& name) {
  Frame& frame = frames_.back();
  if (std::find(frame.names.begin(), frame.names.end(), name) != frame.names.end()) {
    duplicateName_ = true;
  } else {
    frame.names.push_back(name);
  }
  if (writing()) {
    if (!frame.empty) parametersJson_ += ',';
    frame.empty = false;
    parametersJson_ += Poco::toJSON(name, Poco::JSON_WRAP_STRINGS);
    parametersJson_ += ':';
  }
  pendingName_ = name;
}

void ProvisioningBodyReader::null() {
  const Role role = beginValue();
  if (writing()) parametersJson_ += "null";
  onInteger(role, std::nullopt);
}

void ProvisioningBodyReader::value(int number) { value(static_cast<Poco::Int64>(number)); }

void ProvisioningBodyReader::value(unsigned number) { value(static_cast<Poco::Int64>(number)); }

void ProvisioningBodyReader::value(Poco::Int64 number) {
  const Role role = beginValue();
  if (writing()) Poco::NumberFormatter::append(parametersJson_, number);
  onInteger(role, number);
}

// Poco's parser gives an unsigned value only past the signed 64-bit range.
void ProvisioningBodyReader::value(Poco::UInt64 number) {
  const Role role = beginValue();
  if (writing()) Poco::NumberFormatter::append(parametersJson_, number);
  onInteger(role, std::nullopt);
}

void ProvisioningBodyReader::value(const std::string& text) {
  const Role role = beginValue();
  if (writing()) parametersJson_ += Poco::toJSON(text, Poco::JSON_WRAP_STRINGS);
  if (role == Role::kUsername) {
    username_.value = text;
  } else if (role == Role::kPassword) {
    password_.value = true;
  } else {
    onInteger(role, std::nullopt);
  }
}

// Fractions and exponents ("1e2") are doubles to Poco's parser: never an
// integer here, whatever their value.
void ProvisioningBodyReader::value(double number) {
  const Role role = beginValue();
  if (writing()) Poco::NumberFormatter::append(parametersJson_, number);
  onInteger(role, std::nullopt);
}

void ProvisioningBodyReader::value(bool flag) {
  const Role role = beginValue();
  if (writing()) parametersJson_ += flag ? "true" : "false";
  onInteger(role, std::nullopt);
}

}  // namespace cpe

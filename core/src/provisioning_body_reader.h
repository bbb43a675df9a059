#pragma once

#include <Poco/JSON/Handler.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cpe {

// What a provisioning request body holds, as far as the contract's rules
// look, read in one pass as Poco's parser walks the text: no Object and no
// Var per value, and `parameters` written back compactly, key order as
// received, while it is read. ProvisioningRequest::parse applies the rules
// to the fields below in the contract's order.
//
// Every object of the body must name each member once (duplicateName):
// with a repeated name the text does not say which value counts, and A's
// parser might take another one than ours. Poco's parser cuts a name at an
// escaped NUL ("a\u0000b" reads as "a"), so such names can repeat too.
class ProvisioningBodyReader final : public Poco::JSON::Handler {
 public:
  // A member the rules look at: absent, or present and maybe well-formed.
  template <typename T>
  struct Field {
    bool present = false;
    std::optional<T> value;  // set only when present with the right JSON type
  };

  bool rootIsObject() const { return rootIsObject_; }
  bool duplicateName() const { return duplicateName_; }
  const Field<std::int64_t>& timeout() const { return timeout_; }
  bool parametersPresent() const { return parametersPresent_; }
  bool parametersIsObject() const { return parametersIsObject_; }
  const Field<std::string>& username() const { return username_; }
  const Field<bool>& password() const { return password_; }  // value: it is a string
  const Field<std::int64_t>& vlan() const { return vlan_; }
  // Set when present as an array of integers >= 1 (distinctness unchecked).
  const Field<std::vector<std::int64_t>>& interfaces() const { return interfaces_; }
  // The `parameters` object as compact JSON, handed over once; empty unless
  // it is an object.
  std::string takeParametersJson() { return std::move(parametersJson_); }

  void reset() override;
  void startObject() override;
  void endObject() override;
  void startArray() override;
  void endArray() override;
  void key(const std::string& name) override;
  void null() override;
  void value(int number) override;
  void value(unsigned number) override;
  void value(Poco::Int64 number) override;
  void value(Poco::UInt64 number) override;
  void value(const std::string& text) override;
  void value(double number) override;
  void value(bool flag) override;

 private:
  // Where in the body an open object or array sits.
  enum class Place { kRoot, kParameters, kInterfaces, kElsewhere };
  struct Frame {
    Place place;
    bool isObject;
    bool empty = true;               // nothing written inside it yet
    std::vector<std::string> names;  // an object's member names so far
  };
  // What the value about to be read is, for the rules.
  enum class Role {
    kNone,
    kRoot,
    kTimeout,
    kParameters,
    kUsername,
    kPassword,
    kVlan,
    kInterfaces,
    kInterface
  };

  Role roleOfNextValue() const;
  // Called before each value or container: the rules' bookkeeping, then the
  // separator when the value lands inside `parameters`.
  Role beginValue();
  void onInteger(Role role, std::optional<std::int64_t> number);
  void openContainer(bool isObject);
  void closeContainer();
  bool writing() const { return writeDepth_ > 0; }

  std::vector<Frame> frames_;
  std::string pendingName_;
  int writeDepth_ = 0;  // open containers inside (and including) `parameters`

  bool rootIsObject_ = false;
  bool duplicateName_ = false;
  Field<std::int64_t> timeout_;
  bool parametersPresent_ = false;
  bool parametersIsObject_ = false;
  Field<std::string> username_;
  Field<bool> password_;
  Field<std::int64_t> vlan_;
  Field<std::vector<std::int64_t>> interfaces_;
  bool interfacesWellFormed_ = true;
  std::string parametersJson_;
};

}  // namespace cpe

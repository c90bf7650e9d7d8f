#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

// Reading a provider's JSON answer: the one API every provider parser (workers/<p>/*_parse.cpp)
// uses. A Body owns the parsed document; a Node is a cheap view of one value in it (or of the
// place where a member is missing). Problems are reported with the JSON Pointer (RFC 6901) of
// the offending value, "/results/3/title is a number, expected a string"; the body itself is
// "the body". Paths are only built when a problem is reported, never on the success path.
//
// Which answers are whose fault (docs/GATEWAY.md, "Provider faults"): a body that is no JSON
// object at all (empty, an HTML page, truncated or garbled, an array) is UnusableBody, kTransient;
// a JSON object of the wrong shape is InvalidResponse, kInvalidInput. A body nested deeper than
// 256 levels is UnusableBody too (the recursive parser would overflow the stack).
namespace json {

// kInvalidInput "<where>: <why>": a well-formed answer that rejects the request or that the
// parser cannot use (a field of the wrong type). Permanent: the job is dead-lettered.
core::Error InvalidResponse(std::string_view where, std::string_view why);

// kTransient "<where>: <why>": a body that is not a usable document at all. The network's or
// the provider's fault, not the job's: retried like a 503.
core::Error UnusableBody(std::string_view where, std::string_view why);

struct BodyState;  // the parsed document and the first problem; body_reader.cpp only
class Node;

// One provider answer, parsed once. Not thread safe (it records problems); its Nodes are valid
// while it lives. Movable: Nodes stay valid across a move.
class Body {
 public:
  // The body as a JSON object, or UnusableBody naming what is wrong with it: an empty body, an
  // HTML page, malformed JSON (with the offset), or a value that is no object. `where` names
  // the answer in every message ("spotify track", "lastfm track.getInfo", "release").
  static core::Result<Body> Parse(std::string_view text, std::string_view where);

  Body(Body&&) noexcept;
  Body& operator=(Body&&) noexcept;
  ~Body();

  Node Root() const;
  std::string_view Where() const;

  // Records a problem that has no path ("an error body: Release not found."). Only the first
  // problem of a body is kept: a parser stops making sense of a body once it found one.
  void Fail(std::string_view why) const;
  // The first problem recorded here or through a Node, as InvalidResponse; nullopt when none.
  const std::optional<core::Error>& Problem() const;

  // `value`, or the first problem.
  template <typename T>
  core::Result<T> Finish(T value) const {
    if (const auto& problem = Problem()) return *problem;
    return value;
  }

 private:
  explicit Body(std::unique_ptr<BodyState> state);
  std::unique_ptr<BodyState> state_;
};

// A view of one value of a Body: copying one copies a few pointers. Navigating never fails: a
// member that is not there (or a member of something that is no object) is an absent Node,
// which remembers where it would be, so "is missing" names its path.
//
// Reads come in two kinds. As*() are lenient: the value when it has that type, else nullopt,
// and no problem. Opt*() and Require*() are checked: null and absent read as nothing (every
// provider treats a null member as an absent one), a value of another type records the problem
// "<path> is <its type>, expected <what was expected>" on the Body and reads as nothing, and
// Require*() also records "<path> is missing" for nothing.
class Node {
 public:
  class ItemRange;

  Node() = default;  // absent, and nowhere

  bool Present() const;  // the member is there, null included
  bool Given() const;    // there and not null
  bool IsNull() const;
  bool IsBool() const;
  bool IsNumber() const;
  bool IsInt64() const;  // a number written as an integer that fits in int64 ("7", not "7.0")
  bool IsString() const;
  bool IsArray() const;
  bool IsObject() const;

  // The member `name` (absent when this is no object or has no such member). `name` must
  // outlive the Node when it is absent: pass a literal.
  Node operator[](std::string_view name) const;
  // The element `index` of an array; absent past the end or when this is no array.
  Node At(std::size_t index) const;
  // Elements of an array, members of an object; 0 otherwise.
  std::size_t Size() const;
  // The elements of an array in order (none when this is no array): for (Node item : n.Items()).
  ItemRange Items() const;

  std::optional<std::string_view> AsString() const;
  std::optional<std::int64_t> AsInt64() const;  // IsInt64 values only
  std::optional<double> AsDouble() const;       // any number
  std::optional<bool> AsBool() const;

  std::optional<std::string> OptString() const;
  std::optional<std::int64_t> OptInt64() const;  // a number that is no int64: "is not an integer"
  std::optional<double> OptDouble() const;
  std::optional<bool> OptBool() const;
  // This node when it is an array (an object), else an absent Node (with a problem for a value of
  // another type). `expected` words the problem: "an array of strings", "an artist object".
  Node OptArray(std::string_view expected = "an array") const;
  Node OptObject(std::string_view expected = "an object") const;
  std::string RequireString() const;  // "" when it is not a string
  Node RequireArray(std::string_view expected = "an array") const;
  Node RequireObject(std::string_view expected = "an object") const;

  // Records "<path> <what>" on the Body ("is empty", "is missing"), unless it has a problem.
  void Problem(std::string_view what) const;
  // Records "<path> is <its type>, expected <expected>" ("the body is an array, expected ...").
  void WrongType(std::string_view expected) const;
  // "null", "a boolean", "a number", "a string", "an array", "an object", or "missing".
  std::string_view TypeName() const;
  // The JSON Pointer of this value ("" for the body). Walks the document: for messages only.
  std::string Path() const;
  // Compact JSON text of the value (absent: ""), leaving out object members called one of
  // `drop` at any depth.
  std::string Json(std::initializer_list<std::string_view> drop = {}) const;

 private:
  friend class Body;
  Node(const BodyState* body, const void* value, const void* parent, std::string_view name)
      : body_(body), value_(value), parent_(parent), name_(name) {}

  const BodyState* body_ = nullptr;
  const void* value_ = nullptr;   // the rapidjson value; null when absent
  const void* parent_ = nullptr;  // absent members: the value that lacks them
  std::string_view name_;         // absent members: the name asked for
};

class Node::ItemRange {
 public:
  class Iterator {
   public:
    Iterator(const Node* array, std::size_t index) : array_(array), index_(index) {}
    Node operator*() const { return array_->At(index_); }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    const Node* array_;
    std::size_t index_;
  };

  explicit ItemRange(Node array) : array_(array), size_(array.IsArray() ? array.Size() : 0) {}
  Iterator begin() const { return {&array_, 0}; }
  Iterator end() const { return {&array_, size_}; }

 private:
  Node array_;
  std::size_t size_;
};

inline Node::ItemRange Node::Items() const { return ItemRange(*this); }

}  // namespace json

#include "common/core/error.hpp"

namespace core {

std::string_view ToString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidInput: return "invalid_input";
    case ErrorKind::kTransient: return "transient";
    case ErrorKind::kNotFound: return "not_found";
  }
  return "unknown";
}

}  // namespace core

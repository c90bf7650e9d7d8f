#pragma once

#include "common/control/protocol.hpp"

namespace control {

// The process the control unit tests speak as: spotify@node-1:42, version 1.2.3.
inline Identity Spotify() {
  Identity who;
  who.kind = "provider";
  who.name = "spotify";
  who.host = "node-1";
  who.pid = 42;
  who.version = "1.2.3";
  return who;
}

}  // namespace control

#pragma once

namespace amqp {

// Whether the broker closing a channel or connection with AMQP reply code `code` says the
// request itself is wrong, so the same request will be refused again: 402 INVALID_PATH,
// 403 ACCESS_REFUSED, 406 PRECONDITION_FAILED (a queue declared earlier with other arguments),
// 530 NOT_ALLOWED (a vhost), 540 NOT_IMPLEMENTED and the protocol errors 501-505 (a bug of
// ours). Everything else passes: 320 CONNECTION_FORCED (a node shutting down), 404 NOT_FOUND
// (a queue deleted between our declare and consume), 405 RESOURCE_LOCKED, 506 RESOURCE_ERROR
// and 541 INTERNAL_ERROR (in a cluster, a quorum queue without a leader for a moment: "timeout
// waiting for ..."). A worker stops for the first kind and reconnects for the second.
constexpr bool IsPermanentReplyCode(int code) {
  switch (code) {
    case 402: case 403: case 406: case 530: case 540:
    case 501: case 502: case 503: case 504: case 505:
      return true;
    default:
      return false;
  }
}

}  // namespace amqp

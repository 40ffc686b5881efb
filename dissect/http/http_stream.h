// HTTP/1.0 and HTTP/1.1 over one TCP connection (RFC 9112): request/response pairing, bodies,
// and recognition of revocation traffic (OCSP, CRL, AIA issuer fetches) inside them.
#pragma once

#include <memory>

#include "capture/stream.h"
#include "common/bytes.h"
#include "dissect/dispatch.h"

namespace revo::dissect {

/// A stream consumer that parses HTTP/1.x in both directions and delivers every exchange
/// (answered or not) to ctx.sink->on_http_exchange. `ctx` must outlive the consumer.
std::unique_ptr<capture::StreamConsumer> make_http_stream(const capture::ConnInfo& conn, DissectContext& ctx);

/// True when the first bytes a client sent look like an HTTP/1.x request line (a method token followed
/// by a space) or a server's first bytes start with "HTTP/1.". A few bytes are enough to decide.
bool looks_like_http(ByteView first_bytes);

}  // namespace revo::dissect

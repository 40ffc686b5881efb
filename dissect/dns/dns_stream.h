// DNS over TCP (RFC 1035 section 4.2.2; RFC 7766): two-byte length framing in both directions.
#pragma once

#include <memory>

#include "capture/stream.h"
#include "dissect/dispatch.h"

namespace revo::dissect {

/// A stream consumer for DNS over TCP; each answered or unanswered query goes to ctx.sink->on_dns_lookup.
std::unique_ptr<capture::StreamConsumer> make_dns_tcp_stream(const capture::ConnInfo& conn, DissectContext& ctx);

/// True when the bytes start with a 2-byte length followed by a plausible DNS header.
bool looks_like_dns_tcp(ByteView first_bytes);

}  // namespace revo::dissect

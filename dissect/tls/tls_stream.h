// TLS over one TCP connection: record layer, handshake layer and the handshake record it produces.
//
// Two layers per direction (RFC 5246 6.2 / RFC 8446 5.1): records are collected across TCP segments;
// handshake messages are collected across records in a separate buffer, so several messages in one
// record and one message over several records both work. Once a direction is protected (after its
// ChangeCipherSpec in TLS <= 1.2; after ServerHello in TLS 1.3) its records are not buffered but only
// framed and counted, unless a key log decrypts them (see decrypt_seam.h).
//
// One TlsHandshake goes to ctx.sink when the outcome is known: both Finished seen (completed), or
// the connection ended (alert, reset, closed, abandoned, capture_end).
#pragma once

#include <memory>

#include "capture/stream.h"
#include "dissect/dispatch.h"

namespace revo::dissect {

/// A stream consumer that dissects TLS in both directions. `ctx` must outlive it.
/// If it is destroyed before its handshake record was delivered, it delivers it then.
std::unique_ptr<capture::StreamConsumer> make_tls_stream(const capture::ConnInfo& conn, DissectContext& ctx);

}  // namespace revo::dissect

// The seam between TLS dissection and key-log decryption.
//
// The TLS stream (tls_stream.cpp) never decrypts anything itself. When DissectContext::keylog is set and
// a record is protected (TLS 1.3: content type 23 records after ServerHello; TLS <= 1.2: any record
// after the sender's ChangeCipherSpec), it hands the whole record to a RecordDecryptor made for the
// connection once both hellos are known, and parses the plaintext it gets back as if it had arrived in
// the clear (handshake messages, alerts). Application data is only counted.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/stream.h"
#include "common/bytes.h"
#include "dissect/tls/handshake.h"

namespace revo::dissect {

class KeyLog;  // dissect/tls/keylog.h

/// Decrypts the protected records of one TLS connection, in order, per direction.
class RecordDecryptor {
public:
    virtual ~RecordDecryptor() = default;

    /// Decrypts one protected record sent by `from`.
    /// `type` is the outer content type of the record header; `record` is the complete record,
    /// 5-byte header included (TLS 1.3 uses the header as additional data; TLS 1.2 needs its version).
    /// Records are passed in stream order for each side, each exactly once, so sequence numbers can be
    /// kept inside. On success returns the plaintext (padding and, in TLS 1.3, the inner content type
    /// removed) and sets `inner_type` to the real content type (20..24). On failure returns nullopt
    /// and note() says why.
    virtual std::optional<std::vector<std::uint8_t>> decrypt(capture::Side from, std::uint8_t type,
                                                             ByteView record, std::uint8_t& inner_type) = 0;

    /// TLS 1.3 only: `from` has sent its Finished; its following records use the application traffic
    /// secret (sequence number restarts at 0). KeyUpdate messages are not followed.
    virtual void next_epoch(capture::Side from) { (void)from; }

    /// Why the last decrypt() failed, e.g. "AEAD tag failure", "cipher suite not supported".
    virtual std::string note() const { return {}; }
};

/// A decryptor for the connection described by the two hellos, or nullptr when the key log has no
/// secret for the ClientHello's random or the cipher suite is not supported.
/// Implemented in dissect/tls/keylog.cpp.
std::unique_ptr<RecordDecryptor> make_decryptor(const KeyLog& keys, const ClientHello& ch, const ServerHello& sh);

}  // namespace revo::dissect

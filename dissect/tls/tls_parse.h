// Parsers for single TLS records and handshake messages: free functions over byte views.
//
// RFC 5246 section 6.2 (record layer), 7.4 (handshake), 7.2 (alerts); RFC 8446 section 4 (TLS 1.3
// handshake, CertificateEntry extensions); RFC 6066 section 3 (server_name), 8 (status_request,
// CertificateStatus); RFC 6961 (status_request_v2, ocsp_multi); RFC 7301 (ALPN); RFC 6101 appendix
// E.2 / RFC 5246 appendix E.2 (SSL 2.0 compatible ClientHello).
//
// Each parser fills what it can and returns an empty string on success, or one line naming the first
// inconsistency (a length that runs past its container, bytes left over, a truncated field). Nothing
// here throws, allocates beyond its output, or reads past the given view.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "dissect/tls/handshake.h"

namespace revo::dissect::tls {

/// Record content types (open: unknown values are kept as numbers).
enum class ContentType : std::uint8_t {
    change_cipher_spec = 20,
    alert = 21,
    handshake = 22,
    application_data = 23,
    heartbeat = 24,
};

/// Handshake message types used here.
enum class HandshakeType : std::uint8_t {
    hello_request = 0,
    client_hello = 1,
    server_hello = 2,
    new_session_ticket = 4,
    end_of_early_data = 5,
    encrypted_extensions = 8,
    certificate = 11,
    server_key_exchange = 12,
    certificate_request = 13,
    server_hello_done = 14,
    certificate_verify = 15,
    client_key_exchange = 16,
    finished = 20,
    certificate_status = 22,
    key_update = 24,
    compressed_certificate = 25,
};

constexpr std::size_t record_header_size = 5;
/// Largest record body allowed by RFC 5246 6.2.3 (2^14 + 2048); TLS 1.3 is stricter.
constexpr std::size_t max_record_length = 16384 + 2048;

struct RecordHeader {
    std::uint8_t type = 0;
    std::uint16_t version = 0;
    std::uint16_t length = 0;
};

enum class HeaderStatus { ok, need_more, bad_type, bad_version, oversized };

/// Reads a 5-byte record header from the start of `v`.
HeaderStatus parse_record_header(ByteView v, RecordHeader& out);
/// A record header that could start a TLS stream or a resynchronised one.
bool plausible_record_header(ByteView v);

/// True for 22 3 0..4 (a handshake record) or an SSL 2.0 compatible ClientHello. Needs 3 to 5 bytes;
/// with fewer it answers false.
bool looks_like_tls(ByteView first_bytes);
/// True when `v` begins with an SSL 2.0 record header carrying a CLIENT-HELLO (msg type 1) that
/// offers SSL 3.0 or later (or SSL 2.0).
bool looks_like_sslv2_client_hello(ByteView v);
/// Length of the SSL 2.0 record starting at `v` (header included), 0 if not enough bytes.
std::size_t sslv2_record_size(ByteView v);

/// "TLS 1.2", "SSL 3.0", "TLS 1.3 (draft 18)", "unknown(0x....)".
std::string version_name(std::uint16_t v);
/// True for TLS 1.3 and its drafts (0x7fNN).
bool is_tls13(std::uint16_t v);
/// "ClientHello", "Certificate", ..., "unknown(N)".
std::string handshake_type_name(std::uint8_t type);

/// ClientHello body (after the 4-byte handshake header).
std::string parse_client_hello(ByteView body, ClientHello& out);
/// SSL 2.0 compatible ClientHello: the whole SSL 2.0 record, 2-byte header included.
std::string parse_sslv2_client_hello(ByteView record, ClientHello& out);
/// SSL 2.0 SERVER-HELLO (answer to an SSL 2.0 ClientHello offering only SSL 2.0): the whole record.
/// `cert` receives the server's certificate (X.509 DER) when the certificate type is 1.
std::string parse_sslv2_server_hello(ByteView record, ServerHello& out, ByteView& cert);
/// True when `v` begins with an SSL 2.0 SERVER-HELLO record header.
bool looks_like_sslv2_server_hello(ByteView v);
/// ServerHello or HelloRetryRequest body; also the draft (0x7fNN <= draft 21) layout.
std::string parse_server_hello(ByteView body, ServerHello& out);

struct CertificateMessage {
    std::vector<ByteView> certs;              ///< DER, leaf first, as sent
    std::optional<ByteView> leaf_ocsp;        ///< TLS 1.3: OCSP response in the leaf entry's status_request
    int leaf_status_type = 0;
    bool leaf_sct = false;                    ///< TLS 1.3: signed_certificate_timestamp in the leaf entry
};
/// Certificate body; `tls13` selects the RFC 8446 4.4.2 layout (context + entries with extensions).
std::string parse_certificate(ByteView body, bool tls13, CertificateMessage& out);

struct CertificateStatusMessage {
    int status_type = 0;                      ///< 1 ocsp, 2 ocsp_multi
    ByteView ocsp;                            ///< the first non-empty response (the leaf's)
    std::size_t responses = 0;                ///< ocsp_multi: entries in the list
};
std::string parse_certificate_status(ByteView body, CertificateStatusMessage& out);

/// EncryptedExtensions body (TLS 1.3): lists the extensions in `out` and takes ALPN (and a
/// status_request acknowledgement, if a server sends one there) into `sh`.
std::string parse_encrypted_extensions(ByteView body, ServerHello& sh, std::vector<TlsExtension>& out);

struct AlertMessage {
    int level = 0;
    int description = 0;
};
/// All alerts in one alert record body (two bytes each).
std::string parse_alerts(ByteView body, std::vector<AlertMessage>& out);

}  // namespace revo::dissect::tls

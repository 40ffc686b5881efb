// One record per TLS handshake: what revocation diagnosis needs to know about it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/stream.h"
#include "common/frame.h"
#include "dissect/ocsp/ocsp.h"
#include "dissect/x509/cert.h"

namespace revo::dissect {

struct TlsExtension {
    std::uint16_t type = 0;
    std::uint16_t length = 0;
};

struct ClientHello {
    FrameRef frame;
    std::uint16_t legacy_version = 0;
    bool sslv2_format = false;
    std::string random_hex;           ///< 32 bytes; matches key-log lines
    std::string session_id_hex;
    std::vector<std::uint16_t> cipher_suites;
    std::vector<std::uint8_t> compression;
    std::vector<TlsExtension> extensions;
    std::string sni;
    std::vector<std::string> alpn;
    std::vector<std::uint16_t> supported_versions;
    bool status_request = false;      ///< extension 5
    bool status_request_v2 = false;   ///< extension 17
    bool sct = false;                 ///< extension 18
    std::vector<std::uint16_t> key_share_groups;
    bool psk = false;
    bool early_data = false;
};

struct ServerHello {
    FrameRef frame;
    bool hello_retry_request = false;
    std::uint16_t legacy_version = 0;
    std::uint16_t selected_version = 0;   ///< supported_versions if present, else legacy_version
    std::string random_hex;
    std::string session_id_hex;
    std::uint16_t cipher_suite = 0;
    std::vector<TlsExtension> extensions;
    bool status_request_ack = false;      ///< status_request in ServerHello (<=1.2) or EncryptedExtensions/CertificateEntry (1.3)
    std::string alpn;
};

struct TlsAlert {
    FrameRef frame;
    capture::Side from = capture::Side::server;
    bool encrypted = false;       ///< seen only as an encrypted alert record
    int level = -1;               ///< 1 warning, 2 fatal; -1 when encrypted
    int description = -1;         ///< e.g. 113 bad_certificate_status_response; -1 when encrypted
    std::string name;             ///< "bad_certificate", or "encrypted" when unknown
    std::string after;            ///< the last handshake message before it, e.g. "Certificate"
    bool decrypted = false;       ///< the alert was recovered with a key log
};
const char* alert_name(int description);

struct Staple {
    FrameRef frame;               ///< CertificateStatus (<=1.2) or Certificate (1.3) carrying it
    std::string source;           ///< "certificate_status" | "certificate_entry"
    int status_type = 1;          ///< 1 ocsp, 2 ocsp_multi
    OcspResponseInfo response;
};

struct TlsParseError {
    FrameRef frame;
    capture::Side from = capture::Side::client;
    std::string message_type;     ///< "record", "ClientHello", "Certificate", ...
    std::uint64_t offset = 0;     ///< stream offset of the failing record/message
    std::string what;
};

struct TlsHandshake {
    capture::ConnInfo conn;
    FrameRef start;                               ///< ClientHello
    std::optional<FrameRef> end;                  ///< last handshake message or Finished seen
    std::optional<ClientHello> client_hello;
    std::optional<ServerHello> server_hello;
    std::vector<std::shared_ptr<const CertSummary>> chain;  ///< leaf first, as sent
    std::optional<FrameRef> certificate_frame;
    std::optional<FrameRef> certificate_status_frame;
    std::optional<Staple> staple;
    bool server_key_exchange = false;
    bool server_hello_done = false;
    bool certificate_request = false;
    bool finished[2] = {false, false};            ///< by side, when visible
    bool change_cipher_spec[2] = {false, false};
    bool encrypted = false;                       ///< TLS 1.3 handshake not decrypted: chain and staple unseen
    bool decrypted = false;                       ///< decrypted with a key log
    std::string decrypt_note;                     ///< e.g. "no key for client random", "AEAD tag failure"
    std::vector<TlsAlert> alerts;
    std::vector<TlsParseError> errors;
    bool hello_retry = false;                     ///< the server sent a HelloRetryRequest first
    bool client_certificate = false;              ///< the client sent a (non-empty) Certificate
    std::vector<TlsExtension> encrypted_extensions;  ///< TLS 1.3, when decrypted
    std::uint32_t encrypted_records[2] = {0, 0};  ///< protected records seen per side before this record was emitted
    std::uint32_t decrypted_records = 0;          ///< of those, decrypted with a key log
    bool complete = false;                        ///< handshake reached Finished/application data both ways
    std::string fate;                             ///< "completed", "alert", "reset", "closed", "abandoned", "capture_end"
    std::uint64_t app_data_bytes[2] = {0, 0};
};

}  // namespace revo::dissect

// TLS stream dissection: record layer (RFC 5246 6.2, RFC 8446 5.1), handshake layer (RFC 5246 7.4,
// RFC 8446 4), alerts (RFC 5246 7.2), stapled OCSP (RFC 6066 8, RFC 6961, RFC 8446 4.4.2.1).
//
//   record:    | type (1) | version (2) | length (2) | fragment (length) |
//   handshake: | msg_type (1) | length (3) | body (length) |   -- may span records, or share one
//
// Per direction: `rec` collects one record (header + fragment) while it is split over segments; `hs`
// collects handshake bytes while a message is split over records. Protected records are framed only
// (the fragment is skipped, not copied) unless a RecordDecryptor is available.
#include "dissect/tls/tls_stream.h"

#include <algorithm>

#include "dissect/ocsp/ocsp.h"
#include "dissect/tls/decrypt_seam.h"
#include "dissect/tls/handshake.h"
#include "dissect/tls/tls_parse.h"
#include "dissect/x509/cert.h"

#if __has_include("dissect/tls/keylog.h")
#include "dissect/tls/keylog.h"
#define REVO_HAVE_KEYLOG 1
#else
#define REVO_HAVE_KEYLOG 0
#endif

namespace revo::dissect {
namespace {

using capture::Side;
using tls::ContentType;
using tls::HandshakeType;
using tls::RecordHeader;

constexpr std::size_t max_errors_kept = 32;
constexpr std::size_t max_resync_scan = 64u << 10;

const Limits& default_limits() {
    static const Limits l;
    return l;
}

class TlsStream final : public capture::StreamConsumer {
public:
    TlsStream(const capture::ConnInfo& conn, DissectContext& ctx)
        : ctx_(ctx), limits_(ctx.limits ? *ctx.limits : default_limits()) {
        hs_.conn = conn;
    }
    ~TlsStream() override {
        if (!emitted_) emit();
    }

    void on_data(Side from, std::uint64_t offset, ByteView bytes, const FrameRef& frame) override {
        if (!hs_.start.valid()) hs_.start = frame;
        Dir& d = dir(from);
        if (emitted_ || d.stopped) return;
        if (offset != d.next_offset && d.next_offset != 0 && offset > d.next_offset)
            on_gap(from, d.next_offset, offset - d.next_offset, frame);
        if (offset < d.next_offset) {  // overlap the reassembler should not produce: drop the seen part
            std::uint64_t dup = d.next_offset - offset;
            if (dup >= bytes.size()) return;
            bytes = bytes.subspan(static_cast<std::size_t>(dup));
            offset = d.next_offset;
        }
        d.next_offset = offset + bytes.size();
        feed(from, offset, bytes, frame);
    }

    void on_gap(Side from, std::uint64_t offset, std::uint64_t length, const FrameRef& frame) override {
        Dir& d = dir(from);
        if (offset + length > d.next_offset) d.next_offset = offset + length;
        if (emitted_ || d.stopped || length == 0) return;
        if (d.skip > 0 && length <= d.skip) {
            // The hole lies inside a protected record we were skipping anyway: nothing is lost.
            d.skip -= static_cast<std::size_t>(length);
            if (d.skip == 0) opaque_record(from, d.skip_hdr, frame);
            return;
        }
        count("tls_stream_gap");
        if (!d.rec.empty() || d.skip > 0 || !d.hs.empty())
            add_error(from, d.rec.empty() && d.skip == 0 ? "handshake" : "record", offset, frame,
                      "gap of " + std::to_string(length) + " bytes inside a record or message; resynchronising");
        d.rec.clear();
        d.skip = 0;
        d.hs.clear();
        d.resync = true;
        d.resync_scanned = 0;
    }

    void on_end(Side from, capture::EndReason why, const FrameRef& frame) override {
        Dir& d = dir(from);
        d.ended = true;
        d.end_reason = why;
        if (why == capture::EndReason::rst) reset_ = true;
        if (emitted_) return;
        if (!d.rec.empty()) {  // a protected record cut short (d.skip) is not a handshake problem
            add_error(from, "record", d.rec_offset, frame,
                      "connection ended inside a record (" + std::to_string(d.rec.size()) + " bytes buffered)");
            count("tls_record_truncated");
        } else if (!d.hs.empty()) {
            add_error(from, "handshake", d.hs_offset, frame,
                      "connection ended inside a handshake message (" + std::to_string(d.hs.size()) +
                          " bytes buffered)");
            count("tls_handshake_truncated");
        }
        if (why == capture::EndReason::rst || (dirs_[0].ended && dirs_[1].ended)) emit();
    }

    bool wants(Side from) const override { return !emitted_ && !dirs_[capture::index(from)].stopped; }

private:
    struct Dir {
        std::vector<std::uint8_t> rec;  // one record being collected (header included)
        std::uint64_t rec_offset = 0;   // stream offset of the record being collected
        bool rec_v2 = false;            // the record being collected is an SSL 2.0 ClientHello
        std::size_t skip = 0;           // fragment bytes of a protected record still to skip
        RecordHeader skip_hdr{};
        std::vector<std::uint8_t> hs;   // handshake bytes not yet forming a whole message
        std::uint64_t hs_offset = 0;    // stream offset of hs[0] (record fragment start for decrypted data)
        std::uint64_t next_offset = 0;
        bool encrypted = false;         // after this side's ChangeCipherSpec (TLS <= 1.2)
        bool stopped = false;
        bool resync = false;
        std::size_t resync_scanned = 0;
        bool first_record = true;
        bool decrypt_failed = false;
        bool ended = false;
        capture::EndReason end_reason = capture::EndReason::capture_end;
        std::uint64_t records = 0;
    };

    Dir& dir(Side s) { return dirs_[capture::index(s)]; }

    void count(std::string_view id) {
        if (ctx_.anomalies) ctx_.anomalies->add(id);
    }

    void add_error(Side from, std::string message_type, std::uint64_t offset, const FrameRef& frame,
                   std::string what) {
        if (hs_.errors.size() >= max_errors_kept) {
            count("tls_errors_not_kept");
            return;
        }
        hs_.errors.push_back(TlsParseError{frame, from, std::move(message_type), offset, std::move(what)});
    }

    void stop(Side from, std::string_view anomaly) {
        Dir& d = dir(from);
        d.stopped = true;
        d.rec.clear();
        d.rec.shrink_to_fit();
        d.hs.clear();
        d.hs.shrink_to_fit();
        count(anomaly);
    }

    bool tls13() const { return hs_.server_hello && !hs_.server_hello->hello_retry_request && is13_; }

    // ---- record layer -------------------------------------------------------------------------

    /// Checks the header at the start of `v` (at least 5 bytes). Returns the full record size, or 0
    /// after recording an error.
    std::size_t record_size(Side from, ByteView v, std::uint64_t offset, const FrameRef& frame, bool& v2,
                            RecordHeader& h) {
        Dir& d = dir(from);
        v2 = false;
        if (d.first_record && from == Side::client && tls::looks_like_sslv2_client_hello(v)) {
            v2 = true;
            return tls::sslv2_record_size(v);
        }
        if (d.first_record && from == Side::server && hs_.client_hello && hs_.client_hello->sslv2_format &&
            tls::looks_like_sslv2_server_hello(v)) {
            v2 = true;
            return tls::sslv2_record_size(v);
        }
        switch (tls::parse_record_header(v, h)) {
        case tls::HeaderStatus::ok: return tls::record_header_size + h.length;
        case tls::HeaderStatus::need_more: return 0;
        case tls::HeaderStatus::bad_type:
            add_error(from, "record", offset, frame, "content type " + std::to_string(v[0]) + " is not a TLS record type");
            count("tls_record_bad_type");
            break;
        case tls::HeaderStatus::bad_version:
            add_error(from, "record", offset, frame,
                      "record version 0x" + to_hex(v.subspan(1, 2)) + " is not SSL 3.0 to TLS 1.3");
            count("tls_record_bad_version");
            break;
        case tls::HeaderStatus::oversized:
            add_error(from, "record", offset, frame,
                      "record length " + std::to_string(h.length) + " exceeds " +
                          std::to_string(tls::max_record_length));
            count("tls_record_oversized");
            break;
        }
        // Framing is lost: look for the next plausible record header.
        d.resync = true;
        d.resync_scanned = 0;
        d.hs.clear();
        return 0;
    }

    /// Whether a record of this type from this side is protected (framed and counted, or decrypted).
    bool is_protected(Side from, std::uint8_t type) const {
        if (type == static_cast<std::uint8_t>(ContentType::application_data)) return true;
        if (tls13()) return false;  // TLS 1.3 protects everything as type 23; others are plaintext
        return dirs_[capture::index(from)].encrypted;
    }
    bool can_decrypt(Side from) const { return decryptor_ && !dirs_[capture::index(from)].decrypt_failed; }

    void feed(Side from, std::uint64_t offset, ByteView data, const FrameRef& frame) {
        Dir& d = dir(from);
        while (!data.empty() && !emitted_ && !d.stopped) {
            if (d.resync) {
                std::size_t i = 0;
                bool found = false;
                for (; i + tls::record_header_size <= data.size(); ++i) {
                    if (tls::plausible_record_header(data.subspan(i))) {
                        found = true;
                        break;
                    }
                }
                if (!found) i = data.size();
                d.resync_scanned += i;
                data = data.subspan(i);
                offset += i;
                if (found) {
                    d.resync = false;
                    count("tls_resynchronised");
                } else if (d.resync_scanned > max_resync_scan) {
                    add_error(from, "record", offset, frame,
                              "no plausible record header within " + std::to_string(max_resync_scan) +
                                  " bytes; direction abandoned");
                    stop(from, "tls_resync_failed");
                }
                continue;
            }
            if (d.skip > 0) {
                std::size_t n = std::min(d.skip, data.size());
                d.skip -= n;
                data = data.subspan(n);
                offset += n;
                if (d.skip == 0) opaque_record(from, d.skip_hdr, frame);
                continue;
            }
            if (d.rec.empty() && data.size() >= tls::record_header_size) {
                // Fast path: a whole record in this segment needs no copy.
                bool v2 = false;
                RecordHeader h;
                std::size_t size = record_size(from, data, offset, frame, v2, h);
                if (size == 0) continue;  // resync set
                if (!v2 && is_protected(from, h.type) && !can_decrypt(from)) {
                    d.skip = h.length;
                    d.skip_hdr = h;
                    data = data.subspan(tls::record_header_size);
                    offset += tls::record_header_size;
                    if (d.skip == 0) opaque_record(from, h, frame);
                    continue;
                }
                if (data.size() >= size) {
                    handle_record(from, v2, h, data.first(size), offset, frame);
                    data = data.subspan(size);
                    offset += size;
                    continue;
                }
            }
            // Slow path: collect the record in `rec`.
            if (d.rec.empty()) d.rec_offset = offset;
            std::size_t want = tls::record_header_size;
            bool v2 = d.rec_v2;
            RecordHeader h;
            if (d.rec.size() >= tls::record_header_size) {
                want = v2 ? tls::sslv2_record_size(d.rec) : tls::record_header_size + ((d.rec[3] << 8) | d.rec[4]);
                if (!v2) tls::parse_record_header(d.rec, h);
            }
            std::size_t n = std::min(want - d.rec.size(), data.size());
            d.rec.insert(d.rec.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
            data = data.subspan(n);
            offset += n;
            if (d.rec.size() == tls::record_header_size && want == tls::record_header_size) {
                std::size_t size = record_size(from, d.rec, d.rec_offset, frame, v2, h);
                if (size == 0) {  // bad header: resync is set; scan on from the bytes that follow
                    d.rec.clear();
                    continue;
                }
                d.rec_v2 = v2;
                if (!v2 && is_protected(from, h.type) && !can_decrypt(from)) {
                    d.rec.clear();
                    d.skip = h.length;
                    d.skip_hdr = h;
                    if (d.skip == 0) opaque_record(from, h, frame);
                    continue;
                }
                if (size > d.rec.size()) continue;
            } else if (d.rec.size() < want) {
                continue;
            }
            std::vector<std::uint8_t> whole;
            whole.swap(d.rec);
            d.rec_v2 = false;
            handle_record(from, v2, h, whole, d.rec_offset, frame);
        }
    }

    void handle_record(Side from, bool v2, const RecordHeader& h, ByteView record, std::uint64_t offset,
                       const FrameRef& frame) {
        Dir& d = dir(from);
        d.first_record = false;
        if (++d.records > limits_.max_tls_records_per_flow) {
            add_error(from, "record", offset, frame, "more than " + std::to_string(limits_.max_tls_records_per_flow) +
                                                         " records; direction abandoned");
            stop(from, "tls_records_limit");
            return;
        }
        if (v2 && from == Side::server) {
            // An SSL 2.0 server: its hello carries the certificate; everything after it is encrypted.
            ServerHello sh;
            sh.frame = frame;
            ByteView cert;
            std::string err = tls::parse_sslv2_server_hello(record, sh, cert);
            if (!err.empty()) malformed(from, "ServerHello", offset, frame, err);
            hs_.server_hello = std::move(sh);
            if (!cert.empty()) {
                hs_.certificate_frame = frame;
                hs_.chain.push_back(decode_certificate(cert));
            }
            note_message(from, "ServerHello", frame);
            count("tls_sslv2_handshake");
            dirs_[0].stopped = dirs_[1].stopped = true;
            return;
        }
        if (v2) {
            ClientHello ch;
            ch.frame = frame;
            std::string err = tls::parse_sslv2_client_hello(record, ch);
            if (!err.empty()) {
                add_error(from, "ClientHello", offset, frame, err);
                count("tls_message_malformed");
            }
            note_message(from, "ClientHello", frame);
            if (!hs_.client_hello) hs_.client_hello = std::move(ch);
            return;
        }
        if (is_protected(from, h.type)) {
            protected_record(from, h, record, offset, frame);
            return;
        }
        plaintext(from, h.type, record.subspan(tls::record_header_size), offset, offset + tls::record_header_size,
                  frame, false);
    }

    void protected_record(Side from, const RecordHeader& h, ByteView record, std::uint64_t offset,
                          const FrameRef& frame) {
        Dir& d = dir(from);
        if (can_decrypt(from)) {
            std::uint8_t inner = 0;
            auto pt = decryptor_->decrypt(from, h.type, record, inner);
            if (pt) {
                ++hs_.encrypted_records[capture::index(from)];
                ++hs_.decrypted_records;
                hs_.decrypted = true;
                plaintext(from, inner, *pt, offset, offset, frame, true);
                return;
            }
            d.decrypt_failed = true;
            hs_.decrypt_note = decryptor_->note();
            count("tls_decrypt_failed");
        }
        opaque_record(from, h, frame);
    }

    // ---- protected records that are not decrypted -----------------------------------------------

    void opaque_record(Side from, const RecordHeader& h, const FrameRef& frame) {
        const int i = capture::index(from);
        ++hs_.encrypted_records[i];
        if (tls13() || (h.type == 23 && !dirs_[i].encrypted)) {
            opaque_tls13(from, h, frame);
            return;
        }
        // TLS <= 1.2 after ChangeCipherSpec.
        if (h.type == static_cast<std::uint8_t>(ContentType::handshake) && !hs_.finished[i]) {
            hs_.finished[i] = true;
            note_message(from, "Finished", frame);
        } else if (h.type == static_cast<std::uint8_t>(ContentType::alert)) {
            add_encrypted_alert(from, frame);
        } else if (h.type == static_cast<std::uint8_t>(ContentType::application_data)) {
            hs_.app_data_bytes[i] += h.length;
        }
        check_complete();
    }

    void opaque_tls13(Side from, const RecordHeader& h, const FrameRef& frame) {
        const int i = capture::index(from);
        const int s = capture::index(Side::server);
        if (!tls13()) {  // application data before we know the version (e.g. early data): count only
            hs_.app_data_bytes[i] += h.length;
            return;
        }
        hs_.encrypted = !hs_.decrypted;
        // An alert is 2 bytes + 1 inner type + the AEAD tag (16, or 8 for CCM_8): a record of exactly
        // that size before the handshake is over is an alert; a Finished is at least 32 + 1 + tag.
        std::size_t tag = hs_.server_hello->cipher_suite == 0x1305 ? 8 : 16;
        bool alert_sized = h.length == 3 + tag;
        if (alert_sized) {
            add_encrypted_alert(from, frame);
        } else if (from == Side::client && hs_.encrypted_records[s] > 0 && !hs_.finished[i]) {
            hs_.finished[i] = true;  // the client's first protected record after the server's flight
            note_message(from, "Finished", frame);
        } else if (from == Side::client && !hs_.finished[i]) {
            hs_.app_data_bytes[i] += h.length;  // 0-RTT data
        } else if (from == Side::client || hs_.finished[capture::index(Side::client)]) {
            hs_.app_data_bytes[i] += h.length;
        }
        check_complete();
    }

    void add_encrypted_alert(Side from, const FrameRef& frame) {
        TlsAlert a;
        a.frame = frame;
        a.from = from;
        a.encrypted = true;
        a.name = "encrypted";
        a.after = last_message_;
        hs_.alerts.push_back(std::move(a));
        if (!hs_.finished[0] || !hs_.finished[1]) alert_before_completion_ = true;
    }

    // ---- plaintext (in the clear, or decrypted) --------------------------------------------------

    void plaintext(Side from, std::uint8_t type, ByteView body, std::uint64_t rec_offset,
                   std::uint64_t body_offset, const FrameRef& frame, bool decrypted) {
        Dir& d = dir(from);
        switch (static_cast<ContentType>(type)) {
        case ContentType::change_cipher_spec:
            hs_.change_cipher_spec[capture::index(from)] = true;
            if (body.size() != 1 || body[0] != 1) {
                add_error(from, "ChangeCipherSpec", rec_offset, frame, "body is not the single byte 1");
                count("tls_message_malformed");
            }
            if (!d.hs.empty()) {
                add_error(from, "handshake", d.hs_offset, frame, "ChangeCipherSpec inside a fragmented handshake message");
                count("tls_message_malformed");
                d.hs.clear();
            }
            // TLS 1.3 middlebox-compatibility CCS (also sent by a client before the ServerHello, or
            // after a HelloRetryRequest) changes nothing.
            if (!is13_ && (hs_.server_hello.has_value() || from == Side::server)) d.encrypted = true;
            return;
        case ContentType::alert: {
            std::vector<tls::AlertMessage> alerts;
            std::string err = tls::parse_alerts(body, alerts);
            if (!err.empty()) {
                add_error(from, "Alert", rec_offset, frame, err);
                count("tls_message_malformed");
            }
            for (auto& m : alerts) {
                TlsAlert a;
                a.frame = frame;
                a.from = from;
                a.level = m.level;
                a.description = m.description;
                const char* n = alert_name(m.description);
                a.name = std::string(n) == "unknown" ? "unknown(" + std::to_string(m.description) + ")" : n;
                a.after = last_message_;
                a.decrypted = decrypted;
                if (m.level == 2) fatal_alert_ = true;
                if (m.level == 2 && (!hs_.finished[0] || !hs_.finished[1])) alert_before_completion_ = true;
                hs_.alerts.push_back(std::move(a));
            }
            return;
        }
        case ContentType::handshake:
            handshake_bytes(from, body, body_offset, frame);
            return;
        case ContentType::application_data:
            hs_.app_data_bytes[capture::index(from)] += body.size();
            check_complete();
            return;
        case ContentType::heartbeat:
            return;
        }
        add_error(from, "record", rec_offset, frame, "unknown inner content type " + std::to_string(type));
        count("tls_record_bad_type");
    }

    void handshake_bytes(Side from, ByteView body, std::uint64_t body_offset, const FrameRef& frame) {
        Dir& d = dir(from);
        if (body.empty()) {
            add_error(from, "handshake", body_offset, frame, "empty handshake record");
            count("tls_message_malformed");
            return;
        }
        // Whole messages straight from the record when nothing is pending.
        ByteView rest = body;
        std::uint64_t off = body_offset;
        if (d.hs.empty()) {
            while (rest.size() >= 4) {
                std::size_t len = (std::size_t(rest[1]) << 16) | (std::size_t(rest[2]) << 8) | rest[3];
                if (!length_ok(from, rest[0], len, off, frame)) return;
                if (rest.size() < 4 + len) break;
                message(from, rest[0], rest.subspan(4, len), off, frame);
                if (emitted_ || d.stopped) return;
                rest = rest.subspan(4 + len);
                off += 4 + len;
            }
            if (rest.empty()) return;
            d.hs_offset = off;
        }
        if (d.hs.size() + rest.size() > limits_.max_tls_message + 4) {
            add_error(from, "handshake", d.hs_offset, frame, "handshake message larger than the limit");
            stop(from, "tls_handshake_message_oversized");
            return;
        }
        d.hs.insert(d.hs.end(), rest.begin(), rest.end());
        std::size_t pos = 0;
        while (d.hs.size() - pos >= 4) {
            ByteView v(d.hs.data() + pos, d.hs.size() - pos);
            std::size_t len = (std::size_t(v[1]) << 16) | (std::size_t(v[2]) << 8) | v[3];
            if (!length_ok(from, v[0], len, d.hs_offset, frame)) return;
            if (v.size() < 4 + len) break;
            message(from, v[0], v.subspan(4, len), d.hs_offset, frame);
            if (emitted_ || d.stopped) return;
            pos += 4 + len;
            d.hs_offset += 4 + len;
        }
        d.hs.erase(d.hs.begin(), d.hs.begin() + static_cast<std::ptrdiff_t>(pos));
    }

    bool length_ok(Side from, std::uint8_t type, std::size_t len, std::uint64_t offset, const FrameRef& frame) {
        if (len <= limits_.max_tls_message) return true;
        add_error(from, tls::handshake_type_name(type), offset, frame,
                  "message length " + std::to_string(len) + " exceeds the limit of " +
                      std::to_string(limits_.max_tls_message) + " bytes; direction abandoned");
        stop(from, "tls_handshake_message_oversized");
        return false;
    }

    void note_message(Side from, const std::string& name, const FrameRef& frame) {
        last_message_ = name;
        hs_.end = frame;
    }

    void malformed(Side from, const std::string& what_type, std::uint64_t offset, const FrameRef& frame,
                   const std::string& err) {
        add_error(from, what_type, offset, frame, err);
        count("tls_message_malformed");
    }

    void message(Side from, std::uint8_t type, ByteView body, std::uint64_t offset, const FrameRef& frame) {
        const int i = capture::index(from);
        std::string name = tls::handshake_type_name(type);
        switch (static_cast<HandshakeType>(type)) {
        case HandshakeType::client_hello: {
            ClientHello ch;
            ch.frame = frame;
            std::string err = tls::parse_client_hello(body, ch);
            if (!err.empty()) malformed(from, name, offset, frame, err);
            if (!hs_.client_hello) {
                hs_.start = frame;
                hs_.client_hello = std::move(ch);
            }
            break;
        }
        case HandshakeType::server_hello: {
            ServerHello sh;
            sh.frame = frame;
            std::string err = tls::parse_server_hello(body, sh);
            if (!err.empty()) malformed(from, name, offset, frame, err);
            if (sh.hello_retry_request) {
                hs_.hello_retry = true;
                name = "HelloRetryRequest";
            }
            is13_ = tls::is_tls13(sh.selected_version);
            hs_.server_hello = std::move(sh);
            if (tls13()) hs_.encrypted = true;
            if (!hs_.server_hello->hello_retry_request) start_decryption();
            break;
        }
        case HandshakeType::certificate: {
            if (from == Side::client) {
                ByteReader r(body);
                if (tls13()) r.prefixed8();
                auto list = r.prefixed24();
                hs_.client_certificate = list && !list->empty();
                break;
            }
            tls::CertificateMessage cm;
            std::string err = tls::parse_certificate(body, tls13(), cm);
            if (!err.empty()) malformed(from, name, offset, frame, err);
            hs_.certificate_frame = frame;
            hs_.chain.clear();
            for (ByteView der : cm.certs) {
                auto c = decode_certificate(der);
                if (!c->parse_error.empty()) count("x509_certificate_undecodable");
                hs_.chain.push_back(std::move(c));
            }
            if (cm.leaf_ocsp) {
                if (hs_.server_hello) hs_.server_hello->status_request_ack = true;
                set_staple(*cm.leaf_ocsp, cm.leaf_status_type, "certificate_entry", frame);
            }
            break;
        }
        case HandshakeType::certificate_status: {
            tls::CertificateStatusMessage cs;
            std::string err = tls::parse_certificate_status(body, cs);
            if (!err.empty()) malformed(from, name, offset, frame, err);
            hs_.certificate_status_frame = frame;
            if (!cs.ocsp.empty()) set_staple(cs.ocsp, cs.status_type, "certificate_status", frame);
            break;
        }
        case HandshakeType::encrypted_extensions: {
            if (!hs_.server_hello) break;
            std::string err = tls::parse_encrypted_extensions(body, *hs_.server_hello, hs_.encrypted_extensions);
            if (!err.empty()) malformed(from, name, offset, frame, err);
            break;
        }
        case HandshakeType::server_key_exchange: hs_.server_key_exchange = true; break;
        case HandshakeType::certificate_request: hs_.certificate_request = true; break;
        case HandshakeType::server_hello_done:
            hs_.server_hello_done = true;
            if (!body.empty()) malformed(from, name, offset, frame, "ServerHelloDone with a non-empty body");
            break;
        case HandshakeType::finished:
            hs_.finished[i] = true;
            if (tls13() && decryptor_) decryptor_->next_epoch(from);
            break;
        case HandshakeType::compressed_certificate:
            add_error(from, name, offset, frame, "compressed certificate chain (RFC 8879) is not decoded");
            count("tls_compressed_certificate");
            break;
        default: break;
        }
        note_message(from, name, frame);
        check_complete();
    }

    void set_staple(ByteView der, int status_type, const char* source, const FrameRef& frame) {
        Staple st;
        st.frame = frame;
        st.source = source;
        st.status_type = status_type;
        st.response = decode_ocsp_response(der);
        if (st.response.der.empty()) st.response.der.assign(der.begin(), der.end());
        hs_.staple = std::move(st);
    }

    void start_decryption() {
#if REVO_HAVE_KEYLOG
        if (!ctx_.keylog || ctx_.keylog->empty() || decryptor_ || !hs_.client_hello || !hs_.server_hello) return;
        decryptor_ = make_decryptor(*ctx_.keylog, *hs_.client_hello, *hs_.server_hello);
        if (!decryptor_) {
            hs_.decrypt_note = decryptor_unavailable_reason(*ctx_.keylog, *hs_.client_hello, *hs_.server_hello);
            if (hs_.decrypt_note.empty()) hs_.decrypt_note = "no decryptor for this connection";
            count("tls_not_decrypted");
        }
#endif
    }

    void check_complete() {
        if (emitted_) return;
        bool done = hs_.finished[0] && hs_.finished[1];
        if (!done && tls13()) {
            // Without keys the server's Finished is hidden in its flight; the client answering is enough.
            done = hs_.finished[capture::index(Side::client)] &&
                   hs_.encrypted_records[capture::index(Side::server)] > 0;
        }
        if (done) {
            hs_.complete = true;
            emit();
        }
    }

    void emit() {
        if (emitted_) return;
        emitted_ = true;
        if (hs_.complete) {
            hs_.fate = "completed";
        } else if (fatal_alert_ || alert_before_completion_) {
            hs_.fate = "alert";
        } else if (reset_) {
            hs_.fate = "reset";
        } else {
            bool fin = false, abandoned = false;
            for (auto& d : dirs_) {
                if (!d.ended) continue;
                if (d.end_reason == capture::EndReason::fin) fin = true;
                if (d.end_reason == capture::EndReason::idle_timeout || d.end_reason == capture::EndReason::evicted)
                    abandoned = true;
            }
            hs_.fate = fin ? "closed" : abandoned ? "abandoned" : "capture_end";
        }
        if (tls13()) hs_.encrypted = !hs_.decrypted;  // decrypted: chain and staple were seen
        if (!hs_.errors.empty()) count("tls_handshake_with_errors");
        for (auto& d : dirs_) {
            d.rec.clear();
            d.rec.shrink_to_fit();
            d.hs.clear();
            d.hs.shrink_to_fit();
        }
        decryptor_.reset();
        if (ctx_.sink) ctx_.sink->on_tls_handshake(std::move(hs_));
    }

    DissectContext& ctx_;
    const Limits& limits_;
    TlsHandshake hs_;
    Dir dirs_[2];
    std::unique_ptr<RecordDecryptor> decryptor_;
    std::string last_message_;
    bool is13_ = false;
    bool emitted_ = false;
    bool reset_ = false;
    bool fatal_alert_ = false;
    bool alert_before_completion_ = false;
};

}  // namespace

std::unique_ptr<capture::StreamConsumer> make_tls_stream(const capture::ConnInfo& conn, DissectContext& ctx) {
    return std::make_unique<TlsStream>(conn, ctx);
}

}  // namespace revo::dissect

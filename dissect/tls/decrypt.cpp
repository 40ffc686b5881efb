// Key-log record decryption for one TLS connection: the RecordDecryptor of dissect/tls/decrypt_seam.h.
//
// TLS 1.3 (RFC 8446 section 7.3, 5.2): each side moves through protection epochs — early data
// (0-RTT, client only), handshake, application — each with its own traffic secret and a sequence
// number starting at 0. The dissector announces the switch to the application epoch after the side's
// Finished; when a record does not open under the current epoch, the later epochs are tried too
// (at sequence 0), which follows the switch even when Finished was not seen as such. A few records
// the dissector never handed in (0-RTT data before the ServerHello, capture gaps) are tolerated by
// trying the next sequence numbers too.
// TLS 1.3 drafts before 20 use the label prefix "TLS 1.3, "; drafts before 25 use no additional data.
//
// TLS 1.2 (RFC 5246 6.3): keys come from the master secret (CLIENT_RANDOM line) by the PRF; the
// AEAD suites AES-GCM (RFC 5288) and ChaCha20-Poly1305 (RFC 7905) are supported.
#include <array>

#include "dissect/tls/decrypt_crypto.h"
#include "dissect/tls/decrypt_seam.h"
#include "dissect/tls/keylog.h"

namespace revo::dissect {

namespace {

using namespace tlscrypto;

constexpr std::uint16_t kTls13 = 0x0304;
constexpr std::uint16_t kTls12 = 0x0303;
/// Records of one epoch that may be missing before the next one handed in (early data sent before
/// the ServerHello made a decryptor possible, records lost in a capture gap).
constexpr std::uint64_t kMaxSkippedRecords = 8;

/// TLS 1.3 draft number for 0x7fNN versions, 0 otherwise.
int draft_number(std::uint16_t version) { return (version >> 8) == 0x7f ? (version & 0xFF) : 0; }

bool is_tls13(std::uint16_t version) { return version == kTls13 || draft_number(version) >= 18; }

class Tls13Decryptor final : public RecordDecryptor {
public:
    struct Epoch {
        const char* name;
        std::optional<Tls13RecordCipher> cipher;
    };

    Tls13Decryptor(const SuiteInfo& suite, const ConnectionSecrets& s, bool early_offered, int draft)
        : suite_(suite) {
        std::string_view prefix = (draft != 0 && draft < 20) ? kDraftLabelPrefix : kLabelPrefix;
        bool header_aad = draft == 0 || draft >= 25;
        auto add = [&](int side, const char* name, const Secret& secret) {
            if (secret.empty()) return;
            if (secret.size() != hash_length(suite.hash)) {
                size_mismatch_ = true;
                return;
            }
            auto keys = tls13_traffic_keys(suite, secret, prefix);
            if (!keys) return;
            epochs_[side].push_back(Epoch{name, Tls13RecordCipher(suite, std::move(*keys), header_aad)});
        };
        const int c = capture::index(capture::Side::client), sv = capture::index(capture::Side::server);
        if (early_offered) add(c, "early", s.client_early_traffic);
        add(c, "handshake", s.client_handshake_traffic);
        add(sv, "handshake", s.server_handshake_traffic);
        first_application_[c] = epochs_[c].size();
        first_application_[sv] = epochs_[sv].size();
        add(c, "application", s.client_traffic_0);
        add(sv, "application", s.server_traffic_0);
    }

    bool usable() const { return !epochs_[0].empty() || !epochs_[1].empty(); }

    std::optional<std::vector<std::uint8_t>> decrypt(capture::Side from, std::uint8_t type, ByteView record,
                                                     std::uint8_t& inner_type) override {
        const int side = capture::index(from);
        if (record.size() < 5) return fail("record shorter than its header");
        if (type != 23) return fail("not an encrypted record (outer type " + std::to_string(type) + ")");
        ByteView header = record.first(5);
        ByteView fragment = record.subspan(5);
        auto& eps = epochs_[side];
        if (eps.empty()) return fail(no_secret_text(from, "traffic"));
        if (current_[side] >= eps.size()) return fail(no_secret_text(from, "application traffic"));
        if (failed_[side]) return fail(last_failure_[side]);
        for (std::size_t i = current_[side]; i < eps.size(); ++i) {
            auto& ep = eps[i];
            // A later epoch is only tried from its first record.
            if (i != current_[side] && ep.cipher->sequence() != 0) continue;
            std::uint64_t skipped = 0;
            auto p = ep.cipher->open_skipping(header, fragment, kMaxSkippedRecords, skipped);
            if (p) {
                skipped_records_ += skipped;
                current_[side] = i;
                inner_type = p->content_type;
                ++decrypted_;
                return std::move(p->data);
            }
        }
        failed_[side] = true;
        std::string why = size_mismatch_ ? "AEAD tag failure (secret length does not match the cipher suite)"
                                         : "AEAD tag failure";
        why += std::string(" in the ") + (from == capture::Side::client ? "client's " : "server's ") +
               eps[current_[side]].name + " epoch";
        last_failure_[side] = why;
        return fail(why);
    }

    void next_epoch(capture::Side from) override {
        const int side = capture::index(from);
        if (current_[side] < first_application_[side]) {
            current_[side] = first_application_[side];
            failed_[side] = false;  // a new key: a handshake-epoch failure does not carry over
        }
    }

    std::string note() const override { return note_; }

private:
    std::optional<std::vector<std::uint8_t>> fail(std::string why) {
        note_ = std::move(why);
        return std::nullopt;
    }
    static std::string no_secret_text(capture::Side from, const char* what) {
        return std::string("no ") + (from == capture::Side::client ? "client " : "server ") + what +
               " secret in the key log for this client random";
    }

    SuiteInfo suite_;
    std::vector<Epoch> epochs_[2];
    std::size_t current_[2] = {0, 0};
    std::size_t first_application_[2] = {0, 0};
    bool failed_[2] = {false, false};
    std::string last_failure_[2];
    bool size_mismatch_ = false;
    std::uint64_t decrypted_ = 0;
    std::uint64_t skipped_records_ = 0;
    std::string note_;
};

class Tls12Decryptor final : public RecordDecryptor {
public:
    Tls12Decryptor(const SuiteInfo& suite, const Tls12Keys& keys)
        : cipher_{Tls12RecordCipher(suite, keys.client), Tls12RecordCipher(suite, keys.server)} {}

    std::optional<std::vector<std::uint8_t>> decrypt(capture::Side from, std::uint8_t type, ByteView record,
                                                     std::uint8_t& inner_type) override {
        const int side = capture::index(from);
        if (record.size() < 5) return fail("record shorter than its header");
        if (failed_[side]) return fail(last_failure_[side]);
        std::uint16_t version = static_cast<std::uint16_t>((record[1] << 8) | record[2]);
        auto p = cipher_[side].open(type, version, record.subspan(5));
        if (!p) {
            failed_[side] = true;
            last_failure_[side] = std::string("AEAD tag failure in the ") +
                                  (from == capture::Side::client ? "client's" : "server's") +
                                  " records after ChangeCipherSpec";
            return fail(last_failure_[side]);
        }
        inner_type = type;
        return std::move(p->data);
    }

    std::string note() const override { return note_; }

private:
    std::optional<std::vector<std::uint8_t>> fail(std::string why) {
        note_ = std::move(why);
        return std::nullopt;
    }
    Tls12RecordCipher cipher_[2];
    bool failed_[2] = {false, false};
    std::string last_failure_[2];
    std::string note_;
};

std::string hex_suite(std::uint16_t id) {
    static const char* d = "0123456789abcdef";
    std::string s = "0x";
    for (int shift = 12; shift >= 0; shift -= 4) s.push_back(d[(id >> shift) & 15]);
    return s;
}

/// Builds the decryptor or explains why there is none.
std::unique_ptr<RecordDecryptor> build(const KeyLog& keys, const ClientHello& ch, const ServerHello& sh,
                                       std::string& why) {
    if (sh.hello_retry_request) {
        why = "HelloRetryRequest: waiting for the real ServerHello";
        return nullptr;
    }
    const ConnectionSecrets* s = keys.find_hex(ch.random_hex);
    if (!s) {
        why = "no key for client random " + ch.random_hex;
        return nullptr;
    }
    auto suite = suite_info(sh.cipher_suite);
    std::uint16_t version = sh.selected_version;
    if (is_tls13(version)) {
        if (!suite || !suite->tls13) {
            why = "cipher suite " + hex_suite(sh.cipher_suite) + " not supported for decryption";
            return nullptr;
        }
        if (s->client_handshake_traffic.empty() && s->server_handshake_traffic.empty() &&
            s->client_traffic_0.empty() && s->server_traffic_0.empty()) {
            why = "key log has no TLS 1.3 traffic secrets for this client random";
            return nullptr;
        }
        auto d = std::make_unique<Tls13Decryptor>(*suite, *s, ch.early_data, draft_number(version));
        if (!d->usable()) {
            why = "TLS 1.3 secrets do not fit cipher suite " + std::string(suite->name);
            return nullptr;
        }
        return d;
    }
    if (version == kTls12) {
        if (!suite || suite->tls13) {
            why = "cipher suite " + hex_suite(sh.cipher_suite) + " not supported for decryption";
            return nullptr;
        }
        if (s->master_secret.empty()) {
            why = "key log has no CLIENT_RANDOM master secret for this client random";
            return nullptr;
        }
        bool ok_c = false, ok_s = false;
        auto cr = parse_hex(ch.random_hex, &ok_c);
        auto sr = parse_hex(sh.random_hex, &ok_s);
        if (!ok_c || !ok_s || cr.size() != 32 || sr.size() != 32) {
            why = "hello randoms missing";
            return nullptr;
        }
        auto block = tls12_key_block(*suite, s->master_secret, cr, sr);
        if (!block) {
            why = "key derivation failed";
            return nullptr;
        }
        return std::make_unique<Tls12Decryptor>(*suite, *block);
    }
    why = "protocol version " + hex_suite(version) + " not supported for decryption";
    return nullptr;
}

}  // namespace

std::unique_ptr<RecordDecryptor> make_decryptor(const KeyLog& keys, const ClientHello& ch, const ServerHello& sh) {
    std::string why;
    return build(keys, ch, sh, why);
}

std::string decryptor_unavailable_reason(const KeyLog& keys, const ClientHello& ch, const ServerHello& sh) {
    std::string why;
    auto d = build(keys, ch, sh, why);
    return d ? std::string() : why;
}

}  // namespace revo::dissect

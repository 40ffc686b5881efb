// Cryptographic building blocks for decrypting TLS records with logged secrets:
// HKDF-Expand-Label (RFC 8446 section 7.1), traffic key derivation (RFC 8446 section 7.3),
// the TLS 1.2 PRF (RFC 5246 section 5), AEAD record protection for TLS 1.3 (RFC 8446 section 5.2/5.3)
// and TLS 1.2 (RFC 5288 AES-GCM, RFC 7905 ChaCha20-Poly1305). All via OpenSSL 3 EVP.
//
// Nothing here throws; every failure is an empty optional.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace revo::dissect::tlscrypto {

using Bytes = std::vector<std::uint8_t>;

enum class HashAlg : std::uint8_t { sha256, sha384 };
enum class AeadAlg : std::uint8_t {
    aes128_gcm,
    aes256_gcm,
    chacha20_poly1305,
    aes128_ccm,   ///< RFC 6655 / RFC 8446: 16-byte tag
    aes256_ccm,
    aes128_ccm8,  ///< 8-byte tag
    aes256_ccm8,
};

std::size_t hash_length(HashAlg h);
std::size_t aead_tag_length(AeadAlg a);

/// What a cipher suite needs for record decryption.
struct SuiteInfo {
    std::uint16_t id = 0;
    const char* name = "";
    bool tls13 = false;
    HashAlg hash = HashAlg::sha256;     ///< HKDF hash (1.3) or PRF hash (1.2)
    AeadAlg aead = AeadAlg::aes128_gcm;
    std::size_t key_length = 16;
    std::size_t fixed_iv_length = 12;   ///< 1.3: 12; 1.2 GCM: 4 (salt); 1.2 ChaCha20: 12
    std::size_t explicit_nonce_length = 0;  ///< 1.2 GCM: 8 bytes sent in each record
};

/// TLS 1.3 suites 0x1301-0x1305, TLS 1.2 AES-GCM, AES-CCM(_8) and ChaCha20-Poly1305 suites;
/// nullopt otherwise (CBC, stream and export suites are not decrypted).
std::optional<SuiteInfo> suite_info(std::uint16_t id);

/// The HKDF label prefix: "tls13 " (RFC 8446) or "TLS 1.3, " (drafts before 20).
inline constexpr std::string_view kLabelPrefix = "tls13 ";
inline constexpr std::string_view kDraftLabelPrefix = "TLS 1.3, ";

/// HKDF-Expand-Label(secret, label, context, length) with the given label prefix.
std::optional<Bytes> hkdf_expand_label(HashAlg h, ByteView secret, std::string_view label, ByteView context,
                                       std::size_t length, std::string_view prefix = kLabelPrefix);

/// HKDF-Extract(salt, ikm) (RFC 5869 section 2.2).
std::optional<Bytes> hkdf_extract(HashAlg h, ByteView salt, ByteView ikm);

/// Hash of the bytes.
Bytes digest(HashAlg h, ByteView data);

struct TrafficKeys {
    Bytes key;
    Bytes iv;
};
/// key = HKDF-Expand-Label(secret, "key", "", key_length), iv = ... "iv" ..., 12 bytes.
std::optional<TrafficKeys> tls13_traffic_keys(const SuiteInfo& suite, ByteView traffic_secret,
                                              std::string_view prefix = kLabelPrefix);

/// TLS 1.2 PRF: P_<hash>(secret, label || seed) truncated to length.
std::optional<Bytes> tls12_prf(HashAlg h, ByteView secret, std::string_view label, ByteView seed,
                               std::size_t length);

struct Tls12Keys {
    TrafficKeys client;  ///< client_write_key / client_write_IV
    TrafficKeys server;
};
/// Key block from the master secret (RFC 5246 section 6.3), for AEAD suites (no MAC keys).
std::optional<Tls12Keys> tls12_key_block(const SuiteInfo& suite, ByteView master_secret, ByteView client_random,
                                         ByteView server_random);

/// AEAD open: ciphertext_and_tag ends with the tag (aead_tag_length). nullopt on tag failure or bad sizes.
std::optional<Bytes> aead_open(AeadAlg alg, ByteView key, ByteView nonce, ByteView aad,
                               ByteView ciphertext_and_tag);
/// AEAD seal (used by tests to build protected records from known plaintext); returns ciphertext||tag.
std::optional<Bytes> aead_seal(AeadAlg alg, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);

/// Per-record nonce: iv XOR the 64-bit sequence number left-padded to the iv length.
Bytes xor_nonce(ByteView iv, std::uint64_t seq);

/// A decrypted record: the true content type and the content.
struct Plaintext {
    std::uint8_t content_type = 0;
    Bytes data;
};

/// One direction of TLS 1.3 record protection in one epoch (RFC 8446 section 5.2).
class Tls13RecordCipher {
public:
    Tls13RecordCipher(const SuiteInfo& suite, TrafficKeys keys, bool header_in_aad = true)
        : suite_(suite), keys_(std::move(keys)), header_in_aad_(header_in_aad) {}
    /// Opens one TLSCiphertext: header = the 5 record header bytes, fragment = encrypted_record.
    /// On success the sequence number advances; on failure it does not.
    /// Failure also when the inner plaintext is all zeros (no content type).
    std::optional<Plaintext> open(ByteView header, ByteView fragment);
    /// Like open(), but when the record does not open at the expected sequence number, also tries the
    /// next `max_skip` numbers (records the caller never saw, e.g. lost in a capture gap or sent before
    /// the decryptor existed). `skipped` gets how many numbers were passed over.
    std::optional<Plaintext> open_skipping(ByteView header, ByteView fragment, std::uint64_t max_skip,
                                           std::uint64_t& skipped);
    std::uint64_t sequence() const { return seq_; }

private:
    std::optional<Plaintext> open_at(ByteView header, ByteView fragment, std::uint64_t seq);
    SuiteInfo suite_;
    TrafficKeys keys_;
    bool header_in_aad_;
    std::uint64_t seq_ = 0;
};

/// One direction of TLS 1.2 AEAD record protection after ChangeCipherSpec.
class Tls12RecordCipher {
public:
    Tls12RecordCipher(const SuiteInfo& suite, TrafficKeys keys) : suite_(suite), keys_(std::move(keys)) {}
    /// Opens one record's fragment; type and version come from the record header.
    std::optional<Plaintext> open(std::uint8_t type, std::uint16_t version, ByteView fragment);
    std::uint64_t sequence() const { return seq_; }

private:
    SuiteInfo suite_;
    TrafficKeys keys_;
    std::uint64_t seq_ = 0;
};

}  // namespace revo::dissect::tlscrypto

// HKDF-Expand-Label (RFC 8446 7.1), traffic keys (RFC 8446 7.3), TLS 1.2 PRF (RFC 5246 5) and
// AEAD record protection (RFC 8446 5.2-5.3, RFC 5288 3, RFC 7905 2) over OpenSSL 3 EVP.
#include "dissect/tls/decrypt_crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

namespace revo::dissect::tlscrypto {

namespace {

struct KdfDeleter {
    void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
    void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

const char* digest_name(HashAlg h) { return h == HashAlg::sha384 ? "SHA384" : "SHA256"; }

const EVP_CIPHER* cipher_of(AeadAlg a) {
    switch (a) {
        case AeadAlg::aes128_gcm: return EVP_aes_128_gcm();
        case AeadAlg::aes256_gcm: return EVP_aes_256_gcm();
        case AeadAlg::chacha20_poly1305: return EVP_chacha20_poly1305();
        case AeadAlg::aes128_ccm:
        case AeadAlg::aes128_ccm8: return EVP_aes_128_ccm();
        case AeadAlg::aes256_ccm:
        case AeadAlg::aes256_ccm8: return EVP_aes_256_ccm();
    }
    return nullptr;
}

std::size_t aead_key_length(AeadAlg a) {
    return a == AeadAlg::aes128_gcm || a == AeadAlg::aes128_ccm || a == AeadAlg::aes128_ccm8 ? 16 : 32;
}

bool is_ccm(AeadAlg a) {
    return a == AeadAlg::aes128_ccm || a == AeadAlg::aes256_ccm || a == AeadAlg::aes128_ccm8 ||
           a == AeadAlg::aes256_ccm8;
}

constexpr std::size_t kNonceLength = 12;

// Runs an EVP_KDF by name with the given parameters, producing `length` bytes.
std::optional<Bytes> run_kdf(const char* name, OSSL_PARAM* params, std::size_t length) {
    std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, name, nullptr));
    if (!kdf) return std::nullopt;
    std::unique_ptr<EVP_KDF_CTX, KdfDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
    if (!ctx) return std::nullopt;
    Bytes out(length);
    if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) <= 0) return std::nullopt;
    return out;
}

void* mutable_ptr(const void* p) { return const_cast<void*>(p); }

}  // namespace

std::size_t hash_length(HashAlg h) { return h == HashAlg::sha384 ? 48 : 32; }

std::size_t aead_tag_length(AeadAlg a) { return a == AeadAlg::aes128_ccm8 || a == AeadAlg::aes256_ccm8 ? 8 : 16; }

std::optional<SuiteInfo> suite_info(std::uint16_t id) {
    SuiteInfo s;
    s.id = id;
    auto tls13 = [&](const char* name, HashAlg h, AeadAlg a) {
        s.name = name;
        s.tls13 = true;
        s.hash = h;
        s.aead = a;
        s.key_length = aead_key_length(a);
        s.fixed_iv_length = 12;
        s.explicit_nonce_length = 0;
        return s;
    };
    auto gcm12 = [&](const char* name, HashAlg h, AeadAlg a) {
        s.name = name;
        s.hash = h;
        s.aead = a;
        s.key_length = aead_key_length(a);
        s.fixed_iv_length = 4;
        s.explicit_nonce_length = 8;
        return s;
    };
    auto chacha12 = [&](const char* name) {
        s.name = name;
        s.hash = HashAlg::sha256;
        s.aead = AeadAlg::chacha20_poly1305;
        s.key_length = 32;
        s.fixed_iv_length = 12;
        s.explicit_nonce_length = 0;
        return s;
    };
    switch (id) {
        case 0x1301: return tls13("TLS_AES_128_GCM_SHA256", HashAlg::sha256, AeadAlg::aes128_gcm);
        case 0x1302: return tls13("TLS_AES_256_GCM_SHA384", HashAlg::sha384, AeadAlg::aes256_gcm);
        case 0x1303: return tls13("TLS_CHACHA20_POLY1305_SHA256", HashAlg::sha256, AeadAlg::chacha20_poly1305);
        case 0x1304: return tls13("TLS_AES_128_CCM_SHA256", HashAlg::sha256, AeadAlg::aes128_ccm);
        case 0x1305: return tls13("TLS_AES_128_CCM_8_SHA256", HashAlg::sha256, AeadAlg::aes128_ccm8);
        case 0xC09C: return gcm12("TLS_RSA_WITH_AES_128_CCM", HashAlg::sha256, AeadAlg::aes128_ccm);
        case 0xC09D: return gcm12("TLS_RSA_WITH_AES_256_CCM", HashAlg::sha256, AeadAlg::aes256_ccm);
        case 0xC09E: return gcm12("TLS_DHE_RSA_WITH_AES_128_CCM", HashAlg::sha256, AeadAlg::aes128_ccm);
        case 0xC09F: return gcm12("TLS_DHE_RSA_WITH_AES_256_CCM", HashAlg::sha256, AeadAlg::aes256_ccm);
        case 0xC0A0: return gcm12("TLS_RSA_WITH_AES_128_CCM_8", HashAlg::sha256, AeadAlg::aes128_ccm8);
        case 0xC0A1: return gcm12("TLS_RSA_WITH_AES_256_CCM_8", HashAlg::sha256, AeadAlg::aes256_ccm8);
        case 0xC0A2: return gcm12("TLS_DHE_RSA_WITH_AES_128_CCM_8", HashAlg::sha256, AeadAlg::aes128_ccm8);
        case 0xC0A3: return gcm12("TLS_DHE_RSA_WITH_AES_256_CCM_8", HashAlg::sha256, AeadAlg::aes256_ccm8);
        case 0xC0AC: return gcm12("TLS_ECDHE_ECDSA_WITH_AES_128_CCM", HashAlg::sha256, AeadAlg::aes128_ccm);
        case 0xC0AD: return gcm12("TLS_ECDHE_ECDSA_WITH_AES_256_CCM", HashAlg::sha256, AeadAlg::aes256_ccm);
        case 0xC0AE: return gcm12("TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", HashAlg::sha256, AeadAlg::aes128_ccm8);
        case 0xC0AF: return gcm12("TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", HashAlg::sha256, AeadAlg::aes256_ccm8);
        case 0x009C: return gcm12("TLS_RSA_WITH_AES_128_GCM_SHA256", HashAlg::sha256, AeadAlg::aes128_gcm);
        case 0x009D: return gcm12("TLS_RSA_WITH_AES_256_GCM_SHA384", HashAlg::sha384, AeadAlg::aes256_gcm);
        case 0x009E: return gcm12("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", HashAlg::sha256, AeadAlg::aes128_gcm);
        case 0x009F: return gcm12("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", HashAlg::sha384, AeadAlg::aes256_gcm);
        case 0x00A2: return gcm12("TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", HashAlg::sha256, AeadAlg::aes128_gcm);
        case 0x00A3: return gcm12("TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", HashAlg::sha384, AeadAlg::aes256_gcm);
        case 0xC02B: return gcm12("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", HashAlg::sha256, AeadAlg::aes128_gcm);
        case 0xC02C: return gcm12("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", HashAlg::sha384, AeadAlg::aes256_gcm);
        case 0xC02F: return gcm12("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", HashAlg::sha256, AeadAlg::aes128_gcm);
        case 0xC030: return gcm12("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", HashAlg::sha384, AeadAlg::aes256_gcm);
        case 0xCCA8: return chacha12("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        case 0xCCA9: return chacha12("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        case 0xCCAA: return chacha12("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        default: return std::nullopt;
    }
}

Bytes digest(HashAlg h, ByteView data) {
    Bytes out(hash_length(h));
    unsigned int n = 0;
    const EVP_MD* md = h == HashAlg::sha384 ? EVP_sha384() : EVP_sha256();
    if (EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr) != 1) return {};
    out.resize(n);
    return out;
}

std::optional<Bytes> hkdf_extract(HashAlg h, ByteView salt, ByteView ikm) {
    int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
    Bytes zero_salt;
    if (salt.empty()) {  // RFC 5869: a missing salt is HashLen zero bytes
        zero_salt.assign(hash_length(h), 0);
        salt = zero_salt;
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest_name(h)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mutable_ptr(ikm.data()), ikm.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, mutable_ptr(salt.data()), salt.size()),
        OSSL_PARAM_construct_end(),
    };
    return run_kdf("HKDF", params, hash_length(h));
}

std::optional<Bytes> hkdf_expand_label(HashAlg h, ByteView secret, std::string_view label, ByteView context,
                                       std::size_t length, std::string_view prefix) {
    if (secret.empty() || length == 0 || length > 0xFFFF) return std::nullopt;
    std::size_t full_label = prefix.size() + label.size();
    if (full_label > 255 || context.size() > 255) return std::nullopt;
    // struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel;
    Bytes info;
    info.reserve(4 + full_label + context.size());
    info.push_back(static_cast<std::uint8_t>(length >> 8));
    info.push_back(static_cast<std::uint8_t>(length & 0xFF));
    info.push_back(static_cast<std::uint8_t>(full_label));
    info.insert(info.end(), prefix.begin(), prefix.end());
    info.insert(info.end(), label.begin(), label.end());
    info.push_back(static_cast<std::uint8_t>(context.size()));
    info.insert(info.end(), context.begin(), context.end());

    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest_name(h)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mutable_ptr(secret.data()), secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_end(),
    };
    return run_kdf("HKDF", params, length);
}

std::optional<TrafficKeys> tls13_traffic_keys(const SuiteInfo& suite, ByteView traffic_secret,
                                              std::string_view prefix) {
    auto key = hkdf_expand_label(suite.hash, traffic_secret, "key", {}, suite.key_length, prefix);
    auto iv = hkdf_expand_label(suite.hash, traffic_secret, "iv", {}, kNonceLength, prefix);
    if (!key || !iv) return std::nullopt;
    return TrafficKeys{std::move(*key), std::move(*iv)};
}

std::optional<Bytes> tls12_prf(HashAlg h, ByteView secret, std::string_view label, ByteView seed,
                               std::size_t length) {
    if (secret.empty() || length == 0) return std::nullopt;
    Bytes full_seed(label.begin(), label.end());
    full_seed.insert(full_seed.end(), seed.begin(), seed.end());
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest_name(h)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, mutable_ptr(secret.data()), secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, full_seed.data(), full_seed.size()),
        OSSL_PARAM_construct_end(),
    };
    return run_kdf("TLS1-PRF", params, length);
}

std::optional<Tls12Keys> tls12_key_block(const SuiteInfo& suite, ByteView master_secret, ByteView client_random,
                                         ByteView server_random) {
    if (suite.tls13 || master_secret.size() != 48 || client_random.size() != 32 || server_random.size() != 32)
        return std::nullopt;
    Bytes seed(server_random.begin(), server_random.end());
    seed.insert(seed.end(), client_random.begin(), client_random.end());
    std::size_t need = 2 * suite.key_length + 2 * suite.fixed_iv_length;  // AEAD: no MAC keys
    auto block = tls12_prf(suite.hash, master_secret, "key expansion", seed, need);
    if (!block) return std::nullopt;
    Tls12Keys k;
    auto at = block->begin();
    k.client.key.assign(at, at + suite.key_length);
    at += suite.key_length;
    k.server.key.assign(at, at + suite.key_length);
    at += suite.key_length;
    k.client.iv.assign(at, at + suite.fixed_iv_length);
    at += suite.fixed_iv_length;
    k.server.iv.assign(at, at + suite.fixed_iv_length);
    return k;
}

namespace {

std::optional<Bytes> aead_run(bool encrypt, AeadAlg alg, ByteView key, ByteView nonce, ByteView aad,
                              ByteView input) {
    const std::size_t tag_len = aead_tag_length(alg);
    const bool ccm = is_ccm(alg);
    if (key.size() != aead_key_length(alg) || nonce.size() != kNonceLength) return std::nullopt;
    if (!encrypt && input.size() < tag_len) return std::nullopt;
    if (input.size() > (1u << 24) || aad.size() > (1u << 16)) return std::nullopt;
    std::unique_ptr<EVP_CIPHER_CTX, KdfDeleter> ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return std::nullopt;
    const EVP_CIPHER* cipher = cipher_of(alg);
    if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1) return std::nullopt;
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kNonceLength), nullptr) != 1)
        return std::nullopt;
    ByteView body = encrypt ? input : input.first(input.size() - tag_len);
    Bytes tag;
    if (!encrypt) tag.assign(input.end() - static_cast<std::ptrdiff_t>(tag_len), input.end());
    if (ccm) {  // CCM fixes the tag length (and, for opening, the tag) before the key
        if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_len),
                                encrypt ? nullptr : tag.data()) != 1)
            return std::nullopt;
    }
    if (EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data(), -1) != 1) return std::nullopt;
    int len = 0;
    if (ccm && EVP_CipherUpdate(ctx.get(), nullptr, &len, nullptr, static_cast<int>(body.size())) != 1)
        return std::nullopt;  // CCM needs the message length up front
    if (!aad.empty() && EVP_CipherUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1)
        return std::nullopt;
    Bytes out(body.size() + (encrypt ? tag_len : 0));
    int produced = 0;
    if (!body.empty() || ccm) {
        // CCM checks the tag here when opening; an empty body still has to go through this call.
        static const std::uint8_t empty = 0;
        const std::uint8_t* in = body.empty() ? &empty : body.data();
        std::uint8_t scratch = 0;
        std::uint8_t* dst = out.empty() ? &scratch : out.data();
        if (EVP_CipherUpdate(ctx.get(), dst, &len, in, static_cast<int>(body.size())) != 1) return std::nullopt;
        produced = len;
    }
    if (!encrypt && !ccm) {
        if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_len), tag.data()) != 1)
            return std::nullopt;
    }
    if (!(ccm && !encrypt)) {
        unsigned char tail[32];
        if (EVP_CipherFinal_ex(ctx.get(), tail, &len) != 1) return std::nullopt;  // tag mismatch on open
        if (len > 0) return std::nullopt;  // AEAD modes emit nothing at final
    }
    if (encrypt) {
        if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag_len),
                                out.data() + produced) != 1)
            return std::nullopt;
    } else {
        out.resize(static_cast<std::size_t>(produced));
    }
    return out;
}

}  // namespace

std::optional<Bytes> aead_open(AeadAlg alg, ByteView key, ByteView nonce, ByteView aad,
                               ByteView ciphertext_and_tag) {
    return aead_run(false, alg, key, nonce, aad, ciphertext_and_tag);
}

std::optional<Bytes> aead_seal(AeadAlg alg, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
    return aead_run(true, alg, key, nonce, aad, plaintext);
}

Bytes xor_nonce(ByteView iv, std::uint64_t seq) {
    Bytes n(iv.begin(), iv.end());
    for (std::size_t i = 0; i < 8 && i < n.size(); ++i)
        n[n.size() - 1 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
    return n;
}

std::optional<Plaintext> Tls13RecordCipher::open(ByteView header, ByteView fragment) {
    auto p = open_at(header, fragment, seq_);
    if (p) ++seq_;
    return p;
}

std::optional<Plaintext> Tls13RecordCipher::open_skipping(ByteView header, ByteView fragment,
                                                          std::uint64_t max_skip, std::uint64_t& skipped) {
    for (std::uint64_t k = 0; k <= max_skip; ++k) {
        auto p = open_at(header, fragment, seq_ + k);
        if (p) {
            skipped = k;
            seq_ += k + 1;
            return p;
        }
    }
    return std::nullopt;
}

std::optional<Plaintext> Tls13RecordCipher::open_at(ByteView header, ByteView fragment, std::uint64_t seq) {
    // RFC 8446 5.2: the inner plaintext is content || type || zeros; a record of at most 2^14+256.
    if (header.size() != 5 || fragment.size() < aead_tag_length(suite_.aead) + 1 ||
        fragment.size() > (1u << 14) + 256)
        return std::nullopt;
    Bytes nonce = xor_nonce(keys_.iv, seq);
    ByteView aad = header_in_aad_ ? header : ByteView{};
    auto inner = aead_open(suite_.aead, keys_.key, nonce, aad, fragment);
    if (!inner) return std::nullopt;
    std::size_t end = inner->size();
    while (end > 0 && (*inner)[end - 1] == 0) --end;
    if (end == 0) return std::nullopt;  // no content type: a protocol violation, treat as failure
    Plaintext p;
    p.content_type = (*inner)[end - 1];
    inner->resize(end - 1);
    p.data = std::move(*inner);
    return p;
}

std::optional<Plaintext> Tls12RecordCipher::open(std::uint8_t type, std::uint16_t version, ByteView fragment) {
    std::size_t overhead = suite_.explicit_nonce_length + aead_tag_length(suite_.aead);
    if (fragment.size() < overhead || fragment.size() > (1u << 14) + 2048) return std::nullopt;
    Bytes nonce;
    ByteView sealed;
    if (suite_.explicit_nonce_length > 0) {  // RFC 5288 / RFC 6655: salt || explicit nonce from the record
        nonce.assign(keys_.iv.begin(), keys_.iv.end());
        nonce.insert(nonce.end(), fragment.begin(), fragment.begin() + suite_.explicit_nonce_length);
        sealed = fragment.subspan(suite_.explicit_nonce_length);
    } else {  // RFC 7905: iv XOR sequence number
        nonce = xor_nonce(keys_.iv, seq_);
        sealed = fragment;
    }
    std::size_t plain_len = fragment.size() - overhead;
    // additional_data = seq_num || type || version || length (RFC 5246 6.2.3.3)
    std::uint8_t aad[13];
    for (int i = 0; i < 8; ++i) aad[i] = static_cast<std::uint8_t>(seq_ >> (8 * (7 - i)));
    aad[8] = type;
    aad[9] = static_cast<std::uint8_t>(version >> 8);
    aad[10] = static_cast<std::uint8_t>(version & 0xFF);
    aad[11] = static_cast<std::uint8_t>(plain_len >> 8);
    aad[12] = static_cast<std::uint8_t>(plain_len & 0xFF);
    auto plain = aead_open(suite_.aead, keys_.key, nonce, ByteView(aad, 13), sealed);
    if (!plain) return std::nullopt;
    ++seq_;
    return Plaintext{type, std::move(*plain)};
}

}  // namespace revo::dissect::tlscrypto

// Key schedule and record protection primitives against published values:
// RFC 8448 section 3 (simple 1-RTT handshake, TLS_AES_128_GCM_SHA256) and the TLS 1.2 PRF vectors
// posted to the IETF TLS working group list (P_SHA256 and P_SHA384, label "test label").
#include <catch2/catch.hpp>

#include "dissect/tls/decrypt_crypto.h"
#include "dissect/tls/keylog.h"

using namespace revo;
using namespace revo::dissect;
using namespace revo::dissect::tlscrypto;

namespace {
Bytes h(const std::string& hex) {
    std::string s;
    for (char c : hex)
        if (c != ' ' && c != '\n') s.push_back(c);
    return parse_hex(s);
}
std::string hx(const std::optional<Bytes>& b) { return b ? to_hex(*b) : std::string("<none>"); }

const Bytes kServerHs = h("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38");
const Bytes kClientHs = h("b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21");
const Bytes kServerAp = h("a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43");
}  // namespace

TEST_CASE("keylog crypto: HKDF-Extract and Derive-Secret of RFC 8448", "[keylog][crypto]") {
    Bytes zeros(32, 0);
    auto early = hkdf_extract(HashAlg::sha256, {}, zeros);
    CHECK(hx(early) == "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
    // derived = HKDF-Expand-Label(early, "derived", Hash(""), 32)
    Bytes empty_hash = digest(HashAlg::sha256, {});
    CHECK(to_hex(empty_hash) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    REQUIRE(early);
    auto derived = hkdf_expand_label(HashAlg::sha256, *early, "derived", empty_hash, 32);
    CHECK(hx(derived) == "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
}

TEST_CASE("keylog crypto: traffic keys and IVs of RFC 8448", "[keylog][crypto]") {
    auto suite = suite_info(0x1301);
    REQUIRE(suite);
    CHECK(suite->key_length == 16);
    auto s = tls13_traffic_keys(*suite, kServerHs);
    REQUIRE(s);
    CHECK(to_hex(s->key) == "3fce516009c21727d0f2e4e86ee403bc");
    CHECK(to_hex(s->iv) == "5d313eb2671276ee13000b30");
    auto c = tls13_traffic_keys(*suite, kClientHs);
    REQUIRE(c);
    CHECK(to_hex(c->key) == "dbfaa693d1762c5b666af5d950258d01");
    CHECK(to_hex(c->iv) == "5bd3c71b836e0b76bb73265f");
    auto a = tls13_traffic_keys(*suite, kServerAp);
    REQUIRE(a);
    CHECK(to_hex(a->key) == "9f02283b6c9c07efc26bb9f2ac92e356");
    CHECK(to_hex(a->iv) == "cf782b88dd83549aadf1e984");
    // finished_key = HKDF-Expand-Label(server_handshake_traffic_secret, "finished", "", 32)
    CHECK(hx(hkdf_expand_label(HashAlg::sha256, kServerHs, "finished", {}, 32)) ==
          "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8");
    // the draft label prefix gives different keys
    auto d = tls13_traffic_keys(*suite, kServerHs, kDraftLabelPrefix);
    REQUIRE(d);
    CHECK(to_hex(d->key) != to_hex(s->key));
}

TEST_CASE("keylog crypto: HKDF-Expand-Label rejects what HkdfLabel cannot encode", "[keylog][crypto]") {
    CHECK_FALSE(hkdf_expand_label(HashAlg::sha256, {}, "key", {}, 16));
    CHECK_FALSE(hkdf_expand_label(HashAlg::sha256, kServerHs, std::string(250, 'x'), {}, 16));
    CHECK_FALSE(hkdf_expand_label(HashAlg::sha256, kServerHs, "key", Bytes(256, 1), 16));
    CHECK_FALSE(hkdf_expand_label(HashAlg::sha256, kServerHs, "key", {}, 0));
}

TEST_CASE("keylog crypto: TLS 1.2 PRF vectors (P_SHA256, P_SHA384)", "[keylog][crypto]") {
    auto p256 = tls12_prf(HashAlg::sha256, h("9bbe436ba940f017b17652849a71db35"), "test label",
                          h("a0ba9f936cda311827a6f796ffd5198c"), 100);
    CHECK(hx(p256) ==
          "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
          "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
          "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
          "87347b66");
    auto p384 = tls12_prf(HashAlg::sha384, h("b80b733d6ceefcdc71566ea48e5567df"), "test label",
                          h("cd665cf6a8447dd6ff8b27555edb7465"), 32);
    CHECK(hx(p384) == "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd");
}

TEST_CASE("keylog crypto: cipher suite table", "[keylog][crypto]") {
    auto aes256 = suite_info(0x1302);
    REQUIRE(aes256);
    CHECK(aes256->hash == HashAlg::sha384);
    CHECK(aes256->key_length == 32);
    auto chacha = suite_info(0x1303);
    REQUIRE(chacha);
    CHECK(chacha->aead == AeadAlg::chacha20_poly1305);
    auto gcm12 = suite_info(0xC02F);
    REQUIRE(gcm12);
    CHECK_FALSE(gcm12->tls13);
    CHECK(gcm12->fixed_iv_length == 4);
    CHECK(gcm12->explicit_nonce_length == 8);
    auto chacha12 = suite_info(0xCCA8);
    REQUIRE(chacha12);
    CHECK(chacha12->fixed_iv_length == 12);
    CHECK(chacha12->explicit_nonce_length == 0);
    auto ccm = suite_info(0x1304);
    REQUIRE(ccm);
    CHECK(aead_tag_length(ccm->aead) == 16);
    auto ccm8 = suite_info(0x1305);
    REQUIRE(ccm8);
    CHECK(aead_tag_length(ccm8->aead) == 8);
    auto ccm8_12 = suite_info(0xC0A0);
    REQUIRE(ccm8_12);
    CHECK(ccm8_12->explicit_nonce_length == 8);
    CHECK_FALSE(suite_info(0x00C6));  // TLS_SM4_GCM_SM3: not supported
    CHECK_FALSE(suite_info(0xC013));  // CBC: not supported
}

TEST_CASE("keylog crypto: nonce construction and AEAD tag checking", "[keylog][crypto]") {
    Bytes iv = h("5d313eb2671276ee13000b30");
    CHECK(to_hex(xor_nonce(iv, 0)) == "5d313eb2671276ee13000b30");
    CHECK(to_hex(xor_nonce(iv, 1)) == "5d313eb2671276ee13000b31");
    CHECK(to_hex(xor_nonce(iv, 0x0102030405060708ULL)) == "5d313eb2661075ea16060c38");

    for (AeadAlg alg : {AeadAlg::aes128_gcm, AeadAlg::aes256_gcm, AeadAlg::chacha20_poly1305, AeadAlg::aes128_ccm,
                        AeadAlg::aes256_ccm, AeadAlg::aes128_ccm8, AeadAlg::aes256_ccm8}) {
        INFO("algorithm " << static_cast<int>(alg));
        bool k16 = alg == AeadAlg::aes128_gcm || alg == AeadAlg::aes128_ccm || alg == AeadAlg::aes128_ccm8;
        Bytes key(k16 ? 16 : 32, 0x42);
        const std::size_t tag = aead_tag_length(alg);
        Bytes aad = h("1703030015");
        Bytes msg = {'h', 'e', 'l', 'l', 'o'};
        auto sealed = aead_seal(alg, key, iv, aad, msg);
        REQUIRE(sealed);
        CHECK(sealed->size() == msg.size() + tag);
        auto opened = aead_open(alg, key, iv, aad, *sealed);
        REQUIRE(opened);
        CHECK(*opened == msg);
        Bytes bad = *sealed;
        bad.back() ^= 1;
        CHECK_FALSE(aead_open(alg, key, iv, aad, bad));
        Bytes other_aad = h("1703030016");
        CHECK_FALSE(aead_open(alg, key, iv, other_aad, *sealed));
        CHECK_FALSE(aead_open(alg, key, iv, aad, ByteView(sealed->data(), tag - 1)));  // shorter than a tag
        Bytes other_key = key;
        other_key[0] ^= 0x80;
        CHECK_FALSE(aead_open(alg, other_key, iv, aad, *sealed));
    }
}

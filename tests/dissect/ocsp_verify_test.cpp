// OCSP response verification at capture time: each reason appears exactly where it applies.
// Responses come from `openssl ocsp` acting as a responder (tests/dissect/ocsp_pki.sh).
#include <catch2/catch.hpp>

#include <openssl/ocsp.h>

#include <algorithm>
#include <cstring>

#include "dissect/ocsp/ocsp.h"
#include "dissect/x509/cert_pool.h"
#include "ocsp_fixture.h"

using namespace revo;
using namespace revo::dissect;
using revo::test::file_bytes;
using revo::test::ocsp_pki_dir;
using revo::test::pki_cert;
using Reasons = std::vector<std::string>;

namespace {

struct Loaded {
    OcspResponseInfo resp;
    OcspRequestInfo req;
};

Loaded load(const std::string& resp, const std::string& req) {
    Loaded l;
    l.resp = decode_ocsp_response(ByteView(file_bytes(ocsp_pki_dir() + "/" + resp)));
    if (!req.empty()) l.req = decode_ocsp_request(ByteView(file_bytes(ocsp_pki_dir() + "/" + req)));
    return l;
}

std::unique_ptr<CertPool> trusted_pool(bool trust_root = true) {
    auto pool = std::make_unique<CertPool>();
    TrustOptions t;
    t.use_system_store = false;
    if (trust_root) t.ca_file = ocsp_pki_dir() + "/root.pem";
    REQUIRE(pool->load_trust(t).empty());
    return pool;
}

OcspVerification run(const Loaded& l, const CertPool& pool, std::int64_t offset = 60, bool with_req = true) {
    OcspVerifyInput in;
    in.response = &l.resp;
    in.request = with_req ? &l.req : nullptr;
    REQUIRE(l.resp.produced_at);
    in.at_time = *l.resp.produced_at + offset;
    return verify_ocsp_response(in, pool);
}

}  // namespace

TEST_CASE("ocsp verify: valid responses from delegated responder, CA and byKey id", "[ocsp][verify]") {
    if (ocsp_pki_dir().empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    auto pool = trusted_pool();
    auto d = run(load("resp-delegated.der", "req.der"), *pool);
    CHECK(d.performed);
    CHECK(d.reasons == Reasons{});
    CHECK(d.ok);
    CHECK(d.signer_kind == "delegated");
    CHECK(d.signer_subject == "CN=Test OCSP Responder");

    auto c = run(load("resp-ca.der", "req.der"), *pool);
    CHECK(c.reasons == Reasons{});
    CHECK(c.signer_kind == "issuer");
    CHECK(c.signer_subject == "CN=Test Root CA");

    auto k = run(load("resp-bykey.der", "req.der"), *pool);
    CHECK(k.reasons == Reasons{});
    CHECK(k.signer_kind == "delegated");
}

TEST_CASE("ocsp verify: signer problems are separate reasons", "[ocsp][verify]") {
    if (ocsp_pki_dir().empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    auto pool = trusted_pool();
    auto e = run(load("resp-expired.der", "req.der"), *pool);
    CHECK(e.reasons == Reasons{"signer_expired"});
    INFO(e.detail);
    CHECK(e.signer_kind == "delegated");
    CHECK(!e.ok);
    CHECK(e.detail.find("2020-03-01") != std::string::npos);

    auto n = run(load("resp-noeku.der", "req.der"), *pool);
    CHECK(n.reasons == Reasons{"signer_unauthorized"});
    CHECK(n.detail.find("OCSPSigning") != std::string::npos);

    auto r = run(load("resp-rogue.der", "req.der"), *pool);
    CHECK(r.reasons == Reasons{"signer_unauthorized", "signer_untrusted"});

    // Without the root in the trust store, the otherwise valid response is untrusted only.
    auto untrusting = trusted_pool(false);
    untrusting->add_seen(pki_cert("root.pem"));
    auto u = run(load("resp-delegated.der", "req.der"), *untrusting);
    CHECK(u.reasons == Reasons{"signer_untrusted"});

    // Nothing at all known about the CA: the issuer and the chain are unknown.
    auto empty = trusted_pool(false);
    auto x = run(load("resp-delegated.der", "req.der"), *empty);
    CHECK(x.reasons == Reasons{"issuer_unknown", "signer_untrusted"});
}

TEST_CASE("ocsp verify: signer found only among certificates seen in the capture", "[ocsp][verify]") {
    if (ocsp_pki_dir().empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    auto pool = trusted_pool();
    auto l = load("resp-nononce.der", "req-nononce.der");
    REQUIRE(l.resp.certs.empty());
    CHECK(run(l, *pool).reasons == Reasons{"signer_unknown"});
    pool->add_seen(pki_cert("ocsp.pem"));
    auto v = run(l, *pool);
    CHECK(v.reasons == Reasons{});
    CHECK(v.signer_kind == "delegated");
}

TEST_CASE("ocsp verify: bad signature", "[ocsp][verify]") {
    if (ocsp_pki_dir().empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    auto der = file_bytes(ocsp_pki_dir() + "/resp-delegated.der");
    // Locate the signature value through OpenSSL and flip its last byte in the DER.
    const unsigned char* p = der.data();
    OCSP_RESPONSE* resp = d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(resp);
    OCSP_BASICRESP* bs = OCSP_response_get1_basic(resp);
    REQUIRE(bs);
    const ASN1_OCTET_STRING* sig = OCSP_resp_get0_signature(bs);
    std::vector<std::uint8_t> sig_bytes(ASN1_STRING_get0_data(sig), ASN1_STRING_get0_data(sig) + ASN1_STRING_length(sig));
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
    auto it = std::search(der.begin(), der.end(), sig_bytes.begin(), sig_bytes.end());
    REQUIRE(it != der.end());
    *(it + static_cast<long>(sig_bytes.size()) - 1) ^= 0x01;

    Loaded l;
    l.resp = decode_ocsp_response(ByteView(der));
    l.req = decode_ocsp_request(ByteView(file_bytes(ocsp_pki_dir() + "/req.der")));
    REQUIRE(l.resp.parse_error.empty());
    auto pool = trusted_pool();
    auto v = run(l, *pool);
    CHECK(v.reasons == Reasons{"bad_signature"});
    CHECK(v.signer_subject == "CN=Test OCSP Responder");
}

TEST_CASE("ocsp verify: freshness against the capture time, not the wall clock", "[ocsp][verify]") {
    if (ocsp_pki_dir().empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    auto pool = trusted_pool();
    auto l = load("resp-delegated.der", "req.der");
    // -ndays 1: nextUpdate is one day after thisUpdate.
    CHECK(run(l, *pool, 2 * 86400).reasons == Reasons{"stale"});
    CHECK(run(l, *pool, 86400 - 600).reasons == Reasons{});   // within validity
    CHECK(run(l, *pool, 86400 + 200).reasons == Reasons{});   // inside the clock tolerance
    auto early = run(l, *pool, -3600);
    auto has = [&](const char* r) { return std::count(early.reasons.begin(), early.reasons.end(), r) == 1; };
    CHECK(has("not_yet_valid"));
    CHECK(has("produced_in_future"));
    CHECK(has("signer_not_yet_valid"));
    CHECK(!has("stale"));
}

TEST_CASE("ocsp verify: request consistency (CertIDs and nonce)", "[ocsp][verify]") {
    if (ocsp_pki_dir().empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    auto pool = trusted_pool();
    pool->add_seen(pki_cert("ocsp.pem"));
    // Answers another request for the same certificates: only the nonce differs.
    CHECK(run(load("resp-req2.der", "req.der"), *pool).reasons == Reasons{"nonce_mismatch"});
    // Answers www only, without a nonce, while the request asked for two certificates with a nonce.
    CHECK(run(load("resp-nononce.der", "req.der"), *pool).reasons == Reasons{"certid_mismatch", "nonce_mismatch"});
    // Without the request, consistency is not judged.
    CHECK(run(load("resp-nononce.der", "req.der"), *pool, 60, false).reasons == Reasons{});
}

TEST_CASE("ocsp verify: nothing to verify for unsuccessful or undecodable responses", "[ocsp][verify]") {
    CertPool pool;
    std::vector<std::uint8_t> try_later{0x30, 0x03, 0x0a, 0x01, 0x03};
    auto t = decode_ocsp_response(ByteView(try_later));
    OcspVerifyInput in;
    in.response = &t;
    in.at_time = 1700000000;
    auto v = verify_ocsp_response(in, pool);
    CHECK(!v.performed);
    CHECK(!v.ok);
    CHECK(v.reasons.empty());
    in.response = nullptr;
    CHECK(!verify_ocsp_response(in, pool).performed);
}

TEST_CASE("cert pool: issuers and CertIDs", "[ocsp][pool]") {
    if (ocsp_pki_dir().empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    auto pool = trusted_pool();
    auto www = pki_cert("www.pem");
    auto root = pki_cert("root.pem");
    auto rogue_root = pki_cert("rogue-root.pem");
    REQUIRE(www);
    REQUIRE(root);
    auto from_store = pool->issuers_of(*www);
    REQUIRE(from_store.size() == 1);
    CHECK(from_store[0]->sha256 == root->sha256);
    CHECK(pool->is_trust_anchor(*root));
    CHECK(!pool->is_trust_anchor(*www));
    CHECK(pool->issuers_of(*rogue_root).empty());  // neither seen nor trusted
    pool->add_seen(rogue_root);
    auto self = pool->issuers_of(*rogue_root);  // self-signed: its own issuer once seen
    REQUIRE(self.size() == 1);
    CHECK(self[0]->sha256 == rogue_root->sha256);
    pool->add_seen(www);
    pool->add_seen(www);
    CHECK(pool->seen().size() == 2);  // rogue root and www, the second www deduplicated

    auto l = load("resp-delegated.der", "");
    auto id1 = compute_cert_id(*www, *root, "sha1");
    CHECK(id1 == l.resp.singles[0].cert_id);
    auto id256 = compute_cert_id(*www, *root, "sha256");
    CHECK(id256.hash_alg == "sha256");
    CHECK(id256.issuer_name_hash.size() == 64);
    CHECK(id256.serial_hex == www->serial_hex);
}

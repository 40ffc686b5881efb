// OCSP verification on the sample captures, with the sample PKI's root as the only trust anchor and the
// intermediate CA as seen in the TLS chains: each reason appears exactly where the scenario puts it.
#include <catch2/catch.hpp>

#include <map>

#include "dissect/x509/cert_pool.h"
#include "http_harness.h"
#include "ocsp_fixture.h"

using namespace revo;
using namespace revo::dissect;
using Reasons = std::vector<std::string>;

namespace {

std::shared_ptr<const CertSummary> pem_cert(const std::string& path) {
    auto pem = test::read_file(path);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!x) return nullptr;
    unsigned char* der = nullptr;
    int n = i2d_X509(x, &der);
    X509_free(x);
    auto c = decode_certificate(ByteView(der, static_cast<std::size_t>(n)));
    OPENSSL_free(der);
    return c;
}

}  // namespace

TEST_CASE("ocsp samples: verification reasons per scenario", "[ocsp][verify][samples]") {
    auto root = test::source_path("samples/pki/root.pem");
    auto inter = test::source_path("samples/pki/intermediate.pem");
    if (!test::file_exists(root) || !test::file_exists(inter)) {
        WARN("sample PKI not present; skipped");
        return;
    }
    const std::map<std::string, Reasons> expected = {
        {"04-ocsp-post-good.pcap", {}},
        {"05-ocsp-get-good.pcap", {}},
        {"06-ocsp-proxy-good.pcap", {}},
        {"21-signer-expired.pcap", {"signer_expired"}},
        {"22-signer-no-eku.pcap", {"signer_unauthorized"}},
        {"23-signer-untrusted.pcap", {"signer_unauthorized", "signer_untrusted"}},
        {"26-ocsp-nonce-mismatch.pcap", {"nonce_mismatch"}},
        {"27-ocsp-revoked.pcap", {}},
        {"28-ocsp-stale.pcap", {"stale"}},
        {"29-ocsp-not-yet-valid.pcap", {"produced_in_future", "not_yet_valid"}},
    };
    for (const auto& [name, reasons] : expected) {
        auto path = test::source_path("samples/" + name);
        if (!test::file_exists(path)) {
            WARN("missing sample " << name);
            continue;
        }
        INFO(name);
        auto d = test::dissect_pcap(path);
        CertPool pool;
        TrustOptions t;
        t.use_system_store = false;
        t.ca_file = root;
        REQUIRE(pool.load_trust(t).empty());
        pool.add_seen(pem_cert(inter));
        int verified = 0;
        for (const auto& ex : d->sink.http) {
            if (!ex.ocsp_response || !ex.response) continue;
            OcspVerifyInput in;
            in.response = &*ex.ocsp_response;
            in.request = ex.ocsp_request ? &*ex.ocsp_request : nullptr;
            in.at_time = ex.response->last.ts.ns / 1'000'000'000;
            auto v = verify_ocsp_response(in, pool);
            CHECK(v.performed);
            CHECK(v.reasons == reasons);
            CHECK(v.ok == reasons.empty());
            CHECK(v.signer_kind == "delegated");
            ++verified;
        }
        CHECK(verified == 1);
    }
}

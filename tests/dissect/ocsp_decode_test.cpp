// OCSP request/response decoding checked against `openssl ocsp -resp_text/-req_text` for the same bytes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <regex>

#include "dissect/ocsp/ocsp.h"
#include "ocsp_fixture.h"

using namespace revo;
using namespace revo::dissect;
using revo::test::file_bytes;
using revo::test::ocsp_pki_dir;

namespace {

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::int64_t parse_openssl_time(const std::string& s) {
    std::tm tm{};
    if (!strptime(s.c_str(), "%b %d %H:%M:%S %Y GMT", &tm)) return -1;
    return static_cast<std::int64_t>(timegm(&tm));
}

std::vector<std::string> all_matches(const std::string& text, const std::string& re) {
    std::vector<std::string> out;
    std::regex r(re);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), r); it != std::sregex_iterator(); ++it)
        out.push_back((*it)[1].str());
    return out;
}

}  // namespace

TEST_CASE("ocsp response fields match openssl -resp_text", "[ocsp]") {
    const auto& dir = ocsp_pki_dir();
    if (dir.empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    for (std::string name : {"resp-delegated.der", "resp-ca.der", "resp-bykey.der", "resp-nononce.der"}) {
        INFO(name);
        auto path = dir + "/" + name;
        auto info = decode_ocsp_response(ByteView(file_bytes(path)));
        auto txt = revo::test::run_command("openssl ocsp -respin " + revo::test::shell_quote(path) + " -resp_text -noverify");
        REQUIRE(info.parse_error.empty());
        CHECK(info.response_status == 0);
        CHECK(info.response_status_name == "successful");
        CHECK(info.basic);

        auto serials = all_matches(txt.out, R"(Serial Number: ([0-9A-F]+)\n)");
        auto name_hashes = all_matches(txt.out, R"(Issuer Name Hash: ([0-9A-F]+))");
        auto key_hashes = all_matches(txt.out, R"(Issuer Key Hash: ([0-9A-F]+))");
        auto algs = all_matches(txt.out, R"(Hash Algorithm: (\S+))");
        auto statuses = all_matches(txt.out, R"(Cert Status: (\S+))");
        auto this_upd = all_matches(txt.out, R"(This Update: ([^\n]+))");
        auto next_upd = all_matches(txt.out, R"(Next Update: ([^\n]+))");
        REQUIRE(info.singles.size() == statuses.size());
        REQUIRE(serials.size() >= info.singles.size());  // carried certificates print serials too
        for (std::size_t i = 0; i < info.singles.size(); ++i) {
            const auto& s = info.singles[i];
            CHECK(s.cert_id.serial_hex == serials[i]);
            CHECK(upper(s.cert_id.issuer_name_hash) == name_hashes[i]);
            CHECK(upper(s.cert_id.issuer_key_hash) == key_hashes[i]);
            CHECK(s.cert_id.hash_alg == algs[i]);
            CHECK(std::string(to_string(s.status)) == statuses[i]);
            CHECK(s.this_update == parse_openssl_time(this_upd[i]));
            REQUIRE(s.next_update);
            CHECK(*s.next_update == parse_openssl_time(next_upd[i]));
        }
        auto produced = all_matches(txt.out, R"(Produced At: ([^\n]+))");
        REQUIRE(produced.size() == 1);
        REQUIRE(info.produced_at);
        CHECK(*info.produced_at == parse_openssl_time(produced[0]));
        auto sig = all_matches(txt.out, R"(Signature Algorithm: (\S+))");
        REQUIRE(!sig.empty());
        CHECK(info.sig_alg == sig[0]);
        auto nonce = all_matches(txt.out, R"(OCSP Nonce: \s*\n\s*04[0-9A-F]{2}([0-9A-F]+))");
        if (name == std::string("resp-nononce.der")) {
            CHECK(!info.nonce_hex);
            CHECK(info.certs.empty());
        } else {
            REQUIRE(nonce.size() == 1);
            REQUIRE(info.nonce_hex);
            CHECK(upper(*info.nonce_hex) == nonce[0]);
            REQUIRE(info.certs.size() == 1);
        }
    }
}

TEST_CASE("ocsp response: revoked entry keeps time and reason, responder id forms", "[ocsp]") {
    const auto& dir = ocsp_pki_dir();
    if (dir.empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    auto info = decode_ocsp_response(ByteView(file_bytes(dir + "/resp-delegated.der")));
    REQUIRE(info.singles.size() == 2);
    auto www = revo::test::pki_cert("www.pem");
    auto revoked = revo::test::pki_cert("revoked.pem");
    REQUIRE(www);
    REQUIRE(revoked);
    CHECK(info.singles[0].cert_id.serial_hex == www->serial_hex);
    CHECK(info.singles[0].status == OcspCertStatus::good);
    CHECK(!info.singles[0].revocation_time);
    CHECK(info.singles[1].cert_id.serial_hex == revoked->serial_hex);
    CHECK(info.singles[1].status == OcspCertStatus::revoked);
    REQUIRE(info.singles[1].revocation_time);
    CHECK(info.singles[1].revocation_reason == std::optional<std::string>("keyCompromise"));
    CHECK(info.responder_id == "byName: CN=Test OCSP Responder");
    REQUIRE(info.certs.size() == 1);
    CHECK(info.certs[0]->subject == "CN=Test OCSP Responder");

    auto bykey = decode_ocsp_response(ByteView(file_bytes(dir + "/resp-bykey.der")));
    auto ocsp = revo::test::pki_cert("ocsp.pem");
    REQUIRE(ocsp);
    // byKey is the SHA-1 of the responder's public key bits; openssl prints it as the keyid.
    auto txt = revo::test::run_command("openssl ocsp -respin " + revo::test::shell_quote(dir + "/resp-bykey.der") +
                                       " -resp_text -noverify");
    auto pos = txt.out.find("Responder Id: ");
    REQUIRE(pos != std::string::npos);
    std::string rid = txt.out.substr(pos + 14, 40);
    CHECK(bykey.responder_id == "byKey: " + [&] {
        std::string s = rid;
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    }());
}

TEST_CASE("ocsp request fields match openssl -req_text", "[ocsp]") {
    const auto& dir = ocsp_pki_dir();
    if (dir.empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    auto path = dir + "/req.der";
    auto req = decode_ocsp_request(ByteView(file_bytes(path)));
    auto txt = revo::test::run_command("openssl ocsp -reqin " + revo::test::shell_quote(path) + " -req_text");
    REQUIRE(req.parse_error.empty());
    auto serials = all_matches(txt.out, R"(Serial Number: ([0-9A-F]+))");
    auto name_hashes = all_matches(txt.out, R"(Issuer Name Hash: ([0-9A-F]+))");
    REQUIRE(req.cert_ids.size() == 2);
    REQUIRE(serials.size() == 2);
    for (int i = 0; i < 2; ++i) {
        CHECK(req.cert_ids[i].serial_hex == serials[i]);
        CHECK(upper(req.cert_ids[i].issuer_name_hash) == name_hashes[i]);
        CHECK(req.cert_ids[i].hash_alg == "sha1");
    }
    auto nonce = all_matches(txt.out, R"(OCSP Nonce: \s*\n\s*04[0-9A-F]{2}([0-9A-F]+))");
    REQUIRE(nonce.size() == 1);
    REQUIRE(req.nonce_hex);
    CHECK(upper(*req.nonce_hex) == nonce[0]);
    CHECK(!req.signed_request);
    CHECK(req.requestor_name.empty());

    auto nn = decode_ocsp_request(ByteView(file_bytes(dir + "/req-nononce.der")));
    CHECK(nn.parse_error.empty());
    CHECK(!nn.nonce_hex);
    CHECK(nn.cert_ids.size() == 1);
}

TEST_CASE("ocsp signed request reports requestor name and signature", "[ocsp]") {
    const auto& dir = ocsp_pki_dir();
    if (dir.empty()) {
        WARN("openssl CLI unavailable; skipped");
        return;
    }
    auto out = dir + "/req-signed.der";
    auto r = revo::test::run_command("cd " + revo::test::shell_quote(dir) +
                                     " && openssl ocsp -issuer root.pem -cert www.pem -signer www.pem -signkey www.key -reqout " +
                                     revo::test::shell_quote(out));
    REQUIRE(r.exit_code == 0);
    auto req = decode_ocsp_request(ByteView(file_bytes(out)));
    CHECK(req.parse_error.empty());
    CHECK(req.signed_request);
    CHECK(req.requestor_name == "CN=www.test");
}

TEST_CASE("ocsp decoding of malformed DER sets parse_error and never crashes", "[ocsp]") {
    // Targeted malformed inputs.
    std::vector<std::uint8_t> empty;
    CHECK(!decode_ocsp_response(ByteView(empty)).parse_error.empty());
    CHECK(!decode_ocsp_request(ByteView(empty)).parse_error.empty());
    std::string html = "<html><body>Access denied</body></html>";
    auto h = decode_ocsp_response(as_bytes(html));
    CHECK(!h.parse_error.empty());
    CHECK(h.response_status == -1);
    // responseStatus tryLater, no responseBytes (RFC 6960 section 2.3 unsigned error response).
    std::vector<std::uint8_t> try_later{0x30, 0x03, 0x0a, 0x01, 0x03};
    auto t = decode_ocsp_response(ByteView(try_later));
    CHECK(t.parse_error.empty());
    CHECK(t.response_status == 3);
    CHECK(t.response_status_name == "tryLater");
    CHECK(!t.basic);
    std::vector<std::uint8_t> unauthorized{0x30, 0x03, 0x0a, 0x01, 0x06};
    CHECK(decode_ocsp_response(ByteView(unauthorized)).response_status_name == "unauthorized");

    const auto& dir = ocsp_pki_dir();
    if (dir.empty()) return;
    auto good = file_bytes(dir + "/resp-delegated.der");
    // Every truncation of a real response fails cleanly.
    for (std::size_t n = 0; n < good.size(); ++n) {
        auto info = decode_ocsp_response(ByteView(good.data(), n));
        INFO(n);
        CHECK(!info.parse_error.empty());
    }
    // Wrong outer length.
    auto bad = good;
    bad[1] ^= 0x01;
    CHECK(!decode_ocsp_response(ByteView(bad)).parse_error.empty());
    // Trailing garbage is reported though the response is decoded.
    auto trail = good;
    trail.push_back(0);
    auto tr = decode_ocsp_response(ByteView(trail));
    CHECK(tr.parse_error == "trailing bytes after OCSPResponse");
    CHECK(tr.singles.size() == 2);
    auto req = file_bytes(dir + "/req.der");
    for (std::size_t n = 0; n < req.size(); ++n) CHECK(!decode_ocsp_request(ByteView(req.data(), n)).parse_error.empty());
}

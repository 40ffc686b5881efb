// Certificate summaries: certificates made by the openssl command line, compared with what openssl
// itself prints about them; and undecodable input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "dissect/x509/cert.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::dissect;
using revo::test::run_command;
using revo::test::shell_quote;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/revo-x509-XXXXXX";
        if (char* p = mkdtemp(tmpl)) path = p;
    }
    ~TempDir() {
        if (!path.empty()) run_command("rm -rf " + shell_quote(path));
    }
};

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

/// Value after '=' of the first line of openssl output like "SHA256 Fingerprint=AB:CD..."
std::string after_eq(const std::string& s) {
    auto pos = s.find('=');
    return pos == std::string::npos ? std::string() : trim(s.substr(pos + 1));
}

std::string strip_colons_lower(std::string s) {
    s.erase(std::remove_if(s.begin(), s.end(), [](char ch) { return ch == ':' || ch == ' '; }), s.end());
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

}  // namespace

TEST_CASE("x509: RSA certificate with revocation extensions made by openssl") {
    if (!revo::test::have_program("openssl")) {
        WARN("openssl not installed; skipping");
        return;
    }
    TempDir dir;
    REQUIRE_FALSE(dir.path.empty());
    std::string d = shell_quote(dir.path);
    auto gen = run_command(
        "cd " + d +
        " && openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 30 -sha256"
        " -subj '/C=US/O=Revo Test/CN=www.example.test' -set_serial 0x0123456789ABCDEF"
        " -addext 'subjectAltName=DNS:www.example.test,DNS:alt.example.test,IP:192.0.2.7,IP:2001:db8::1'"
        " -addext 'authorityInfoAccess=OCSP;URI:http://ocsp.example.test/,caIssuers;URI:http://ca.example.test/int.der'"
        " -addext 'crlDistributionPoints=URI:http://crl.example.test/int.crl'"
        " -addext 'tlsfeature=status_request'"
        " -addext 'extendedKeyUsage=serverAuth,OCSPSigning'"
        " -addext 'keyUsage=critical,digitalSignature,keyEncipherment'"
        " -addext 'basicConstraints=critical,CA:TRUE,pathlen:2'"
        " && openssl x509 -in c.pem -outform DER -out c.der");
    REQUIRE(gen.exit_code == 0);
    std::string der = revo::test::read_file(dir.path + "/c.der");
    REQUIRE(der.size() > 500);

    auto c = decode_certificate(as_bytes(der));
    REQUIRE(c);
    CHECK(c->parse_error.empty());
    CHECK(c->subject == trim(after_eq(run_command("openssl x509 -in " + d + "/c.pem -noout -subject -nameopt RFC2253").out)));
    CHECK(c->subject == "CN=www.example.test,O=Revo Test,C=US");
    CHECK(c->issuer == c->subject);
    CHECK(c->serial_hex == "0123456789ABCDEF");
    CHECK(c->not_after - c->not_before == 30 * 86400);
    CHECK(c->sha256 ==
          strip_colons_lower(after_eq(run_command("openssl x509 -in " + d + "/c.pem -noout -fingerprint -sha256").out)));
    CHECK(c->san_dns == std::vector<std::string>{"www.example.test", "alt.example.test"});
    CHECK(c->san_ip == std::vector<std::string>{"192.0.2.7", "2001:db8::1"});
    CHECK(c->key_type == "RSA");
    CHECK(c->key_bits == 2048);
    CHECK(c->sig_alg == "sha256WithRSAEncryption");
    CHECK(c->ski_hex.size() == 40);
    CHECK(c->is_ca);
    REQUIRE(c->path_len);
    CHECK(*c->path_len == 2);
    CHECK(c->key_usage == std::vector<std::string>{"digitalSignature", "keyEncipherment"});
    CHECK(c->ext_key_usage == std::vector<std::string>{"serverAuth", "OCSPSigning"});
    CHECK(c->ocsp_urls == std::vector<std::string>{"http://ocsp.example.test/"});
    CHECK(c->ca_issuers_urls == std::vector<std::string>{"http://ca.example.test/int.der"});
    CHECK(c->crl_urls == std::vector<std::string>{"http://crl.example.test/int.crl"});
    CHECK(c->must_staple);
    CHECK_FALSE(c->has_sct_list);
    CHECK(c->self_signed);
    CHECK(c->der.size() == der.size());
    CHECK(c->revocation_mechanisms() == std::vector<std::string>{"ocsp", "crl", "must-staple"});

    SECTION("the same DER decodes once (cached)") {
        auto again = decode_certificate(as_bytes(der));
        CHECK(again.get() == c.get());
    }
}

TEST_CASE("x509: EC leaf signed by a separate CA, no revocation pointers") {
    if (!revo::test::have_program("openssl")) {
        WARN("openssl not installed; skipping");
        return;
    }
    TempDir dir;
    REQUIRE_FALSE(dir.path.empty());
    std::string d = shell_quote(dir.path);
    auto gen = run_command(
        "cd " + d +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem"
        " -days 10 -subj '/CN=Revo Test CA'"
        " && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout leaf.key -out leaf.csr"
        " -subj '/CN=leaf.example.test'"
        " && printf 'authorityKeyIdentifier=keyid\\nsubjectKeyIdentifier=hash\\n' > ext.cnf"
        " && openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 7 -days 5 -sha384"
        " -extfile ext.cnf -out leaf.pem"
        " && openssl x509 -in leaf.pem -outform DER -out leaf.der"
        " && openssl x509 -in ca.pem -noout -ext subjectKeyIdentifier");
    REQUIRE(gen.exit_code == 0);
    std::string der = revo::test::read_file(dir.path + "/leaf.der");
    auto c = decode_certificate(as_bytes(der));
    REQUIRE(c);
    CHECK(c->parse_error.empty());
    CHECK(c->subject == "CN=leaf.example.test");
    CHECK(c->issuer == "CN=Revo Test CA");
    CHECK(c->serial_hex == "07");
    CHECK(c->key_type == "EC");
    CHECK(c->key_bits == 384);
    CHECK(c->sig_alg == "ecdsa-with-SHA384");
    CHECK_FALSE(c->self_signed);
    CHECK_FALSE(c->must_staple);
    CHECK(c->ocsp_urls.empty());
    CHECK(c->crl_urls.empty());
    CHECK(c->revocation_mechanisms() == std::vector<std::string>{"none"});
    // The leaf's AKI is the CA's SKI.
    auto ski_lines = revo::test::split_lines(gen.out);
    REQUIRE(ski_lines.size() >= 2);
    CHECK(c->aki_hex == strip_colons_lower(trim(ski_lines[1])));
}

TEST_CASE("x509: undecodable input yields a parse error, never a crash") {
    const std::uint8_t junk[] = {0x30, 0x82, 0x10, 0x00, 0x02, 0x01, 0x01};  // SEQUENCE claiming 4096 bytes
    auto c = decode_certificate(ByteView(junk));
    REQUIRE(c);
    CHECK_FALSE(c->parse_error.empty());
    CHECK(c->der.size() == sizeof junk);
    CHECK(c->sha256.size() == 64);

    auto e = decode_certificate(ByteView());
    REQUIRE(e);
    CHECK_FALSE(e->parse_error.empty());

    const std::uint8_t text[] = {'h', 'e', 'l', 'l', 'o'};
    auto t = decode_certificate(ByteView(text));
    CHECK_FALSE(t->parse_error.empty());
    CHECK(t->subject.empty());
}

TEST_CASE("x509: a truncated real certificate is rejected") {
    if (!revo::test::have_program("openssl")) {
        WARN("openssl not installed; skipping");
        return;
    }
    TempDir dir;
    std::string d = shell_quote(dir.path);
    auto gen = run_command("cd " + d +
                           " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem"
                           " -out c.pem -days 1 -subj '/CN=t' 2>/dev/null && openssl x509 -in c.pem -outform DER -out c.der");
    REQUIRE(gen.exit_code == 0);
    std::string der = revo::test::read_file(dir.path + "/c.der");
    REQUIRE(der.size() > 100);
    auto cut = decode_certificate(as_bytes(der).first(der.size() - 10));
    CHECK_FALSE(cut->parse_error.empty());
    auto whole = decode_certificate(as_bytes(der));
    CHECK(whole->parse_error.empty());
    CHECK(whole->subject == "CN=t");
}

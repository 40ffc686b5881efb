// Test fixture: a small PKI and OCSP messages made by the openssl CLI (tests/dissect/ocsp_pki.sh).
#pragma once

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "dissect/x509/cert.h"
#include "tests/test_support.h"

namespace revo::test {

/// Directory holding the generated PKI, built once per test process; "" when openssl is unavailable.
inline const std::string& ocsp_pki_dir() {
    static const std::string dir = [] {
        if (!have_program("openssl")) return std::string();
        char tmpl[] = "/tmp/revo-ocsp-pki-XXXXXX";
        if (!mkdtemp(tmpl)) return std::string();
        std::string d = tmpl;
        auto r = run_command("bash " + shell_quote(source_path("tests/dissect/ocsp_pki.sh")) + " " + shell_quote(d));
        if (r.exit_code != 0) return std::string();
        // Removed when the test process ends.
        static std::string to_remove;
        to_remove = d;
        std::atexit([] { run_command("rm -rf " + shell_quote(to_remove)); });
        return d;
    }();
    return dir;
}

inline std::vector<std::uint8_t> file_bytes(const std::string& path) {
    std::string s = read_file(path);
    return std::vector<std::uint8_t>(s.begin(), s.end());
}

/// Loads a PEM certificate from the PKI directory and decodes it as the capture path would.
inline std::shared_ptr<const dissect::CertSummary> pki_cert(const std::string& name) {
    auto pem = read_file(ocsp_pki_dir() + "/" + name);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!x) return nullptr;
    unsigned char* der = nullptr;
    int n = i2d_X509(x, &der);
    X509_free(x);
    if (n <= 0) return nullptr;
    auto c = dissect::decode_certificate(ByteView(der, static_cast<std::size_t>(n)));
    OPENSSL_free(der);
    return c;
}

}  // namespace revo::test

// Fuzz target: OCSP request/response decoding (RFC 6960 4.1, 4.2) and X.509 certificate summaries
// (RFC 5280 4.1), plus capture-time verification of whatever decodes, against an empty pool.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dissect/ocsp/ocsp.h"
#include "dissect/x509/cert.h"
#include "dissect/x509/cert_pool.h"
#include "fuzz_support.h"

using namespace revo;
using namespace revo::dissect;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint8_t> buf(data, data + size);
    ByteView v(buf.data(), buf.size());
    OcspRequestInfo req = decode_ocsp_request(v);
    OcspResponseInfo resp = decode_ocsp_response(v);
    auto cert = decode_certificate(v);
    if (!cert) REVO_FUZZ_FAIL();  // documented: never null, parse_error set on failure
    (void)cert->revocation_mechanisms();
    if (resp.parse_error.empty()) {
        CertPool pool;  // no trust store: verification must fail cleanly, not crash
        for (const auto& c : resp.certs)
            if (c) pool.add_seen(c);
        OcspVerifyInput in;
        in.response = &resp;
        in.request = req.parse_error.empty() ? &req : nullptr;
        in.at_time = resp.produced_at.value_or(0);
        (void)verify_ocsp_response(in, pool);
    }
    return 0;
}

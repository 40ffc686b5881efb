// Fuzz target: TLS record and handshake parsing (RFC 5246 6.2 / 7.4, RFC 8446 4).
//
// The first input byte picks the mode: even -> every single-message parser on the rest of the input;
// odd -> the rest drives a whole TLS connection (both directions, records split anywhere, gaps and ends)
// through the stream dissector, with small limits so the buffering caps are reached.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dissect/tls/tls_parse.h"
#include "dissect/tls/tls_stream.h"
#include "fuzz_support.h"

using namespace revo;
using namespace revo::dissect;

namespace {

void single_messages(ByteView v) {
    tls::RecordHeader rh;
    (void)tls::parse_record_header(v, rh);
    (void)tls::plausible_record_header(v);
    (void)tls::looks_like_tls(v);
    (void)tls::looks_like_sslv2_client_hello(v);
    (void)tls::sslv2_record_size(v);
    if (v.size() >= 2) {
        (void)tls::version_name(static_cast<std::uint16_t>((v[0] << 8) | v[1]));
        (void)tls::handshake_type_name(v[0]);
    }
    {
        ClientHello ch;
        (void)tls::parse_client_hello(v, ch);
    }
    {
        ClientHello ch;
        (void)tls::parse_sslv2_client_hello(v, ch);
    }
    {
        ServerHello sh;
        (void)tls::parse_server_hello(v, sh);
    }
    for (bool tls13 : {false, true}) {
        tls::CertificateMessage cm;
        if (tls::parse_certificate(v, tls13, cm).empty()) {
            // Every view handed out must lie inside the input.
            for (ByteView c : cm.certs)
                if (c.data() < v.data() || c.data() + c.size() > v.data() + v.size()) REVO_FUZZ_FAIL();
            if (cm.leaf_ocsp && (cm.leaf_ocsp->data() < v.data() ||
                                 cm.leaf_ocsp->data() + cm.leaf_ocsp->size() > v.data() + v.size()))
                REVO_FUZZ_FAIL();
        }
    }
    {
        tls::CertificateStatusMessage cs;
        if (tls::parse_certificate_status(v, cs).empty() && !cs.ocsp.empty() &&
            (cs.ocsp.data() < v.data() || cs.ocsp.data() + cs.ocsp.size() > v.data() + v.size()))
            REVO_FUZZ_FAIL();
    }
    {
        ServerHello sh;
        std::vector<TlsExtension> ext;
        (void)tls::parse_encrypted_extensions(v, sh, ext);
    }
    {
        std::vector<tls::AlertMessage> alerts;
        (void)tls::parse_alerts(v, alerts);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    if ((data[0] & 1) == 0) {
        // Copy into an exact-size buffer so reads past the end are caught.
        std::vector<std::uint8_t> buf(data + 1, data + size);
        single_messages(ByteView(buf.data(), buf.size()));
        return 0;
    }
    static const Limits limits = fuzz::small_limits();
    fuzz::CountingSink sink;
    Anomalies anomalies;
    DissectContext ctx;
    ctx.limits = &limits;
    ctx.sink = &sink;
    ctx.anomalies = &anomalies;
    {
        auto consumer = make_tls_stream(fuzz::fuzz_conn(443), ctx);
        fuzz::drive_stream(*consumer, data + 1, size - 1);
    }
    if (sink.handshakes > 1) REVO_FUZZ_FAIL();  // one handshake record per connection
    return 0;
}

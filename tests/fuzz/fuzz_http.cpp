// Fuzz target: HTTP/1.x stream parsing (RFC 9112) and the revocation classification helpers.
//
// The first input byte picks the mode: even -> the helpers (media type, percent and base64 decoding,
// OCSP-in-GET-target) on the rest; odd -> the rest drives one connection, both directions, through
// the HTTP stream dissector with small header/body/exchange caps.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dissect/http/http_classify.h"
#include "dissect/http/http_stream.h"
#include "fuzz_support.h"

using namespace revo;
using namespace revo::dissect;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    if ((data[0] & 1) == 0) {
        std::vector<char> buf(data + 1, data + size);
        std::string_view s(buf.data(), buf.size());
        (void)media_type(s);
        (void)percent_decode(s);
        (void)base64_decode(s);
        (void)ocsp_request_from_get_target(s);
        (void)kind_from_path(s);
        (void)kind_from_media_type(s);
        (void)looks_like_http(ByteView(reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size()));
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
        auto consumer = make_http_stream(fuzz::fuzz_conn(80), ctx);
        fuzz::drive_stream(*consumer, data + 1, size - 1);
    }
    // Exchanges per connection are capped (small_limits: 50).
    if (sink.exchanges > limits.max_http_exchanges_per_flow + 1) REVO_FUZZ_FAIL();
    return 0;
}

// DNS over TCP (RFC 1035 section 4.2.2, RFC 7766 section 8): messages framed by a two-byte length,
// several per connection, answers possibly out of order.
#include "dissect/dns/dns_stream.h"

#include <string>

#include "dissect/dns/dns.h"
#include "dissect/dns/dns_pairing.h"

namespace revo::dissect {

namespace {

class DnsTcpStream final : public capture::StreamConsumer {
public:
    DnsTcpStream(const capture::ConnInfo& conn, DissectContext& ctx) : conn_(conn), ctx_(ctx), pairing_("tcp") {}
    ~DnsTcpStream() override { pairing_.finish(ctx_); }

    void on_data(capture::Side from, std::uint64_t, ByteView bytes, const FrameRef& frame) override {
        Dir& d = dirs_[capture::index(from)];
        if (d.stopped) return;
        while (!bytes.empty()) {
            std::size_t want = d.buf.size() < 2 ? 2 : 2 + msg_len(d.buf);
            std::size_t take = std::min(bytes.size(), want - d.buf.size());
            d.buf.append(as_chars(bytes.first(take)));
            bytes = bytes.subspan(take);
            if (d.buf.size() == 2 && msg_len(d.buf) == 0) {
                d.buf.clear();
                continue;
            }
            if (d.buf.size() >= 2 && d.buf.size() == 2 + msg_len(d.buf)) {
                message(from, as_bytes(d.buf).subspan(2), frame);
                d.buf.clear();
            }
        }
    }
    void on_gap(capture::Side from, std::uint64_t, std::uint64_t, const FrameRef&) override {
        // Framing is lost: there is no marker to resync on, so this direction stops.
        Dir& d = dirs_[capture::index(from)];
        if (!d.stopped && ctx_.anomalies) ctx_.anomalies->add("dns_tcp_gap");
        d.stopped = true;
        d.buf.clear();
    }
    void on_end(capture::Side from, capture::EndReason, const FrameRef&) override {
        Dir& d = dirs_[capture::index(from)];
        if (!d.buf.empty() && ctx_.anomalies) ctx_.anomalies->add("dns_tcp_truncated_message");
        d.buf.clear();
        d.stopped = true;
    }
    bool wants(capture::Side from) const override { return !dirs_[capture::index(from)].stopped; }

private:
    struct Dir {
        std::string buf;
        bool stopped = false;
    };
    static std::size_t msg_len(const std::string& b) {
        return (static_cast<std::size_t>(static_cast<unsigned char>(b[0])) << 8) | static_cast<unsigned char>(b[1]);
    }
    void message(capture::Side from, ByteView msg, const FrameRef& frame) {
        auto m = parse_dns_message(msg);
        if (!m) {
            if (ctx_.anomalies) ctx_.anomalies->add("dns_malformed");
            return;
        }
        if (m->opcode != 0 || m->qname.empty()) return;
        if (from == capture::Side::client && !m->response) pairing_.query(conn_.client, conn_.server, *m, frame, ctx_);
        else if (from == capture::Side::server && m->response) pairing_.response(conn_.client, conn_.server, *m, frame, ctx_);
    }

    capture::ConnInfo conn_;
    DissectContext& ctx_;
    DnsPairing pairing_;
    Dir dirs_[2];
};

}  // namespace

std::unique_ptr<capture::StreamConsumer> make_dns_tcp_stream(const capture::ConnInfo& conn, DissectContext& ctx) {
    return std::make_unique<DnsTcpStream>(conn, ctx);
}

bool looks_like_dns_tcp(ByteView b) {
    if (b.size() < 14) return false;
    std::size_t len = (static_cast<std::size_t>(b[0]) << 8) | b[1];
    if (len < 12) return false;
    std::uint16_t flags = static_cast<std::uint16_t>((b[4] << 8) | b[5]);
    std::uint16_t qd = static_cast<std::uint16_t>((b[6] << 8) | b[7]);
    int opcode = (flags >> 11) & 0x0f;
    return qd == 1 && opcode <= 5;
}

}  // namespace revo::dissect

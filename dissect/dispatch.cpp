// Protocol detection for TCP connections by content, not by port.
//
// The first bytes of a connection (a few dozen at most, from whichever side speaks first) decide:
// a TLS handshake record or SSL 2.0 compatible ClientHello -> TLS; an HTTP/1.x request or status line
// -> HTTP; a length-prefixed DNS message on port 53 -> DNS over TCP; anything else is counted as
// unknown and no longer buffered. Events seen while deciding are replayed to the chosen dissector
// in their original order, then everything passes straight through.
#include "dissect/dispatch.h"

#include <vector>

#include "dissect/tls/tls_parse.h"
#include "dissect/tls/tls_stream.h"

// HTTP and DNS-over-TCP dissection are compiled in when their sources are part of the tree.
#if __has_include("dissect/http/http_stream.h") && __has_include("dissect/http/http_stream.cpp")
#include "dissect/http/http_stream.h"
#define REVO_HAVE_HTTP 1
#else
#define REVO_HAVE_HTTP 0
#endif
#if __has_include("dissect/dns/dns_stream.h") && __has_include("dissect/dns/dns_stream.cpp")
#include "dissect/dns/dns_stream.h"
#define REVO_HAVE_DNS_TCP 1
#else
#define REVO_HAVE_DNS_TCP 0
#endif

namespace revo::dissect {
namespace {

using capture::Side;

/// Bytes a side must have sent before a negative decision is final.
constexpr std::size_t detect_bytes = 16;
/// Bytes held per side while undecided.
constexpr std::size_t max_held = 64;

enum class Proto { undecided, tls, http, dns, unknown };

class Dispatcher final : public capture::StreamConsumer {
public:
    Dispatcher(const capture::ConnInfo& conn, DissectContext& ctx) : conn_(conn), ctx_(ctx) {}

    void on_data(Side from, std::uint64_t offset, ByteView bytes, const FrameRef& frame) override {
        if (inner_) return inner_->on_data(from, offset, bytes, frame);
        if (proto_ == Proto::unknown) return;
        if (!bytes.empty()) carried_ = true;
        Pending p;
        p.kind = Pending::data;
        p.from = from;
        p.offset = offset;
        p.frame = frame;
        p.bytes.assign(bytes.begin(), bytes.end());
        pending_.push_back(std::move(p));
        auto& head = head_[capture::index(from)];
        std::size_t take = std::min(bytes.size(), max_held - std::min(max_held, head.size()));
        if (!gap_seen_[capture::index(from)]) head.insert(head.end(), bytes.begin(), bytes.begin() + take);
        decide(from, false);
    }

    void on_gap(Side from, std::uint64_t offset, std::uint64_t length, const FrameRef& frame) override {
        if (inner_) return inner_->on_gap(from, offset, length, frame);
        if (proto_ == Proto::unknown) return;
        Pending p;
        p.kind = Pending::gap;
        p.from = from;
        p.offset = offset;
        p.length = length;
        p.frame = frame;
        pending_.push_back(std::move(p));
        gap_seen_[capture::index(from)] = true;
        carried_ = true;
        decide(from, true);
    }

    void on_end(Side from, capture::EndReason why, const FrameRef& frame) override {
        if (inner_) return inner_->on_end(from, why, frame);
        if (proto_ == Proto::unknown) return;
        Pending p;
        p.kind = Pending::end;
        p.from = from;
        p.why = why;
        p.frame = frame;
        pending_.push_back(std::move(p));
        ended_[capture::index(from)] = true;
        decide(from, true);
    }

    bool wants(Side from) const override {
        if (inner_) return inner_->wants(from);
        return proto_ != Proto::unknown;
    }

private:
    struct Pending {
        enum Kind { data, gap, end } kind = data;
        Side from = Side::client;
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
        capture::EndReason why = capture::EndReason::fin;
        FrameRef frame;
        std::vector<std::uint8_t> bytes;
    };

    /// Looks at the first bytes of `from`; `final` when that side will say no more before a gap or end.
    void decide(Side from, bool final) {
        const auto& head = head_[capture::index(from)];
        bool enough = head.size() >= detect_bytes || final || ended_[capture::index(from)];
        Proto p = Proto::undecided;
        if (tls::looks_like_tls(head)) p = Proto::tls;
#if REVO_HAVE_HTTP
        else if (looks_like_http(head)) p = Proto::http;
#endif
#if REVO_HAVE_DNS_TCP
        else if ((conn_.server.port == 53 || conn_.client.port == 53) && looks_like_dns_tcp(head)) p = Proto::dns;
#endif
        else if (enough) p = Proto::unknown;
        if (p == Proto::undecided) return;  // a partial header or "GE" may still grow into something
        proto_ = p;
        switch (p) {
        case Proto::tls: inner_ = make_tls_stream(conn_, ctx_); break;
#if REVO_HAVE_HTTP
        case Proto::http: inner_ = make_http_stream(conn_, ctx_); break;
#endif
#if REVO_HAVE_DNS_TCP
        case Proto::dns: inner_ = make_dns_tcp_stream(conn_, ctx_); break;
#endif
        default: break;
        }
        if (!inner_) {
            proto_ = Proto::unknown;
            // A connection that carried no payload at all (a lone SYN, a handshake then FIN) has no start
            // to miss: nothing is counted for it.
            if (ctx_.anomalies && (carried_ || !head.empty()))
                ctx_.anomalies->add(head.empty() ? "stream_start_missing" : "stream_protocol_unknown");
            pending_.clear();
            pending_.shrink_to_fit();
            return;
        }
        replay();
    }

    void replay() {
        std::vector<Pending> events;
        events.swap(pending_);
        head_[0].clear();
        head_[1].clear();
        for (auto& e : events) {
            switch (e.kind) {
            case Pending::data:
                if (inner_->wants(e.from)) inner_->on_data(e.from, e.offset, e.bytes, e.frame);
                break;
            case Pending::gap: inner_->on_gap(e.from, e.offset, e.length, e.frame); break;
            case Pending::end: inner_->on_end(e.from, e.why, e.frame); break;
            }
        }
    }

    capture::ConnInfo conn_;
    DissectContext& ctx_;
    Proto proto_ = Proto::undecided;
    std::unique_ptr<capture::StreamConsumer> inner_;
    std::vector<Pending> pending_;
    std::vector<std::uint8_t> head_[2];
    bool gap_seen_[2] = {false, false};
    bool carried_ = false;  ///< payload bytes or a gap seen in either direction
    bool ended_[2] = {false, false};
};

}  // namespace

std::unique_ptr<capture::StreamConsumer> make_stream_dissector(const capture::ConnInfo& conn, DissectContext& ctx) {
    return std::make_unique<Dispatcher>(conn, ctx);
}

}  // namespace revo::dissect

// TCP flow table and per-connection facts (RFC 9293 sections 3.5, 3.6, 3.10.7); see flow_table.h.
#include "capture/flow_table.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace revo::capture {

namespace {

inline std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}
inline std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

constexpr std::int64_t kClosedLingerNs = 30LL * 1'000'000'000;
constexpr std::size_t kMaxSynsKept = 64;
constexpr std::size_t kMaxRstsKept = 16;
constexpr std::size_t kMaxIcmpKept = 16;

/// Guesses which side sent `payload` by its first bytes: +1 client, -1 server, 0 unknown.
int role_from_content(ByteView b) {
    if (b.size() >= 6 && b[0] == 0x16 && b[1] == 0x03) {
        if (b[5] == 0x01) return +1;  // TLS ClientHello
        if (b[5] == 0x02) return -1;  // TLS ServerHello
    }
    std::string_view s = as_chars(b.first(std::min<std::size_t>(b.size(), 8)));
    if (s.starts_with("HTTP/1.")) return -1;
    for (std::string_view m : {"GET ", "POST ", "HEAD ", "PUT ", "CONNECT ", "OPTIONS "})
        if (s.starts_with(m)) return +1;
    return 0;
}

}  // namespace

std::size_t FlowKeyHash::operator()(const FlowKey& k) const noexcept {
    std::uint64_t h = mix64(load64(k.lo_addr.data()) + 0x9e3779b97f4a7c15ULL);
    h = mix64(h ^ load64(k.lo_addr.data() + 8));
    h = mix64(h ^ load64(k.hi_addr.data()));
    h = mix64(h ^ load64(k.hi_addr.data() + 8));
    h = mix64(h ^ ((std::uint64_t(k.lo_port) << 32) | (std::uint64_t(k.hi_port) << 16) | (std::uint64_t(k.proto) << 8) | k.v4));
    return static_cast<std::size_t>(h);
}

FlowKey make_flow_key(const Endpoint& src, const Endpoint& dst, std::uint8_t proto, bool& src_is_lo) {
    FlowKey k;
    src_is_lo = std::tie(src.addr.bytes, src.port) <= std::tie(dst.addr.bytes, dst.port);
    const Endpoint& lo = src_is_lo ? src : dst;
    const Endpoint& hi = src_is_lo ? dst : src;
    k.lo_addr = lo.addr.bytes;
    k.hi_addr = hi.addr.bytes;
    k.lo_port = lo.port;
    k.hi_port = hi.port;
    k.proto = proto;
    k.v4 = src.addr.v4 ? 1 : 0;
    return k;
}

bool is_server_port(std::uint16_t port) {
    switch (port) {
        case 53: case 80: case 443: case 853: case 389: case 636: case 25: case 465: case 587: case 993:
        case 995: case 143: case 110: case 5432: case 3306: case 1080: case 3128: case 8000: case 8008:
        case 8080: case 8443: case 8888: case 9443: case 4443:
            return true;
        default:
            return false;
    }
}

struct FlowTable::Flow {
    FlowKey key;
    bool client_is_lo = true;
    bool data_seen = false;
    std::uint32_t client_isn = 0;
    std::uint32_t server_isn = 0;
    TcpConnection conn;
    std::unique_ptr<StreamConsumer> consumer;
    DirectionReassembler dir[2];
    Timestamp last_seen{};
    Flow* prev = nullptr;
    Flow* next = nullptr;
    Lru* list = nullptr;
};

FlowTable::FlowTable(const Limits& limits, Anomalies& anomalies, FlowHooks hooks)
    : limits_(limits), anomalies_(anomalies), hooks_(std::move(hooks)) {
    budget_.cap = limits_.flow_memory_bytes;
}

FlowTable::~FlowTable() = default;

void FlowTable::lru_unlink(Flow* f) {
    if (!f->list) return;
    Lru& l = *f->list;
    (f->prev ? f->prev->next : l.head) = f->next;
    (f->next ? f->next->prev : l.tail) = f->prev;
    f->prev = f->next = nullptr;
    f->list = nullptr;
}

void FlowTable::lru_push_front(Lru& l, Flow* f) {
    f->list = &l;
    f->prev = nullptr;
    f->next = l.head;
    if (l.head) l.head->prev = f;
    l.head = f;
    if (!l.tail) l.tail = f;
}

void FlowTable::make_room(std::size_t need) {
    // Evict the least recently active flows: finished ones first, then open ones.
    while (!flows_.empty() &&
           (flows_.size() >= limits_.max_flows || budget_.used + need > budget_.cap)) {
        Flow* victim = done_.tail ? done_.tail : open_.tail;
        if (!victim) break;
        anomalies_.add(flows_.size() >= limits_.max_flows ? "flows_evicted_flow_cap" : "flows_evicted_memory_cap");
        ++evicted_;
        end_flow(victim, EndReason::evicted, victim->conn.last_frame);
    }
}

// What one connection costs beyond its buffered bytes: the Flow itself, its hash-table node, the
// dissector attached to it and the small vectors of its TCP facts (measured: about 1 KiB in all).
static constexpr std::size_t flow_charge(std::size_t flow_size) { return flow_size + 640; }

FlowTable::Flow* FlowTable::create(const FlowKey& key, bool src_is_lo, const Packet& p) {
    const std::size_t overhead = flow_charge(sizeof(Flow));
    make_room(overhead);
    auto owned = std::make_unique<Flow>();
    Flow* f = owned.get();
    f->key = key;
    const bool syn = p.tcp.has(tcp_flag::syn), ack = p.tcp.has(tcp_flag::ack);
    bool src_is_client;
    bool from_syn = true;
    if (syn && !ack) {
        src_is_client = true;
    } else if (syn && ack) {
        src_is_client = false;
    } else {
        from_syn = false;
        int c = role_from_content(p.payload);
        if (c != 0) {
            src_is_client = c > 0;
        } else {
            const bool s_srv = is_server_port(p.sport) || (p.sport < 1024 && p.dport >= 1024);
            const bool d_srv = is_server_port(p.dport) || (p.dport < 1024 && p.sport >= 1024);
            if (s_srv != d_srv) src_is_client = d_srv;
            else src_is_client = p.sport > p.dport || (p.sport == p.dport);
        }
    }
    f->client_is_lo = (src_is_client == src_is_lo);
    ConnInfo& info = f->conn.info;
    info.flow_id = next_id_++;
    Endpoint src{p.src, p.sport}, dst{p.dst, p.dport};
    info.client = src_is_client ? src : dst;
    info.server = src_is_client ? dst : src;
    info.roles_from_syn = from_syn;
    f->conn.first_frame = p.frame;
    f->conn.state = from_syn ? ConnState::syn_sent : ConnState::established;
    f->dir[0].init(&limits_, &budget_, &anomalies_, Side::client);
    f->dir[1].init(&limits_, &budget_, &anomalies_, Side::server);
    if (hooks_.make_consumer) f->consumer = hooks_.make_consumer(info);
    budget_.used += overhead;
    lru_push_front(open_, f);
    flows_.emplace(key, std::move(owned));
    return f;
}

void FlowTable::end_flow(Flow* f, EndReason why, const FrameRef& frame) {
    StreamConsumer* c = f->consumer.get();
    TcpConnection& conn = f->conn;
    const bool had_rst = !conn.rsts.empty();
    const bool both_fin = conn.fin[0].has_value() && conn.fin[1].has_value();
    for (int i = 0; i < 2; ++i) f->dir[i].close(why, frame, c);
    for (int i = 0; i < 2; ++i) {
        conn.payload_bytes[i] = f->dir[i].payload_bytes();
        conn.gap_bytes[i] = f->dir[i].gap_bytes();
    }
    conn.end_reason = had_rst ? EndReason::rst : both_fin ? EndReason::fin : why;
    f->consumer.reset();
    lru_unlink(f);
    budget_.used -= flow_charge(sizeof(Flow));
    auto node = flows_.extract(f->key);
    if (hooks_.on_connection) hooks_.on_connection(std::move(conn));
}

void FlowTable::tcp_packet(const Packet& p) {
    bool src_is_lo;
    Endpoint src{p.src, p.sport}, dst{p.dst, p.dport};
    FlowKey key = make_flow_key(src, dst, 6, src_is_lo);
    auto it = flows_.find(key);
    Flow* f;
    if (it == flows_.end()) {
        f = create(key, src_is_lo, p);
    } else {
        f = it->second.get();
        // A fresh SYN on a finished (or data-carrying) connection with a new ISN starts a new one.
        if (p.tcp.has(tcp_flag::syn) && !p.tcp.has(tcp_flag::ack) && f->conn.syns.empty() && f->data_seen) {
            end_flow(f, EndReason::capture_end, f->conn.last_frame);
            f = create(key, src_is_lo, p);
        } else if (p.tcp.has(tcp_flag::syn) && !p.tcp.has(tcp_flag::ack) && !f->conn.syns.empty() &&
                   p.tcp.seq != f->client_isn &&
                   (f->data_seen || f->conn.state == ConnState::closed || f->conn.state == ConnState::reset ||
                    f->conn.state == ConnState::refused)) {
            end_flow(f, f->conn.rsts.empty() ? EndReason::fin : EndReason::rst, f->conn.last_frame);
            f = create(key, src_is_lo, p);
        }
    }
    const Side side = (src_is_lo == f->client_is_lo) ? Side::client : Side::server;
    process(*f, side, p);
}

void FlowTable::process(Flow& f, Side side, const Packet& p) {
    TcpConnection& conn = f.conn;
    const int s = index(side);
    const TcpHeader& t = p.tcp;
    StreamConsumer* c = f.consumer.get();
    conn.packets[s]++;
    conn.wire_bytes[s] += p.wire_len;
    conn.last_frame = p.frame;
    f.last_seen = p.frame.ts;
    if (f.list == &open_) {
        lru_unlink(&f);
        lru_push_front(open_, &f);
    } else if (f.list == &done_) {
        lru_unlink(&f);
        lru_push_front(done_, &f);
    }
    DirectionReassembler& mine = f.dir[s];
    DirectionReassembler& theirs = f.dir[1 - s];
    const bool syn = t.has(tcp_flag::syn), ack = t.has(tcp_flag::ack), rst = t.has(tcp_flag::rst),
               fin = t.has(tcp_flag::fin);

    if (syn && !rst) {
        if (!ack) {
            if (side == Side::server) anomalies_.add("tcp_syn_from_server");
            if (conn.syns.empty() || t.seq != f.client_isn) {
                if (!conn.syns.empty()) {
                    anomalies_.add("tcp_syn_new_isn");
                    mine.reset();
                }
                f.client_isn = t.seq;
                mine.set_origin(t.seq + 1);
            }
            if (conn.syns.size() < kMaxSynsKept) conn.syns.push_back(p.frame);
            else anomalies_.add("tcp_syns_not_kept");
        } else {
            if (!conn.syn_ack) {
                conn.syn_ack = p.frame;
                f.server_isn = t.seq;
                if (mine.has_origin() && mine.relative(t.seq + 1) != 0) mine.reset();
                if (!mine.has_origin()) mine.set_origin(t.seq + 1);
                if (conn.state == ConnState::syn_sent || conn.state == ConnState::icmp_rejected)
                    conn.state = ConnState::established;
            }
            theirs.peer_ack(t.ack, p.frame, c);
        }
        if (!p.payload.empty() || p.payload_missing) {
            f.data_seen = true;
            mine.segment(t.seq + 1, p.payload, p.payload_missing, p.frame, c);
        }
        return;
    }

    if (rst) {
        const bool answers_syn = side == Side::server && !conn.syn_ack && !conn.syns.empty() && !f.data_seen;
        if (conn.rsts.size() < kMaxRstsKept) conn.rsts.push_back(RstEvent{p.frame, side, answers_syn});
        else anomalies_.add("tcp_rsts_not_kept");
        if (answers_syn) conn.state = ConnState::refused;
        else if (conn.state != ConnState::closed && conn.state != ConnState::refused) conn.state = ConnState::reset;
        if (!mine.ended() || !theirs.ended()) {
            mine.close(EndReason::rst, p.frame, c);
            theirs.close(EndReason::rst, p.frame, c);
        }
    } else {
        if (ack && side == Side::client && conn.syn_ack && !conn.first_ack) conn.first_ack = p.frame;
        if (ack) theirs.peer_ack(t.ack, p.frame, c);
        if (!p.payload.empty() || p.payload_missing) {
            f.data_seen = true;
            mine.segment(t.seq, p.payload, p.payload_missing, p.frame, c);
        } else if (!mine.has_origin()) {
            mine.set_origin(t.seq);  // mid-stream start on a pure ACK: its sequence number is the next byte
        }
        if (fin) {
            if (!conn.fin[s]) conn.fin[s] = p.frame;
            mine.fin(t.seq, p.payload.size() + p.payload_missing, p.frame, c);
            if (conn.fin[0] && conn.fin[1] && conn.state == ConnState::established) conn.state = ConnState::closed;
        }
    }
    if (f.list == &open_ && mine.ended() && theirs.ended()) {
        lru_unlink(&f);
        lru_push_front(done_, &f);
    }
}

void FlowTable::icmp_error(const Packet& p) {
    const IcmpQuote& q = p.icmp;
    if (!q.has_quote) return;
    if (q.proto != 6) {
        anomalies_.add(q.proto == 17 ? "icmp_error_for_udp" : "icmp_error_other_protocol");
        return;
    }
    bool src_is_lo;
    FlowKey key = make_flow_key(q.src, q.dst, 6, src_is_lo);
    auto it = flows_.find(key);
    if (it == flows_.end()) {
        anomalies_.add("icmp_error_no_flow");
        return;
    }
    Flow& f = *it->second;
    TcpConnection& conn = f.conn;
    IcmpError e;
    e.frame = p.frame;
    e.reporter = p.src;
    e.v6 = p.ip_version == 6;
    e.type = q.type;
    e.code = q.code;
    e.meaning = std::string(icmp_meaning(e.v6, q.type, q.code));
    if (conn.icmp.size() < kMaxIcmpKept) conn.icmp.push_back(std::move(e));
    else anomalies_.add("icmp_errors_not_kept");
    if (conn.state == ConnState::syn_sent) conn.state = ConnState::icmp_rejected;
    conn.last_frame = p.frame;
    f.last_seen = p.frame.ts;
}

void FlowTable::expire(Timestamp now) {
    if (now.ns - last_expire_.ns < 1'000'000'000LL && last_expire_.ns != 0) return;
    last_expire_ = now;
    const std::int64_t linger = std::min(kClosedLingerNs, limits_.tcp_idle_timeout_ns);
    while (done_.tail && now.ns - done_.tail->last_seen.ns > linger)
        end_flow(done_.tail, EndReason::idle_timeout, done_.tail->conn.last_frame);
    while (open_.tail && now.ns - open_.tail->last_seen.ns > limits_.tcp_idle_timeout_ns) {
        ++timed_out_;
        end_flow(open_.tail, EndReason::idle_timeout, open_.tail->conn.last_frame);
    }
}

void FlowTable::for_each_open(const std::function<void(const TcpConnection&)>& fn) const {
    for (const Flow* f = open_.head; f; f = f->next) fn(f->conn);
    for (const Flow* f = done_.head; f; f = f->next) fn(f->conn);
}

void FlowTable::finish(const FrameRef& last) {
    // Oldest first, so connections come out roughly in the order they went quiet.
    while (done_.tail) end_flow(done_.tail, EndReason::capture_end, last);
    while (open_.tail) end_flow(open_.tail, EndReason::capture_end, last);
}

}  // namespace revo::capture

// HTTP/1.0 and HTTP/1.1 message framing over a TCP connection (RFC 9112): start lines (section 3, 4),
// header fields (section 5), message body length (section 6.3), chunked transfer coding (section 7.1),
// and request/response pairing in order, including pipelining, 1xx interim responses, HEAD, and
// CONNECT tunnels (RFC 9110 section 9.3.6).
//
// The parser is incremental and bounded: header sections are buffered up to
// Limits::max_http_header_bytes, bodies are kept (up to Limits::max_http_body) only when they may hold
// revocation data. A gap inside a body of known length is stepped over; elsewhere the side resyncs at
// the next line that starts a request or a status line.
#include "dissect/http/http_stream.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <deque>
#include <string>
#include <string_view>

#include "dissect/http/exchange.h"
#include "dissect/http/http_classify.h"

namespace revo::dissect {

using capture::EndReason;
using capture::Side;

namespace {

constexpr std::array<std::string_view, 16> kMethods = {
    "GET", "POST", "HEAD", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
    "PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK"};

enum class Start { yes, no, need_more };

// Does `b` begin with a request line ("METHOD SP")?
Start request_line_start(ByteView b) {
    std::string_view s = as_chars(b);
    for (auto m : kMethods) {
        std::size_t n = std::min(s.size(), m.size() + 1);
        std::string want = std::string(m) + ' ';
        if (s.substr(0, n) == std::string_view(want).substr(0, n)) {
            if (n == m.size() + 1) return Start::yes;
            return Start::need_more;
        }
    }
    return Start::no;
}

// Does `b` begin with a status line ("HTTP/1.")?
Start status_line_start(ByteView b) {
    constexpr std::string_view p = "HTTP/1.";
    std::string_view s = as_chars(b);
    std::size_t n = std::min(s.size(), p.size());
    if (s.substr(0, n) != p.substr(0, n)) return Start::no;
    return n == p.size() ? Start::yes : Start::need_more;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::optional<std::int64_t> parse_http_date(const std::string& s) {
    std::tm tm{};
    const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm));
}

// A parsed start line and header section.
struct Head {
    bool request = true;
    std::string method, target, version;
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    bool other_te = false;  // Transfer-Encoding present without chunked last
    bool conn_close = false;

    std::string get(std::string_view name) const {
        for (auto& [k, v] : headers)
            if (lower(k) == name) return v;
        return {};
    }
};

// Parses the header section (without the blank line that ends it). Returns an error text or "".
std::string parse_head(std::string_view text, bool request, Head& h) {
    h.request = request;
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    if (lines.empty() || lines[0].empty()) return "empty start line";
    std::string_view start = lines[0];
    if (request) {
        auto sp1 = start.find(' ');
        auto sp2 = start.rfind(' ');
        if (sp1 == std::string_view::npos || sp2 == sp1) return "malformed request line";
        h.method = std::string(start.substr(0, sp1));
        h.target = std::string(trim(start.substr(sp1 + 1, sp2 - sp1 - 1)));
        h.version = std::string(start.substr(sp2 + 1));
        if (h.method.empty() || !std::all_of(h.method.begin(), h.method.end(), is_tchar)) return "malformed request method";
        if (h.version.rfind("HTTP/1.", 0) != 0 || h.version.size() != 8) return "unsupported HTTP version in request line";
        if (h.target.empty()) return "empty request target";
    } else {
        if (start.size() < 12 || start.substr(0, 7) != "HTTP/1." || start[8] != ' ') return "malformed status line";
        h.version = std::string(start.substr(0, 8));
        std::string_view code = start.substr(9, 3);
        if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return "malformed status code";
        h.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        if (start.size() > 12) {
            if (start[12] != ' ') return "malformed status line";
            h.reason = std::string(start.substr(13));
        }
    }
    for (std::size_t i = 1; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        if (line.empty()) continue;
        if ((line[0] == ' ' || line[0] == '\t') && !h.headers.empty()) {  // obsolete line folding
            h.headers.back().second += ' ';
            h.headers.back().second += std::string(trim(line));
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return "malformed header line";
        std::string_view name = line.substr(0, colon);
        if (!std::all_of(name.begin(), name.end(), is_tchar)) return "malformed header name";
        h.headers.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
    }
    for (auto& [k, v] : h.headers) {
        std::string name = lower(k);
        if (name == "content-length") {
            std::string_view digits = trim(v);
            // A list of identical values is allowed (RFC 9110 section 8.6); anything else is an error.
            auto comma = digits.find(',');
            if (comma != std::string_view::npos) digits = trim(digits.substr(0, comma));
            if (digits.empty() || digits.size() > 18 ||
                !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return "invalid Content-Length";
            std::uint64_t n = std::stoull(std::string(digits));
            if (h.content_length && *h.content_length != n) return "conflicting Content-Length";
            h.content_length = n;
        } else if (name == "transfer-encoding") {
            std::string te = lower(trim(v));
            auto last = te.rfind(',');
            std::string_view tail = trim(last == std::string::npos ? std::string_view(te) : std::string_view(te).substr(last + 1));
            h.chunked = tail == "chunked";
            h.other_te = !h.chunked;
        } else if (name == "connection") {
            if (lower(v).find("close") != std::string::npos) h.conn_close = true;
        }
    }
    if (request && h.other_te) return "request with a transfer coding other than chunked";
    return {};
}

enum class State {
    start,         // between messages
    head,          // collecting the header section
    body_length,   // Content-Length body
    chunk_size,    // chunk-size line
    chunk_data,
    chunk_crlf,    // CRLF after chunk data
    trailer,       // trailer section after the last chunk
    body_close,    // response body delimited by connection close
    connect_wait,  // client sent CONNECT; bytes held until the answer is known
    tunnel,        // after a successful CONNECT or 101: not HTTP anymore
    resync,        // after a gap or an error: looking for the next start line
    dead,
};

struct Entry {
    HttpExchange ex;
    bool req_done = false;
    bool resp_started = false;
    bool resp_done = false;
    bool req_gap = false;
    bool resp_gap = false;
    std::string error;
};

struct Dir {
    State st = State::start;
    std::string buf;               // header bytes, chunk-size or trailer line, held CONNECT bytes, resync tail
    std::size_t scan_from = 0;     // where the search for the end of the header section resumes
    std::uint64_t remaining = 0;
    bool at_line_start = true;     // resync: the next byte starts a line
    bool ended = false;
    EndReason why = EndReason::capture_end;
    FrameRef first;                // first frame of the message in progress
    bool keep_body = false;
    Entry* entry = nullptr;        // the exchange the message in progress belongs to
};

class HttpStream final : public capture::StreamConsumer {
public:
    HttpStream(const capture::ConnInfo& conn, DissectContext& ctx) : conn_(conn), ctx_(ctx) {}
    ~HttpStream() override { finish(); }

    void on_data(Side from, std::uint64_t, ByteView bytes, const FrameRef& frame) override {
        if (!bytes.empty()) feed(from, bytes, frame);
    }
    void on_gap(Side from, std::uint64_t, std::uint64_t length, const FrameRef& frame) override;
    void on_end(Side from, EndReason why, const FrameRef& frame) override;
    bool wants(Side from) const override {
        State s = dirs_[capture::index(from)].st;
        return s != State::dead && s != State::tunnel && !capped_;
    }

private:
    void feed(Side side, ByteView bytes, const FrameRef& frame);
    std::size_t step_start(Side side, ByteView b, const FrameRef& frame);
    std::size_t step_head(Side side, ByteView b, const FrameRef& frame);
    std::size_t step_body(Side side, ByteView b, const FrameRef& frame);
    std::size_t step_chunk_line(Side side, ByteView b, const FrameRef& frame);
    std::size_t step_resync(Side side, ByteView b, const FrameRef& frame);
    void head_done(Side side, const Head& h, const FrameRef& frame);
    void head_error(Side side, const std::string& err, const FrameRef& frame, bool at_line_start);
    void body_bytes(Side side, ByteView b);
    void message_done(Side side, const FrameRef& frame);
    void begin_resync(Side side);
    Entry* response_target();
    void flush();
    void emit(Entry& e, const std::string& outcome);
    std::string end_outcome() const;
    void finish();
    void anomaly(std::string_view id) {
        if (ctx_.anomalies) ctx_.anomalies->add(id);
    }
    std::size_t max_header() const { return ctx_.limits ? ctx_.limits->max_http_header_bytes : (64u << 10); }
    std::size_t max_body() const { return ctx_.limits ? ctx_.limits->max_http_body : (4u << 20); }
    std::size_t max_exchanges() const { return ctx_.limits ? ctx_.limits->max_http_exchanges_per_flow : 10000; }

    capture::ConnInfo conn_;
    DissectContext& ctx_;
    std::array<Dir, 2> dirs_;
    std::deque<std::unique_ptr<Entry>> entries_;
    std::uint32_t emitted_ = 0;
    bool capped_ = false;
    /// True when one more exchange fits under the per-connection cap; otherwise counts it once and stops
    /// reading `d` (every place that starts an exchange asks first).
    bool room_for_entry(Dir& d);
    bool finished_ = false;
};

Dir& dir_of(std::array<Dir, 2>& d, Side s) { return d[capture::index(s)]; }

void HttpStream::feed(Side side, ByteView bytes, const FrameRef& frame) {
    Dir& d = dir_of(dirs_, side);
    while (!bytes.empty()) {
        std::size_t used = 0;
        switch (d.st) {
            case State::start: used = step_start(side, bytes, frame); break;
            case State::head: used = step_head(side, bytes, frame); break;
            case State::body_length:
            case State::chunk_data:
            case State::body_close: used = step_body(side, bytes, frame); break;
            case State::chunk_size:
            case State::chunk_crlf:
            case State::trailer: used = step_chunk_line(side, bytes, frame); break;
            case State::connect_wait: {
                used = std::min(bytes.size(), max_header() > d.buf.size() ? max_header() - d.buf.size() : 0);
                d.buf.append(as_chars(bytes.first(used)));
                if (used < bytes.size()) {  // held bytes overflow: give the direction up
                    anomaly("http_connect_hold_overflow");
                    d.st = State::dead;
                    d.buf.clear();
                    used = bytes.size();
                }
                break;
            }
            case State::resync: used = step_resync(side, bytes, frame); break;
            case State::tunnel:
            case State::dead: used = bytes.size(); break;
        }
        bytes = bytes.subspan(used);
    }
}

// Between messages: skip stray line ends (RFC 9112 section 2.2), then start a header section.
std::size_t HttpStream::step_start(Side side, ByteView b, const FrameRef& frame) {
    Dir& d = dir_of(dirs_, side);
    std::size_t i = 0;
    while (i < b.size() && (b[i] == '\r' || b[i] == '\n')) ++i;
    if (i == b.size()) return i;
    d.st = State::head;
    d.buf.clear();
    d.scan_from = 0;
    d.first = frame;
    return i;
}

std::size_t HttpStream::step_head(Side side, ByteView b, const FrameRef& frame) {
    Dir& d = dir_of(dirs_, side);
    std::size_t old = d.buf.size();
    std::size_t room = max_header() + 4 > old ? max_header() + 4 - old : 0;
    std::size_t take = std::min(b.size(), room);
    d.buf.append(as_chars(b.first(take)));
    // End of the header section: an empty line (CRLF CRLF, or bare LF LF as tolerated by RFC 9112 section 2.2).
    std::size_t end = std::string::npos, term = 0;
    for (std::size_t i = d.scan_from; i < d.buf.size(); ++i) {
        if (d.buf[i] != '\n') continue;
        if (i + 1 < d.buf.size() && d.buf[i + 1] == '\n') {
            end = i + 1;
            term = 2;
            break;
        }
        if (i + 2 < d.buf.size() && d.buf[i + 1] == '\r' && d.buf[i + 2] == '\n') {
            end = i + 1;
            term = 3;
            break;
        }
    }
    // A message must open with a request line (client) or a status line (server); say so as soon as
    // the first bytes show otherwise instead of buffering a whole header section of something else.
    if (old < 8) {
        Start s = (side == Side::client ? request_line_start : status_line_start)(as_bytes(d.buf));
        if (s == Start::no) {
            anomaly("http_parse_error");
            head_error(side, side == Side::client ? "not an HTTP request line" : "not an HTTP status line", frame, false);
            return take;
        }
    }
    if (end == std::string::npos) {
        d.scan_from = d.buf.size() > 3 ? d.buf.size() - 3 : 0;
        if (d.buf.size() > max_header()) {
            anomaly("http_header_too_large");
            head_error(side, "header section larger than " + std::to_string(max_header()) + " bytes", frame, false);
            return take;  // the rest of this chunk goes to resync
        }
        return take;
    }
    // Bytes of this chunk that belong to the next state.
    std::size_t head_end = end + term - 1;  // index in buf just past the terminating empty line
    std::size_t consumed_from_b = head_end - old;
    std::string text = d.buf.substr(0, end);
    Head h;
    std::string err = parse_head(text, side == Side::client, h);
    d.buf.clear();
    d.scan_from = 0;
    if (!err.empty()) {
        anomaly("http_parse_error");
        head_error(side, err, frame, true);
        return consumed_from_b;
    }
    head_done(side, h, frame);
    return consumed_from_b;
}

Entry* HttpStream::response_target() {
    for (auto& e : entries_)
        if (!e->resp_done) return e.get();
    return nullptr;
}

void HttpStream::head_done(Side side, const Head& h, const FrameRef& frame) {
    Dir& d = dir_of(dirs_, side);
    if (side == Side::client) {
        if (!room_for_entry(d)) return;
        auto e = std::make_unique<Entry>();
        e->ex.conn = conn_;
        auto& rq = e->ex.request;
        rq.first = d.first;
        rq.last = frame;
        rq.method = h.method;
        rq.target = h.target;
        rq.version = h.version;
        rq.host = h.get("host");
        rq.content_type = h.get("content-type");
        rq.headers = h.headers;
        d.entry = e.get();
        entries_.push_back(std::move(e));
        std::string media = media_type(rq.content_type);
        d.keep_body = media.empty() || media == "application/ocsp-request" || media == "application/octet-stream" ||
                      kind_from_media_type(media) != CheckKind::none;
        if (h.chunked) {
            d.st = State::chunk_size;
        } else if (h.content_length && *h.content_length > 0) {
            d.st = State::body_length;
            d.remaining = *h.content_length;
        } else {
            message_done(side, frame);
        }
        return;
    }

    // Response.
    Entry* target = response_target();
    if (h.status >= 100 && h.status < 200 && h.status != 101) {
        d.st = State::start;  // interim response: the final one follows
        return;
    }
    if (!target) {
        anomaly("http_response_without_request");
        if (!room_for_entry(d)) return;
        auto e = std::make_unique<Entry>();
        e->ex.conn = conn_;
        e->req_done = true;
        target = e.get();
        entries_.push_back(std::move(e));
    }
    target->resp_started = true;
    HttpResponse rs;
    rs.first = d.first;
    rs.last = frame;
    rs.version = h.version;
    rs.status = h.status;
    rs.reason = h.reason;
    rs.content_type = h.get("content-type");
    rs.date = h.get("date");
    if (!rs.date.empty()) rs.date_unix = parse_http_date(rs.date);
    rs.proxy_authenticate = h.get("proxy-authenticate");
    rs.server = h.get("server");
    rs.headers = h.headers;
    target->ex.response = std::move(rs);
    d.entry = target;

    const std::string& method = target->ex.request.method;
    std::string media = media_type(target->ex.response->content_type);
    CheckKind req_kind = kind_from_path(target->ex.request.target);
    d.keep_body = kind_from_media_type(media) != CheckKind::none || req_kind != CheckKind::none || media.empty() ||
                  media == "application/octet-stream" || media_type(target->ex.request.content_type) == "application/ocsp-request" ||
                  (method == "GET" && target->ex.request.target.size() >= 20);
    Dir& client = dir_of(dirs_, Side::client);
    bool tunnel = (method == "CONNECT" && h.status >= 200 && h.status < 300) || h.status == 101;
    if (tunnel) {
        message_done(side, frame);
        d.st = State::tunnel;
        client.st = State::tunnel;
        client.buf.clear();
        return;
    }
    if (method == "CONNECT" && client.st == State::connect_wait && client.entry == target) {
        // Refused tunnel: what the client sent meanwhile is HTTP again.
        std::string held = std::move(client.buf);
        client.buf.clear();
        client.st = State::start;
        client.entry = nullptr;
        if (!held.empty()) feed(Side::client, as_bytes(held), frame);
    }
    bool no_body = method == "HEAD" || h.status == 204 || h.status == 304 || (h.status >= 100 && h.status < 200);
    if (no_body) {
        message_done(side, frame);
    } else if (h.chunked) {
        d.st = State::chunk_size;
    } else if (h.content_length) {
        if (*h.content_length == 0) {
            message_done(side, frame);
        } else {
            d.st = State::body_length;
            d.remaining = *h.content_length;
        }
    } else {
        d.st = State::body_close;
    }
}

void HttpStream::head_error(Side side, const std::string& err, const FrameRef& frame, bool at_line_start) {
    Dir& d = dir_of(dirs_, side);
    Entry* e = nullptr;
    if (side == Side::client) {
        if (!room_for_entry(d)) return;
        auto ne = std::make_unique<Entry>();
        ne->ex.conn = conn_;
        ne->ex.request.first = d.first;
        ne->ex.request.last = frame;
        // Keep what can be read of the request line for the report.
        auto sp = d.buf.find(' ');
        if (sp != std::string::npos && sp < 20) ne->ex.request.method = d.buf.substr(0, sp);
        ne->req_done = true;
        ne->resp_done = true;  // a response cannot be paired reliably with an unreadable request
        e = ne.get();
        entries_.push_back(std::move(ne));
    } else {
        e = response_target();
        if (!e) {
            if (!room_for_entry(d)) return;
            auto ne = std::make_unique<Entry>();
            ne->ex.conn = conn_;
            ne->req_done = true;
            e = ne.get();
            entries_.push_back(std::move(ne));
        }
        HttpResponse rs;
        rs.first = d.first;
        rs.last = frame;
        e->ex.response = std::move(rs);
        e->resp_started = true;
        e->resp_done = true;
    }
    if (e->error.empty()) e->error = err;
    d.entry = nullptr;
    d.buf.clear();
    begin_resync(side);
    d.at_line_start = at_line_start;
    flush();
}

void HttpStream::body_bytes(Side side, ByteView b) {
    Dir& d = dir_of(dirs_, side);
    if (!d.entry) return;
    bool client = side == Side::client;
    std::vector<std::uint8_t>& body = client ? d.entry->ex.request.body : d.entry->ex.response->body;
    std::uint64_t& size = client ? d.entry->ex.request.body_size : d.entry->ex.response->body_size;
    bool& truncated = client ? d.entry->ex.request.body_truncated : d.entry->ex.response->body_truncated;
    size += b.size();
    if (!d.keep_body) return;
    std::size_t room = max_body() > body.size() ? max_body() - body.size() : 0;
    std::size_t take = std::min(room, b.size());
    body.insert(body.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(take));
    if (take < b.size() && !truncated) {
        truncated = true;
        anomaly("http_body_truncated");
    }
}

std::size_t HttpStream::step_body(Side side, ByteView b, const FrameRef& frame) {
    Dir& d = dir_of(dirs_, side);
    if (d.entry) {
        if (side == Side::client) d.entry->ex.request.last = frame;
        else d.entry->ex.response->last = frame;
    }
    if (d.st == State::body_close) {
        body_bytes(side, b);
        return b.size();
    }
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(d.remaining, b.size()));
    body_bytes(side, b.first(take));
    d.remaining -= take;
    if (d.remaining == 0) {
        if (d.st == State::chunk_data) {
            d.st = State::chunk_crlf;
            d.buf.clear();
        } else {
            message_done(side, frame);
        }
    }
    return take;
}

// Chunk-size line, the CRLF after chunk data, and trailer lines (RFC 9112 section 7.1).
std::size_t HttpStream::step_chunk_line(Side side, ByteView b, const FrameRef& frame) {
    Dir& d = dir_of(dirs_, side);
    if (d.entry) {
        if (side == Side::client) d.entry->ex.request.last = frame;
        else d.entry->ex.response->last = frame;
    }
    std::size_t nl = 0;
    while (nl < b.size() && b[nl] != '\n') ++nl;
    std::size_t take = nl < b.size() ? nl + 1 : b.size();
    if (d.buf.size() + take > 4096) {
        anomaly("http_bad_chunk");
        head_error(side, "chunk line or trailer longer than 4096 bytes", frame, false);
        return take;
    }
    d.buf.append(as_chars(b.first(take)));
    if (nl == b.size()) return take;  // line not complete yet
    std::string_view line = d.buf;
    line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (d.st == State::chunk_crlf) {
        if (!line.empty()) {
            anomaly("http_bad_chunk");
            head_error(side, "chunk data not followed by CRLF", frame, true);
            return take;
        }
        d.st = State::chunk_size;
    } else if (d.st == State::chunk_size) {
        auto semi = line.find(';');
        std::string_view hex = trim(semi == std::string_view::npos ? line : line.substr(0, semi));
        std::uint64_t n = 0;
        bool ok = !hex.empty() && hex.size() <= 15;
        for (char c : hex) {
            int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
            if (v < 0) ok = false;
            else n = n * 16 + static_cast<std::uint64_t>(v);
        }
        if (!ok) {
            anomaly("http_bad_chunk");
            head_error(side, "invalid chunk size", frame, true);
            return take;
        }
        if (n == 0) {
            d.st = State::trailer;
        } else {
            d.st = State::chunk_data;
            d.remaining = n;
        }
    } else {  // trailer
        if (line.empty()) {
            d.buf.clear();
            message_done(side, frame);
            return take;
        }
    }
    d.buf.clear();
    return take;
}

void HttpStream::message_done(Side side, const FrameRef& frame) {
    Dir& d = dir_of(dirs_, side);
    Entry* e = d.entry;
    d.entry = nullptr;
    d.buf.clear();
    d.remaining = 0;
    d.st = State::start;
    if (!e) return;
    if (side == Side::client) {
        e->ex.request.last = frame;
        e->req_done = true;
        if (e->ex.request.method == "CONNECT" && !e->resp_done) {
            d.st = State::connect_wait;
            d.entry = e;
        }
    } else {
        e->ex.response->last = frame;
        e->ex.response->body_complete = true;
        e->resp_done = true;
    }
    flush();
}

void HttpStream::begin_resync(Side side) {
    Dir& d = dir_of(dirs_, side);
    d.st = State::resync;
    d.buf.clear();
    d.at_line_start = true;
    d.remaining = 0;
}

// Looks for the next line that starts a request (client) or a status line (server).
std::size_t HttpStream::step_resync(Side side, ByteView b, const FrameRef& frame) {
    Dir& d = dir_of(dirs_, side);
    auto check = side == Side::client ? request_line_start : status_line_start;
    std::string data = d.buf;
    std::size_t held = data.size();
    data.append(as_chars(b));
    ByteView all = as_bytes(data);
    for (std::size_t i = 0; i < all.size(); ++i) {
        bool line_start = i == 0 ? d.at_line_start : all[i - 1] == '\n';
        if (!line_start) continue;
        Start s = check(all.subspan(i));
        if (s == Start::no) continue;
        if (s == Start::need_more) {
            d.buf = data.substr(i);
            d.at_line_start = true;
            return b.size();
        }
        // Found: restart parsing here. Bytes held from earlier chunks are replayed first.
        d.buf.clear();
        d.st = State::start;
        if (i < held) {
            std::string replay = data.substr(i, held - i);
            feed(side, as_bytes(replay), frame);
            return 0;
        }
        return i - held;
    }
    d.buf.clear();
    d.at_line_start = !all.empty() && all.back() == '\n';
    return b.size();
}

void HttpStream::on_gap(Side side, std::uint64_t, std::uint64_t length, const FrameRef& frame) {
    Dir& d = dir_of(dirs_, side);
    if (d.st == State::dead || d.st == State::tunnel) return;
    anomaly("http_gap");
    auto mark = [&](Entry* e) {
        if (!e) return;
        if (side == Side::client) e->req_gap = true;
        else e->resp_gap = true;
    };
    switch (d.st) {
        case State::body_close:
            mark(d.entry);
            if (d.entry) (side == Side::client ? d.entry->ex.request.body_size : d.entry->ex.response->body_size) += length;
            return;
        case State::body_length:
            // The framing survives a hole inside a body of known length.
            mark(d.entry);
            if (d.entry) (side == Side::client ? d.entry->ex.request.body_size : d.entry->ex.response->body_size) +=
                         std::min(length, d.remaining);
            if (length < d.remaining) {
                d.remaining -= length;
                return;
            }
            message_done(side, frame);
            if (length == d.remaining) return;
            begin_resync(side);
            return;
        case State::start:
            begin_resync(side);
            return;
        case State::connect_wait:
            d.buf.clear();
            return;
        case State::resync:
            d.buf.clear();
            d.at_line_start = true;
            return;
        default:
            break;
    }
    // Inside a header section or chunked framing: the message in progress ends here, marked as cut by a gap.
    if (d.st == State::head) {
        if (side == Side::server) {
            if (Entry* e = response_target()) {
                HttpResponse rs;
                rs.first = d.first;
                rs.last = frame;
                e->ex.response = std::move(rs);
                e->resp_started = true;
                e->resp_done = true;
                e->resp_gap = true;
            }
        }
        if (side == Side::client && room_for_entry(d)) {
            // The request was cut: keep what its first bytes say; its response will still come.
            auto e = std::make_unique<Entry>();
            e->ex.conn = conn_;
            e->ex.request.first = d.first;
            e->ex.request.last = frame;
            auto line_end = d.buf.find('\n');
            std::string_view line = std::string_view(d.buf).substr(0, line_end);
            auto sp1 = line.find(' ');
            if (sp1 != std::string_view::npos && sp1 < 20) {
                e->ex.request.method = std::string(line.substr(0, sp1));
                if (line_end != std::string::npos) {
                    auto sp2 = line.rfind(' ');
                    if (sp2 > sp1) e->ex.request.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
                }
            }
            e->req_done = true;
            e->req_gap = true;
            entries_.push_back(std::move(e));
        }
    } else if (d.entry) {
        mark(d.entry);
        if (side == Side::client) d.entry->req_done = true;
        else d.entry->resp_done = true;
    }
    d.entry = nullptr;
    if (d.st != State::dead) begin_resync(side);  // dead: the exchange cap was reached
    flush();
}

void HttpStream::flush() {
    while (!entries_.empty()) {
        Entry& e = *entries_.front();
        if (!(e.req_done && e.resp_done)) break;
        // The client side may still point at this entry while waiting on a CONNECT answer.
        Dir& c = dir_of(dirs_, Side::client);
        if (c.entry == &e && c.st != State::connect_wait) break;
        if (c.entry == &e) c.entry = nullptr;
        std::string outcome = "ok";
        if (!e.error.empty()) outcome = "parse_error";
        else if (e.req_gap || e.resp_gap) outcome = "gap";
        else if (!e.ex.response) outcome = end_outcome();
        emit(e, outcome);
        entries_.pop_front();
    }
}

std::string HttpStream::end_outcome() const {
    const Dir& c = dirs_[0];
    const Dir& s = dirs_[1];
    if ((c.ended && c.why == EndReason::rst) || (s.ended && s.why == EndReason::rst)) return "reset";
    if ((c.ended && c.why == EndReason::fin) || (s.ended && s.why == EndReason::fin)) return "closed";
    return "capture_end";
}

bool HttpStream::room_for_entry(Dir& d) {
    if (emitted_ + entries_.size() < max_exchanges()) return true;
    anomaly("http_exchanges_capped");
    capped_ = true;
    d.st = State::dead;
    return false;
}

void HttpStream::emit(Entry& e, const std::string& outcome) {
    e.ex.index_on_conn = emitted_++;
    e.ex.outcome = outcome;
    e.ex.error = e.error;
    classify_exchange(e.ex);
    if (ctx_.sink) ctx_.sink->on_http_exchange(std::move(e.ex));
}

void HttpStream::on_end(Side side, EndReason why, const FrameRef& frame) {
    Dir& d = dir_of(dirs_, side);
    if (d.ended) return;
    d.ended = true;
    d.why = why;
    if (side == Side::server && d.st == State::body_close && d.entry && why != EndReason::capture_end &&
        why != EndReason::idle_timeout && why != EndReason::evicted) {
        // A close-delimited body ends with the connection (RFC 9112 section 6.3 rule 8).
        message_done(side, d.entry->ex.response->last);
    }
    if (dirs_[0].ended && dirs_[1].ended) finish();
    else if (side == Side::server) finish();
}

void HttpStream::finish() {
    if (finished_) return;
    finished_ = true;
    std::string why = end_outcome();
    // A close-delimited body is complete when the server's data ended by a close or a reset, whichever
    // side sent it; only the end of the capture leaves it open.
    Dir& server = dirs_[1];
    if (server.st == State::body_close && server.entry && why != "capture_end") message_done(Side::server, server.entry->ex.response->last);
    // Everything still open ends with the connection: responses cut short and requests never answered.
    for (auto& ep : entries_) {
        Entry& e = *ep;
        std::string outcome = why;
        if (!e.error.empty()) outcome = "parse_error";
        else if (e.req_gap || e.resp_gap) outcome = "gap";
        else if (e.req_done && e.resp_done) outcome = "ok";
        emit(e, outcome);
    }
    entries_.clear();
    for (auto& d : dirs_) {
        d.entry = nullptr;
        d.st = State::dead;
        d.buf.clear();
    }
}

}  // namespace

std::unique_ptr<capture::StreamConsumer> make_http_stream(const capture::ConnInfo& conn, DissectContext& ctx) {
    return std::make_unique<HttpStream>(conn, ctx);
}

bool looks_like_http(ByteView first_bytes) {
    return request_line_start(first_bytes) == Start::yes || status_line_start(first_bytes) == Start::yes;
}

}  // namespace revo::dissect

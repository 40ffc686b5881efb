// TLS dissection of real captures compared with tshark's decoding of the same files.
//
// TCP payloads are taken per direction with tshark (frame, stream, seq, payload), fed to the TLS stream
// consumer (directly, through content detection, and re-cut into 1-byte segments), and the resulting
// handshake records are compared with tshark's own fields: SNI, version, cipher suite, status_request
// offered, CertificateStatus present, and the certificate chain's serial numbers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "dissect/dispatch.h"
#include "dissect/sink.h"
#include "dissect/tls/tls_parse.h"
#include "dissect/tls/tls_stream.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::dissect;
using capture::Side;
using revo::test::run_command;
using revo::test::shell_quote;

namespace {

struct Segment {
    std::uint64_t frame = 0;
    std::int64_t ts_ns = 0;
    Side side = Side::client;
    std::uint64_t offset = 0;
    std::vector<std::uint8_t> data;
    bool fin = false;
    bool rst = false;
};

struct TcpStream {
    capture::ConnInfo conn;
    std::vector<Segment> segs;
    bool gaps = false;  // the feeder had to report a hole (tshark may see reordered data)
};

std::vector<std::uint8_t> unhex(const std::string& s) {
    std::vector<std::uint8_t> out;
    auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
        int a = nib(s[i]), b = nib(s[i + 1]);
        if (a < 0 || b < 0) break;
        out.push_back(static_cast<std::uint8_t>(a * 16 + b));
    }
    return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    out.push_back(cur);
    return out;
}

Endpoint endpoint(const std::string& ip, const std::string& port) {
    Endpoint e;
    IpAddr::parse(ip, e.addr);
    e.port = static_cast<std::uint16_t>(std::stoi(port.empty() ? "0" : port));
    return e;
}

/// TCP streams of a capture as tshark sees them, segments in frame order.
std::map<int, TcpStream> load_streams(const std::string& file) {
    std::map<int, TcpStream> streams;
    auto r = run_command("tshark -n -r " + shell_quote(file) +
                         " -Y tcp -T fields -E separator=/t -e frame.number -e frame.time_epoch -e tcp.stream"
                         " -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport"
                         " -e tcp.flags.syn -e tcp.flags.ack -e tcp.flags.fin -e tcp.flags.reset -e tcp.seq"
                         " -e tcp.payload");
    std::map<int, bool> roles_known;
    for (auto& line : revo::test::split_lines(r.out)) {
        auto f = split(line, '\t');
        if (f.size() < 15) continue;
        int id = std::stoi(f[2]);
        Endpoint src = endpoint(f[3].empty() ? f[4] : f[3], f[5]);
        Endpoint dst = endpoint(f[6].empty() ? f[7] : f[6], f[8]);
        bool syn = f[9] == "1" || f[9] == "True", ack = f[10] == "1" || f[10] == "True";
        auto& st = streams[id];
        if (!roles_known[id]) {
            // The SYN sender is the client; without a SYN, the side using the higher port.
            bool src_is_client = syn ? !ack : src.port > dst.port;
            st.conn.flow_id = static_cast<std::uint64_t>(id) + 1;
            st.conn.client = src_is_client ? src : dst;
            st.conn.server = src_is_client ? dst : src;
            st.conn.roles_from_syn = syn;
            roles_known[id] = true;
        }
        Segment s;
        s.frame = std::stoull(f[0]);
        double t = std::stod(f[1]);
        s.ts_ns = static_cast<std::int64_t>(t * 1e9);
        s.side = (src == st.conn.client) ? Side::client : Side::server;
        std::uint64_t seq = std::stoull(f[13].empty() ? "0" : f[13]);
        s.offset = seq > 0 ? seq - 1 : 0;  // relative sequence numbers: data starts at 1
        s.data = unhex(f[14]);
        s.fin = f[11] == "1" || f[11] == "True";
        s.rst = f[12] == "1" || f[12] == "True";
        if (syn) continue;
        st.segs.push_back(std::move(s));
    }
    return streams;
}

class CollectSink : public FactSink {
public:
    std::map<std::uint64_t, std::vector<TlsHandshake>> by_flow;
    void on_tls_handshake(TlsHandshake&& hs) override { by_flow[hs.conn.flow_id].push_back(std::move(hs)); }
    void on_http_exchange(HttpExchange&&) override {}
    void on_dns_lookup(DnsLookup&&) override {}
    void on_tcp_connection(capture::TcpConnection&&) override {}
};

enum class Mode { direct, dispatch, one_byte };

/// Feeds each stream to a consumer in frame order: duplicates dropped, holes reported as gaps.
void run(std::map<int, TcpStream>& streams, Mode mode, CollectSink& sink, Anomalies& anomalies) {
    static const Limits limits;
    for (auto& [id, st] : streams) {
        DissectContext ctx;
        ctx.limits = &limits;
        ctx.sink = &sink;
        ctx.anomalies = &anomalies;
        auto consumer = mode == Mode::dispatch ? make_stream_dissector(st.conn, ctx) : make_tls_stream(st.conn, ctx);
        std::uint64_t next[2] = {0, 0};
        bool ended[2] = {false, false};
        for (auto& s : st.segs) {
            int i = capture::index(s.side);
            if (ended[i]) continue;
            FrameRef fr{s.frame, Timestamp{s.ts_ns}};
            ByteView data(s.data);
            std::uint64_t off = s.offset;
            if (!data.empty()) {
                if (off + data.size() <= next[i]) continue;
                if (off < next[i]) {
                    data = data.subspan(static_cast<std::size_t>(next[i] - off));
                    off = next[i];
                }
                if (off > next[i]) {
                    consumer->on_gap(s.side, next[i], off - next[i], fr);
                    st.gaps = true;
                }
                if (consumer->wants(s.side)) {
                    if (mode == Mode::one_byte) {
                        for (std::size_t k = 0; k < data.size(); ++k) consumer->on_data(s.side, off + k, data.subspan(k, 1), fr);
                    } else {
                        consumer->on_data(s.side, off, data, fr);
                    }
                }
                next[i] = off + data.size();
            }
            if (s.fin || s.rst) {
                consumer->on_end(s.side, s.rst ? capture::EndReason::rst : capture::EndReason::fin, fr);
                ended[i] = true;
            }
        }
        FrameRef last{st.segs.empty() ? 0 : st.segs.back().frame, {}};
        for (Side sd : {Side::client, Side::server})
            if (!ended[capture::index(sd)]) consumer->on_end(sd, capture::EndReason::capture_end, last);
    }
}

/// What tshark decodes for one TCP stream.
struct Oracle {
    std::string sni;
    bool status_request = false;
    bool has_server_hello = false;
    std::uint16_t version = 0;
    std::uint16_t cipher = 0;
    std::vector<std::string> serials;  // upper-case hex, leading zero byte removed
    bool certificate_status = false;
    int client_hellos = 0;
};

std::uint16_t parse_num(const std::string& s) {
    if (s.empty()) return 0;
    return static_cast<std::uint16_t>(std::stoul(s, nullptr, 0));
}

std::string norm_serial(std::string s) {
    s.erase(std::remove(s.begin(), s.end(), ':'), s.end());
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    while (s.size() > 2 && s.compare(0, 2, "00") == 0) s.erase(0, 2);
    return s;
}

std::map<int, Oracle> tshark_oracle(const std::string& file) {
    std::map<int, Oracle> out;
    std::string base = "tshark -n -r " + shell_quote(file) + " -T fields -E separator=/t ";
    for (auto& line : revo::test::split_lines(run_command(base +
                                                          "-Y 'tls.handshake.type==1' -e tcp.stream "
                                                          "-e tls.handshake.extensions_server_name -e tls.handshake.extension.type")
                                                  .out)) {
        auto f = split(line, '\t');
        if (f.size() < 3) continue;
        auto& o = out[std::stoi(f[0])];
        if (o.client_hellos++ > 0) continue;
        o.sni = split(f[1], ',')[0];
        for (auto& t : split(f[2], ','))
            if (t == "5") o.status_request = true;
    }
    for (auto& line : revo::test::split_lines(
             run_command(base +
                         "-Y 'tls.handshake.type==2' -e tcp.stream -e tls.handshake.ciphersuite "
                         "-e tls.handshake.extensions.supported_version -e tls.handshake.version")
                 .out)) {
        auto f = split(line, '\t');
        if (f.size() < 4) continue;
        auto& o = out[std::stoi(f[0])];
        o.has_server_hello = true;
        o.cipher = parse_num(split(f[1], ',').back());
        std::string v = !f[2].empty() ? split(f[2], ',').back() : split(f[3], ',').back();
        o.version = parse_num(v);
    }
    for (auto& line : revo::test::split_lines(
             run_command(base + "-Y 'tls.handshake.type==11' -e tcp.stream -e x509af.serialNumber").out)) {
        auto f = split(line, '\t');
        if (f.size() < 2 || f[1].empty()) continue;
        auto& o = out[std::stoi(f[0])];
        if (!o.serials.empty()) continue;  // the server's chain comes first; a client chain may follow
        for (auto& s : split(f[1], ',')) o.serials.push_back(norm_serial(s));
    }
    for (auto& line :
         revo::test::split_lines(run_command(base + "-Y 'tls.handshake.type==22' -e tcp.stream").out)) {
        if (line.empty()) continue;
        out[std::stoi(line)].certificate_status = true;
    }
    return out;
}

bool prerequisites() {
    if (!revo::test::have_program("tshark")) {
        WARN("tshark not installed; skipping");
        return false;
    }
    return true;
}

struct Compared {
    int handshakes = 0;
    int compared = 0;
    int with_chain = 0;
    int with_staple = 0;
    int encrypted13 = 0;
    int skipped_for_gaps = 0;  // streams with holes: chain and staple not compared
};

/// Runs one capture and compares every stream with a ClientHello and a ServerHello tshark decoded.
Compared compare_capture(const std::string& rel, Mode mode = Mode::direct, bool clean = true) {
    Compared c;
    std::string file = revo::test::corpus_path(rel);
    if (file.empty()) {
        WARN("corpus file missing, skipping: " << rel);
        return c;
    }
    auto streams = load_streams(file);
    auto oracle = tshark_oracle(file);
    CollectSink sink;
    Anomalies anomalies;
    run(streams, mode, sink, anomalies);
    int skipped_for_gaps = 0;
    for (auto& [id, o] : oracle) {
        if (o.client_hellos == 0 || !o.has_server_hello) continue;
        auto& st = streams[id];
        if (st.gaps) ++skipped_for_gaps;  // hellos are compared; what a hole may hide is not  // tshark reorders what the simple feeder reports as holes
        INFO(rel << " tcp.stream " << id);
        auto it = sink.by_flow.find(st.conn.flow_id);
        REQUIRE(it != sink.by_flow.end());
        REQUIRE(it->second.size() == 1);
        const TlsHandshake& hs = it->second.front();
        ++c.handshakes;
        REQUIRE(hs.client_hello);
        REQUIRE(hs.server_hello);
        CHECK(hs.client_hello->sni == o.sni);
        CHECK(hs.client_hello->status_request == o.status_request);
        CHECK(hs.server_hello->selected_version == o.version);
        CHECK(hs.server_hello->cipher_suite == o.cipher);
        if (!st.gaps) {
            CHECK(hs.staple.has_value() == o.certificate_status);
            CHECK(hs.certificate_status_frame.has_value() == o.certificate_status);
        }
        if (hs.staple) ++c.with_staple;
        if (!o.serials.empty() && !st.gaps) {
            std::vector<std::string> ours;
            for (auto& cert : hs.chain) ours.push_back(cert->serial_hex);
            CHECK(ours == o.serials);
            ++c.with_chain;
        }
        if (tls::is_tls13(o.version)) {
            CHECK(hs.encrypted);
            CHECK(hs.chain.empty());
            ++c.encrypted13;
        }
        std::string errs;
        for (auto& e : hs.errors) errs += e.message_type + "@" + std::to_string(e.offset) + " frame " + std::to_string(e.frame.frame) + ": " + e.what + "; ";
        INFO("errors: " << errs);
        if (st.gaps) CHECK((hs.errors.empty() || errs.find("gap of") != std::string::npos));
        else if (clean) CHECK(hs.errors.empty());
        else CHECK(errs.find("is not a TLS record type") != std::string::npos);
        ++c.compared;
    }
    c.skipped_for_gaps = skipped_for_gaps;
    return c;
}

}  // namespace

TEST_CASE("tls corpus: PcapPlusPlus tls2.pcap (TLS 1.2 with 24 OCSP staples, TLS 1.3)") {
    if (!prerequisites()) return;
    auto c = compare_capture("PcapPlusPlus/Tests/ExamplesTest/pcap_examples/tls2.pcap");
    if (c.compared == 0) return;
    INFO("streams skipped because of holes: " << c.skipped_for_gaps);
    CHECK(c.compared == 294);  // 134 TLS 1.2 + 160 TLS 1.3 ServerHellos
    CHECK(c.with_staple == 24);
    CHECK(c.encrypted13 == 160);
}

TEST_CASE("tls corpus: Lekensteyn SSL 3.0 and TLS 1.2 captures") {
    if (!prerequisites()) return;
    auto ssl3 = compare_capture("Lekensteyn-wireshark-notes/ssl3/dump.pcapng");
    if (ssl3.compared > 0) {
        CHECK(ssl3.compared == 39);
        CHECK(ssl3.with_chain == 39);
    }
    auto tls12 = compare_capture("Lekensteyn-wireshark-notes/tls/all/dump.pcapng");
    if (tls12.compared > 0) {
        CHECK(tls12.compared == 39);
        CHECK(tls12.with_chain == 39);
    }
    for (const char* f : {"Lekensteyn-wireshark-notes/tls/amqps.pcapng", "Lekensteyn-wireshark-notes/tls/http2-16-ssl.pcapng",
                          "Lekensteyn-wireshark-notes/tls/tls-null.pcapng"}) {
        auto c = compare_capture(f);
        if (revo::test::corpus_path(f).empty()) continue;
        CHECK(c.compared == 1);
    }
}

TEST_CASE("tls corpus: suricata-verify TLS captures (staple, alerts, client auth, TLS 1.3 drafts)") {
    if (!prerequisites()) return;
    for (const char* f : {"suricata-verify/tests/tls-alpn-log-detect-02/input.pcap",
                          "suricata-verify/tests/tls/tls-certs-alert/input.pcap",
                          "suricata-verify/tests/tls/tls-store-02/tls-client-auth.pcap",
                          "suricata-verify/tests/tls/tls13-draft22/tls13_draft22.pcap",
                          "suricata-verify/tests/tls/tls13-draft28/tls13_draft28.pcap",
                          "suricata-verify/tests/tls/tls-random/input.pcap"}) {
        if (revo::test::corpus_path(f).empty()) continue;
        auto c = compare_capture(f);
        INFO(f);
        CHECK(c.compared >= 1);
    }
}

TEST_CASE("tls corpus: plaintext before the handshake (STARTTLS, proxy CONNECT) is skipped by resynchronising") {
    if (!prerequisites()) return;
    for (const char* f : {"Lekensteyn-wireshark-notes/tls/xmpp-ssl.pcapng", "suricata-verify/tests/bug-2430/backwards.pcap"}) {
        if (revo::test::corpus_path(f).empty()) continue;
        INFO(f);
        auto c = compare_capture(f, Mode::direct, false);
        CHECK(c.compared == 1);
        CHECK(c.with_chain == 1);
    }
}

TEST_CASE("tls corpus: AAGiron TLS 1.3 captures are marked encrypted") {
    if (!prerequisites()) return;
    auto c = compare_capture("AAGiron-tls-handshake-analyzer/captures/tls13-rfc8446.pcap");
    if (c.compared > 0) {
        CHECK(c.compared == 2);
        CHECK(c.encrypted13 == 2);
    }
}

TEST_CASE("tls corpus: 1-byte segments and detection by content give the same records") {
    if (!prerequisites()) return;
    for (const char* f : {"suricata-verify/tests/tls-alpn-log-detect-02/input.pcap",
                          "Lekensteyn-wireshark-notes/tls/amqps.pcapng",
                          "AAGiron-tls-handshake-analyzer/captures/tls13-rfc8446.pcap"}) {
        if (revo::test::corpus_path(f).empty()) continue;
        INFO(f);
        auto normal = compare_capture(f, Mode::direct);
        auto tiny = compare_capture(f, Mode::one_byte);
        auto detected = compare_capture(f, Mode::dispatch);
        CHECK(normal.compared >= 1);
        CHECK(tiny.compared == normal.compared);
        CHECK(tiny.with_chain == normal.with_chain);
        CHECK(tiny.with_staple == normal.with_staple);
        CHECK(detected.compared == normal.compared);
        CHECK(detected.with_staple == normal.with_staple);
    }
}

TEST_CASE("tls corpus: SSL 2.0 handshake on port 4433 (Lekensteyn sslv2.pcapng), found by content") {
    if (!prerequisites()) return;
    std::string file = revo::test::corpus_path("Lekensteyn-wireshark-notes/ssl3/sslv2.pcapng");
    if (file.empty()) {
        WARN("corpus absent; skipping");
        return;
    }
    // tshark needs to be told the port; we are not.
    auto serial = run_command("tshark -n -r " + shell_quote(file) +
                              " -d tcp.port==4433,tls -Y x509af.serialNumber -T fields -e x509af.serialNumber");
    auto lines = revo::test::split_lines(serial.out);
    REQUIRE(lines.size() == 1);
    auto streams = load_streams(file);
    CollectSink sink;
    Anomalies anomalies;
    run(streams, Mode::dispatch, sink, anomalies);
    REQUIRE(sink.by_flow.size() == 1);
    const TlsHandshake& hs = sink.by_flow.begin()->second.front();
    REQUIRE(hs.client_hello);
    CHECK(hs.client_hello->sslv2_format);
    CHECK(hs.client_hello->legacy_version == 0x0002);
    CHECK(hs.conn.server.port == 4433);
    REQUIRE(hs.server_hello);
    CHECK(hs.server_hello->selected_version == 0x0002);
    REQUIRE(hs.chain.size() == 1);
    CHECK(hs.chain[0]->serial_hex == norm_serial(lines[0]));
    CHECK(hs.errors.empty());
    CHECK(anomalies.get("tls_sslv2_handshake") == 1);
}

TEST_CASE("tls corpus: revoscope analyze --format jsonl reports the handshake as tshark decodes it") {
    if (!prerequisites()) return;
    std::string file = revo::test::corpus_path("suricata-verify/tests/tls-alpn-log-detect-02/input.pcap");
    if (file.empty() || !revo::test::file_exists(REVO_BINARY)) {
        WARN("corpus or revoscope binary absent; skipping");
        return;
    }
    auto r = revo::test::run_revoscope("analyze --format jsonl " + shell_quote(file));
    nlohmann::json hs;
    for (auto& line : revo::test::split_lines(r.out)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded() && j.value("type", "") == "tls_handshake") hs = j;
    }
    REQUIRE(hs.is_object());
    // Frame numbers of each handshake message, as tshark reports them.
    auto frame_of = [&](int type) {
        auto out = run_command("tshark -n -r " + shell_quote(file) + " -Y 'tls.handshake.type==" + std::to_string(type) +
                               "' -T fields -e frame.number");
        auto l = revo::test::split_lines(out.out);
        return l.empty() ? -1 : std::stoi(l[0]);
    };
    CHECK(hs["frames"]["client_hello"] == frame_of(1));
    CHECK(hs["frames"]["server_hello"] == frame_of(2));
    CHECK(hs["frames"]["certificate"] == frame_of(11));
    CHECK(hs["frames"]["certificate_status"] == frame_of(22));
    CHECK(hs["sni"] == "p130-contacts.icloud.com");
    CHECK(hs["version"] == "TLS 1.2");
    CHECK(hs["status_request"] == true);
    CHECK(hs["status_request_ack"] == true);
    CHECK(hs["complete"] == true);
    CHECK(hs["fate"] == "completed");
    REQUIRE(hs["staple"].is_object());
    CHECK(hs["staple"]["source"] == "certificate_status");
    REQUIRE(hs["chain"].is_array());
    auto serials = run_command("tshark -n -r " + shell_quote(file) +
                               " -Y 'tls.handshake.type==11' -T fields -e x509af.serialNumber");
    auto expected = split(revo::test::split_lines(serials.out).at(0), ',');
    REQUIRE(hs["chain"].size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(hs["chain"][i]["serial"] == norm_serial(expected[i]));
}

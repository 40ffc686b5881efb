// Connections, packets and bytes per direction agree with tshark on real captures (samples/ and the
// peer corpus, across Ethernet, BSD loopback, raw IP, LINKTYPE_IPV4 and pcapng files).
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "capture/engine.h"
#include "capture/source.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::capture;
using namespace revo::test;

namespace {

struct DirCount {
    std::uint64_t frames = 0, bytes = 0;
};
struct TsharkStream {
    std::uint64_t first_frame = UINT64_MAX;
    std::map<std::string, DirCount> by_src;  // "ip:port" of the sender
};

std::string endpoint_text(const std::string& ip4, const std::string& ip6, const std::string& port) {
    if (!ip4.empty()) return ip4 + ":" + port;
    return "[" + ip6 + "]:" + port;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

std::map<int, TsharkStream> tshark_streams(const std::string& path) {
    // ICMP errors quoting TCP are excluded: tshark gives the quoted header a stream number.
    auto r = run_command("tshark -n -r " + shell_quote(path) +
                         " -Y 'tcp && !icmp && !icmpv6' -T fields -E separator=, -e tcp.stream -e frame.number"
                         " -e ip.src -e ipv6.src -e tcp.srcport -e frame.len");
    std::map<int, TsharkStream> out;
    for (const auto& line : split_lines(r.out)) {
        auto f = split(line, ',');
        if (f.size() < 6 || f[0].empty()) continue;
        // Tunnelled packets list several addresses; the innermost (last) is the TCP one.
        auto last = [](const std::string& s) {
            auto p = s.rfind(';');
            return p == std::string::npos ? s : s.substr(p + 1);
        };
        auto& st = out[std::stoi(f[0])];
        st.first_frame = std::min<std::uint64_t>(st.first_frame, std::stoull(f[1]));
        auto& d = st.by_src[endpoint_text(last(f[2]), last(f[3]), f[4])];
        d.frames++;
        d.bytes += std::stoull(f[5]);
    }
    return out;
}

std::vector<TcpConnection> our_connections(const std::string& path, Anomalies& an) {
    std::vector<TcpConnection> conns;
    EngineHooks hooks;
    hooks.on_connection = [&](TcpConnection&& c) { conns.push_back(std::move(c)); };
    Engine engine(Limits{}, std::move(hooks));
    std::string err;
    REQUIRE(read_capture_file(path, engine, {}, err) == OpenError::none);
    engine.finish();
    an = engine.stats().anomalies;
    return conns;
}

void compare_with_tshark(const std::string& path) {
    INFO("capture: " << path);
    Anomalies an;
    auto ours = our_connections(path, an);
    auto theirs = tshark_streams(path);
    CHECK(ours.size() == theirs.size());
    std::map<std::pair<std::set<std::string>, std::uint64_t>, const TcpConnection*> index;
    for (const auto& c : ours)
        index[{{c.info.client.to_string(), c.info.server.to_string()}, c.first_frame.frame}] = &c;
    for (const auto& [id, st] : theirs) {
        std::set<std::string> eps;
        for (const auto& [ep, d] : st.by_src) eps.insert(ep);
        if (eps.size() == 1) {
            // Only one side ever sent: add the other end from our data when we find the flow.
            for (const auto& c : ours)
                if (c.first_frame.frame == st.first_frame) eps = {c.info.client.to_string(), c.info.server.to_string()};
        }
        INFO("tshark stream " << id << " starting at frame " << st.first_frame);
        auto it = index.find({eps, st.first_frame});
        REQUIRE(it != index.end());
        const TcpConnection& c = *it->second;
        const std::string ends[2] = {c.info.client.to_string(), c.info.server.to_string()};
        for (int side = 0; side < 2; ++side) {
            auto d = st.by_src.count(ends[side]) ? st.by_src.at(ends[side]) : DirCount{};
            INFO("side " << ends[side]);
            CHECK(c.packets[side] == d.frames);
            CHECK(c.wire_bytes[side] == d.bytes);
        }
    }
}

/// tshark's reassembled payload per node of one stream (-z follow,tcp,raw).
std::map<std::string, std::uint64_t> tshark_follow_bytes(const std::string& path, int stream) {
    auto r = run_command("tshark -n -q -r " + shell_quote(path) + " -z follow,tcp,raw," + std::to_string(stream));
    std::map<std::string, std::uint64_t> out;
    std::string node[2];
    for (const auto& line : split_lines(r.out)) {
        if (line.rfind("Node 0: ", 0) == 0) node[0] = line.substr(8);
        else if (line.rfind("Node 1: ", 0) == 0) node[1] = line.substr(8);
        else if (!line.empty() && line[0] != '=' && line.find(':') == std::string::npos) {
            bool second = line[0] == '\t';
            std::string hex = second ? line.substr(1) : line;
            out[node[second ? 1 : 0]] += hex.size() / 2;
        }
    }
    return out;
}

std::vector<std::string> existing(const std::vector<std::string>& rel, bool corpus) {
    std::vector<std::string> out;
    for (const auto& r : rel) {
        std::string p = corpus ? corpus_path(r) : source_path(r);
        if (!p.empty() && file_exists(p)) out.push_back(p);
    }
    return out;
}

}  // namespace

TEST_CASE("TCP connections, packets and bytes per direction match tshark on samples") {
    if (!have_program("tshark")) {
        WARN("tshark not installed: skipped");
        return;
    }
    auto files = existing({"samples/01-tls12-staple-good.pcap", "samples/02-nginx-stapling-good.pcap",
                           "samples/04-ocsp-post-good.pcap", "samples/06-ocsp-proxy-good.pcap",
                           "samples/10-ocsp-drop.pcap", "samples/11-ocsp-reset.pcap", "samples/12-ocsp-icmp-port.pcap",
                           "samples/16-proxy-407.pcap", "samples/30-clock-behind.pcap"},
                          false);
    if (files.empty()) {
        WARN("no sample captures yet: skipped");
        return;
    }
    for (const auto& f : files) compare_with_tshark(f);
}

TEST_CASE("TCP connections, packets and bytes per direction match tshark on corpus captures") {
    if (!have_program("tshark") || corpus_path("MANIFEST.tsv").empty()) {
        WARN("tshark or the peer corpus is missing: skipped");
        return;
    }
    auto files = existing({"suricata-verify/tests/tls-duplicate-hello/input.pcap",              // BSD loopback
                           "suricata-verify/tests/tls/tls-store-02/tls-client-auth.pcap",       // BSD loopback
                           "suricata-verify/tests/bug-5758/input.pcap",                         // raw IP
                           "suricata-verify/tests/linktype-228/flow-test-01.pcap",              // LINKTYPE_IPV4
                           "suricata-verify/tests/tcp-fastopen-10-syn-data-ignore/input.pcap",  // SYN with data
                           "suricata-verify/tests/tls/tls-pre-1970/input.pcap",
                           "suricata-verify/tests/bug-7264-tcp-3whs-ack-data-tls-01/input.pcap",
                           "suricata-verify/tests/community-id-ipv6/input.pcap",                // IPv6
                           "AAGiron-tls-handshake-analyzer/captures/oqs-hybrid-cmp.pcapng",     // pcapng
                           "Lekensteyn-wireshark-notes/tls/all/dump.pcapng",
                           "illustrated-tls12/captures/capture.pcap"},
                          true);
    REQUIRE(files.size() >= 8);
    for (const auto& f : files) compare_with_tshark(f);
}

TEST_CASE("reassembled payload bytes per direction match tshark's follow output") {
    if (!have_program("tshark")) {
        WARN("tshark not installed: skipped");
        return;
    }
    std::vector<std::string> files = existing({"samples/01-tls12-staple-good.pcap", "samples/04-ocsp-post-good.pcap"}, false);
    auto more = existing({"illustrated-tls12/captures/capture.pcap", "suricata-verify/tests/bug-7264-tcp-3whs-ack-data-tls-01/input.pcap"}, true);
    files.insert(files.end(), more.begin(), more.end());
    if (files.empty()) {
        WARN("no captures: skipped");
        return;
    }
    // A consumer that wants everything, so the reassembler counts every byte it delivers.
    struct All : StreamConsumer {
        void on_data(Side, std::uint64_t, ByteView, const FrameRef&) override {}
        void on_gap(Side, std::uint64_t, std::uint64_t, const FrameRef&) override {}
        void on_end(Side, EndReason, const FrameRef&) override {}
        bool wants(Side) const override { return true; }
    };
    for (const auto& f : files) {
        INFO("capture: " << f);
        std::vector<TcpConnection> conns;
        EngineHooks hooks;
        hooks.make_consumer = [](const ConnInfo&) { return std::make_unique<All>(); };
        hooks.on_connection = [&](TcpConnection&& c) { conns.push_back(std::move(c)); };
        Engine engine(Limits{}, std::move(hooks));
        std::string err;
        REQUIRE(read_capture_file(f, engine, {}, err) == OpenError::none);
        engine.finish();
        std::sort(conns.begin(), conns.end(), [](auto& a, auto& b) { return a.first_frame.frame < b.first_frame.frame; });
        for (std::size_t i = 0; i < conns.size(); ++i) {
            auto follow = tshark_follow_bytes(f, static_cast<int>(i));
            const auto& c = conns[i];
            INFO("stream " << i << " " << c.info.client.to_string() << " -> " << c.info.server.to_string());
            CHECK(c.payload_bytes[0] == follow[c.info.client.to_string()]);
            CHECK(c.payload_bytes[1] == follow[c.info.server.to_string()]);
        }
    }
}

// Record decryption through the RecordDecryptor seam, on real captures from the peer corpus with the
// key logs written by the programs that made them. Facts checked: decrypted handshake message types,
// certificates (compared with tshark's own decryption), the stapled OCSP response of a TLS 1.3 draft-18
// connection, application data, encrypted alerts in TLS 1.3 and TLS 1.2, and the failure notes.
#include <catch2/catch.hpp>

#include "tests/dissect/keylog_records.h"

using namespace revo;
using namespace revo::dissect;
using namespace revo::test::keylog;
using revo::test::corpus_path;

namespace {

const char* kIll13 = "illustrated-tls13/captures/capture.pcap";
const char* kIll13Keys = "illustrated-tls13/captures/keylog.txt";
const char* kRfc = "AAGiron-tls-handshake-analyzer/captures/tls13-rfc8446.pcap";
const char* kRfcKeys = "wireshark/test/keys/tls13-rfc8446.keys";
const char* kDraft = "AAGiron-tls-handshake-analyzer/captures/tls13-18-cert-sct-ocsp.pcap";
const char* kDraftKeys = "AAGiron-tls-handshake-analyzer/captures/tls13-18-cert-sct-ocsp-keylog.txt";
const std::string kVoev = "Voev-snet/tests/pcap/data/decrypt_by_keylog/";

/// Paths of a capture and its key log, or nullopt (with a WARN) when the corpus or tshark is absent.
std::optional<std::pair<std::string, std::string>> inputs(const std::string& pcap, const std::string& keys) {
    std::string p = corpus_path(pcap), k = corpus_path(keys);
    if (p.empty() || k.empty()) {
        WARN("corpus absent: skipped");
        return std::nullopt;
    }
    if (!test::have_program("tshark")) {
        WARN("tshark not installed: skipped");
        return std::nullopt;
    }
    return std::make_pair(p, k);
}

std::vector<Opened> from(const std::vector<Opened>& all, capture::Side side) {
    std::vector<Opened> out;
    for (const auto& o : all)
        if (o.from == side) out.push_back(o);
    return out;
}

/// Certificates (DER) in a TLS 1.3 Certificate message body, with each entry's extensions.
struct Entry {
    Bytes der;
    std::map<int, Bytes> extensions;
};
std::vector<Entry> tls13_certificate_entries(const Bytes& msg) {
    std::vector<Entry> out;
    ByteReader r(msg);
    r.skip(4);  // handshake header
    r.prefixed8();  // certificate_request_context
    auto list = r.prefixed24();
    if (!list) return out;
    while (!list->empty()) {
        auto der = list->prefixed24();
        auto exts = list->prefixed16();
        if (!der || !exts) break;
        Entry e;
        e.der.assign(der->rest().begin(), der->rest().end());
        while (!exts->empty()) {
            auto t = exts->u16();
            auto b = exts->prefixed16();
            if (!t || !b) break;
            e.extensions[*t].assign(b->rest().begin(), b->rest().end());
        }
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<std::string> tshark_certificates(const std::string& pcap, const std::string& keys) {
    auto r = test::run_command("tshark -n -r " + test::shell_quote(pcap) + " -o " +
                               test::shell_quote("tls.keylog_file:" + keys) +
                               " -Y tls.handshake.type==11 -T fields -e tls.handshake.certificate");
    std::vector<std::string> out;
    for (auto& line : test::split_lines(r.out)) {
        std::size_t at = 0;
        while (at <= line.size()) {
            auto comma = line.find(',', at);
            std::string one = line.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
            std::erase(one, ':');
            if (!one.empty()) out.push_back(one);
            if (comma == std::string::npos) break;
            at = comma + 1;
        }
    }
    return out;
}

KeyLog load(const std::string& path) {
    KeyLog k;
    REQUIRE(k.load_file(path));
    return k;
}

}  // namespace

TEST_CASE("keylog decrypt: TLS 1.3 AES-256-GCM handshake and application data (illustrated TLS 1.3)",
          "[keylog][corpus]") {
    auto in = inputs(kIll13, kIll13Keys);
    if (!in) return;
    auto conns = load_connections(in->first);
    REQUIRE(conns.size() == 1);
    const Connection& c = conns.begin()->second;
    REQUIRE(c.have_ch);
    REQUIRE(c.have_sh);
    CHECK(c.sh.cipher_suite == 0x1302);
    KeyLog keys = load(in->second);

    for (bool announce : {true, false}) {
        INFO("next_epoch announced after Finished: " << announce);
        auto d = make_decryptor(keys, c.ch, c.sh);
        REQUIRE(d);
        auto all = open_all(*d, c, announce);
        for (const auto& o : all) CHECK(o.ok);
        auto srv = from(all, capture::Side::server);
        REQUIRE(srv.size() == 7);
        CHECK(handshake_types(srv[0].plain) == std::vector<int>{8});   // EncryptedExtensions
        CHECK(handshake_types(srv[1].plain) == std::vector<int>{11});  // Certificate
        CHECK(handshake_types(srv[2].plain) == std::vector<int>{15});  // CertificateVerify
        CHECK(handshake_types(srv[3].plain) == std::vector<int>{20});  // Finished
        CHECK(handshake_types(srv[4].plain) == std::vector<int>{4});   // NewSessionTicket (application keys)
        CHECK(handshake_types(srv[5].plain) == std::vector<int>{4});
        CHECK(srv[6].inner_type == 23);
        CHECK(as_string(srv[6].plain) == "pong");
        auto cli = from(all, capture::Side::client);
        REQUIRE(cli.size() == 2);
        CHECK(handshake_types(cli[0].plain) == std::vector<int>{20});
        CHECK(cli[1].inner_type == 23);
        CHECK(as_string(cli[1].plain) == "ping");

        // The decrypted certificate is the one tshark decrypts from the same file.
        auto entries = tls13_certificate_entries(srv[1].plain);
        auto oracle = tshark_certificates(in->first, in->second);
        REQUIRE(entries.size() == 1);
        REQUIRE(oracle.size() == 1);
        CHECK(to_hex(entries[0].der) == oracle[0]);
    }
}

TEST_CASE("keylog decrypt: TLS 1.3 ChaCha20-Poly1305 with encrypted close_notify alerts", "[keylog][corpus]") {
    auto in = inputs(kVoev + "tls1.3_chacha.pcap", kVoev + "log.txt");
    if (!in) return;
    auto conns = load_connections(in->first);
    REQUIRE(conns.size() == 1);
    const Connection& c = conns.begin()->second;
    CHECK(c.sh.cipher_suite == 0x1303);
    auto d = make_decryptor(load(in->second), c.ch, c.sh);
    REQUIRE(d);
    auto all = open_all(*d, c, true);
    for (const auto& o : all) CHECK(o.ok);
    auto cli = from(all, capture::Side::client);
    auto srv = from(all, capture::Side::server);
    // client: Finished, "hello", "bye", "kill", close_notify; server: EE..Finished, 2 tickets, data, alert
    REQUIRE(cli.size() == 5);
    CHECK(as_string(cli[1].plain) == "hello\n");
    CHECK(as_string(cli[2].plain) == "bye\n");
    CHECK(as_string(cli[3].plain) == "kill\n");
    CHECK(cli[4].inner_type == 21);
    CHECK(cli[4].plain == Bytes{1, 0});  // warning close_notify
    REQUIRE(srv.size() >= 3);
    CHECK(srv.back().inner_type == 21);
    CHECK(srv.back().plain == Bytes{1, 0});
    CHECK(as_string(srv[srv.size() - 2].plain) == "bye\n");
}

TEST_CASE("keylog decrypt: curl with SSLKEYLOGFILE to www.google.com, a server that does not staple",
          "[keylog][corpus]") {
    auto in = inputs(kVoev + "tls1.3_curl_google.pcap", kVoev + "log.txt");
    if (!in) return;
    auto conns = load_connections(in->first);
    REQUIRE(conns.size() == 1);
    const Connection& c = conns.begin()->second;
    auto d = make_decryptor(load(in->second), c.ch, c.sh);
    REQUIRE(d);
    auto all = open_all(*d, c, true);
    Bytes hs;
    for (const auto& o : from(all, capture::Side::server)) {
        if (!o.ok) break;  // later records may belong to a later key generation
        if (o.inner_type == 22) hs.insert(hs.end(), o.plain.begin(), o.plain.end());
    }
    std::optional<Bytes> cert_msg;
    std::size_t at = 0;
    while (at + 4 <= hs.size()) {
        std::size_t len = be(hs, at + 1, 3);
        if (at + 4 + len > hs.size()) break;
        if (hs[at] == 11) cert_msg = Bytes(hs.begin() + at, hs.begin() + at + 4 + len);
        at += 4 + len;
    }
    REQUIRE(cert_msg);
    auto entries = tls13_certificate_entries(*cert_msg);
    auto oracle = tshark_certificates(in->first, in->second);
    REQUIRE(entries.size() == 3);
    REQUIRE(oracle.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK(to_hex(entries[i].der) == oracle[i]);
    CHECK(entries[0].extensions.count(5) == 0);  // no OCSP staple in the leaf's entry
}

TEST_CASE("keylog decrypt: TLS 1.3 AES-128-CCM and AES-128-CCM_8", "[keylog][corpus]") {
    for (auto [pcap, suite] : {std::pair<std::string, std::uint16_t>{"tls1.3_ccm.pcap", 0x1304},
                               std::pair<std::string, std::uint16_t>{"tls1.3_ccm8.pcap", 0x1305}}) {
        INFO(pcap);
        auto in = inputs(kVoev + pcap, kVoev + "log.txt");
        if (!in) return;
        auto conns = load_connections(in->first);
        REQUIRE(conns.size() == 1);
        const Connection& c = conns.begin()->second;
        CHECK(c.sh.cipher_suite == suite);
        auto d = make_decryptor(load(in->second), c.ch, c.sh);
        REQUIRE(d);
        auto all = open_all(*d, c, true);
        REQUIRE(all.size() >= 6);
        for (const auto& o : all) CHECK(o.ok);
        auto srv = from(all, capture::Side::server);
        CHECK(handshake_types(srv[0].plain).front() == 8);  // EncryptedExtensions first
        bool cert = false;
        for (const auto& o : srv)
            for (int t : handshake_types(o.plain)) cert = cert || t == 11;
        CHECK(cert);
    }
}

TEST_CASE("keylog decrypt: RFC 8446 capture, second connection with PSK and 0-RTT early data",
          "[keylog][corpus]") {
    auto in = inputs(kRfc, kRfcKeys);
    if (!in) return;
    auto conns = load_connections(in->first);
    REQUIRE(conns.size() == 2);
    KeyLog keys = load(in->second);
    auto first = conns.at(0), second = conns.at(1);

    auto d0 = make_decryptor(keys, first.ch, first.sh);
    REQUIRE(d0);
    auto a0 = open_all(*d0, first, true);
    for (const auto& o : a0) CHECK(o.ok);
    auto c0 = from(a0, capture::Side::client);
    auto s0 = from(a0, capture::Side::server);
    REQUIRE(c0.size() == 2);
    CHECK(as_string(c0[1].plain).starts_with("GET /first"));
    REQUIRE(!s0.empty());
    CHECK(as_string(s0.back().plain).find("Request for /first") != std::string::npos);
    CHECK(as_string(s0.back().plain).find("Early data: no") != std::string::npos);

    CHECK(second.ch.early_data);
    auto d1 = make_decryptor(keys, second.ch, second.sh);
    REQUIRE(d1);
    auto a1 = open_all(*d1, second, true);
    for (const auto& o : a1) CHECK(o.ok);
    auto c1 = from(a1, capture::Side::client);
    REQUIRE(c1.size() == 4);  // early data, EndOfEarlyData + Finished, GET /second ...
    CHECK(as_string(c1[0].plain).starts_with("GET /early"));
    CHECK(handshake_types(c1[1].plain) == std::vector<int>{5});   // EndOfEarlyData (handshake keys)
    CHECK(handshake_types(c1[2].plain) == std::vector<int>{20});  // Finished
    CHECK(as_string(c1[3].plain).starts_with("GET /second"));
    bool early_yes = false;
    for (const auto& o : from(a1, capture::Side::server))
        if (as_string(o.plain).find("Early data: yes") != std::string::npos) early_yes = true;
    CHECK(early_yes);

    // The dissector cannot hand in 0-RTT records sent before the ServerHello (no decryptor yet): the
    // EndOfEarlyData that follows them is still opened, at the later early-data sequence number.
    Connection without_early = second;
    for (auto it = without_early.records.begin(); it != without_early.records.end(); ++it)
        if (it->from == capture::Side::client && it->type == 23) {
            without_early.records.erase(it);
            break;
        }
    auto d2 = make_decryptor(keys, second.ch, second.sh);
    REQUIRE(d2);
    auto c2 = from(open_all(*d2, without_early, true), capture::Side::client);
    REQUIRE(c2.size() == 3);
    for (const auto& o : c2) CHECK(o.ok);
    CHECK(handshake_types(c2[0].plain) == std::vector<int>{5});
    CHECK(handshake_types(c2[1].plain) == std::vector<int>{20});
    CHECK(as_string(c2[2].plain).starts_with("GET /second"));
}

TEST_CASE("keylog decrypt: TLS 1.3 draft-18 certificate entry carries the 280-byte OCSP staple",
          "[keylog][corpus]") {
    auto in = inputs(kDraft, kDraftKeys);
    if (!in) return;
    auto conns = load_connections(in->first);
    REQUIRE(conns.size() == 1);
    const Connection& c = conns.begin()->second;
    CHECK(c.sh.selected_version == 0x7f12);
    auto d = make_decryptor(load(in->second), c.ch, c.sh);
    REQUIRE(d);
    auto all = open_all(*d, c, true);
    REQUIRE(!all.empty());
    for (const auto& o : all) CHECK(o.ok);
    // Collect the server's handshake bytes and find the Certificate message.
    Bytes hs;
    for (const auto& o : from(all, capture::Side::server))
        if (o.inner_type == 22) hs.insert(hs.end(), o.plain.begin(), o.plain.end());
    std::optional<Bytes> cert_msg;
    std::size_t at = 0;
    while (at + 4 <= hs.size()) {
        std::size_t len = be(hs, at + 1, 3);
        if (at + 4 + len > hs.size()) break;
        if (hs[at] == 11) cert_msg = Bytes(hs.begin() + at, hs.begin() + at + 4 + len);
        at += 4 + len;
    }
    REQUIRE(cert_msg);
    auto entries = tls13_certificate_entries(*cert_msg);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].der.size() == 956);
    CHECK(entries[1].der.size() == 935);
    auto oracle = tshark_certificates(in->first, in->second);
    REQUIRE(oracle.size() == 2);
    CHECK(to_hex(entries[0].der) == oracle[0]);
    REQUIRE(entries[0].extensions.count(5));
    CHECK(entries[0].extensions.count(18));  // SCT list
    const Bytes& status = entries[0].extensions[5];
    REQUIRE(status.size() == 1 + 3 + 280);
    CHECK(status[0] == 1);                       // status_type ocsp
    CHECK(be(status, 1, 3) == 280);
    CHECK(to_hex(ByteView(status.data() + 4, 4)) == "30820114");  // DER SEQUENCE of 276 bytes
}

namespace {
void check_tls12(const std::string& pcap, const std::string& keylog, std::uint16_t suite) {
    auto in = inputs(kVoev + pcap, kVoev + keylog);
    if (!in) return;
    auto conns = load_connections(in->first);
    REQUIRE(conns.size() == 1);
    const Connection& c = conns.begin()->second;
    CHECK(c.sh.selected_version == 0x0303);
    CHECK(c.sh.cipher_suite == suite);
    auto d = make_decryptor(load(in->second), c.ch, c.sh);
    REQUIRE(d);
    auto all = open_all(*d, c, false);
    for (const auto& o : all) CHECK(o.ok);
    CHECK(all.size() == 13);  // Voev/snet tests.conf: decrypted_records_count = 13
    auto cli = from(all, capture::Side::client);
    auto srv = from(all, capture::Side::server);
    REQUIRE(cli.size() == 12);
    REQUIRE(srv.size() == 1);
    // Finished: handshake type 20 with 12 bytes of verify_data, first after ChangeCipherSpec.
    for (const auto* f : {&cli[0], &srv[0]}) {
        CHECK(f->inner_type == 22);
        REQUIRE(f->plain.size() == 16);
        CHECK(f->plain[0] == 20);
        CHECK(be(f->plain, 1, 3) == 12);
    }
    for (std::size_t i = 1; i + 1 < cli.size(); ++i) CHECK(cli[i].inner_type == 23);
    CHECK(cli.back().inner_type == 21);
    CHECK(cli.back().plain == Bytes{1, 0});  // the encrypted alert: warning close_notify
}
}  // namespace

TEST_CASE("keylog decrypt: TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 Finished and encrypted alert", "[keylog][corpus]") {
    check_tls12("tls_ECDHE-RSA-AES128-GCM-SHA256.pcap", "keylog_ECDHE-RSA-AES128-GCM-SHA256.txt", 0xC02F);
}

TEST_CASE("keylog decrypt: TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384 (SHA-384 PRF)", "[keylog][corpus]") {
    check_tls12("tls_ECDHE-RSA-AES256-GCM-SHA384.pcap", "keylog_ECDHE-RSA-AES256-GCM-SHA384.txt", 0xC030);
}

TEST_CASE("keylog decrypt: TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305 (RFC 7905 nonce)", "[keylog][corpus]") {
    check_tls12("tls_ECDHE-RSA-CHACHA20-POLY1305.pcap", "keylog_ECDHE-RSA-CHACHA20-POLY1305.txt", 0xCCA8);
}

TEST_CASE("keylog decrypt: TLS 1.2 RSA AES128-CCM8 (8-byte tag, RFC 6655 nonce)", "[keylog][corpus]") {
    check_tls12("tls_AES128-CCM8.pcap", "keylog_AES128-CCM8.txt", 0xC0A0);
}

TEST_CASE("keylog decrypt: a wrong key gives an AEAD tag failure note, not a crash", "[keylog][corpus]") {
    auto in = inputs(kIll13, kIll13Keys);
    if (!in) return;
    auto conns = load_connections(in->first);
    REQUIRE(conns.size() == 1);
    const Connection& c = conns.begin()->second;
    // The same key log with one hex digit of every secret changed.
    std::string text = test::read_file(in->second);
    KeyLog wrong;
    for (auto& line : test::split_lines(text)) {
        if (line.size() > 10) line[line.size() - 3] = line[line.size() - 3] == '0' ? '1' : '0';
        wrong.add_from_text(line + "\n");
    }
    REQUIRE(wrong.size() == 1);
    auto d = make_decryptor(wrong, c.ch, c.sh);
    REQUIRE(d);
    auto all = open_all(*d, c, true);
    REQUIRE(!all.empty());
    for (const auto& o : all) {
        CHECK_FALSE(o.ok);
        CHECK(o.note.find("AEAD tag failure") != std::string::npos);
    }
    CHECK(from(all, capture::Side::server)[0].note.find("server's handshake epoch") != std::string::npos);
}

TEST_CASE("keylog decrypt: TLS 1.2 with a wrong master secret fails per connection", "[keylog][corpus]") {
    auto in = inputs(kVoev + "tls_ECDHE-RSA-AES128-GCM-SHA256.pcap", kVoev + "keylog_ECDHE-RSA-AES128-GCM-SHA256.txt");
    if (!in) return;
    auto conns = load_connections(in->first);
    REQUIRE(conns.size() == 1);
    const Connection& c = conns.begin()->second;
    KeyLog wrong;
    wrong.add_from_text("CLIENT_RANDOM " + c.ch.random_hex + " " + std::string(96, '7'));
    auto d = make_decryptor(wrong, c.ch, c.sh);
    REQUIRE(d);
    auto all = open_all(*d, c, false);
    REQUIRE(all.size() == 13);
    for (const auto& o : all) CHECK_FALSE(o.ok);
    CHECK(all[0].note.find("AEAD tag failure") != std::string::npos);
}

TEST_CASE("keylog decrypt: no key, unsupported suite and missing application secrets are explained",
          "[keylog][corpus]") {
    auto in = inputs(kIll13, kIll13Keys);
    if (!in) return;
    auto conns = load_connections(in->first);
    REQUIRE(conns.size() == 1);
    const Connection& c = conns.begin()->second;

    SECTION("a key log for other connections") {
        KeyLog other = load(corpus_path(kRfcKeys));
        CHECK(make_decryptor(other, c.ch, c.sh) == nullptr);
        CHECK(decryptor_unavailable_reason(other, c.ch, c.sh) == "no key for client random " + c.ch.random_hex);
    }
    SECTION("a TLS 1.2 master secret for a TLS 1.3 connection") {
        KeyLog k;
        k.add_from_text("CLIENT_RANDOM " + c.ch.random_hex + " " + std::string(96, 'a'));
        CHECK(make_decryptor(k, c.ch, c.sh) == nullptr);
        CHECK(decryptor_unavailable_reason(k, c.ch, c.sh).find("no TLS 1.3 traffic secrets") != std::string::npos);
    }
    SECTION("handshake secrets only: the handshake decrypts, application records say what is missing") {
        KeyLog k;
        for (auto& line : test::split_lines(test::read_file(in->second)))
            if (line.find("HANDSHAKE") != std::string::npos) k.add_from_text(line);
        auto d = make_decryptor(k, c.ch, c.sh);
        REQUIRE(d);
        CHECK(decryptor_unavailable_reason(k, c.ch, c.sh).empty());
        auto srv = from(open_all(*d, c, true), capture::Side::server);
        REQUIRE(srv.size() == 7);
        for (int i = 0; i < 4; ++i) CHECK(srv[i].ok);
        CHECK_FALSE(srv[4].ok);
        CHECK(srv[4].note == "no server application traffic secret in the key log for this client random");
    }
    SECTION("a cipher suite without AEAD support") {
        ServerHello sh = c.sh;
        sh.cipher_suite = 0x00C6;  // TLS_SM4_GCM_SM3 (RFC 8998)
        KeyLog k = load(in->second);
        CHECK(make_decryptor(k, c.ch, sh) == nullptr);
        CHECK(decryptor_unavailable_reason(k, c.ch, sh) == "cipher suite 0x00c6 not supported for decryption");
    }
}

TEST_CASE("keylog decrypt: a TLS 1.2 CBC suite is reported as not supported (illustrated TLS 1.2)",
          "[keylog][corpus]") {
    auto in = inputs("illustrated-tls12/captures/capture.pcap", "illustrated-tls12/captures/keylog.txt");
    if (!in) return;
    auto conns = load_connections(in->first);
    REQUIRE(conns.size() == 1);
    const Connection& c = conns.begin()->second;
    CHECK(c.sh.cipher_suite == 0xC013);
    KeyLog k = load(in->second);
    CHECK(k.find_hex(c.ch.random_hex) != nullptr);
    CHECK(make_decryptor(k, c.ch, c.sh) == nullptr);
    CHECK(decryptor_unavailable_reason(k, c.ch, c.sh) == "cipher suite 0xc013 not supported for decryption");
}

TEST_CASE("keylog decrypt: hostile records are refused with a note, never read past", "[keylog]") {
    // Hand-built hellos and secrets: this test is about malformed input, not about real traffic.
    const std::string random(64, 'a');
    KeyLog k;
    k.add_from_text("CLIENT_HANDSHAKE_TRAFFIC_SECRET " + random + " " + std::string(64, '1') + "\n" +
                    "SERVER_HANDSHAKE_TRAFFIC_SECRET " + random + " " + std::string(64, '2') + "\n" +
                    "CLIENT_RANDOM " + random + " " + std::string(96, '3') + "\n");
    ClientHello ch;
    ch.random_hex = random;
    ServerHello sh;
    sh.random_hex = std::string(64, 'b');
    sh.selected_version = 0x0304;
    sh.cipher_suite = 0x1301;
    auto d = make_decryptor(k, ch, sh);
    REQUIRE(d);
    std::uint8_t inner = 0xEE;
    Bytes tiny = {0x17, 0x03};
    CHECK_FALSE(d->decrypt(capture::Side::server, 23, tiny, inner));
    CHECK(d->note() == "record shorter than its header");
    Bytes plain_type = {0x16, 0x03, 0x03, 0x00, 0x01, 0x00};
    CHECK_FALSE(d->decrypt(capture::Side::server, 22, plain_type, inner));
    CHECK(d->note().find("not an encrypted record") != std::string::npos);
    Bytes short_tag = {0x17, 0x03, 0x03, 0x00, 0x04, 1, 2, 3, 4};  // fragment shorter than a tag
    CHECK_FALSE(d->decrypt(capture::Side::server, 23, short_tag, inner));
    CHECK(d->note().find("AEAD tag failure") != std::string::npos);
    Bytes huge(5 + (1u << 15), 0);  // longer than any TLS 1.3 record may be
    huge[0] = 0x17;
    CHECK_FALSE(d->decrypt(capture::Side::client, 23, huge, inner));
    CHECK(inner == 0xEE);

    // TLS 1.2 with the same master secret log line
    sh.selected_version = 0x0303;
    sh.cipher_suite = 0xC02F;
    auto d12 = make_decryptor(k, ch, sh);
    REQUIRE(d12);
    Bytes short12 = {0x15, 0x03, 0x03, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 1};  // explicit nonce only
    CHECK_FALSE(d12->decrypt(capture::Side::client, 21, short12, inner));
    CHECK(d12->note().find("AEAD tag failure") != std::string::npos);
    // TLS 1.0 has no AEAD suites: explained, not attempted
    sh.selected_version = 0x0301;
    CHECK(make_decryptor(k, ch, sh) == nullptr);
    CHECK(decryptor_unavailable_reason(k, ch, sh) == "protocol version 0x0301 not supported for decryption");
    // a HelloRetryRequest is not the ServerHello that selects the keys
    sh.selected_version = 0x0304;
    sh.cipher_suite = 0x1301;
    sh.hello_retry_request = true;
    CHECK(make_decryptor(k, ch, sh) == nullptr);
}

// NSS key log format (draft-ietf-tls-keylogfile) and pcapng Decryption Secrets Blocks
// (draft-ietf-opsawg-pcapng, block type 0x0000000A).
#include "dissect/tls/keylog.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace revo::dissect {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string lower_hex(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_space(line[i])) ++i;
        if (i >= line.size()) break;
        std::size_t j = i;
        while (j < line.size() && !is_space(line[j])) ++j;
        out.push_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

enum class Label { chts, shts, cts0, sts0, cets, master, ignored, unknown };

Label classify(std::string_view l) {
    if (l == "CLIENT_HANDSHAKE_TRAFFIC_SECRET") return Label::chts;
    if (l == "SERVER_HANDSHAKE_TRAFFIC_SECRET") return Label::shts;
    if (l == "CLIENT_TRAFFIC_SECRET_0") return Label::cts0;
    if (l == "SERVER_TRAFFIC_SECRET_0") return Label::sts0;
    if (l == "CLIENT_EARLY_TRAFFIC_SECRET") return Label::cets;
    if (l == "CLIENT_RANDOM") return Label::master;
    // Known labels that carry nothing the decryptor needs.
    if (l == "EXPORTER_SECRET" || l == "EARLY_EXPORTER_SECRET" || l == "RSA" || l == "PMS_CLIENT_RANDOM" ||
        l == "ECH_SECRET" || l == "ECH_CONFIG")
        return Label::ignored;
    if (l.starts_with("CLIENT_TRAFFIC_SECRET_") || l.starts_with("SERVER_TRAFFIC_SECRET_"))
        return Label::ignored;  // later generations (after KeyUpdate)
    return Label::unknown;
}

}  // namespace

std::vector<std::uint8_t> parse_hex(std::string_view hex, bool* ok) {
    std::vector<std::uint8_t> out;
    if (ok) *ok = false;
    if (hex.size() % 2 != 0) return out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return {};
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    if (ok) *ok = true;
    return out;
}

void KeyLog::add_line(std::string_view line) {
    auto f = split_fields(line);
    if (f.empty()) return;
    if (f[0].starts_with("#")) return;
    ++stats_.lines;
    if (f.size() != 3) {
        ++stats_.malformed;
        return;
    }
    Label label = classify(f[0]);
    bool ok_r = false, ok_s = false;
    auto random = parse_hex(f[1], &ok_r);
    auto secret = parse_hex(f[2], &ok_s);
    // RSA lines carry 8 bytes of encrypted premaster in the second field, not a client random.
    bool random_ok = ok_r && (label == Label::ignored ? !random.empty() : random.size() == 32);
    if (!random_ok || !ok_s || secret.empty() || secret.size() > 64) {
        ++stats_.malformed;
        return;
    }
    if (label == Label::ignored) {
        ++stats_.ignored;
        return;
    }
    if (label == Label::unknown) {
        ++stats_.unknown_label;
        return;
    }
    if (label == Label::master && secret.size() != 48) {
        ++stats_.malformed;
        return;
    }
    if (label != Label::master && secret.size() != 32 && secret.size() != 48) {
        ++stats_.malformed;  // TLS 1.3 secrets are a SHA-256 or SHA-384 output
        return;
    }
    ConnectionSecrets& cs = by_random_[lower_hex(f[1])];
    Secret* slot = nullptr;
    switch (label) {
        case Label::chts: slot = &cs.client_handshake_traffic; break;
        case Label::shts: slot = &cs.server_handshake_traffic; break;
        case Label::cts0: slot = &cs.client_traffic_0; break;
        case Label::sts0: slot = &cs.server_traffic_0; break;
        case Label::cets: slot = &cs.client_early_traffic; break;
        case Label::master: slot = &cs.master_secret; break;
        default: return;
    }
    if (!slot->empty()) ++stats_.duplicates;
    *slot = std::move(secret);
    ++stats_.used;
}

void KeyLog::add_from_text(std::string_view text) {
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t nl = text.find('\n', start);
        std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        add_line(line);
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
}

bool KeyLog::load_file(const std::string& path, std::string* error) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        if (error) *error = "key log " + path + " is a directory, not a file";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (error) *error = "cannot open key log file " + path;
        return false;
    }
    // Line by line: a long-running browser's key log can be large.
    std::string line;
    while (std::getline(in, line)) add_line(line);
    if (in.bad()) {
        if (error) *error = "cannot read key log file " + path;
        return false;
    }
    return true;
}

void KeyLog::count_into(Anomalies& anomalies) const {
    if (stats_.malformed) anomalies.add("keylog_malformed_line", stats_.malformed);
    if (stats_.unknown_label) anomalies.add("keylog_unknown_label", stats_.unknown_label);
}

const ConnectionSecrets* KeyLog::find(ByteView client_random) const {
    if (client_random.size() != 32) return nullptr;
    auto it = by_random_.find(to_hex(client_random));
    return it == by_random_.end() ? nullptr : &it->second;
}

const ConnectionSecrets* KeyLog::find_hex(std::string_view client_random_hex) const {
    auto it = by_random_.find(lower_hex(client_random_hex));
    return it == by_random_.end() ? nullptr : &it->second;
}

// ---- pcapng Decryption Secrets Block scanner -------------------------------------------------

namespace {

constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr std::uint32_t kDecryptionSecrets = 0x0000000A;
constexpr std::uint32_t kTlsKeyLog = 0x544c534b;  // 'TLSK'
constexpr std::uint32_t kMaxSecretsBlock = 16u << 20;

std::uint32_t load32(const unsigned char* p, bool big_endian) {
    if (big_endian)
        return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
    return (std::uint32_t(p[3]) << 24) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[1]) << 8) | p[0];
}

struct FileCloser {
    void operator()(std::FILE* f) const {
        if (f) std::fclose(f);
    }
};

}  // namespace

std::vector<std::string> read_pcapng_dsb(const std::string& path, std::string* error) {
    std::vector<std::string> out;
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) {
        if (error) *error = "cannot open " + path;
        return out;
    }
    unsigned char hdr[12];
    bool big_endian = false;
    bool first = true;
    for (;;) {
        std::size_t got = std::fread(hdr, 1, 12, f.get());
        if (got == 0) break;  // clean end of file
        if (got < 12) {
            if (error) *error = "pcapng block header cut short";
            break;
        }
        // The block type 0x0A0D0D0A reads the same in both byte orders.
        bool shb = load32(hdr, false) == kSectionHeader;
        if (first && !shb) return out;  // not pcapng
        first = false;
        if (shb) {
            std::uint32_t magic_le = load32(hdr + 8, false);
            if (magic_le == kByteOrderMagic) big_endian = false;
            else if (load32(hdr + 8, true) == kByteOrderMagic) big_endian = true;
            else {
                if (error) *error = "pcapng section header with a bad byte-order magic";
                break;
            }
        }
        std::uint32_t type = load32(hdr, big_endian);
        std::uint32_t total = load32(hdr + 4, big_endian);
        if (total < 12 || total % 4 != 0) {
            if (error) *error = "pcapng block with an invalid length";
            break;
        }
        // hdr holds 12 bytes of the block: type, length and the first body word.
        if (type == kDecryptionSecrets && total >= 20 && total - 12 <= kMaxSecretsBlock + 8) {
            std::uint32_t secrets_type = load32(hdr + 8, big_endian);
            unsigned char lenb[4];
            if (std::fread(lenb, 1, 4, f.get()) != 4) {
                if (error) *error = "pcapng Decryption Secrets Block cut short";
                break;
            }
            std::uint32_t secrets_len = load32(lenb, big_endian);
            std::uint64_t rest = std::uint64_t(total) - 16;  // bytes after the secrets length field
            if (secrets_len <= rest - 4 && secrets_len <= kMaxSecretsBlock) {
                std::string data(secrets_len, '\0');
                if (secrets_len && std::fread(data.data(), 1, secrets_len, f.get()) != secrets_len) {
                    if (error) *error = "pcapng Decryption Secrets Block cut short";
                    break;
                }
                if (secrets_type == kTlsKeyLog) out.push_back(std::move(data));
                rest -= secrets_len;
            }
            if (std::fseek(f.get(), static_cast<long>(rest), SEEK_CUR) != 0) break;
            continue;
        }
        if (std::fseek(f.get(), static_cast<long>(total - 12), SEEK_CUR) != 0) break;
    }
    return out;
}

std::size_t KeyLog::add_from_pcapng(const std::string& capture_path, std::string* error) {
    auto blocks = read_pcapng_dsb(capture_path, error);
    for (const auto& b : blocks) add_from_text(b);
    stats_.dsb_blocks += blocks.size();
    return blocks.size();
}

}  // namespace revo::dissect

// TLS key log: secrets written by clients and servers in the NSS key log format
// (SSLKEYLOGFILE; see draft-ietf-tls-keylogfile), loaded from text files or from the
// Decryption Secrets Blocks of a pcapng file (pcapng block type 0x0000000A, secrets type 'TLSK').
//
// Each line is "<LABEL> <client_random hex> <secret hex>". Secrets are matched to connections by
// the 32-byte ClientHello random. Lines that cannot be parsed are counted, never fatal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/anomaly.h"
#include "common/bytes.h"

namespace revo::dissect {

struct ClientHello;  // dissect/tls/handshake.h
struct ServerHello;

using Secret = std::vector<std::uint8_t>;

/// All secrets logged for one connection (one client random). Empty vectors are absent.
struct ConnectionSecrets {
    Secret client_handshake_traffic;  ///< CLIENT_HANDSHAKE_TRAFFIC_SECRET (TLS 1.3)
    Secret server_handshake_traffic;  ///< SERVER_HANDSHAKE_TRAFFIC_SECRET (TLS 1.3)
    Secret client_traffic_0;          ///< CLIENT_TRAFFIC_SECRET_0 (TLS 1.3)
    Secret server_traffic_0;          ///< SERVER_TRAFFIC_SECRET_0 (TLS 1.3)
    Secret client_early_traffic;      ///< CLIENT_EARLY_TRAFFIC_SECRET (TLS 1.3 0-RTT)
    Secret master_secret;             ///< CLIENT_RANDOM (TLS <= 1.2, 48 bytes)
};

/// Counts from loading, for the summary and for tests.
struct KeyLogStats {
    std::uint64_t lines = 0;           ///< non-empty, non-comment lines seen
    std::uint64_t used = 0;            ///< lines stored (labels that decryption uses)
    std::uint64_t ignored = 0;         ///< well-formed lines with a known label not needed here
    std::uint64_t unknown_label = 0;   ///< well-formed lines with a label not known at all
    std::uint64_t malformed = 0;       ///< wrong field count, bad hex, wrong random/secret length
    std::uint64_t duplicates = 0;      ///< same label and random again (the later value wins)
    std::uint64_t dsb_blocks = 0;      ///< pcapng Decryption Secrets Blocks fed in
};

class KeyLog {
public:
    /// Adds the secrets in a key log file. Returns false (with a one-line reason) if the file cannot
    /// be read; malformed lines inside a readable file only count in stats().
    bool load_file(const std::string& path, std::string* error = nullptr);

    /// Adds the secrets in key log text (a file's contents, or a pcapng DSB payload).
    void add_from_text(std::string_view text);

    /// Adds the secrets of every TLS key log Decryption Secrets Block in a pcapng capture (none in a
    /// classic pcap). Returns the number of blocks added; `error` gets a one-line reason when the
    /// capture cannot be opened or its block structure is damaged (blocks before the damage are kept).
    std::size_t add_from_pcapng(const std::string& capture_path, std::string* error = nullptr);

    /// Adds the load counts as anomalies: "keylog_malformed_line", "keylog_unknown_label".
    void count_into(Anomalies& anomalies) const;

    /// Secrets for a 32-byte client random, or nullptr.
    const ConnectionSecrets* find(ByteView client_random) const;
    /// Same, by hex (case-insensitive, as in ClientHello::random_hex).
    const ConnectionSecrets* find_hex(std::string_view client_random_hex) const;

    std::size_t size() const { return by_random_.size(); }  ///< connections with at least one secret
    bool empty() const { return by_random_.empty(); }
    const KeyLogStats& stats() const { return stats_; }

private:
    void add_line(std::string_view line);
    std::map<std::string, ConnectionSecrets, std::less<>> by_random_;  ///< key: lower-case hex
    KeyLogStats stats_;
};

/// Why make_decryptor() (dissect/tls/decrypt_seam.h) returns nullptr for these hellos, as a one-line
/// per-connection note ("no key for client random ...", "cipher suite 0x1304 not supported for
/// decryption"); empty when a decryptor can be made. Implemented in dissect/tls/decrypt.cpp.
std::string decryptor_unavailable_reason(const KeyLog& keys, const ClientHello& ch, const ServerHello& sh);

/// Parses hex (either case, no separators). Empty result on odd length or a non-hex character.
std::vector<std::uint8_t> parse_hex(std::string_view hex, bool* ok = nullptr);

/// Contents of every TLS key log ('TLSK') Decryption Secrets Block in a pcapng file, in file order.
/// Not a pcapng file, or no such block: empty. Bounded: blocks claiming more than 16 MiB are skipped.
/// `error` (optional) gets a one-line reason when the file cannot be opened or is cut short.
std::vector<std::string> read_pcapng_dsb(const std::string& path, std::string* error = nullptr);

}  // namespace revo::dissect

// Link, network and transport decoding of one captured frame.
//
// Link layers: Ethernet II with 802.1Q / 802.1ad tags (IEEE 802.1Q), Linux cooked capture v1 and v2
// (LINKTYPE_LINUX_SLL / _SLL2), BSD loopback (DLT_NULL host order, DLT_LOOP network order) and raw IP
// (DLT_RAW 12/14, LINKTYPE_RAW 101, LINKTYPE_IPV4 228, LINKTYPE_IPV6 229).
// Network: IPv4 (RFC 791) with options and fragments, IPv6 (RFC 8200) with extension headers and
// fragments. Transport: TCP (RFC 9293) with options, UDP (RFC 768), ICMP (RFC 792) and ICMPv6
// (RFC 4443) error messages down to the quoted packet's 5-tuple.
//
// Nothing here throws or allocates per packet except fragment reassembly; every problem is counted in
// Anomalies under a stable id. Checksums are not verified (capture hosts offload them).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "capture/ip_defrag.h"
#include "common/anomaly.h"
#include "common/bytes.h"
#include "common/frame.h"
#include "common/limits.h"
#include "common/net.h"

namespace revo::capture {

/// Link-layer header types by their pcap LINKTYPE_/DLT_ number.
namespace dlt {
inline constexpr int null = 0;
inline constexpr int en10mb = 1;
inline constexpr int raw_12 = 12;
inline constexpr int raw_14 = 14;
inline constexpr int raw = 101;
inline constexpr int loop = 108;
inline constexpr int linux_sll = 113;
inline constexpr int ipv4 = 228;
inline constexpr int ipv6 = 229;
inline constexpr int linux_sll2 = 276;
}  // namespace dlt

/// True when decode_packet understands the link type.
bool link_type_supported(int linktype);
/// Short name such as "EN10MB" or "LINUX_SLL2" (or "DLT_<n>").
std::string link_type_name(int linktype);

enum class L4 : std::uint8_t { none, tcp, udp, icmp, other };

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10, urg = 0x20;
}

struct TcpOptions {
    std::uint16_t mss = 0;
    std::int16_t wscale = -1;     ///< -1 when absent
    bool sack_permitted = false;
    std::uint8_t sack_blocks = 0;
    bool timestamps = false;
    std::uint32_t tsval = 0, tsecr = 0;
};

struct TcpHeader {
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0;
    TcpOptions options;
    bool has(std::uint8_t f) const { return (flags & f) != 0; }
};

/// The original datagram quoted inside an ICMP/ICMPv6 error.
struct IcmpQuote {
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    bool is_error = false;        ///< destination unreachable, time exceeded, packet too big, parameter problem
    bool has_quote = false;       ///< the quoted header and ports were decoded
    std::uint8_t proto = 0;       ///< quoted transport protocol
    Endpoint src, dst;            ///< quoted source/destination (ports 0 unless TCP/UDP)
};

/// One decoded frame. Views point into the captured bytes (or the defragmenter's buffer) and are valid
/// only until the next call to PacketDecoder::decode.
struct Packet {
    FrameRef frame;
    std::uint32_t cap_len = 0;
    std::uint32_t wire_len = 0;
    std::uint8_t ip_version = 0;  ///< 0 when no IP layer was decoded
    std::uint8_t ip_proto = 0;
    std::uint8_t ttl = 0;
    IpAddr src, dst;
    L4 l4 = L4::none;
    std::uint16_t sport = 0, dport = 0;
    TcpHeader tcp;
    ByteView payload;             ///< transport payload actually captured
    std::uint32_t payload_missing = 0;  ///< payload bytes the IP length promised but the capture cut off
    IcmpQuote icmp;
    bool reassembled = false;     ///< came out of IP fragment reassembly
};

/// "port-unreachable", "admin-prohibited", "time-exceeded", ...
std::string_view icmp_meaning(bool v6, std::uint8_t type, std::uint8_t code);

/// Stateful decoder (it owns the IP fragment reassembly state).
class PacketDecoder {
public:
    PacketDecoder(const Limits& limits, Anomalies& anomalies);

    /// Decodes `data` of link type `linktype`. Returns false when there is nothing for the transport
    /// layer (non-IP, malformed, or a fragment held for reassembly); the reason is counted.
    bool decode(int linktype, ByteView data, std::uint32_t wire_len, const FrameRef& frame, Packet& out);

    /// Drops fragment sets older than the timeout (counted); called as capture time advances.
    void expire(Timestamp now) { defrag_.expire(now); }
    std::size_t fragments_held() const { return defrag_.fragments_held(); }

private:
    bool decode_ipv4(ByteView l3, bool snap_cut, Packet& out);
    bool decode_ipv6(ByteView l3, bool snap_cut, Packet& out);
    bool decode_transport(ByteView l4, std::uint32_t missing, Packet& out);
    bool decode_icmp(ByteView body, bool v6, Packet& out);

    Anomalies& anomalies_;
    IpDefragmenter defrag_;
};

/// Parses the quoted IPv4/IPv6 header and first transport bytes of an ICMP error. Exposed for tests.
bool parse_icmp_quote(ByteView quoted, bool v6, IcmpQuote& q);

}  // namespace revo::capture

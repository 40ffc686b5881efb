// Link, IPv4/IPv6, TCP/UDP and ICMP decoding; see decode.h for the formats and RFCs.
#include "capture/decode.h"

#include <algorithm>
#include <string>

namespace revo::capture {

namespace {

constexpr std::uint16_t kEthIpv4 = 0x0800;
constexpr std::uint16_t kEthIpv6 = 0x86DD;
constexpr std::uint16_t kEthVlan = 0x8100;
constexpr std::uint16_t kEthQinQ = 0x88A8;
constexpr std::uint16_t kEthQinQOld = 0x9100;
constexpr int kMaxVlanTags = 8;

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIcmp6 = 58;

inline std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
inline std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

/// Result of peeling the link layer: which network protocol follows, and its bytes.
enum class Net : std::uint8_t { none, v4, v6 };

Net net_from_ethertype(std::uint16_t t) {
    if (t == kEthIpv4) return Net::v4;
    if (t == kEthIpv6) return Net::v6;
    return Net::none;
}

Net net_from_version(ByteView v) {
    if (v.empty()) return Net::none;
    int ver = v[0] >> 4;
    return ver == 4 ? Net::v4 : ver == 6 ? Net::v6 : Net::none;
}

/// Follows VLAN tags starting at `pos` (where the 2-byte type sits). Returns false when cut short.
bool skip_vlan_tags(ByteView d, std::size_t& pos, std::uint16_t& type, Anomalies& an) {
    int tags = 0;
    while (type == kEthVlan || type == kEthQinQ || type == kEthQinQOld) {
        if (++tags > kMaxVlanTags) {
            an.add("vlan_too_many_tags");
            return false;
        }
        // TCI (2 bytes) then the inner type.
        if (d.size() < pos + 4) {
            an.add("vlan_truncated");
            return false;
        }
        type = be16(d.data() + pos + 2);
        pos += 4;
    }
    return true;
}

bool is_ipv6_ext(std::uint8_t nh) { return nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 135 || nh == 139 || nh == 140; }

}  // namespace

bool link_type_supported(int lt) {
    switch (lt) {
        case dlt::null: case dlt::en10mb: case dlt::raw_12: case dlt::raw_14: case dlt::raw:
        case dlt::loop: case dlt::linux_sll: case dlt::ipv4: case dlt::ipv6: case dlt::linux_sll2:
            return true;
        default:
            return false;
    }
}

std::string link_type_name(int lt) {
    switch (lt) {
        case dlt::null: return "NULL";
        case dlt::en10mb: return "EN10MB";
        case dlt::raw_12: case dlt::raw_14: case dlt::raw: return "RAW";
        case dlt::loop: return "LOOP";
        case dlt::linux_sll: return "LINUX_SLL";
        case dlt::ipv4: return "IPV4";
        case dlt::ipv6: return "IPV6";
        case dlt::linux_sll2: return "LINUX_SLL2";
        default: return "DLT_" + std::to_string(lt);
    }
}

std::string_view icmp_meaning(bool v6, std::uint8_t type, std::uint8_t code) {
    if (!v6) {
        if (type == 3) {
            switch (code) {
                case 0: return "net-unreachable";
                case 1: return "host-unreachable";
                case 2: return "protocol-unreachable";
                case 3: return "port-unreachable";
                case 4: return "fragmentation-needed";
                case 5: return "source-route-failed";
                case 6: return "net-unknown";
                case 7: return "host-unknown";
                case 9: return "net-prohibited";
                case 10: return "host-prohibited";
                case 11: return "net-unreachable-for-tos";
                case 12: return "host-unreachable-for-tos";
                case 13: return "admin-prohibited";
                case 14: return "host-precedence-violation";
                case 15: return "precedence-cutoff";
                default: return "unreachable";
            }
        }
        if (type == 11) return "time-exceeded";
        if (type == 12) return "parameter-problem";
        if (type == 4) return "source-quench";
        return "icmp";
    }
    if (type == 1) {
        switch (code) {
            case 0: return "no-route";
            case 1: return "admin-prohibited";
            case 2: return "beyond-scope";
            case 3: return "address-unreachable";
            case 4: return "port-unreachable";
            case 5: return "source-policy-failed";
            case 6: return "reject-route";
            default: return "unreachable";
        }
    }
    if (type == 2) return "packet-too-big";
    if (type == 3) return "time-exceeded";
    if (type == 4) return "parameter-problem";
    return "icmp6";
}

PacketDecoder::PacketDecoder(const Limits& limits, Anomalies& anomalies)
    : anomalies_(anomalies), defrag_(limits, anomalies) {}

bool PacketDecoder::decode(int lt, ByteView d, std::uint32_t wire_len, const FrameRef& frame, Packet& out) {
    out.frame = frame;
    out.cap_len = static_cast<std::uint32_t>(d.size());
    out.wire_len = wire_len;
    out.ip_version = 0;
    out.l4 = L4::none;
    out.payload = {};
    out.payload_missing = 0;
    out.sport = out.dport = 0;
    out.reassembled = false;
    out.icmp = IcmpQuote{};
    const bool snap_cut = wire_len > d.size();
    if (snap_cut) anomalies_.add("frame_truncated_by_snaplen");

    Net net = Net::none;
    std::size_t pos = 0;
    switch (lt) {
        case dlt::en10mb: {
            if (d.size() < 14) {
                anomalies_.add("ethernet_truncated");
                return false;
            }
            std::uint16_t type = be16(d.data() + 12);
            pos = 14;
            if (!skip_vlan_tags(d, pos, type, anomalies_)) return false;
            if (type <= 1500) {
                anomalies_.add("ethernet_non_ip");  // 802.3 length field: LLC/SNAP frames
                return false;
            }
            net = net_from_ethertype(type);
            break;
        }
        case dlt::linux_sll: {
            // packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2)
            if (d.size() < 16) {
                anomalies_.add("sll_truncated");
                return false;
            }
            std::uint16_t type = be16(d.data() + 14);
            pos = 16;
            if (!skip_vlan_tags(d, pos, type, anomalies_)) return false;
            net = net_from_ethertype(type);
            break;
        }
        case dlt::linux_sll2: {
            // protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1) addr(8)
            if (d.size() < 20) {
                anomalies_.add("sll2_truncated");
                return false;
            }
            std::uint16_t type = be16(d.data());
            pos = 20;
            if (!skip_vlan_tags(d, pos, type, anomalies_)) return false;
            net = net_from_ethertype(type);
            break;
        }
        case dlt::null:
        case dlt::loop: {
            if (d.size() < 4) {
                anomalies_.add("loopback_truncated");
                return false;
            }
            // DLT_NULL: address family in the writer's byte order; DLT_LOOP: network order.
            std::uint32_t be = be32(d.data());
            std::uint32_t le = std::uint32_t(d[0]) | (std::uint32_t(d[1]) << 8) | (std::uint32_t(d[2]) << 16) |
                               (std::uint32_t(d[3]) << 24);
            std::uint32_t fam = (lt == dlt::loop) ? be : (le < 256 ? le : be);
            pos = 4;
            if (fam == 2) net = Net::v4;
            else if (fam == 10 || fam == 24 || fam == 28 || fam == 30) net = Net::v6;
            else net = net_from_version(d.subspan(4));  // unknown family: trust the IP version nibble
            break;
        }
        case dlt::raw_12:
        case dlt::raw_14:
        case dlt::raw:
            net = net_from_version(d);
            break;
        case dlt::ipv4:
            net = Net::v4;
            break;
        case dlt::ipv6:
            net = Net::v6;
            break;
        default:
            anomalies_.add("link_type_unsupported");
            return false;
    }
    if (net == Net::none) {
        anomalies_.add("non_ip");
        return false;
    }
    ByteView l3 = d.subspan(pos);
    return net == Net::v4 ? decode_ipv4(l3, snap_cut, out) : decode_ipv6(l3, snap_cut, out);
}

bool PacketDecoder::decode_ipv4(ByteView l3, bool snap_cut, Packet& out) {
    if (l3.size() < 20) {
        anomalies_.add("ipv4_truncated");
        return false;
    }
    if ((l3[0] >> 4) != 4) {
        anomalies_.add("ipv4_bad_version");
        return false;
    }
    std::size_t ihl = std::size_t(l3[0] & 0x0f) * 4;
    std::uint16_t total = be16(l3.data() + 2);
    if (ihl < 20) {
        anomalies_.add("ipv4_bad_header_length");
        return false;
    }
    if (l3.size() < ihl) {
        anomalies_.add("ipv4_truncated");
        return false;
    }
    if (total < ihl) {
        // TSO on the capture host leaves 0 here; take what was captured.
        if (total == 0) {
            anomalies_.add("ipv4_zero_total_length");
            total = static_cast<std::uint16_t>(std::min<std::size_t>(l3.size(), 65535));
        } else {
            anomalies_.add("ipv4_bad_total_length");
            return false;
        }
    }
    std::uint32_t missing = 0;
    if (l3.size() > total) {
        l3 = l3.first(total);  // link-layer padding
    } else if (l3.size() < total) {
        if (!snap_cut) anomalies_.add("ipv4_total_length_exceeds_frame");
        missing = static_cast<std::uint32_t>(total - l3.size());
    }
    out.ip_version = 4;
    out.ttl = l3[8];
    out.ip_proto = l3[9];
    out.src = IpAddr::from_v4(l3.data() + 12);
    out.dst = IpAddr::from_v4(l3.data() + 16);
    // Options (RFC 791 section 3.1) are walked only to check their lengths.
    {
        ByteReader opts(l3.subspan(20, ihl - 20));
        while (!opts.empty()) {
            std::uint8_t kind = *opts.u8();
            if (kind == 0) break;
            if (kind == 1) continue;
            auto len = opts.u8();
            if (!len || *len < 2 || !opts.skip(*len - 2)) {
                anomalies_.add("ipv4_bad_option");
                break;
            }
        }
    }
    std::uint16_t frag = be16(l3.data() + 6);
    bool more = (frag & 0x2000) != 0;
    std::uint32_t frag_off = std::uint32_t(frag & 0x1fff) * 8;
    ByteView body = l3.subspan(ihl);
    if (more || frag_off != 0) {
        if (missing) {
            anomalies_.add("ip_fragment_truncated");
            return false;
        }
        FragKey key{out.src, out.dst, be16(l3.data() + 4), out.ip_proto};
        auto whole = defrag_.add(key, frag_off, more, body, out.frame.ts);
        if (!whole) return false;
        out.reassembled = true;
        return decode_transport(*whole, 0, out);
    }
    return decode_transport(body, missing, out);
}

bool PacketDecoder::decode_ipv6(ByteView l3, bool snap_cut, Packet& out) {
    if (l3.size() < 40) {
        anomalies_.add("ipv6_truncated");
        return false;
    }
    if ((l3[0] >> 4) != 6) {
        anomalies_.add("ipv6_bad_version");
        return false;
    }
    std::uint32_t plen = be16(l3.data() + 4);
    out.ip_version = 6;
    out.ttl = l3[7];
    out.src = IpAddr::from_v6(l3.data() + 8);
    out.dst = IpAddr::from_v6(l3.data() + 24);
    std::uint8_t nh = l3[6];
    ByteView rest = l3.subspan(40);
    std::uint32_t missing = 0;
    if (plen == 0 && nh == 0) {
        anomalies_.add("ipv6_jumbogram_unsupported");
        return false;
    }
    if (rest.size() > plen) {
        rest = rest.first(plen);
    } else if (rest.size() < plen) {
        if (!snap_cut) anomalies_.add("ipv6_payload_length_exceeds_frame");
        missing = plen - static_cast<std::uint32_t>(rest.size());
    }
    bool fragment = false;
    std::uint32_t frag_off = 0, frag_id = 0;
    bool more = false;
    for (int hops = 0; is_ipv6_ext(nh) || nh == 44; ++hops) {
        if (hops > 16) {
            anomalies_.add("ipv6_too_many_extension_headers");
            return false;
        }
        if (rest.size() < 8) {
            anomalies_.add("ipv6_extension_truncated");
            return false;
        }
        std::uint8_t next = rest[0];
        std::size_t len;
        if (nh == 44) {
            // Fragment header: next(1) reserved(1) offset/flags(2) identification(4)
            if (fragment) {
                anomalies_.add("ipv6_duplicate_fragment_header");
                return false;
            }
            fragment = true;
            std::uint16_t of = be16(rest.data() + 2);
            frag_off = std::uint32_t(of & 0xfff8);
            more = (of & 1) != 0;
            frag_id = be32(rest.data() + 4);
            len = 8;
        } else if (nh == 51) {
            len = (std::size_t(rest[1]) + 2) * 4;  // AH counts 4-byte units
        } else {
            len = (std::size_t(rest[1]) + 1) * 8;
        }
        if (rest.size() < len) {
            anomalies_.add("ipv6_extension_truncated");
            return false;
        }
        rest = rest.subspan(len);
        nh = next;
    }
    out.ip_proto = nh;
    if (nh == 59) {
        out.l4 = L4::other;
        return false;
    }
    if (fragment && (more || frag_off != 0)) {
        if (missing) {
            anomalies_.add("ip_fragment_truncated");
            return false;
        }
        FragKey key{out.src, out.dst, frag_id, nh};
        auto whole = defrag_.add(key, frag_off, more, rest, out.frame.ts);
        if (!whole) return false;
        out.reassembled = true;
        return decode_transport(*whole, 0, out);
    }
    return decode_transport(rest, missing, out);
}

bool PacketDecoder::decode_transport(ByteView l4, std::uint32_t missing, Packet& out) {
    switch (out.ip_proto) {
        case kProtoTcp: {
            if (l4.size() < 20) {
                anomalies_.add("tcp_truncated");
                return false;
            }
            std::size_t hlen = std::size_t(l4[12] >> 4) * 4;
            if (hlen < 20) {
                anomalies_.add("tcp_bad_header_length");
                return false;
            }
            if (l4.size() < hlen) {
                anomalies_.add(missing ? "tcp_truncated" : "tcp_bad_header_length");
                return false;
            }
            out.l4 = L4::tcp;
            out.sport = be16(l4.data());
            out.dport = be16(l4.data() + 2);
            TcpHeader& t = out.tcp;
            t.seq = be32(l4.data() + 4);
            t.ack = be32(l4.data() + 8);
            t.flags = l4[13];
            t.window = be16(l4.data() + 14);
            t.options = TcpOptions{};
            // Options (RFC 9293 section 3.2, RFC 7323, RFC 2018).
            ByteReader opts(l4.subspan(20, hlen - 20));
            while (!opts.empty()) {
                std::uint8_t kind = *opts.u8();
                if (kind == 0) break;
                if (kind == 1) continue;
                auto len = opts.u8();
                if (!len || *len < 2) {
                    anomalies_.add("tcp_bad_option");
                    break;
                }
                auto body = opts.bytes(*len - 2);
                if (!body) {
                    anomalies_.add("tcp_bad_option");
                    break;
                }
                ByteView b = *body;
                if (kind == 2 && b.size() == 2) t.options.mss = be16(b.data());
                else if (kind == 3 && b.size() == 1) t.options.wscale = b[0];
                else if (kind == 4) t.options.sack_permitted = true;
                else if (kind == 5) t.options.sack_blocks = static_cast<std::uint8_t>(b.size() / 8);
                else if (kind == 8 && b.size() == 8) {
                    t.options.timestamps = true;
                    t.options.tsval = be32(b.data());
                    t.options.tsecr = be32(b.data() + 4);
                }
            }
            out.payload = l4.subspan(hlen);
            out.payload_missing = missing;
            return true;
        }
        case kProtoUdp: {
            if (l4.size() < 8) {
                anomalies_.add("udp_truncated");
                return false;
            }
            std::uint16_t ulen = be16(l4.data() + 4);
            out.l4 = L4::udp;
            out.sport = be16(l4.data());
            out.dport = be16(l4.data() + 2);
            if (ulen < 8) {
                if (ulen != 0) {  // 0 is legal for IPv6 jumbograms only; take the IP length
                    anomalies_.add("udp_bad_length");
                    return false;
                }
                ulen = static_cast<std::uint16_t>(std::min<std::size_t>(l4.size() + missing, 65535));
            }
            std::size_t avail = l4.size();
            if (ulen <= avail) {
                out.payload = l4.subspan(8, ulen - 8);
            } else {
                if (ulen > avail + missing) anomalies_.add("udp_bad_length");
                out.payload = l4.subspan(8);
                out.payload_missing = static_cast<std::uint32_t>(ulen - avail);
            }
            return true;
        }
        case kProtoIcmp:
            return decode_icmp(l4, false, out);
        case kProtoIcmp6:
            return decode_icmp(l4, true, out);
        default:
            out.l4 = L4::other;
            anomalies_.add("ip_protocol_other");
            return false;
    }
}

bool parse_icmp_quote(ByteView q, bool v6, IcmpQuote& out) {
    std::uint8_t proto;
    ByteView rest;
    if (!v6) {
        if (q.size() < 20 || (q[0] >> 4) != 4) return false;
        std::size_t ihl = std::size_t(q[0] & 0x0f) * 4;
        if (ihl < 20 || q.size() < ihl) return false;
        proto = q[9];
        out.src.addr = IpAddr::from_v4(q.data() + 12);
        out.dst.addr = IpAddr::from_v4(q.data() + 16);
        // A non-first fragment carries no ports.
        if ((be16(q.data() + 6) & 0x1fff) != 0) {
            out.proto = proto;
            out.src.port = out.dst.port = 0;
            return true;
        }
        rest = q.subspan(ihl);
    } else {
        if (q.size() < 40 || (q[0] >> 4) != 6) return false;
        out.src.addr = IpAddr::from_v6(q.data() + 8);
        out.dst.addr = IpAddr::from_v6(q.data() + 24);
        proto = q[6];
        rest = q.subspan(40);
        for (int hops = 0; is_ipv6_ext(proto) || proto == 44; ++hops) {
            if (hops > 16 || rest.size() < 8) return false;
            std::uint8_t next = rest[0];
            std::size_t len = proto == 44 ? 8 : proto == 51 ? (std::size_t(rest[1]) + 2) * 4 : (std::size_t(rest[1]) + 1) * 8;
            if (rest.size() < len) return false;
            rest = rest.subspan(len);
            proto = next;
        }
    }
    out.proto = proto;
    if (proto == kProtoTcp || proto == kProtoUdp) {
        if (rest.size() < 4) return false;  // RFC 792 promises 8 bytes; ports need 4
        out.src.port = be16(rest.data());
        out.dst.port = be16(rest.data() + 2);
    }
    return true;
}

bool PacketDecoder::decode_icmp(ByteView l4, bool v6, Packet& out) {
    if (l4.size() < 8) {
        anomalies_.add(v6 ? "icmp6_truncated" : "icmp_truncated");
        return false;
    }
    out.l4 = L4::icmp;
    IcmpQuote& q = out.icmp;
    q.type = l4[0];
    q.code = l4[1];
    q.is_error = v6 ? (q.type >= 1 && q.type <= 4) : (q.type == 3 || q.type == 4 || q.type == 11 || q.type == 12);
    out.payload = l4.subspan(8);
    if (!q.is_error) return true;
    q.has_quote = parse_icmp_quote(l4.subspan(8), v6, q);
    if (!q.has_quote) anomalies_.add(v6 ? "icmp6_bad_quote" : "icmp_bad_quote");
    return true;
}

}  // namespace revo::capture

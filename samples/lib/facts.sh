#!/usr/bin/env bash
# facts.sh FILE.pcap [KEYLOG]: prints the facts README.md and EXPECTED.tsv are checked against,
# straight from the capture with tshark.
set -u
f=$1; kl=${2:-}
opts=(-o gui.max_tree_depth:10000)
[[ -n $kl ]] && opts+=(-o "tls.keylog_file:$kl")
T() { tshark -n -r "$f" "${opts[@]}" "$@" 2>/dev/null; }

echo "== $f: $(T | wc -l) frames, link $(capinfos -T -E "$f" | tail -1 | cut -f2)"
echo "-- dns"
T -Y 'dns' -T fields -e frame.number -e ip.src -e dns.flags.response -e dns.qry.name -e dns.qry.type -e dns.flags.rcode -e dns.a -e dns.aaaa | sort -u -k2 | sort -n | sed 's/^/   /'
echo "-- tcp SYN (no ACK) per destination"
T -Y 'tcp.flags.syn==1 && tcp.flags.ack==0 && !icmp && !icmpv6' -T fields -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e tcp.dstport -e frame.time_relative \
  | awk -F'\t' '{d=$3$4":"$5; n[d]++; if(n[d]<=10) t[d]=t[d]" "sprintf("%.2f",$6); else if(n[d]==11) t[d]=t[d]" ..."} END{for(d in n) print "   "d" SYNs="n[d]" at"t[d]}' | sort
echo "-- tcp RST"
T -Y 'tcp.flags.reset==1' -T fields -e frame.number -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport | head -5 | sed 's/^/   /'
echo "   total RST frames: $(T -Y 'tcp.flags.reset==1' | wc -l)"
echo "-- icmp"
T -Y 'icmp || (icmpv6 && icmpv6.type < 128)' -T fields -e frame.number -e ip.src -e icmp.type -e icmp.code -e icmpv6.type -e icmpv6.code | sed 's/^/   /'
echo "-- http"
T -Y 'http.request' -T fields -e frame.number -e ip.src -e ip.dst -e tcp.dstport -e http.request.method -e http.host -e http.request.uri -e http.content_type -e http.proxy_authorization \
  | awk -F'\t' '{u=$7; if(length(u)>60)u=substr(u,1,57)"..."; print "   "$1" "$2" -> "$3":"$4" "$5" Host="$6" URI="u" CT="$8}'
T -Y 'http.response' -T fields -e frame.number -e ip.src -e tcp.srcport -e http.response.code -e http.response.phrase -e http.content_type -e http.content_length -e http.date -e http.time -e http.proxy_authenticate \
  | awk -F'\t' '{print "   "$1" "$2":"$3" -> "$4" "$5" CT="$6" len="$7" Date="$8" time="$9($10!=""?" auth="$10:"")}'
echo "-- ocsp"
T -Y 'ocsp' -T fields -e frame.number -e ip.src -e ocsp.responseStatus -e ocsp.certStatus -e ocsp.serialNumber -e ocsp.producedAt -e ocsp.thisUpdate -e ocsp.nextUpdate -e ocsp.revocationTime -e ocsp.revocationReason \
  | sed 's/^/   /'
T -Y 'ocsp' -V | grep -E 'Certificate ID|serialNumber: |certStatus|responseStatus|Update:|producedAt|revocationReason|revoked|nonce|Nonce|id-pkix-ocsp' | sed 's/^ */     /' | sort | uniq -c | head -40
echo "-- tls"
T -Y 'tls.handshake.type==1' -T fields -e frame.number -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e tls.handshake.extensions_server_name -e tls.handshake.extensions_status_request_type \
  | awk -F'\t' '{print "   CH "$1" "$2$3":"$4" -> "$5$6":"$7" SNI="$8" status_request="($9==""?"no":"yes")}'
T -Y 'tls.handshake.type==2' -T fields -e frame.number -e tls.handshake.version -e tls.handshake.extensions.supported_version -e tls.handshake.extension.type | sed 's/^/   SH /'
T -Y 'tls.handshake.type==11' -T fields -e frame.number -e x509af.serialNumber -e x509sat.printableString -e x509sat.uTF8String | sed 's/^/   Certificate /'
T -Y 'tls.handshake.type==22' -T fields -e frame.number -e ip.src -e ipv6.src -e ocsp.responseStatus -e ocsp.certStatus -e ocsp.serialNumber | sed 's/^/   CertificateStatus /'
T -Y 'tls.alert_message' -T fields -e frame.number -e ip.src -e ipv6.src -e tls.alert_message.level -e tls.alert_message.desc | sed 's/^/   alert /'

// The physical floor for reading a capture on this machine: a bare libpcap loop that opens the file,
// fetches every packet with pcap_next_ex and touches every captured byte. revoscope's read speed is
// measured against this.
#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CAPTURE\n", argv[0]);
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(argv[1], err);
    if (!p) {
        std::fprintf(stderr, "floor: %s\n", err);
        return 3;
    }
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    std::uint64_t packets = 0, bytes = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        ++packets;
        bytes += h->caplen;
        for (std::uint32_t i = 0; i < h->caplen; i += 64) sum += data[i];  // one touch per cache line
    }
    pcap_close(p);
    std::printf("packets=%llu bytes=%llu checksum=%llu\n", (unsigned long long)packets, (unsigned long long)bytes,
                (unsigned long long)sum);
    return rc == -1 ? 3 : 0;
}

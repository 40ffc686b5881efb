// Capture files and live interfaces through libpcap; see source.h.
//
// Files are read through a stdio cookie stream so that one pass over the bytes feeds libpcap, computes
// the SHA-256 of the file as stored, and inflates gzip (RFC 1952) on the way.
#include "capture/source.h"

#include "capture/damage.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <poll.h>
#include <stdio_ext.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

namespace revo::capture {

volatile std::sig_atomic_t g_stop_requested = 0;

namespace {

std::string hex(const unsigned char* d, unsigned n);

/// A packet's capture time from libpcap's header fields; a time out of range is clamped and counted.
Timestamp packet_time(Engine& engine, std::int64_t sec, std::int64_t sub_ns) {
    Timestamp ts;
    if (!timestamp_from_parts(sec, sub_ns, ts)) engine.stats().anomalies.add("capture_timestamp_out_of_range");
    return ts;
}

/// SHA-256 (hex) of the bytes of `fd` from offset 0 to its end, read with positioned reads. `complete`
/// is false when a read failed or `cancel` was set; the hash then covers what was read.
std::string hash_file(int fd, const std::atomic<bool>& cancel, bool& complete) {
    complete = false;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(ctx);
        return {};
    }
    // Not zero-filled: pread writes every byte that is then hashed.
    constexpr std::size_t kChunk = 1u << 20;
    std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[kChunk]);
    off_t off = 0;
    while (!cancel) {
        ssize_t r = ::pread(fd, buf.get(), kChunk, off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            complete = r == 0;
            break;
        }
        EVP_DigestUpdate(ctx, buf.get(), static_cast<std::size_t>(r));
        off += r;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    std::string out;
    if (EVP_DigestFinal_ex(ctx, md, &len) == 1) out = hex(md, len);
    EVP_MD_CTX_free(ctx);
    return out;
}

/// SHA-256 of a regular file, computed on a second thread with its own positioned reads (they leave the
/// descriptor's offset alone) while the packet pass reads the same file: on a machine with a free core
/// the hash costs the packet pass nothing.
class BackgroundHash {
public:
    explicit BackgroundHash(int fd) : fd_(fd), thread_([this] { run(); }) {}
    ~BackgroundHash() {
        cancel_ = true;
        if (thread_.joinable()) thread_.join();
    }
    BackgroundHash(const BackgroundHash&) = delete;
    BackgroundHash& operator=(const BackgroundHash&) = delete;
    /// Waits for the hash: lower-case hex, or empty when a read failed.
    std::string result() {
        if (thread_.joinable()) thread_.join();
        return hex_;
    }

private:
    void run() {
        bool complete = false;
        std::string h = hash_file(fd_, cancel_, complete);
        if (complete) hex_ = std::move(h);
    }

    int fd_;
    std::atomic<bool> cancel_{false};
    std::string hex_;
    std::thread thread_;  ///< last: starts once the members above exist
};

/// Raw bytes of the file (prefix already read + the descriptor), hashed as they pass unless a
/// BackgroundHash does it, optionally inflated.
struct InputStream {
    int fd = -1;
    EVP_MD_CTX* sha = nullptr;
    bool hash_inline = true;
    std::uint64_t raw_bytes = 0;
    std::uint8_t prefix[4]{};
    std::size_t prefix_len = 0, prefix_pos = 0;
    bool read_error = false;
    int read_errno = 0;

    bool gz = false;
    z_stream z{};
    std::vector<std::uint8_t> zin;
    bool raw_eof = false;
    bool member_open = false;
    std::string gz_error;

    std::uint64_t out_bytes = 0;  ///< bytes handed to the stdio stream (decompressed when gzip)

    ~InputStream() {
        if (sha) EVP_MD_CTX_free(sha);
        if (gz) inflateEnd(&z);
    }

    ssize_t raw_read(std::uint8_t* buf, std::size_t n) {
        std::size_t got = 0;
        while (prefix_pos < prefix_len && got < n) buf[got++] = prefix[prefix_pos++];
        if (got == n) return static_cast<ssize_t>(got);
        const std::size_t pre = got;  // the prefix was hashed by hash_prefix()
        for (;;) {
            ssize_t r = ::read(fd, buf + got, n - got);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) {
                read_error = true;
                read_errno = errno;
                if (got == 0) return -1;
                break;
            }
            got += static_cast<std::size_t>(r);
            break;
        }
        if (got > pre) {
            if (hash_inline) EVP_DigestUpdate(sha, buf + pre, got - pre);
            raw_bytes += got - pre;
        }
        return static_cast<ssize_t>(got);
    }

    // The prefix bytes were read before hashing started; hash them once here.
    void hash_prefix() {
        if (prefix_len && hash_inline) EVP_DigestUpdate(sha, prefix, prefix_len);
        raw_bytes += prefix_len;
    }

    ssize_t read(char* out, std::size_t size) {
        if (!gz) {
            ssize_t r = raw_read(reinterpret_cast<std::uint8_t*>(out), size);
            if (r > 0) out_bytes += static_cast<std::uint64_t>(r);
            return r;
        }
        z.next_out = reinterpret_cast<Bytef*>(out);
        z.avail_out = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
        const uInt want = z.avail_out;
        while (z.avail_out == want && gz_error.empty()) {
            if (z.avail_in == 0) {
                if (raw_eof) break;
                ssize_t n = raw_read(zin.data(), zin.size());
                if (n <= 0) {
                    raw_eof = true;
                    if (member_open) gz_error = "gzip data ends early";
                    break;
                }
                z.next_in = zin.data();
                z.avail_in = static_cast<uInt>(n);
            }
            member_open = true;
            int r = inflate(&z, Z_NO_FLUSH);
            if (r == Z_STREAM_END) {
                member_open = false;
                inflateReset(&z);  // concatenated members continue the stream
            } else if (r != Z_OK && r != Z_BUF_ERROR) {
                gz_error = std::string("gzip data corrupt: ") + (z.msg ? z.msg : "inflate error");
            }
        }
        std::size_t produced = want - z.avail_out;
        out_bytes += produced;
        return static_cast<ssize_t>(produced);
    }
};

ssize_t cookie_read(void* c, char* buf, std::size_t size) { return static_cast<InputStream*>(c)->read(buf, size); }
int cookie_seek(void* c, off64_t* pos, int whence) {
    // Only position queries (ftell) are supported.
    if (whence == SEEK_CUR && *pos == 0) {
        *pos = static_cast<off64_t>(static_cast<InputStream*>(c)->out_bytes);
        return 0;
    }
    return -1;
}
int cookie_close(void*) { return 0; }

bool has_capture_magic(const std::uint8_t* m, std::size_t n) {
    if (n < 4) return false;
    std::uint32_t be = (std::uint32_t(m[0]) << 24) | (std::uint32_t(m[1]) << 16) | (std::uint32_t(m[2]) << 8) | m[3];
    return be == 0xa1b2c3d4 || be == 0xd4c3b2a1 || be == 0xa1b23c4d || be == 0x4d3cb2a1 || be == 0x0a0d0d0a;
}
bool is_gzip_magic(const std::uint8_t* m, std::size_t n) { return n >= 2 && m[0] == 0x1f && m[1] == 0x8b; }

std::string hex(const unsigned char* d, unsigned n) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    s.reserve(n * 2);
    for (unsigned i = 0; i < n; ++i) {
        s += digits[d[i] >> 4];
        s += digits[d[i] & 15];
    }
    return s;
}

bool is_terminal_stderr() { return ::isatty(2) == 1; }

}  // namespace

std::vector<std::string> capture_files_in(const std::string& dir) {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::string name = it->path().filename().string();
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        auto ends = [&](std::string_view suf) { return lower.size() >= suf.size() && lower.ends_with(suf); };
        bool by_name = false;
        for (std::string_view e : {".pcap", ".pcapng", ".cap", ".dmp", ".pcap.gz", ".pcapng.gz", ".cap.gz"})
            if (ends(e)) by_name = true;
        if (!by_name) {
            std::uint8_t m[4];
            std::FILE* f = std::fopen(it->path().c_str(), "rb");
            if (!f) continue;
            std::size_t n = std::fread(m, 1, 4, f);
            std::fclose(f);
            if (!has_capture_magic(m, n) && !(is_gzip_magic(m, n) && ends(".gz"))) continue;
        }
        out.push_back(it->path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

OpenError read_capture_file(const std::string& path, Engine& engine, const FileReadOptions& opts, std::string& error) {
    const bool is_stdin = path == "-";
    const std::string shown = is_stdin ? std::string("standard input") : path;
    InputStream s;
    if (is_stdin) {
        s.fd = 0;
    } else {
        s.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (s.fd < 0) {
            int e = errno;
            error = shown + ": " + std::strerror(e);
            return e == ENOENT ? OpenError::missing : (e == EACCES || e == EPERM) ? OpenError::unreadable : OpenError::other;
        }
    }
    struct FdCloser {
        int fd;
        bool own;
        ~FdCloser() {
            if (own && fd >= 0) ::close(fd);
        }
    } closer{s.fd, !is_stdin};

    struct stat st {};
    bool regular = false;
    if (::fstat(s.fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            error = shown + ": is a directory";
            return OpenError::other;
        }
        regular = S_ISREG(st.st_mode);
    }
    // Magic number first: distinguishes gzip, capture files and anything else.
    while (s.prefix_len < 4) {
        ssize_t r = ::read(s.fd, s.prefix + s.prefix_len, 4 - s.prefix_len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            error = shown + ": " + std::strerror(e);
            return e == EISDIR ? OpenError::other : OpenError::unreadable;
        }
        if (r == 0) break;
        s.prefix_len += static_cast<std::size_t>(r);
    }
    if (s.prefix_len == 0) {
        error = shown + ": empty file, not a capture file (pcap or pcapng)";
        return OpenError::not_capture;
    }
    s.gz = is_gzip_magic(s.prefix, s.prefix_len);
    if (!s.gz && !has_capture_magic(s.prefix, s.prefix_len)) {
        error = shown + ": not a capture file (pcap or pcapng)";
        return OpenError::not_capture;
    }
    s.sha = EVP_MD_CTX_new();
    EVP_DigestInit_ex(s.sha, EVP_sha256(), nullptr);
    std::unique_ptr<BackgroundHash> background;
    // A thread pays off only for files that take a while to hash; small ones are hashed as they are read.
    constexpr off_t kBackgroundHashMin = 4 << 20;
    if (regular && !is_stdin && st.st_size >= kBackgroundHashMin && std::thread::hardware_concurrency() >= 2) {
        background = std::make_unique<BackgroundHash>(s.fd);
        s.hash_inline = false;
    }
    s.hash_prefix();
    if (s.gz) {
        s.zin.resize(1u << 16);
        if (inflateInit2(&s.z, 16 + MAX_WBITS) != Z_OK) {
            error = shown + ": cannot initialise gzip decoder";
            return OpenError::other;
        }
    }
    cookie_io_functions_t io{cookie_read, nullptr, cookie_seek, cookie_close};
    std::FILE* f = fopencookie(&s, "r", io);
    if (!f) {
        error = shown + ": cannot create input stream";
        return OpenError::other;
    }
    std::setvbuf(f, nullptr, _IOFBF, 1u << 18);
    // Only this thread touches the stream: no lock per fread (libpcap makes two per packet).
    __fsetlocking(f, FSETLOCKING_BYCALLER);
    char errbuf[PCAP_ERRBUF_SIZE] = {0};
    pcap_t* p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        std::fclose(f);
        std::string why = errbuf;
        if (!s.gz_error.empty()) {
            error = shown + ": " + s.gz_error;
            return OpenError::not_capture;
        }
        bool not_capture = why.find("unknown file format") != std::string::npos ||
                           why.find("bad dump file format") != std::string::npos || why.find("truncated") != std::string::npos;
        error = shown + ": " + (not_capture ? "not a capture file (pcap or pcapng)" : "cannot read capture: " + why);
        return not_capture ? OpenError::not_capture : OpenError::other;
    }
    // Peek at the decompressed magic for the format name (the prefix holds the raw magic when not gzip).
    std::string format;
    {
        std::uint32_t be = (std::uint32_t(s.prefix[0]) << 24) | (std::uint32_t(s.prefix[1]) << 16) |
                           (std::uint32_t(s.prefix[2]) << 8) | s.prefix[3];
        if (!s.gz) format = be == 0x0a0d0d0a ? "pcapng" : (be == 0xa1b23c4d || be == 0x4d3cb2a1) ? "pcap-ns" : "pcap";
        else format = pcap_major_version(p) == 2 ? "pcap" : "pcapng";
    }
    if (s.gz && pcap_major_version(p) != 2) format = "pcapng";
    if (s.gz) format += ".gz";
    const bool is_pcapng = format.starts_with("pcapng");

    const int lt = pcap_datalink(p);
    if (!link_type_supported(lt)) {
        const char* nm = pcap_datalink_val_to_name(lt);
        error = shown + ": unsupported link type " + std::to_string(lt) + (nm ? std::string(" (") + nm + ")" : "");
        pcap_close(p);
        return OpenError::unknown_link_type;
    }
    if (!opts.bpf.empty()) {
        bpf_program prog{};
        if (pcap_compile(p, &prog, opts.bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 || pcap_setfilter(p, &prog) != 0) {
            error = "invalid filter '" + opts.bpf + "': " + pcap_geterr(p);
            pcap_freecode(&prog);
            pcap_close(p);
            return OpenError::bad_filter;
        }
        pcap_freecode(&prog);
    }

    InputFileInfo init;
    init.name = path;
    init.format = format;
    init.link_types.push_back(link_type_name(lt));
    InputFileInfo& info = engine.begin_input(std::move(init));
    const bool show_progress = opts.progress && is_terminal_stderr() && regular;
    auto last_progress = std::chrono::steady_clock::now();
    std::uint64_t offset = 24;  // pcap: global header, then 16-byte record headers
    std::uint64_t n = 0;
    for (;;) {
        pcap_pkthdr* h;
        const u_char* d;
        int rc = pcap_next_ex(p, &h, &d);
        if (rc == 1) {
            engine.packet(lt, d, h->caplen, h->len, packet_time(engine, h->ts.tv_sec, h->ts.tv_usec));
            offset += 16 + h->caplen;
            if (show_progress && (++n & 0x3fff) == 0) {
                auto now = std::chrono::steady_clock::now();
                if (now - last_progress > std::chrono::milliseconds(500)) {
                    last_progress = now;
                    std::fprintf(stderr, "\r%s: %3.0f%% (%llu packets)", shown.c_str(),
                                 st.st_size > 0 ? 100.0 * double(s.raw_bytes) / double(st.st_size) : 0.0,
                                 (unsigned long long)info.packets);
                }
            }
            continue;
        }
        if (rc == PCAP_ERROR_BREAK) break;  // end of file
        // A damaged record: keep what was read, say where it stopped.
        info.error = pcap_geterr(p);
        info.partial = true;
        info.error_offset = is_pcapng ? static_cast<std::uint64_t>(std::max<long>(0, std::ftell(f))) : offset;
        if (s.gz) info.error_offset = offset;  // offsets of gzip input are in the decompressed stream
        break;
    }
    if (show_progress) std::fprintf(stderr, "\r%*s\r", 60, "");
    if (!s.gz_error.empty()) {
        if (info.error.empty()) info.error = s.gz_error;
        else info.error += "; " + s.gz_error;
        info.partial = true;
    }
    if (s.read_error && info.error.empty()) {
        info.error = std::string("read error: ") + std::strerror(s.read_errno);
        info.partial = true;
    }
    pcap_close(p);  // closes the cookie stream; `s` stays ours
    if (background) {
        info.sha256 = background->result();
        if (info.sha256.empty()) {
            // The second thread could not read the file: hash here what can be read.
            const std::atomic<bool> never{false};
            bool complete = false;
            info.sha256 = hash_file(s.fd, never, complete);
        }
    } else {
        // Hash the rest of the file when libpcap stopped early.
        std::uint8_t buf[1 << 16];
        while (s.raw_read(buf, sizeof buf) > 0) {
        }
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        EVP_DigestFinal_ex(s.sha, md, &mdlen);
        info.sha256 = hex(md, mdlen);
    }
    info.size_bytes = regular ? static_cast<std::uint64_t>(st.st_size) : s.raw_bytes;
    if (info.partial) {
        engine.stats().anomalies.add("capture_file_damaged");
        info.error_frame = info.first_frame + info.packets;
        // Classic pcap has no framing of its own to recover with in libpcap; scan for the next record.
        if (opts.resync && !is_stdin && !is_pcapng && !s.gz && regular && info.error_offset >= 24)
            resume_pcap_after_damage(path, info.error_offset, engine, info);
    }
    engine.end_input();
    return OpenError::none;
}

// ---------------------------------------------------------------------------------------------------
// Live capture

namespace {
pcap_t* g_live_handle = nullptr;
extern "C" void on_stop_signal(int) {
    g_stop_requested = 1;
    if (g_live_handle) pcap_breakloop(g_live_handle);
}
}  // namespace

bool drop_privileges(const std::string& user, std::string& error) {
    errno = 0;
    struct passwd* pw = ::getpwnam(user.c_str());
    if (!pw) {
        error = "cannot drop privileges: unknown user '" + user + "'";
        return false;
    }
    if (::initgroups(pw->pw_name, pw->pw_gid) != 0 && ::setgroups(0, nullptr) != 0) {
        error = "cannot drop privileges: setgroups: " + std::string(std::strerror(errno));
        return false;
    }
    if (::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0) {
        error = "cannot drop privileges to '" + user + "': " + std::strerror(errno);
        return false;
    }
    if (pw->pw_uid != 0 && ::setuid(0) == 0) {
        error = "cannot drop privileges: root could be regained";
        return false;
    }
    return true;
}

bool run_live(const LiveOptions& o, Engine& engine, std::string& error,
              const std::function<void(bool backlog)>& tick) {
    char errbuf[PCAP_ERRBUF_SIZE] = {0};
    pcap_t* p = pcap_create(o.interface.c_str(), errbuf);
    if (!p) {
        error = "interface " + o.interface + ": " + errbuf;
        return false;
    }
    pcap_set_snaplen(p, o.snaplen);
    pcap_set_promisc(p, o.promisc ? 1 : 0);
    pcap_set_timeout(p, 250);
    if (o.buffer_mib > 0) pcap_set_buffer_size(p, o.buffer_mib << 20);
    pcap_set_immediate_mode(p, o.immediate ? 1 : 0);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(p);
    if (rc < 0) {
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE) error = "interface " + o.interface + " does not exist";
        else if (rc == PCAP_ERROR_PERM_DENIED)
            error = "no permission to capture on " + o.interface + " (run as root or grant CAP_NET_RAW)";
        else error = "cannot capture on " + o.interface + ": " + pcap_geterr(p);
        pcap_close(p);
        return false;
    }
    const bool nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    if (!o.bpf.empty()) {
        bpf_program prog{};
        if (pcap_compile(p, &prog, o.bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 || pcap_setfilter(p, &prog) != 0) {
            error = "invalid filter '" + o.bpf + "': " + pcap_geterr(p);
            pcap_freecode(&prog);
            pcap_close(p);
            return false;
        }
        pcap_freecode(&prog);
    }
    pcap_dumper_t* dumper = nullptr;
    if (!o.write_file.empty()) {
        dumper = pcap_dump_open(p, o.write_file.c_str());
        if (!dumper) {
            error = "cannot write " + o.write_file + ": " + pcap_geterr(p);
            pcap_close(p);
            return false;
        }
    }
    if (::geteuid() == 0) {
        std::string user = o.user.empty() ? "nobody" : o.user;
        if (user != "root" && !drop_privileges(user, error)) {
            if (dumper) pcap_dump_close(dumper);
            pcap_close(p);
            return false;
        }
    }
    const int lt = pcap_datalink(p);
    InputFileInfo init;
    init.name = o.interface;
    init.format = "live";
    InputFileInfo& info = engine.begin_input(std::move(init));
    engine.stats().live = true;

    g_stop_requested = 0;
    g_live_handle = p;
    struct sigaction sa {}, old_int{}, old_term{};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    // Non-blocking reads with a short poll: with immediate mode libpcap's read timeout may never fire on
    // an idle interface, and --duration, signals and the status tick must still be seen.
    const int sel_fd = pcap_get_selectable_fd(p);
    const bool polled = sel_fd >= 0 && pcap_setnonblock(p, 1, errbuf) == 0;
    auto start = std::chrono::steady_clock::now();
    auto last_tick = start;
    std::uint64_t seen = 0;
    bool drained = false;  // the buffer ran empty since the last tick
    while (!g_stop_requested) {
        pcap_pkthdr* h;
        const u_char* d;
        rc = pcap_next_ex(p, &h, &d);
        if (rc == 0 && polled) {
            pollfd pfd{sel_fd, POLLIN, 0};
            ::poll(&pfd, 1, 100);  // EINTR or timeout: fall through to the checks below
        }
        if (rc == 1) {
            if (dumper) pcap_dump(reinterpret_cast<u_char*>(dumper), h, d);
            std::int64_t sub = nano ? h->ts.tv_usec : static_cast<std::int64_t>(h->ts.tv_usec) * 1000;
            engine.packet(lt, d, h->caplen, h->len, packet_time(engine, h->ts.tv_sec, sub));
            if (o.count && ++seen >= o.count) break;
        } else if (rc == 0) {
            drained = true;  // nothing waiting (or read timeout): fall through to the checks below
        } else if (rc == PCAP_ERROR_BREAK) {
            break;
        } else {
            info.error = pcap_geterr(p);
            info.partial = true;
            break;
        }
        auto now = std::chrono::steady_clock::now();
        if (o.duration_s > 0 && std::chrono::duration<double>(now - start).count() >= o.duration_s) break;
        if (tick && now - last_tick >= std::chrono::milliseconds(250)) {
            last_tick = now;
            tick(!drained);
            drained = false;
        }
    }
    struct pcap_stat ps {};
    if (pcap_stats(p, &ps) == 0) {
        engine.stats().live_stats.received = ps.ps_recv;
        engine.stats().live_stats.dropped = ps.ps_drop;
        engine.stats().live_stats.if_dropped = ps.ps_ifdrop;
        if (ps.ps_drop) engine.stats().anomalies.add("kernel_dropped_packets", ps.ps_drop);
    }
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    g_live_handle = nullptr;
    if (dumper) pcap_dump_close(dumper);
    info.link_types = {link_type_name(lt)};
    engine.end_input();
    pcap_close(p);
    return true;
}

bool list_interfaces(std::vector<InterfaceInfo>& out, std::string& error) {
    char errbuf[PCAP_ERRBUF_SIZE] = {0};
    pcap_if_t* all = nullptr;
    if (pcap_findalldevs(&all, errbuf) != 0) {
        error = std::string("cannot list interfaces: ") + errbuf;
        return false;
    }
    for (pcap_if_t* d = all; d; d = d->next) {
        InterfaceInfo i;
        i.name = d->name;
        if (d->description) i.description = d->description;
        i.up = d->flags & PCAP_IF_UP;
        i.running = d->flags & PCAP_IF_RUNNING;
        i.loopback = d->flags & PCAP_IF_LOOPBACK;
        for (pcap_addr_t* a = d->addresses; a; a = a->next) {
            if (!a->addr) continue;
            char buf[INET6_ADDRSTRLEN] = {0};
            if (a->addr->sa_family == AF_INET)
                inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->addr)->sin_addr, buf, sizeof buf);
            else if (a->addr->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->addr)->sin6_addr, buf, sizeof buf);
            else continue;
            i.addresses.emplace_back(buf);
        }
        out.push_back(std::move(i));
    }
    pcap_freealldevs(all);
    return true;
}

}  // namespace revo::capture

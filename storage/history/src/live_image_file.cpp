#include "live_image_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "record.h"

namespace skydive::store {

using model::ErrorCode;
using model::makeError;

namespace {

// live.image (FORMAT.md):
//   +-----------+--------+-----------+-----------+-----------+------------+---------------------+
//   | "SKYLIV2\n"| seq u64| base u8   | btime u64 | bseq u64  | total u64  | chunks u32 | table |
//   |  8 bytes  |  BE    | 1: a base | i64f      | timeline  | file bytes |  BE        |       |
//   +-----------+--------+-----------+-----------+-----------+------------+------------+-------+
//   table: chunks x (offset u64 | checksum u64), offsets from the file start
//   then chunks, each a run of elements: kind u8 ('N'/'E') | len vu | rev record (0x02) bytes
constexpr std::string_view kMagic = "SKYLIV2\n";
constexpr std::size_t kHead = 8 + 8 + 1 + 8 + 8 + 8 + 4;
constexpr std::size_t kChunkBytes = 4u << 20;
// Runs of chunks per loading thread (each run a part of the loader, taken by whichever thread
// is free): enough to even out the threads, few enough to keep the parts large.
constexpr std::size_t kRunsPerThread = 4;

void putBe(std::string& out, std::uint64_t v, int bytes) {
    for (int s = (bytes - 1) * 8; s >= 0; s -= 8) out.push_back(static_cast<char>(v >> s));
}
std::uint64_t getBe(std::string_view in, std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[at + i]);
    return v;
}
void putVu(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}
bool getVu(std::string_view& in, std::uint64_t& v) {
    v = 0;
    for (unsigned shift = 0; shift < 64 && !in.empty(); shift += 7) {
        auto b = static_cast<std::uint8_t>(in[0]);
        in.remove_prefix(1);
        v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) return true;
    }
    return false;
}

// A 64-bit checksum of a chunk, 8 bytes at a time (catches torn or flipped bytes; not
// cryptographic).
std::uint64_t chunkSum(std::string_view s) {
    std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    for (; i < s.size(); ++i) h = (h ^ static_cast<std::uint8_t>(s[i])) * 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 29);
}

model::Error ioError(const std::string& what) {
    return makeError(ErrorCode::Unavailable, what + ": " + std::strerror(errno));
}

model::Error corrupt(const std::string& what) {
    return makeError(ErrorCode::Corruption, "live.image: " + what);
}

// Fills `buf` from the file at `offset`: the error says "truncated" at end of file, else why
// the read failed.
model::Status readAt(int fd, std::string& buf, std::uint64_t offset, const char* what) {
    std::size_t done = 0;
    while (done < buf.size()) {
        ssize_t n =
            ::pread(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return corrupt(std::string("cannot read ") + what + ": " + std::strerror(errno));
        if (n == 0) return corrupt(std::string("truncated ") + what);
        done += static_cast<std::size_t>(n);
    }
    return {};
}

// Decodes one chunk's elements straight into the loader's part `part` (ADR 014).
model::Status decodeChunk(std::string_view in, graph::GraphImageLoader& loader, unsigned part) {
    EdgeMetadataReuse reuse;  // edges of one kind share their metadata value
    while (!in.empty()) {
        char kind = in[0];
        in.remove_prefix(1);
        std::uint64_t len;
        if ((kind != 'N' && kind != 'E') || !getVu(in, len) || len > in.size())
            return corrupt("bad element header");
        auto v = decodeRecord(kind == 'N' ? model::ElementKind::Node : model::ElementKind::Edge,
                              in.substr(0, len), &reuse);
        if (!v) return v.error();
        if (v->node)
            loader.addNode(part, std::move(v->node));
        else
            loader.addEdge(part, std::move(v->edge));
        in.remove_prefix(len);
    }
    return {};
}

}  // namespace

model::Status writeLiveImage(const std::string& dir, const graph::GraphImage& image,
                             std::uint64_t seq, std::optional<TimelineKey> base) {
    std::string body;
    // Room for the whole body up front (a generous guess per element: untouched capacity costs
    // no memory): growing by doubling would copy everything written so far at each step and
    // touch fresh pages ~3x the image's size, at ~14 us per page fault on some VMs (ADR 014).
    body.reserve(image.nodeCount() * 384 + image.edgeCount() * 192 + (64u << 10));
    std::vector<std::uint64_t> offsets{0};
    std::string record;
    auto add = [&](char kind, const Version& v) {
        if (body.size() - offsets.back() >= kChunkBytes) offsets.push_back(body.size());
        record.clear();
        encodeRecordTo(record, v);
        body.push_back(kind);
        putVu(body, record.size());
        body.append(record);
    };
    image.forEachNodeBatch([&](std::span<const model::NodeRef> batch) {
        for (model::NodeRef n : batch) add('N', Version{model::NodeRec::share(n), {}});
        return true;
    });
    image.forEachEdge([&](const model::Edge& e) {
        add('E', Version{{}, std::shared_ptr<const model::Edge>(std::shared_ptr<void>(), &e)});
        return true;
    });
    if (body.empty()) offsets.clear();
    std::string header(kMagic);
    std::size_t header_bytes = kHead + 16 * offsets.size();
    putBe(header, seq, 8);
    header.push_back(base ? '\x01' : '\x00');
    putBe(header, base ? static_cast<std::uint64_t>(base->time) : 0, 8);
    putBe(header, base ? base->seq : 0, 8);
    putBe(header, header_bytes + body.size(), 8);
    putBe(header, offsets.size(), 4);
    for (std::size_t i = 0; i < offsets.size(); ++i) {
        std::size_t end = i + 1 < offsets.size() ? offsets[i + 1] : body.size();
        putBe(header, header_bytes + offsets[i], 8);
        putBe(header, chunkSum(std::string_view(body).substr(offsets[i], end - offsets[i])), 8);
    }

    std::string path = dir + "/" + std::string(kLiveImageFile);
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ioError("create " + tmp);
    bool ok = true;
    for (std::string_view part : {std::string_view(header), std::string_view(body)}) {
        while (ok && !part.empty()) {
            ssize_t n = ::write(fd, part.data(), part.size());
            if (n < 0 && errno == EINTR) continue;
            ok = n > 0;
            if (ok) part.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    ok = ok && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        auto err = ioError("write " + path);
        ::unlink(tmp.c_str());
        return err;
    }
    return {};
}

model::Result<std::optional<LiveImage>> readLiveImage(
    const std::string& dir,
    const std::function<bool(std::uint64_t, const std::optional<TimelineKey>&)>& accept,
    std::shared_ptr<const graph::IndexConfig> config, unsigned threads, PhaseClock* phase) {
    using Out = std::optional<LiveImage>;
    std::string path = dir + "/" + std::string(kLiveImageFile);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Out();
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    char head[kHead];
    if (::pread(fd, head, sizeof head, 0) != static_cast<ssize_t>(sizeof head))
        return corrupt("truncated header");
    std::string_view h(head, sizeof head);
    if (h.substr(0, kMagic.size()) != kMagic) return Out();  // another version: a cache miss
    std::uint64_t seq = getBe(h, 8, 8);
    std::optional<TimelineKey> base;
    if (h[16] != 0) base = TimelineKey{static_cast<Time>(getBe(h, 17, 8)), getBe(h, 25, 8)};
    if (!accept(seq, base)) return Out();  // stale
    std::uint64_t total = getBe(h, 33, 8);
    std::uint64_t chunks = getBe(h, 41, 4);
    struct stat file {};
    if (::fstat(fd, &file) != 0 || static_cast<std::uint64_t>(file.st_size) != total ||
        total < kHead + 16 * chunks)
        return corrupt("size does not match the header");
    // The chunk table, then each chunk read into its thread's buffer (reused from chunk to
    // chunk) rather than the file mapped: a mapping's first touch of each 4 KiB page faults
    // (~14 µs under some hypervisors: ~1.5 s of CPU for a 450 MB image), a read into pages
    // already touched copies at memory speed (ADR 014, fifth round).
    std::string table(16 * chunks, '\0');
    if (auto st = readAt(fd, table, kHead, "chunk table"); !st) return st.error();
    if (phase) phase->lap("image_file_read");  // the table only: chunks are read as decoded
    struct Span {
        std::uint64_t from, to, sum;
    };
    std::vector<Span> parts;
    for (std::uint64_t i = 0; i < chunks; ++i) {
        std::uint64_t from = getBe(table, 16 * i, 8);
        std::uint64_t to = i + 1 < chunks ? getBe(table, 16 * (i + 1), 8) : total;
        if (from < kHead + 16 * chunks || to < from || to > total)
            return corrupt("bad chunk offset");
        parts.push_back({from, to, getBe(table, 16 * i + 8, 8)});
    }
    // The chunks are cut into runs, each decoded into its own part of the loader, which also
    // works out each element's hashes, links and index terms while it is in cache; the parts
    // in order are the file's order. The threads take the runs in turn: node chunks cost more
    // to decode than edge chunks, so two halves of the file would leave one thread idle. The
    // loader then builds each trie once.
    const auto workers = std::max(1u, threads);
    const auto runs = static_cast<unsigned>(
        std::clamp<std::size_t>(parts.size(), 1, std::size_t{workers} * kRunsPerThread));
    graph::GraphImageLoader loader(std::move(config), runs);
    std::vector<model::Status> status(runs);
    std::atomic<unsigned> next_run{0};
    auto fail = [&](unsigned r, model::Status st) {
        status[r] = std::move(st);
        next_run = runs;  // no thread takes another run
    };
    auto work = [&] {
        std::string buf;
        for (unsigned r = next_run++; r < runs; r = next_run++) {
            for (std::size_t i = parts.size() * r / runs; i < parts.size() * (r + 1) / runs; ++i) {
                buf.resize(parts[i].to - parts[i].from);
                if (auto st = readAt(fd, buf, parts[i].from, "chunk"); !st) {
                    fail(r, st);
                    break;
                }
                if (chunkSum(buf) != parts[i].sum) {
                    fail(r, corrupt("chunk checksum mismatch"));
                    break;
                }
                if (auto st = decodeChunk(buf, loader, r); !st) {
                    fail(r, st);
                    break;
                }
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < workers; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (const auto& st : status)
        if (!st) return st.error();
    if (phase) phase->lap("image_decode");
    graph::GraphImage img = loader.build(workers);
    if (phase) phase->lap("image_build");
    return Out(LiveImage{std::move(img), seq, base});
}

}  // namespace skydive::store

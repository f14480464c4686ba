// Reconstruction of transferred files (MSNFTP blocks, MSNP.md §10.2; P2P
// data messages, §9.1/§9.2) and of chunked MSG payloads (§8.5).
//
// A FileAssembly receives pieces of one file by offset and hands them on in
// file order, hashing them incrementally (SHA-256, OpenSSL EVP): the file is
// never buffered whole. Pieces normally arrive in order (one TCP stream, or
// one switchboard), so the in-order path copies nothing; a small, bounded
// number of early pieces is held back, and when that allowance is used up
// the missing range is declared a hole and reported, never buffered further.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/msnp/events.h"

struct evp_md_ctx_st;

namespace rcds::proto::msnp {

// Incremental SHA-256 (or, with kSha1, SHA-1: the msnobj SHA1D of §9.3)
// over OpenSSL's EVP interface. Move-only; a failed allocation leaves it
// invalid (hex() and digest() then return "").
class Sha256 {
 public:
  enum class Algorithm : uint8_t { kSha256, kSha1 };
  explicit Sha256(Algorithm algorithm = Algorithm::kSha256);
  ~Sha256();
  Sha256(Sha256&& other) noexcept : ctx_(other.ctx_) { other.ctx_ = nullptr; }
  Sha256& operator=(Sha256&& other) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // Lower-case hex of the digest; the context is spent afterwards.
  std::string hex();
  // The raw digest bytes; the context is spent afterwards.
  std::string digest();

 private:
  evp_md_ctx_st* ctx_ = nullptr;
};

// What an MSN object session carries (§9.3 EUF-GUID {A4268EEC-...}): its
// purpose and the <msnobj/> descriptor of the INVITE's Context.
struct ObjectInfo {
  std::string_view purpose = "object";  // static name, see FileData::purpose
  std::string creator;
  int type = 0;
  uint64_t size = 0;
  std::string sha1d;
};

struct FileAssemblyLimits {
  size_t max_early_pieces = 8;         // pieces held back ahead of a hole
  size_t max_early_bytes = 64 * 1024;  // their total size
  uint64_t max_file = 1ULL << 40;      // offsets beyond this are nonsense
};

class FileAssembly {
 public:
  // Where ordered pieces and anomalies go (the decoder, which adds context).
  class Output {
   public:
    virtual ~Output() = default;
    virtual void on_piece(const FileAssembly& file, uint64_t offset, std::string_view bytes) = 0;
    virtual void on_anomaly(const FileAssembly& file, TransferAnomaly::Kind kind,
                            uint64_t bytes) = 0;
  };

  // `content` false: count the bytes but neither hash nor deliver them
  // (the connection's owner is not a target).
  FileAssembly(std::string_view transport, std::string id, std::string sender, std::string name,
               uint64_t declared_size, bool content, FileAssemblyLimits limits = {});

  // A piece at `offset`. Overlaps with bytes already delivered are dropped
  // (and reported); a piece ahead of the next expected offset is held back
  // within the limits, else the gap becomes a hole.
  void add(uint64_t offset, std::string_view bytes, Output& out);
  // `length` bytes at the next expected offset are known to be lost.
  void skip(uint64_t length, Output& out);
  // Delivers held-back pieces across their holes; then the summary.
  FileComplete finish(std::string_view end, Output& out);

  // All declared bytes accounted for (delivered or declared lost).
  bool done() const { return declared_ != 0 && next_ >= declared_; }
  bool finished() const { return finished_; }
  std::string_view transport() const { return transport_; }
  const std::string& id() const { return id_; }
  const std::string& sender() const { return sender_; }
  const std::string& name() const { return name_; }
  uint64_t declared_size() const { return declared_; }
  void set_name(std::string name) { name_ = std::move(name); }
  void set_declared_size(uint64_t size) { declared_ = size; }
  // Marks the transfer as an MSN object: pieces carry its purpose, and the
  // bytes are also hashed with SHA-1 to check the descriptor's SHA1D.
  void set_object(ObjectInfo object);
  bool is_object() const { return object_.has_value(); }
  std::string_view purpose() const { return object_ ? object_->purpose : "file"; }
  uint64_t next_offset() const { return next_; }

 private:
  struct Early {
    uint64_t offset;
    std::string bytes;
  };
  void deliver(uint64_t offset, std::string_view bytes, Output& out);
  void drain(Output& out);

  std::string_view transport_;  // static names: "msnftp", "p2p_v1", "p2p_v2"
  std::string id_, sender_, name_;
  uint64_t declared_ = 0;
  bool content_ = true;
  FileAssemblyLimits limits_;
  uint64_t next_ = 0;      // next offset to deliver
  uint64_t received_ = 0;  // bytes delivered
  uint64_t missing_ = 0;   // bytes declared lost (holes)
  size_t early_bytes_ = 0;
  std::vector<Early> early_;  // sorted by offset, all > next_
  Sha256 hash_;
  std::optional<ObjectInfo> object_;
  std::optional<Sha256> sha1_;  // objects only
  bool finished_ = false;
};

// Joins the MSGs of one chunked message (§8.5: Message-ID, Chunks: N on the
// first, Chunk: k on the others). Bounded in pending messages, chunks and
// total size; the decoder reports what it drops.
struct ChunkLimits {
  size_t max_pending = 8;        // messages being joined per connection
  uint32_t max_chunks = 1024;    // libpurple's bound
  size_t max_size = 256 * 1024;  // joined body bytes
};

struct ChunkedMessage {
  uint8_t direction = 0;
  std::string id;       // Message-ID
  std::string headers;  // MIME headers of the first chunk
  std::string body;     // bodies joined so far
  std::string sender, trid;
  char ack_mode = 0;
  uint32_t chunks = 0;  // N
  uint32_t next = 1;    // the Chunk: value expected next
  uint64_t size = 0;    // payload bytes of all chunks
};

}  // namespace rcds::proto::msnp

#include "proto/msnp/file_transfer.h"

#include <openssl/evp.h>

#include <algorithm>

#include "util/base64.h"

namespace rcds::proto::msnp {

// --- Sha256 -------------------------------------------------------------------

Sha256::Sha256(Algorithm algorithm) : ctx_(EVP_MD_CTX_new()) {
  const EVP_MD* md = algorithm == Algorithm::kSha1 ? EVP_sha1() : EVP_sha256();
  if (ctx_ != nullptr && EVP_DigestInit_ex(ctx_, md, nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = nullptr;
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

Sha256& Sha256::operator=(Sha256&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = other.ctx_;
    other.ctx_ = nullptr;
  }
  return *this;
}

void Sha256::update(std::string_view bytes) {
  if (ctx_ != nullptr && !bytes.empty()) EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
}

std::string Sha256::digest() {
  if (ctx_ == nullptr) return "";
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const bool ok = EVP_DigestFinal_ex(ctx_, bytes, &length) == 1;
  EVP_MD_CTX_free(ctx_);
  ctx_ = nullptr;
  if (!ok) return "";
  return std::string(reinterpret_cast<const char*>(bytes), length);
}

std::string Sha256::hex() {
  const std::string bytes = digest();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (const char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

// --- FileAssembly ----------------------------------------------------------------

FileAssembly::FileAssembly(std::string_view transport, std::string id, std::string sender,
                           std::string name, uint64_t declared_size, bool content,
                           FileAssemblyLimits limits)
    : transport_(transport),
      id_(std::move(id)),
      sender_(std::move(sender)),
      name_(std::move(name)),
      declared_(declared_size),
      content_(content),
      limits_(limits) {}

void FileAssembly::deliver(uint64_t offset, std::string_view bytes, Output& out) {
  if (bytes.empty()) return;
  if (content_) {
    hash_.update(bytes);
    if (sha1_) sha1_->update(bytes);
    out.on_piece(*this, offset, bytes);
  }
  received_ += bytes.size();
  next_ = offset + bytes.size();
}

void FileAssembly::drain(Output& out) {
  // Held-back pieces that the delivered bytes have reached.
  while (!early_.empty() && early_.front().offset <= next_) {
    Early piece = std::move(early_.front());
    early_.erase(early_.begin());
    early_bytes_ -= piece.bytes.size();
    const uint64_t end = piece.offset + piece.bytes.size();
    if (end <= next_) {
      out.on_anomaly(*this, TransferAnomaly::Kind::kOverlap, piece.bytes.size());
      continue;
    }
    const uint64_t skip = next_ - piece.offset;
    if (skip != 0) out.on_anomaly(*this, TransferAnomaly::Kind::kOverlap, skip);
    deliver(next_, std::string_view(piece.bytes).substr(skip), out);
  }
}

void FileAssembly::add(uint64_t offset, std::string_view bytes, Output& out) {
  if (finished_ || bytes.empty()) return;
  if (offset > limits_.max_file || bytes.size() > limits_.max_file - offset) {
    out.on_anomaly(*this, TransferAnomaly::Kind::kHole, bytes.size());
    return;
  }
  if (!content_) {
    // Counted only: nothing is held back (copied) for a non-target.
    const uint64_t end = offset + bytes.size();
    if (end > next_) {
      received_ += end - std::max(offset, next_);
      next_ = end;
    }
    return;
  }
  if (offset <= next_) {
    // In order (the common case), or overlapping what was delivered.
    const uint64_t end = offset + bytes.size();
    if (end <= next_) {
      out.on_anomaly(*this, TransferAnomaly::Kind::kOverlap, bytes.size());
      return;
    }
    const uint64_t skip = next_ - offset;
    if (skip != 0) out.on_anomaly(*this, TransferAnomaly::Kind::kOverlap, skip);
    deliver(next_, bytes.substr(skip), out);
    drain(out);
    return;
  }
  // Ahead of a gap: hold it back if the allowance permits.
  while (early_.size() >= limits_.max_early_pieces ||
         early_bytes_ + bytes.size() > limits_.max_early_bytes) {
    if (early_.empty()) break;
    // No room: the gap before the earliest held piece is given up as a hole.
    const uint64_t hole = early_.front().offset - next_;
    out.on_anomaly(*this, TransferAnomaly::Kind::kHole, hole);
    missing_ += hole;
    next_ = early_.front().offset;
    drain(out);
  }
  if (offset <= next_) {
    add(offset, bytes, out);  // the drain caught up with it (depth ≤ 1)
    return;
  }
  if (early_.size() >= limits_.max_early_pieces ||
      early_bytes_ + bytes.size() > limits_.max_early_bytes) {
    // A single piece larger than the whole allowance: skip to it.
    const uint64_t hole = offset - next_;
    out.on_anomaly(*this, TransferAnomaly::Kind::kHole, hole);
    missing_ += hole;
    next_ = offset;
    deliver(offset, bytes, out);
    return;
  }
  const auto at =
      std::find_if(early_.begin(), early_.end(), [&](const Early& e) { return e.offset > offset; });
  early_.insert(at, Early{offset, std::string(bytes)});
  early_bytes_ += bytes.size();
}

void FileAssembly::skip(uint64_t length, Output& out) {
  if (finished_ || length == 0) return;
  // A gap length comes from the flow layer: kept within the file bound.
  length = std::min(length, limits_.max_file - std::min(next_, limits_.max_file));
  out.on_anomaly(*this, TransferAnomaly::Kind::kHole, length);
  missing_ += length;
  next_ += length;
  drain(out);
}

FileComplete FileAssembly::finish(std::string_view end, Output& out) {
  // Whatever was held back is delivered across its holes so the summary
  // covers every byte seen.
  while (!early_.empty()) {
    const uint64_t hole = early_.front().offset - next_;
    out.on_anomaly(*this, TransferAnomaly::Kind::kHole, hole);
    missing_ += hole;
    next_ = early_.front().offset;
    drain(out);
  }
  if (declared_ > next_) missing_ += declared_ - next_;
  finished_ = true;
  FileComplete done;
  done.transport = std::string(transport_);
  done.transfer_id = id_;
  done.sender = sender_;
  done.file_name = name_;
  done.declared_size = declared_;
  done.received = received_;
  done.missing = missing_;
  done.complete = missing_ == 0 && declared_ != 0 && received_ == declared_;
  if (content_) done.sha256 = hash_.hex();
  done.end = std::string(end);
  if (object_) {
    done.purpose = std::string(object_->purpose);
    done.object_creator = object_->creator;
    done.object_type = object_->type;
    done.object_size = object_->size;
    done.object_sha1d = object_->sha1d;
    if (content_ && sha1_) done.sha1_base64 = base64(sha1_->digest());
    done.sha1d_match = !done.sha1_base64.empty() && done.sha1_base64 == done.object_sha1d;
  }
  return done;
}

void FileAssembly::set_object(ObjectInfo object) {
  object_ = std::move(object);
  if (!sha1_ && received_ == 0) sha1_.emplace(Sha256::Algorithm::kSha1);
}

}  // namespace rcds::proto::msnp

// File content and chunked messages: MSNFTP transfer connections (MSNP.md
// §10.2), P2P signalling and data inside switchboard MSGs (§9), and the
// joining of chunked MSGs (§8.5). Connection plumbing is in decoder.cc.
#include <algorithm>

#include "proto/msnp/decoder.h"
#include "proto/msnp/msn_object.h"
#include "proto/msnp/slp.h"

namespace rcds::proto::msnp {

using flow::Direction;

namespace {
constexpr std::string_view kFileTransferGuid = "{5D3E02AB-6190-11D3-BBBB-00C04F795683}";
constexpr std::string_view kObjectGuid = "{A4268EEC-FEC5-49E5-95C3-F126696BDBF6}";
constexpr uint32_t kP2pAck = 0x02;
constexpr uint32_t kP2pFileFlag = 0x10;    // also set in the WLM 2009 value 0x01000030
constexpr uint32_t kP2pObjectFlag = 0x20;  // also set in the WLM 2009 value 0x01000020
constexpr uint32_t kFooterFile = 2;
constexpr uint32_t kFooterObject = 1;  // MSN object, old clients
constexpr uint32_t kFooterEmoticon = 11;
constexpr uint32_t kFooterPicture = 12;
constexpr uint8_t kTfObject = 0x04;

// The purpose an object data chunk's footer names, "" when it names none.
std::string_view footer_purpose(uint32_t footer) {
  if (footer == kFooterPicture) return "display_picture";
  if (footer == kFooterEmoticon) return "emoticon";
  if (footer == kFooterObject) return "object";
  return "";
}

// The 4-byte all-zero "data preparation" message before object data (§9.1).
bool is_data_preparation(std::string_view data) {
  return data.size() == 4 && data == std::string_view("\0\0\0\0", 4);
}
constexpr uint8_t kTfFirst = 0x01;
constexpr uint8_t kTfFile = 0x06;
}  // namespace

// Adds the decoder's context to what a FileAssembly hands out.
struct MsnpDecoder::FileOut final : FileAssembly::Output {
  FileOut(MsnpDecoder& d, Timestamp t, Direction dir) : decoder(d), time(t), direction(dir) {}
  void on_piece(const FileAssembly& file, uint64_t offset, std::string_view bytes) override {
    decoder.emit(time, direction,
                 FileData{file.transport(), file.id(), file.sender(), file.name(), offset, bytes,
                          file.purpose()});
  }
  void on_anomaly(const FileAssembly& file, TransferAnomaly::Kind kind, uint64_t bytes) override {
    decoder.transfer_anomaly(kind, file.id(), bytes, time, direction);
  }
  MsnpDecoder& decoder;
  Timestamp time;
  Direction direction;
};

void MsnpDecoder::transfer_anomaly(TransferAnomaly::Kind kind, std::string_view id, uint64_t bytes,
                                   Timestamp time, Direction direction) {
  emit(time, direction, TransferAnomaly{kind, std::string(id), bytes});
}

void MsnpDecoder::finish_file(FileAssembly& file, std::string_view end, Timestamp time,
                              Direction direction) {
  if (file.finished()) return;
  FileOut out(*this, time, direction);
  emit(time, direction, file.finish(end, out));
}

void MsnpDecoder::finish_all_files(std::string_view end, Timestamp time) {
  if (!transfers_) return;  // no transfer was ever seen: nothing to allocate for
  if (transfers_->msnftp_file) {
    const Direction dir = sides_[0].raw ? Direction::kClientToServer : Direction::kServerToClient;
    finish_file(*transfers_->msnftp_file, end, time, dir);
  }
  for (P2pFile& f : transfers_->p2p_files) {
    // A session whose data went over a direct connection is reported there.
    if (f.direct && f.file.next_offset() == 0) continue;
    finish_file(f.file, end, time, Direction::kClientToServer);
  }
}

// --- MSNFTP (§10.2) ---------------------------------------------------------

void MsnpDecoder::note_msnftp_offer(const FileInvitation& invite, Timestamp time) {
  Transfers& t = transfers();
  // The file's name is known only on the switchboard (INVITE), the transfer
  // connection presents only the AuthCookie of the listener's ACCEPT. The
  // worker's MsnpSession links the two (AuthCookie -> name, size, sender).
  constexpr size_t kMaxOffers = 8;
  if (invite.cookie.empty()) return;
  if (!invite.file_name.empty()) {
    if (t.msnftp_offers.size() >= kMaxOffers) t.msnftp_offers.erase(t.msnftp_offers.begin());
    t.msnftp_offers.push_back(
        {invite.cookie, invite.file_name, invite.file_size, std::string(invite.sender)});
    return;
  }
  if (invite.auth_cookie.empty() || session_ == nullptr) return;
  for (const MsnftpOffer& offer : t.msnftp_offers) {
    if (offer.cookie != invite.cookie) continue;
    MsnpSession::MsnftpOffer link;
    link.auth_cookie = invite.auth_cookie;
    link.file_name = offer.name;
    link.file_size = offer.size;
    link.sender = offer.sender;
    link.invite_flow_id = info_.flow_id;
    link.time = time;
    if (!session_->note_msnftp(std::move(link))) {
      anomaly(MsnpAnomaly::kSessionTableFull, 0, time);
    }
    return;
  }
}

void MsnpDecoder::handle_msnftp(Direction direction, const Command& cmd, Timestamp time) {
  Transfers& t = transfers();
  // Either side may listen, so the commands are taken from whichever
  // direction carries them; there are no TrIDs.
  MsnftpTransfer step;
  if (cmd.is("TFR")) {
    // The receiver's TFR starts the file blocks in the other direction.
    sides_[flow::index_of(flow::opposite(direction))].raw = true;
    if (!t.msnftp_file) {
      t.msnftp_file.emplace("msnftp", t.msnftp_cookie, "", "", t.msnftp_size, content_wanted(),
                            limits_.files);
    }
    return;
  }
  if (cmd.is("USR") && cmd.count >= 2) {
    set_owner(normalize_address(cmd.params[0]));
    t.msnftp_cookie = cmd.params[1];
    std::string sender, name;
    uint64_t size = 0;
    if (session_ != nullptr) {
      if (const auto* offer = session_->use_msnftp(t.msnftp_cookie, info_.flow_id)) {
        sender = offer->sender;
        name = offer->file_name;
        size = offer->file_size;
      }
    }
    if (!t.msnftp_file) {
      // The INVITE's size until FIL names the transfer's own.
      t.msnftp_file.emplace("msnftp", t.msnftp_cookie, std::move(sender), std::move(name), size,
                            content_wanted(), limits_.files);
    }
    step.stage = MsnftpTransfer::Stage::kAuth;
    step.account = owner_;
    step.auth_cookie = cmd.params[1];
  } else if (cmd.is("FIL") && parse_u64(cmd.param(0), step.file_size)) {
    step.stage = MsnftpTransfer::Stage::kSize;
    t.msnftp_size = step.file_size;
    // The transfer's own FIL wins over the INVITE's Application-FileSize.
    if (t.msnftp_file) t.msnftp_file->set_declared_size(step.file_size);
  } else if (cmd.is("BYE") && parse_u64(cmd.param(0), step.code)) {
    step.stage = MsnftpTransfer::Stage::kEnd;
  } else if (cmd.is("CCL")) {
    step.stage = MsnftpTransfer::Stage::kCancel;
  } else {
    return;
  }
  const MsnftpTransfer::Stage stage = step.stage;
  emit(time, direction, std::move(step));
  if (t.msnftp_file && stage == MsnftpTransfer::Stage::kEnd) {
    finish_file(*t.msnftp_file, "bye", time, flow::opposite(direction));
  } else if (t.msnftp_file && stage == MsnftpTransfer::Stage::kCancel) {
    finish_file(*t.msnftp_file, "cancel", time, flow::opposite(direction));
  }
}

void MsnpDecoder::on_raw(Direction direction, ByteView bytes, Timestamp time) {
  Transfers& t = transfers();
  // [flag:1][len:2 LE][data:len] blocks; the block header may be split
  // across segments, so up to 3 header bytes are carried over.
  if (t.blocks_stopped || !t.msnftp_file) return;
  FileAssembly& file = *t.msnftp_file;
  FileOut out(*this, time, direction);
  const std::string_view chars = as_chars(bytes);
  size_t i = 0;
  while (i < chars.size()) {
    if (t.block_left == 0) {
      while (t.block_head_have < 3 && i < chars.size()) {
        t.block_head[t.block_head_have++] = static_cast<uint8_t>(chars[i++]);
      }
      if (t.block_head_have < 3) return;
      t.block_head_have = 0;
      const uint8_t flag = t.block_head[0];
      if (flag == 1) {  // the sender cancels (or ends) the transfer
        t.blocks_stopped = true;
        finish_file(file, "cancel", time, direction);
        return;
      }
      if (flag != 0) {
        // Not a block: the framing is lost for good (no markers to resume at).
        t.blocks_stopped = true;
        transfer_anomaly(TransferAnomaly::Kind::kBadBlock, file.id(), chars.size() - i + 3, time,
                         direction);
        return;
      }
      t.block_left = static_cast<uint32_t>(t.block_head[1] | (t.block_head[2] << 8));
      continue;
    }
    const size_t take = std::min<size_t>(t.block_left, chars.size() - i);
    file.add(file.next_offset(), chars.substr(i, take), out);
    i += take;
    t.block_left -= static_cast<uint32_t>(take);
    if (file.done()) finish_file(file, "data", time, direction);
  }
}

void MsnpDecoder::raw_gap(uint64_t length, Timestamp time, Direction direction) {
  Transfers& t = transfers();
  if (t.blocks_stopped || !t.msnftp_file) return;
  FileOut out(*this, time, direction);
  if (t.block_head_have == 0 && length <= t.block_left) {
    // Inside one block's data: the block lengths still frame the rest.
    t.msnftp_file->skip(length, out);
    t.block_left -= static_cast<uint32_t>(length);
    return;
  }
  // A lost block header: the remaining blocks cannot be found again.
  t.blocks_stopped = true;
  t.msnftp_file->skip(length, out);
}

// --- P2P (§9) -----------------------------------------------------------------

MsnpDecoder::P2pFile* MsnpDecoder::p2p_file(uint32_t session_id) {
  for (P2pFile& f : transfers().p2p_files) {
    if (f.session_id == session_id) return &f;
  }
  return nullptr;
}

MsnpDecoder::P2pFile& MsnpDecoder::p2p_open(uint32_t session_id, std::string_view transport,
                                            std::string_view sender, std::string name,
                                            uint64_t size, Timestamp time, Direction direction) {
  Transfers& t = transfers();
  if (P2pFile* existing = p2p_file(session_id)) {
    if (existing->file.name().empty()) existing->file.set_name(std::move(name));
    if (existing->file.declared_size() == 0) existing->file.set_declared_size(size);
    return *existing;
  }
  if (t.p2p_files.size() >= limits_.max_files) {
    // Finished sessions are kept only to ignore late retransmissions: they
    // make room first (a switchboard fetches many pictures and emoticons).
    std::erase_if(t.p2p_files, [](const P2pFile& f) { return f.file.finished(); });
  }
  if (t.p2p_files.size() >= limits_.max_files) {
    transfer_anomaly(TransferAnomaly::Kind::kTooManyFiles, t.p2p_files.front().file.id(), 0, time,
                     direction);
    finish_file(t.p2p_files.front().file, "evicted", time, direction);
    t.p2p_files.erase(t.p2p_files.begin());
  }
  t.p2p_files.push_back(
      P2pFile{session_id,
              FileAssembly(transport, std::to_string(session_id), std::string(sender),
                           std::move(name), size, true, limits_.files),
              0,
              {}});
  return t.p2p_files.back();
}

void MsnpDecoder::handle_p2p(std::string_view sender, const MimeMessage& mime, Timestamp time,
                             Direction direction) {
  Transfers& t = transfers();
  const std::string_view body = mime.body;
  // v2 is announced by ";{GUID}" endpoint ids (§9.2); the exact length
  // check of each parser settles the rest.
  const bool v2_hint =
      header_value(mime.headers, "P2P-Dest").find(";{") != std::string_view::npos ||
      header_value(mime.headers, "P2P-Src").find(";{") != std::string_view::npos;
  P2pHeader h1;
  P2pV2Header h2;
  std::string_view data;
  uint32_t footer = 0;
  bool v2 = false;
  if (v2_hint && parse_p2p_v2(body, h2, data, footer)) {
    v2 = true;
  } else if (parse_p2p_v1(body, h1, data, footer)) {
    v2 = false;
  } else if (!v2_hint && parse_p2p_v2(body, h2, data, footer)) {
    v2 = true;
  } else {
    return;
  }
  if (data.empty()) return;  // ACKs (v2: ACK/NAK TLVs only), SYN/RAK without data
  if (!v2) {
    if ((h1.flags & kP2pAck) != 0) return;
    if (h1.session_id == 0) {
      join_slp(sender, h1.identifier, false, h1.offset, h1.total_size, data, time, direction);
    } else {
      const bool file = (h1.flags & kP2pFileFlag) != 0 || footer == kFooterFile;
      std::string_view object = footer_purpose(footer);
      if (object.empty() && (h1.flags & kP2pObjectFlag) != 0 && !file) object = "object";
      p2p_data(sender, h1.session_id, false, h1.offset, h1.total_size, file, object, data, time,
               direction);
    }
    return;
  }
  if (v2_duplicate(sender, h2.base_id, data.size(), direction)) {
    transfer_anomaly(TransferAnomaly::Kind::kP2pDuplicate, std::to_string(h2.session_id),
                     data.size(), time, direction);
    return;
  }
  if (h2.session_id == 0) {
    // v2 chunks carry no offset: the remaining-bytes TLV places them.
    uint64_t total = data.size() + h2.remaining;
    if ((h2.tf & kTfFirst) == 0) {
      const auto it = std::find_if(t.slp_pending.begin(), t.slp_pending.end(), [&](auto& p) {
        return p.direction == flow::index_of(direction) && p.key == h2.package;
      });
      total = it != t.slp_pending.end() ? it->total : 0;
    }
    if (total < h2.remaining + data.size()) {
      transfer_anomaly(TransferAnomaly::Kind::kSlpDropped, "", data.size(), time, direction);
      return;
    }
    join_slp(sender, h2.package, true, total - h2.remaining - data.size(), total, data, time,
             direction);
    return;
  }
  const bool file = h2.tf == kTfFile || footer == kFooterFile;
  std::string_view object = footer_purpose(footer);
  if (object.empty() && h2.tf == kTfObject) object = "object";
  p2p_data(sender, h2.session_id, true, h2.remaining, 0, file, object, data, time, direction);
}

bool MsnpDecoder::v2_duplicate(std::string_view sender, uint32_t base_id, size_t length,
                               Direction direction) {
  Transfers& t = transfers();
  const size_t who = std::hash<std::string_view>{}(sender);
  const auto dir = static_cast<uint8_t>(flow::index_of(direction));
  for (const V2Seen& seen : t.v2_seen) {
    if (seen.used && seen.sender == who && seen.direction == dir && seen.base_id == base_id &&
        seen.length == length) {
      return true;
    }
  }
  t.v2_seen[t.v2_seen_next] = V2Seen{who, base_id, static_cast<uint32_t>(length), dir, true};
  t.v2_seen_next = (t.v2_seen_next + 1) % t.v2_seen.size();
  return false;
}

void MsnpDecoder::join_slp(std::string_view sender, uint32_t key, bool v2, uint64_t offset,
                           uint64_t total, std::string_view data, Timestamp time,
                           Direction direction) {
  Transfers& t = transfers();
  if (offset == 0 && total == data.size()) {  // the usual single-chunk message
    handle_slp(sender, data, v2, time, direction);
    return;
  }
  const uint8_t dir = static_cast<uint8_t>(flow::index_of(direction));
  auto it = std::find_if(t.slp_pending.begin(), t.slp_pending.end(),
                         [&](const SlpPending& p) { return p.direction == dir && p.key == key; });
  if (offset == 0) {
    if (it != t.slp_pending.end()) t.slp_pending.erase(it);
    if (total > limits_.max_slp) {
      transfer_anomaly(TransferAnomaly::Kind::kSlpDropped, "", total, time, direction);
      return;
    }
    if (t.slp_pending.size() >= limits_.max_slp_pending) {
      transfer_anomaly(TransferAnomaly::Kind::kSlpDropped, "", t.slp_pending.front().text.size(),
                       time, direction);
      t.slp_pending.erase(t.slp_pending.begin());
    }
    t.slp_pending.push_back(SlpPending{dir, key, v2, total, std::string(data)});
    return;
  }
  if (it == t.slp_pending.end() || it->text.size() != offset || it->total != total ||
      total - offset < data.size()) {
    // A chunk missing or repeated: SLP text is small, the message is dropped.
    transfer_anomaly(TransferAnomaly::Kind::kSlpDropped, "", data.size(), time, direction);
    if (it != t.slp_pending.end()) t.slp_pending.erase(it);
    return;
  }
  it->text.append(data);
  if (it->text.size() < it->total) return;
  const std::string text = std::move(it->text);
  t.slp_pending.erase(it);
  handle_slp(sender, text, v2, time, direction);
}

void MsnpDecoder::handle_slp(std::string_view sender, std::string_view text, bool v2,
                             Timestamp time, Direction direction) {
  Transfers& t = transfers();
  SlpMessage slp;
  if (!parse_slp(text, slp)) return;
  const std::string_view body_type = media_type(slp.content_type);
  if (iequals(body_type, "application/x-msnmsgr-transreqbody") ||
      iequals(body_type, "application/x-msnmsgr-transrespbody")) {
    handle_transport(sender, slp.method, slp.status, slp.call_id, body_type, slp.body, time,
                     direction);
    return;
  }
  P2pSignal signal;
  signal.sender = sender;
  signal.recipients = recipients_except(sender);
  signal.method = slp.method;
  signal.status = slp.status;
  signal.to = normalize_address(slp.to);
  signal.from = normalize_address(slp.from);
  signal.call_id = slp.call_id;
  signal.session_id = header_value(slp.body, "SessionID");
  signal.euf_guid = header_value(slp.body, "EUF-GUID");
  signal.app_id = header_value(slp.body, "AppID");
  const bool file_offer = iequals(signal.euf_guid, kFileTransferGuid);
  const bool object_offer = iequals(signal.euf_guid, kObjectGuid);
  MsnObject object;
  std::string object_xml;  // the descriptor the views of `object` point into
  bool has_object = false;
  if (object_offer) {
    // Context = base64 of the <msnobj/>, usually with its NUL terminator.
    if (base64_decode(header_value(slp.body, "Context"), object_xml)) {
      while (!object_xml.empty() && object_xml.back() == '\0') object_xml.pop_back();
      has_object = parse_msn_object(object_xml, object);
    }
  }
  if (file_offer) {
    FileContext context;
    if (parse_file_context(header_value(slp.body, "Context"), context)) {
      signal.file_name = std::move(context.name);
      signal.file_size = context.size;
    }
  }
  uint64_t session = 0;
  const bool has_session =
      parse_u64(signal.session_id, session) && session != 0 && session <= UINT32_MAX;
  const auto id = static_cast<uint32_t>(session);
  if (has_session && file_offer && signal.method == "INVITE") {
    P2pFile& f = p2p_open(id, v2 ? "p2p_v2" : "p2p_v1", sender, signal.file_name, signal.file_size,
                          time, direction);
    f.call_id = signal.call_id;
  } else if (has_session && object_offer && signal.method == "INVITE") {
    // The INVITE asks the object's owner (To:) for it: the data comes from there.
    ObjectInfo info;
    if (has_object) {
      info.purpose = object_purpose(object.type);
      info.creator = normalize_address(object.creator);
      info.type = object.type;
      info.size = object.size;
      info.sha1d = object.sha1d;
    }
    signal.object_purpose = info.purpose;
    signal.object_creator = info.creator;
    signal.object_size = info.size;
    signal.object_sha1d = info.sha1d;
    P2pFile& f = p2p_open(id, v2 ? "p2p_v2" : "p2p_v1", signal.to, "", info.size, time, direction);
    f.file.set_object(std::move(info));
    f.call_id = signal.call_id;
  } else if (has_session && signal.method == "BYE") {
    if (P2pFile* f = p2p_file(id)) {
      if (f->direct && f->file.next_offset() == 0) {
        t.p2p_files.erase(t.p2p_files.begin() + (f - t.p2p_files.data()));
      } else {
        finish_file(f->file, "slp_bye", time, direction);
      }
    }
  } else if (signal.status >= 300) {
    // Declined or failed: forget an offer that never carried data.
    const auto it = std::find_if(t.p2p_files.begin(), t.p2p_files.end(), [&](const P2pFile& f) {
      return !signal.call_id.empty() && f.call_id == signal.call_id;
    });
    if (it != t.p2p_files.end() && it->file.next_offset() == 0) t.p2p_files.erase(it);
  }
  emit(time, direction, std::move(signal));
}

void MsnpDecoder::handle_transport(std::string_view sender, std::string_view method, int status,
                                   std::string_view call_id, std::string_view content_type,
                                   std::string_view body, Timestamp time, Direction direction) {
  P2pTransport t;
  t.sender = sender;
  t.recipients = recipients_except(sender);
  t.method = method;
  t.status = status;
  t.body_type =
      iequals(content_type, "application/x-msnmsgr-transreqbody") ? "transreq" : "transresp";
  t.call_id = call_id;
  parse_transport_body(body, t);
  // The direct connection serves the session negotiated under the same Call-ID.
  P2pFile* session = nullptr;
  for (P2pFile& f : transfers().p2p_files) {
    if (!t.call_id.empty() && f.call_id == t.call_id) session = &f;
  }
  // A listening answer sends the data over the direct connection, which
  // reports the file; this one then only reports what it carries itself.
  if (session != nullptr && t.body_type == "transresp" && iequals(t.listening, "true")) {
    session->direct = true;
  }
  if (session != nullptr) t.session_id = std::to_string(session->session_id);
  if (session_ != nullptr) {
    for (const std::string* nonce : {&t.nonce, &t.hashed_nonce}) {
      if (nonce->empty()) continue;
      MsnpSession::P2pNonce entry;
      entry.nonce = *nonce;
      entry.owner = owner_;
      entry.session_id = t.session_id;
      entry.call_id = t.call_id;
      if (session != nullptr) {
        entry.sender = session->file.sender();
        entry.file_name = session->file.name();
        entry.file_size = session->file.declared_size();
      }
      entry.sb_flow_id = info_.flow_id;
      entry.time = time;
      if (!session_->note_nonce(std::move(entry))) {
        anomaly(MsnpAnomaly::kSessionTableFull, 0, time, direction);
      }
    }
  }
  emit(time, direction, std::move(t));
}

void MsnpDecoder::p2p_data(std::string_view sender, uint32_t session, bool v2, uint64_t where,
                           uint64_t total, bool file_hint, std::string_view object_hint,
                           std::string_view data, Timestamp time, Direction direction) {
  P2pFile* f = p2p_file(session);
  // The object's data-preparation message (TotalSize 4, all zero) is no data.
  const bool preparation = is_data_preparation(data) && (v2 ? where == 0 : total == 4);
  if (f == nullptr) {
    // Data of a session whose INVITE was not seen: kept when it says it is
    // a file or an MSN object.
    if (!file_hint && object_hint.empty()) return;
    if (preparation && !file_hint) return;
    f = &p2p_open(session, v2 ? "p2p_v2" : "p2p_v1", sender, "", v2 ? 0 : total, time, direction);
    if (!file_hint) f->file.set_object(ObjectInfo{object_hint, "", 0, 0, ""});
  }
  FileAssembly& file = f->file;
  if (file.finished()) return;  // retransmission after the end
  if (preparation && file.is_object() && file.next_offset() == 0 && file.declared_size() != 4) {
    return;
  }
  uint64_t offset = where;  // v1: the header's Offset
  if (v2) {
    // `where` is the remaining-bytes value; the offset follows from the size.
    // A remaining count beyond any file is nonsense: placed by the running offset.
    const uint64_t remaining = where <= limits_.files.max_file ? where : 0;
    if (file.declared_size() == 0 && f->v2_next == 0) {
      file.set_declared_size(data.size() + remaining);
    }
    const uint64_t size = file.declared_size();
    offset = size >= remaining + data.size() ? size - remaining - data.size() : f->v2_next;
    f->v2_next = offset + data.size();
  } else if (file.declared_size() == 0) {
    file.set_declared_size(total);
  }
  FileOut out(*this, time, direction);
  file.add(offset, data, out);
  if (file.done()) finish_file(file, "data", time, direction);
}

// --- chunked messages (§8.5) ---------------------------------------------------

bool MsnpDecoder::handle_chunk(Direction direction, std::string_view sender, const Command& cmd,
                               const MimeMessage& mime, uint64_t size, Timestamp time) {
  const std::string_view id = mime.message_id;
  if (id.empty()) return false;
  Transfers& t = transfers();
  const uint8_t dir = static_cast<uint8_t>(flow::index_of(direction));
  const ChunkLimits& limits = limits_.chunked;
  auto it = std::find_if(t.chunked.begin(), t.chunked.end(),
                         [&](const ChunkedMessage& m) { return m.direction == dir && m.id == id; });
  uint64_t n = 0;
  if (parse_u64(mime.chunks, n)) {
    if (n < 2) return false;  // one chunk is the whole message
    if (it != t.chunked.end()) {
      transfer_anomaly(TransferAnomaly::Kind::kChunkedDropped, id, it->size, time, direction);
      t.chunked.erase(it);
    }
    if (n > limits.max_chunks || mime.body.size() > limits.max_size) {
      transfer_anomaly(TransferAnomaly::Kind::kChunkedDropped, id, size, time, direction);
      return true;
    }
    if (t.chunked.size() >= limits.max_pending) {
      transfer_anomaly(TransferAnomaly::Kind::kChunkedDropped, t.chunked.front().id,
                       t.chunked.front().size, time, direction);
      t.chunked.erase(t.chunked.begin());
    }
    const bool c2s = direction == Direction::kClientToServer;
    ChunkedMessage m;
    m.direction = dir;
    m.id = id;
    m.headers = mime.headers;
    m.body = mime.body;
    m.sender = sender;
    if (c2s) {
      m.trid = cmd.param(0);
      m.ack_mode = cmd.param(1).size() == 1 ? cmd.param(1)[0] : '?';
    }
    m.chunks = static_cast<uint32_t>(n);
    m.size = size;
    t.chunked.push_back(std::move(m));
    return true;
  }
  if (!parse_u64(mime.chunk, n)) return false;
  if (it == t.chunked.end()) {  // its first chunk was not seen
    transfer_anomaly(TransferAnomaly::Kind::kChunkedDropped, id, size, time, direction);
    return true;
  }
  if (n != it->next || it->body.size() + mime.body.size() > limits.max_size) {
    transfer_anomaly(TransferAnomaly::Kind::kChunkedDropped, id, it->size + size, time, direction);
    t.chunked.erase(it);
    return true;
  }
  it->body.append(mime.body);
  it->size += size;
  if (++it->next < it->chunks) return true;
  const ChunkedMessage m = std::move(*it);
  t.chunked.erase(it);
  MimeMessage whole{m.headers, m.body};
  index_headers(whole);
  dispatch_msg(direction, m.sender, m.trid, m.ack_mode, whole, m.size, time);
  return true;
}

}  // namespace rcds::proto::msnp

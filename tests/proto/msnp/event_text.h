// Test helpers: a compact one-line description of every MSNP event (so a
// test can assert a whole sequence at once), a sink that collects them, and
// a driver that feeds a scripted connection to a decoder whole, byte by byte
// or in random chunks.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <initializer_list>
#include <random>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "proto/msnp/decoder.h"
#include "proto/msnp/events.h"
#include "util/overloaded.h"

namespace rcds::proto::msnp::testing {

// EventContext views (owner) are valid during on_event only: a test that
// keeps a context repoints them here, into strings that live to the end.
inline std::string_view keep(std::string_view text) {
  static std::set<std::string, std::less<>> pool;
  return *pool.emplace(text).first;
}
// The same for an event's AccountList (sender/recipients views likewise
// go through keep()).
inline AccountList keep_list(std::span<const std::string_view> list) {
  static std::deque<std::vector<std::string_view>> pool;
  std::vector<std::string_view> kept_list;
  for (const std::string_view account : list) kept_list.push_back(keep(account));
  return pool.emplace_back(std::move(kept_list));
}
inline AccountList keep_list(const std::vector<std::string>& list) {
  const std::vector<std::string_view> views(list.begin(), list.end());
  return keep_list(views);
}
inline EventContext kept(const EventContext& context) {
  EventContext copy = context;
  copy.owner = keep(context.owner);
  copy.gateway_session = keep(context.gateway_session);
  copy.tunnel_server = keep(context.tunnel_server);
  copy.proxy = keep(context.proxy);
  return copy;
}

inline std::string list(std::span<const std::string> items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}
inline std::string list(AccountList items) {
  std::string out;
  for (const std::string_view item : items) out += (out.empty() ? "" : ",") + std::string(item);
  return out;
}

// ";{GUID}" of an MPOP endpoint, "" without one.
inline std::string device(std::string_view device_id) {
  return device_id.empty() ? "" : ";" + std::string(device_id);
}
// " (net N)" for Yahoo! interop (UUM/UBM), "" otherwise.
inline std::string network(int network_id) {
  return network_id == 0 ? "" : " (net " + std::to_string(network_id) + ")";
}

inline std::string describe(const MsnpEvent& event) {
  return std::visit(
      Overloaded{
          [](const LoginAttempt& e) {
            return "login_attempt " + e.account + " " + e.auth_scheme + " [" + e.offered_versions +
                   "] " + e.client_name + " " + e.client_version + " " + e.os + " " + e.locale;
          },
          [](const LoginResult& e) {
            return e.success ? "login_ok " + e.account + " '" + e.friendly_name + "'"
                             : "login_fail " + e.account + " " + std::to_string(e.error_code);
          },
          [](const Redirect& e) { return "redirect " + e.account + " " + e.target; },
          [](const Logout& e) {
            return "logout " + e.account + " " + std::string(name_of(e.reason));
          },
          [](const Presence& e) {
            return std::string(e.self ? "presence* " : "presence ") + e.account + " " + e.status +
                   (e.friendly_name.empty() ? "" : " '" + e.friendly_name + "'");
          },
          [](const PersonalMessage& e) {
            return "psm " + e.account + " '" + e.text + "' '" + e.friendly_name + "'";
          },
          [](const ContactChange& e) {
            return "contact " + std::string(name_of(e.op)) + " " + e.contact + " " + e.lists;
          },
          [](const SwitchboardReferral& e) {
            return "sb_referral " + e.account + " " + e.address + " " + e.cookie;
          },
          [](const SwitchboardInvitation& e) {
            return "sb_invitation " + e.invitee + "<-" + e.inviter + " " + e.address + " " +
                   e.session_id + " " + e.cookie;
          },
          [](const SwitchboardCall& e) {
            return "sb_call " + e.inviter + "->" + e.invitee + " " + e.session_id + " " +
                   std::to_string(e.error_code);
          },
          [](const ParticipantJoined& e) {
            return "joined " + std::string(name_of(e.how)) + " " + std::string(e.account) +
                   device(e.device_id) + " [" + list(e.roster) + "]";
          },
          [](const ParticipantLeft& e) {
            return "left " + std::string(e.account) + device(e.device_id) + " " +
                   std::string(e.reason) + " [" + list(e.roster) + "]";
          },
          [](const InstantMessage& e) {
            return "message " + std::string(e.sender) + "->" + list(e.recipients) +
                   network(e.network_id) + ": " + std::string(e.text);
          },
          [](const Typing& e) {
            return "typing " + std::string(e.sender) + "->" + list(e.recipients) +
                   network(e.network_id);
          },
          [](const Datacast& e) {
            return "datacast " + std::string(e.sender) + "->" + list(e.recipients) + " " +
                   std::to_string(e.id) + network(e.network_id);
          },
          [](const FileInvitation& e) {
            return "file " + e.command + " " + e.cookie + " " + std::string(e.sender) + "->" +
                   list(e.recipients) + " '" + e.file_name + "' " + std::to_string(e.file_size) +
                   (e.ip_address.empty() ? "" : " " + e.ip_address + ":" + std::to_string(e.port));
          },
          [](const P2pSignal& e) {
            return "p2p " + (e.method.empty() ? std::to_string(e.status) : e.method) + " " +
                   std::string(e.sender) + "->" + list(e.recipients) + " " + e.from + "->" + e.to +
                   " " + e.call_id + " " + e.session_id + " " + e.app_id + " '" + e.file_name +
                   "' " + std::to_string(e.file_size);
          },
          [](const LoginProfile& e) {
            return "profile " + e.account + " " + e.client_ip + ":" + e.client_port;
          },
          [](const MsnftpTransfer& e) {
            return "msnftp " + std::string(name_of(e.stage)) + " " + e.account + " " +
                   e.auth_cookie + " " + std::to_string(e.file_size) + " " + std::to_string(e.code);
          },
          [](const DecoderAnomaly& e) {
            return "anomaly " + std::string(name_of(e.kind)) + " " + std::to_string(e.bytes);
          },
          [](const FileData& e) {
            return "file_data " + std::string(e.transport) + " " + std::string(e.transfer_id) +
                   " '" + std::string(e.file_name) + "' @" + std::to_string(e.offset) + " " +
                   std::to_string(e.bytes.size());
          },
          [](const FileComplete& e) {
            return "file_complete " + e.transport + " " + e.transfer_id + " '" + e.file_name +
                   "' " + std::to_string(e.received) + "/" + std::to_string(e.declared_size) +
                   (e.complete ? " complete " : " incomplete ") + e.end + " " + e.sha256;
          },
          [](const TransferAnomaly& e) {
            return "transfer_anomaly " + std::string(name_of(e.kind)) + " " + e.transfer_id + " " +
                   std::to_string(e.bytes);
          },
          [](const P2pTransport& e) {
            auto addrs = [](const std::vector<std::string>& v) {
              std::string s;
              for (const std::string& a : v) s += (s.empty() ? "" : ",") + a;
              return s;
            };
            return "p2p_transport " + e.body_type + " " +
                   (e.method.empty() ? std::to_string(e.status) : e.method) + " " +
                   std::string(e.sender) + "->" + list(e.recipients) + " " + e.call_id +
                   " bridges=" + e.bridges + " conn=" + e.conn_type + " netid=" + e.net_id +
                   " upnp=" + e.upnp_nat + " icf=" + e.icf + " listening=" + e.listening +
                   " ext=" + addrs(e.external_addrs) + ":" + std::to_string(e.external_port) +
                   " int=" + addrs(e.internal_addrs) + ":" + std::to_string(e.internal_port) +
                   " nonce=" + e.nonce + " hashed=" + e.hashed_nonce +
                   (e.reversed ? " reversed" : "") + " session=" + e.session_id;
          },
          [](const P2pDirectHandshake& e) {
            return "p2p_direct " + e.nonce + " " + (e.matched ? "matched " : "unmatched ") +
                   e.session_id + " " + e.sender + " '" + e.file_name + "'";
          },
          [](const CommandError& e) {
            return "command_error " + e.command + " " + std::to_string(e.code) + " " + e.key +
                   " trid " + e.trid + " xml " + std::to_string(e.payload_size);
          },
          [](const DeliveryReport& e) {
            return std::string(e.acked ? "ack " : "nak ") + e.account + " " + e.trid;
          },
          [](const Alert& e) {
            return "alert " + e.account + " " + e.id + " " + e.site_id + " " + e.action_url + " '" +
                   e.alert_text + "'";
          },
          [](const PagerMessage& e) {
            return "pager " + std::string(e.sender) + "->" + list(e.recipients) + " " +
                   std::to_string(e.size) + " '" + std::string(e.text) + "'";
          },
          [](const MailNotification& e) {
            return "mail " + std::string(name_of(e.kind)) + " " + e.account + " unread " +
                   e.inbox_unread + "/" + e.folders_unread + " from '" + e.from + "' <" +
                   e.from_address + "> '" + e.subject + "' " + e.src_folder + ">" + e.dest_folder +
                   " " + e.message_delta;
          },
          [](const OfflineMessage& e) {
            return "oim " + std::string(e.sender) + "->" + list(e.recipients) + " '" + e.nick +
                   "' " + e.received + " " + e.message_id + " " + e.size;
          },
          [](const SystemMessage& e) { return "system_message " + e.type + " " + e.arg; },
          [](const ContactGroup& e) {
            return "group " + std::string(name_of(e.op)) + " " + e.group_id + " '" + e.name + "'";
          },
          [](const ContactProperty& e) {
            return "property " + e.via + " " + (e.self ? "self " : "") + e.account +
                   (e.contact_id.empty() ? "" : e.contact_id) + " " + e.property + "='" + e.value +
                   "'";
          },
          [](const NetworkLookup& e) {
            return std::string(e.answer ? "fqy_answer " : "fqy ") + e.account + " " +
                   std::to_string(e.network_id);
          },
          [](const UserNotification& e) {
            return std::string(e.incoming ? "ubn " : "uun ") + e.account + " " + e.type + " " +
                   std::to_string(e.size) + " '" + std::string(e.data) + "'";
          },
      },
      event.body);
}

class CollectingSink final : public MsnpEventSink {
 public:
  void on_event(const MsnpEvent& event) override {
    lines.push_back(describe(event));
    contexts.push_back(kept(event.context));
  }
  bool wants_content(std::string_view owner, const flow::StreamInfo&) override {
    ++content_questions;
    return content && (target.empty() || owner == target);
  }
  std::vector<std::string> lines;
  std::vector<EventContext> contexts;
  bool content = true;
  std::string target;  // when set, content only for this owner
  int content_questions = 0;
};

struct Step {
  flow::Direction direction;
  std::string bytes;
};
inline Step c2s(std::string bytes) { return {flow::Direction::kClientToServer, std::move(bytes)}; }
inline Step s2c(std::string bytes) { return {flow::Direction::kServerToClient, std::move(bytes)}; }

enum class Chunking { kWhole, kByteByByte, kRandom };

inline flow::StreamInfo stream_info(uint64_t flow_id = 1, bool handshake = true) {
  flow::StreamInfo info;
  info.flow_id = flow_id;
  IpAddress::parse("192.0.2.10", info.key.source.address);
  info.key.source.port = 40000;
  IpAddress::parse("198.51.100.30", info.key.destination.address);
  info.key.destination.port = 1863;
  info.saw_handshake = handshake;
  info.protocol = "msnp";
  return info;
}

// Feeds `steps` to `decoder`; step i carries time base + i ms. Each chunk
// is copied into a buffer of its exact size so ASan sees any overread.
inline void drive(flow::StreamHandler& decoder, const std::vector<Step>& steps, Chunking chunking,
                  uint32_t seed = 1, int64_t base_ns = 1'104'577'200'000'000'000) {
  std::mt19937 rng(seed);
  for (size_t i = 0; i < steps.size(); ++i) {
    const Timestamp time{base_ns + static_cast<int64_t>(i) * 1'000'000};
    const std::string& bytes = steps[i].bytes;
    size_t pos = 0;
    while (pos < bytes.size()) {
      size_t n = bytes.size() - pos;
      if (chunking == Chunking::kByteByByte) n = 1;
      if (chunking == Chunking::kRandom) n = std::min<size_t>(n, 1 + rng() % 40);
      std::vector<uint8_t> chunk(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                                 bytes.begin() + static_cast<std::ptrdiff_t>(pos + n));
      decoder.on_data(steps[i].direction, ByteView(chunk.data(), chunk.size()), time);
      pos += n;
    }
  }
}

// Runs `steps` through a fresh decoder with each chunking and checks that
// all give the same events; returns them.
inline std::vector<std::string> decode_all_ways(const std::vector<Step>& steps,
                                                MsnpSession* session = nullptr,
                                                flow::StreamInfo info = stream_info(),
                                                bool content = true) {
  std::vector<std::string> first;
  for (auto chunking : {Chunking::kWhole, Chunking::kByteByByte, Chunking::kRandom}) {
    for (uint32_t seed = 1; seed <= (chunking == Chunking::kRandom ? 5u : 1u); ++seed) {
      CollectingSink sink;
      sink.content = content;
      MsnpSession scratch;
      MsnpDecoder decoder(info, sink,
                          session != nullptr && chunking == Chunking::kWhole ? session : &scratch);
      drive(decoder, steps, chunking, seed);
      decoder.on_close(flow::CloseReason::kFin, Timestamp{2'000'000'000'000'000'000});
      if (chunking == Chunking::kWhole) {
        first = sink.lines;
      } else if (sink.lines != first) {
        ADD_FAILURE() << "chunking " << static_cast<int>(chunking) << " seed " << seed
                      << " gave different events:\n"
                      << list(sink.lines) << "\nvs\n"
                      << list(first);
      }
    }
  }
  return first;
}

// Wire-format helpers for hand-built P2P headers and MSNSLP contexts.
inline std::string le(uint64_t v, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}
inline std::string be(uint64_t v, size_t n) {
  std::string out;
  for (size_t i = n; i-- > 0;) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

// Only the event lines that start with one of `kinds`.
inline std::vector<std::string> only(const std::vector<std::string>& lines,
                                     std::initializer_list<std::string_view> kinds) {
  std::vector<std::string> out;
  for (const std::string& l : lines) {
    for (std::string_view k : kinds) {
      if (l.rfind(k, 0) == 0) {
        out.push_back(l);
        break;
      }
    }
  }
  return out;
}

// The MIME headers of a P2P v2 switchboard message from `src` to `dest`
// (MSNP16+ endpoints: both carry ";{GUID}", §9.2).
inline std::string p2p_v2_mime(const std::string& src, const std::string& dest) {
  return "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Src: " + src +
         "\r\nP2P-Dest: " + dest + "\r\n\r\n";
}

// Hand-written MSNP exchanges: a command line, a command with its payload.
inline std::string line(const std::string& text) { return text + "\r\n"; }
inline std::string with_payload(const std::string& head, const std::string& payload) {
  return head + " " + std::to_string(payload.size()) + "\r\n" + payload;
}

// A P2P v2 packet (§9.2): transport header (+ data header with the
// remaining-bytes TLV) + data + footer.
inline std::string p2p_v2(uint8_t opcode, uint32_t base, const std::string& tlvs, uint8_t tf,
                          uint16_t package, uint32_t session, uint64_t remaining,
                          const std::string& data, uint32_t footer, bool data_header = true) {
  std::string dh;
  if (data_header) {
    dh = std::string(1, '\0') + std::string(1, static_cast<char>(tf)) + be(package, 2) +
         be(session, 4);
    if (remaining != 0) dh += std::string("\x01\x08", 2) + be(remaining, 8);
    while (dh.size() % 4 != 0) dh.push_back('\0');
    dh[0] = static_cast<char>(dh.size());
  }
  std::string th = std::string(1, '\0') + std::string(1, static_cast<char>(opcode)) +
                   be(dh.size() + data.size(), 2) + be(base, 4) + tlvs;
  while (th.size() % 4 != 0) th.push_back('\0');
  th[0] = static_cast<char>(th.size());
  return th + dh + data + be(footer, 4);
}
inline std::string base64(const std::string& raw) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < raw.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(raw[i]) << 16;
    if (i + 1 < raw.size()) v |= static_cast<uint8_t>(raw[i + 1]) << 8;
    if (i + 2 < raw.size()) v |= static_cast<uint8_t>(raw[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < raw.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < raw.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

}  // namespace rcds::proto::msnp::testing

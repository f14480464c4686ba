#include "tools/msnpgen/net.h"

#include <algorithm>
#include <cstdio>

namespace rcds::msnpgen {
namespace tk = rcds::testkit;

namespace {
constexpr size_t kMss = 1460;
}

int64_t Capture::emit(Bytes frame) {
  // Consecutive packets are tens to hundreds of microseconds apart.
  now_ += static_cast<int64_t>(rng_.between(30, 400));
  frames_.push_back({now_, std::move(frame)});
  return now_;
}

TcpLink::TcpLink(Capture& cap, const Host& c, const Host& s) : cap_(cap) {
  client = c;
  server = s;
  next_[kClient] = static_cast<uint32_t>(cap_.rng().next());
  next_[kServer] = static_cast<uint32_t>(cap_.rng().next());
  segment(kClient, tk::kSyn, {});
  segment(kServer, tk::kSyn | tk::kAck, {});
  ++next_[kClient];
  ++next_[kServer];
  segment(kClient, tk::kAck, {});
}

int64_t TcpLink::segment(Side side, uint8_t flags, const std::string& payload) {
  const Host& from = side == kClient ? client : server;
  const Host& to = side == kClient ? server : client;
  // The SYN carries no acknowledgement number.
  const uint32_t ack = (flags & tk::kAck) ? next_[side ^ 1] : 0;
  const int64_t t = cap_.emit(tk::tcp_frame(from, to, tk::TcpFields{next_[side], ack, flags, 65535},
                                            tk::bytes_of(payload)));
  next_[side] += static_cast<uint32_t>(payload.size());
  return t;
}

// Segment boundaries: mostly MSS-sized, but often cut at arbitrary bytes —
// inside a command line, inside a length-framed payload — so a decoder must
// reassemble rather than rely on one command per packet.
std::vector<size_t> TcpLink::cut_points(size_t size) {
  Rng& rng = cap_.rng();
  std::vector<size_t> cuts;
  if (size > 1 && rng.chance(0.35)) {
    const size_t n = rng.between(1, std::min<size_t>(3, size - 1));
    for (size_t i = 0; i < n; ++i) cuts.push_back(rng.between(1, size - 1));
  }
  for (size_t at = kMss; at < size; at += kMss) cuts.push_back(at);
  cuts.push_back(size);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  // Re-split anything a random cut left above the MSS.
  std::vector<size_t> out;
  size_t start = 0;
  for (const size_t end : cuts) {
    while (end - start > kMss) out.push_back(start += kMss);
    out.push_back(end);
    start = end;
  }
  return out;
}

std::vector<int64_t> TcpLink::send(Side side, const std::vector<std::string>& parts) {
  std::string data;
  std::vector<size_t> ends;
  for (const std::string& p : parts) {
    data += p;
    ends.push_back(data.size());
  }
  std::vector<int64_t> times(parts.size(), cap_.now());
  size_t start = 0, part = 0;
  for (const size_t end : cut_points(data.size())) {
    const int64_t t = segment(side, tk::kAck | tk::kPsh, data.substr(start, end - start));
    while (part < ends.size() && ends[part] <= end) times[part++] = t;
    start = end;
  }
  // The receiver acknowledges the burst (all bursts stay below the window).
  segment(side == kClient ? kServer : kClient, tk::kAck, {});
  return times;
}

void TcpLink::close(Side closer) {
  if (closed_) return;
  closed_ = true;
  const Side peer = closer == kClient ? kServer : kClient;
  segment(closer, tk::kFin | tk::kAck, {});
  ++next_[closer];
  segment(peer, tk::kFin | tk::kAck, {});
  ++next_[peer];
  segment(closer, tk::kAck, {});
}

GatewayLink::GatewayLink(Capture& cap, const Host& c, const Host& gateway, std::string server_type,
                         std::string target_ip, std::vector<std::string> proxy_headers,
                         bool chunked)
    : tcp_(cap, c, gateway),
      cap_(cap),
      proxy_headers_(std::move(proxy_headers)),
      chunked_(chunked),
      server_type_(std::move(server_type)),
      target_ip_(std::move(target_ip)) {
  client = c;
  server = gateway;
  stable_ = std::to_string(900000000 + cap.rng().below(99999999));
  counter_ = static_cast<uint32_t>(cap.rng().between(10000, 30000));
}

std::string GatewayLink::session_id() { return stable_ + "." + std::to_string(counter_); }

std::vector<int64_t> GatewayLink::request(const std::string& query,
                                          const std::vector<std::string>& body) {
  size_t length = 0;
  for (const std::string& b : body) length += b.size();
  // The first request goes to the well-known gateway name; later ones to the
  // GW-IP the gateway returned (here the same address, one connection).
  const std::string host = opened_ ? server.address : "gateway.messenger.hotmail.com";
  std::string head = "POST http://" + host + "/gateway/gateway.dll?" + query + " HTTP/1.1\r\n" +
                     "Accept: */*\r\nAccept-Language: en-us\r\nUser-Agent: MSMSGS\r\n" +
                     "Host: " + host + "\r\nProxy-Connection: Keep-Alive\r\n" +
                     "Connection: Keep-Alive\r\nPragma: no-cache\r\n";
  for (const std::string& h : proxy_headers_) head += h + "\r\n";
  head += "Content-Type: application/x-msn-messenger\r\nContent-Length: " + std::to_string(length) +
          "\r\n\r\n";
  std::vector<std::string> parts{head};
  parts.insert(parts.end(), body.begin(), body.end());
  std::vector<int64_t> times = tcp_.send(kClient, parts);
  pending_ = true;
  return {times.begin() + 1, times.end()};
}

std::vector<int64_t> GatewayLink::response(const std::vector<std::string>& body,
                                           bool session_close) {
  size_t length = 0;
  for (const std::string& b : body) length += b.size();
  // The part after the dot changes with every response (§12).
  counter_ = counter_ * 7 % 65521 + 1;
  std::string head =
      "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/5.0\r\n"
      "X-MSN-Messenger: SessionID=" +
      session_id() + "; GW-IP=" + server.address + (session_close ? "; Session=close" : "") +
      "\r\nContent-Type: application/x-msn-messenger\r\n" +
      (chunked_ ? "Transfer-Encoding: chunked" : "Content-Length: " + std::to_string(length)) +
      "\r\n\r\n";
  std::vector<std::string> parts{head};
  if (chunked_) {
    const std::vector<std::string> encoded = chunked_parts(body);
    parts.insert(parts.end(), encoded.begin(), encoded.end());
  } else {
    parts.insert(parts.end(), body.begin(), body.end());
  }
  std::vector<int64_t> times = tcp_.send(kServer, parts);
  pending_ = false;
  // The body parts' times: not the head's, nor the chunked terminator's.
  return {times.begin() + 1, times.begin() + 1 + static_cast<std::ptrdiff_t>(body.size())};
}

std::vector<std::string> GatewayLink::chunked_parts(const std::vector<std::string>& body) {
  Rng& rng = cap_.rng();
  std::string all;
  for (const std::string& b : body) all += b;
  // Encoded position just after each body byte, to cut the parts there.
  std::string encoded;
  std::vector<size_t> after(all.size());
  for (size_t off = 0; off < all.size();) {
    const size_t n = std::min<size_t>(all.size() - off, rng.between(1, 700));
    char size[32];
    std::snprintf(size, sizeof size, "%zx", n);
    encoded += size;
    if (rng.chance(0.2)) encoded += ";ext=\"msnpgen\"";  // extensions are ignored
    encoded += "\r\n";
    for (size_t i = 0; i < n; ++i) {
      encoded += all[off + i];
      after[off + i] = encoded.size();
    }
    encoded += "\r\n";
    off += n;
  }
  std::vector<std::string> parts;
  size_t start = 0, end_body = 0;
  for (const std::string& b : body) {
    end_body += b.size();
    const size_t cut = end_body == 0 ? 0 : after[end_body - 1];
    parts.push_back(encoded.substr(start, std::max(cut, start) - start));
    start = std::max(cut, start);
  }
  std::string last = encoded.substr(start) + "0\r\n";
  if (rng.chance(0.5)) last += "X-MSN-Trailer: skipped\r\n";  // trailers are skipped
  parts.push_back(last + "\r\n");
  return parts;
}

std::vector<int64_t> GatewayLink::send(Side side, const std::vector<std::string>& parts) {
  if (side == kClient) {
    if (pending_) response({}, false);  // nothing queued for the previous request
    if (!opened_) {
      auto t = request("Action=open&Server=" + server_type_ + "&IP=" + target_ip_, parts);
      opened_ = true;
      return t;
    }
    return request("SessionID=" + session_id(), parts);
  }
  // Server data waits for a request; without one the client polls first.
  if (!pending_) request("Action=poll&SessionID=" + session_id(), {});
  return response(parts, false);
}

void GatewayLink::close(Side closer) {
  if (closer == kClient && !pending_) request("SessionID=" + session_id(), {});
  if (!pending_) request("Action=poll&SessionID=" + session_id(), {});
  response({}, true);
  tcp_.close(kClient);
}

}  // namespace rcds::msnpgen

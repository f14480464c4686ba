// TCP emission for rcds_msnpgen: one capture clock, TCP connections with
// handshake, segmented data, ACKs and FIN close, and the HTTP-gateway tunnel
// (MSNP.md §12) that carries an MSNP session inside POST bodies.
//
// Scenarios talk to a Link and never see segments: a Link returns, for each
// piece of data it was given, the capture time of the packet that carried
// its last byte — the time a decoder can first report that piece.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/msnpgen/model.h"

namespace rcds::msnpgen {

enum Side { kClient = 0, kServer = 1 };

struct Frame {
  int64_t time_us;
  Bytes bytes;
};

// The capture being written: a monotonic clock and the frames in time order.
class Capture {
 public:
  Capture(Rng& rng, int64_t start_us) : rng_(rng), now_(start_us) {}
  Rng& rng() { return rng_; }
  int64_t now() const { return now_; }
  // Think time between two scripted actions (a human types, a server works).
  void pause_ms(uint64_t lo, uint64_t hi) {
    now_ += static_cast<int64_t>(rng_.between(lo, hi)) * 1000;
  }
  int64_t emit(Bytes frame);
  uint16_t ephemeral_port() { return next_port_++; }
  int next_link_id() { return next_link_++; }
  const std::vector<Frame>& frames() const { return frames_; }

 private:
  Rng& rng_;
  int64_t now_;
  std::vector<Frame> frames_;
  uint16_t next_port_ = 40001;
  int next_link_ = 1;
};

// A bidirectional byte pipe between an MSN client and a server (or peer).
class Link {
 public:
  virtual ~Link() = default;
  // Sends the parts back to back from `side`; returns per part the capture
  // time of the packet holding its last byte.
  virtual std::vector<int64_t> send(Side side, const std::vector<std::string>& parts) = 0;
  int64_t send1(Side side, const std::string& data) { return send(side, {data}).back(); }
  // Orderly close started by `closer`.
  virtual void close(Side closer) = 0;

  int id = 0;
  std::string kind;     // "ds", "ns", "sb", "msnftp", "http_gateway"
  Host client, server;  // the TCP endpoints the capture shows
};

class TcpLink : public Link {
 public:
  TcpLink(Capture& cap, const Host& client, const Host& server);
  std::vector<int64_t> send(Side side, const std::vector<std::string>& parts) override;
  void close(Side closer) override;

 private:
  int64_t segment(Side side, uint8_t flags, const std::string& payload);
  std::vector<size_t> cut_points(size_t size);

  Capture& cap_;
  uint32_t next_[2];
  bool closed_ = false;
};

// MSNP tunnelled through HTTP POSTs on one keep-alive TCP connection to the
// gateway. Client data becomes a request body; server data is the body of
// the response to the pending request, or to a poll when none is pending.
class GatewayLink : public Link {
 public:
  // `server_type` "NS" or "SB"; `target_ip` is the IP= of the open request.
  // `proxy_headers` ("Name: value" lines) go into every request, as an HTTP
  // proxy adds them; with `chunked` every response body is sent with
  // Transfer-Encoding: chunked (random chunk sizes, a chunk extension and a
  // trailer now and then).
  GatewayLink(Capture& cap, const Host& client, const Host& gateway, std::string server_type,
              std::string target_ip, std::vector<std::string> proxy_headers = {},
              bool chunked = false);
  std::vector<int64_t> send(Side side, const std::vector<std::string>& parts) override;
  void close(Side closer) override;
  std::string session_stable() const { return stable_; }

 private:
  std::vector<int64_t> request(const std::string& query, const std::vector<std::string>& body);
  std::vector<int64_t> response(const std::vector<std::string>& body, bool session_close);
  // The chunked encoding of `body`, cut after the last encoded byte of each
  // part; the last element is the terminating chunk and trailer.
  std::vector<std::string> chunked_parts(const std::vector<std::string>& body);
  std::string session_id();

  TcpLink tcp_;
  Capture& cap_;
  std::vector<std::string> proxy_headers_;
  bool chunked_ = false;
  std::string server_type_, target_ip_, stable_;
  uint32_t counter_;
  bool opened_ = false, pending_ = false;
};

}  // namespace rcds::msnpgen

// LemfReceiver and StreamHandler (cib/lemf/receiver.h, stream_handler.h) over
// real loopback TCP: IRI, CC, HI1 and keep-alives stored / answered with the
// same sequence number, a stream split at every byte boundary, indefinite
// lengths, duplicates across a reconnect, garbage closing only its own
// connection, and a TLS round trip with client certificates made by the
// openssl command line.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

#include "cib/lemf/receiver.h"
#include "handover/ber.h"
#include "lemf_test_pdus.h"

namespace rcds::cib::lemf {
namespace {

namespace ho = rcds::handover;
using namespace testing;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A sender: plain TCP or TLS (blocking socket, 5 s receive timeout).
class Client {
 public:
  explicit Client(uint16_t port, SSL_CTX* tls = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (connected_ && tls != nullptr) {
      ssl_ = SSL_new(tls);
      SSL_set_fd(ssl_, fd_);
      connected_ = SSL_connect(ssl_) == 1;
    }
  }
  ~Client() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ::close(fd_);
  }
  bool connected() const { return connected_; }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ssl_ != nullptr
                            ? SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()))
                            : ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // The next PS-PDU from the receiver; false on close or timeout.
  bool receive_pdu(ho::PsPdu& pdu) {
    for (;;) {
      size_t length = 0;
      std::string error;
      if (ho::ber::frame_pdu(as_bytes(in_), length, error) == ho::ber::FrameStatus::kComplete) {
        const bool ok = ho::decode(as_bytes(std::string_view(in_).substr(0, length)), pdu, error);
        in_.erase(0, length);
        return ok;
      }
      char buffer[4096];
      const ssize_t n = read(buffer, sizeof buffer);
      if (n <= 0) return false;
      in_.append(buffer, static_cast<size_t>(n));
    }
  }

  // True when the receiver closed the connection (EOF or reset) within 5 s.
  bool closed_by_peer() {
    char buffer[256];
    for (;;) {
      const ssize_t n = read(buffer, sizeof buffer);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET || ssl_ != nullptr;
    }
  }

 private:
  ssize_t read(char* buffer, size_t size) {
    return ssl_ != nullptr ? SSL_read(ssl_, buffer, static_cast<int>(size))
                           : ::recv(fd_, buffer, size, 0);
  }
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
  std::string in_;
};

class Lemf {
 public:
  explicit Lemf(TlsServerOptions tls = {}) {
    std::string error;
    store_ = LemfStore::open(dir_.path(), {}, error);
    EXPECT_NE(store_, nullptr) << error;
    ReceiverOptions options;
    options.hi2_address = "127.0.0.1:0";
    options.hi3_address = "127.0.0.1:0";
    options.tls = std::move(tls);
    receiver_ = std::make_unique<LemfReceiver>(*store_, options);
    EXPECT_TRUE(receiver_->listen(error)) << error;
    thread_ = std::thread([this] { receiver_->run(); });
  }
  ~Lemf() { stop(); }
  void stop() {
    if (!thread_.joinable()) return;
    receiver_->stop();
    thread_.join();
  }
  uint16_t hi2() const { return receiver_->hi2_port(); }
  uint16_t hi3() const { return receiver_->hi3_port(); }
  const LemfCounters& counters() const { return receiver_->counters(); }
  LemfStore& store() { return *store_; }
  const std::string& dir() const { return dir_.path(); }

  // Waits until `counter` reaches `value` (the receiver runs on its thread).
  static bool wait_for(const std::atomic<uint64_t>& counter, uint64_t value) {
    for (int i = 0; i < 500 && counter.load() < value; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return counter.load() >= value;
  }

 private:
  TempDir dir_;
  std::unique_ptr<LemfStore> store_;
  std::unique_ptr<LemfReceiver> receiver_;
  std::thread thread_;
};

void expect_keepalive_answered(Client& client, uint64_t sequence) {
  ASSERT_TRUE(client.send(encode(keepalive(sequence))));
  ho::PsPdu response;
  ASSERT_TRUE(client.receive_pdu(response));
  const auto* tri = std::get_if<ho::TriPayload>(&response.payload);
  ASSERT_NE(tri, nullptr);
  EXPECT_EQ(tri->kind, ho::TriKind::kKeepAliveResponse);
  EXPECT_EQ(response.header.sequence_number, sequence);
  // The rest of the header is echoed (§9).
  ho::PsHeader expected = keepalive(sequence).header;
  EXPECT_EQ(response.header, expected);
}

TEST(LemfReceiver, StoresHi2AndHi3AndAnswersKeepAlives) {
  Lemf lemf;
  Client hi2(lemf.hi2());
  Client hi3(lemf.hi3());
  ASSERT_TRUE(hi2.connected() && hi3.connected());
  std::string iri_bytes = encode(hi1("LIID-1", ho::Hi1Kind::kActivated, 0));
  for (uint64_t seq = 0; seq < 3; ++seq) iri_bytes += encode(iri_pdu("LIID-1", 1001, seq));
  std::string cc_bytes;
  for (uint64_t seq = 0; seq < 2; ++seq) {
    cc_bytes += encode(cc_pdu("LIID-1", 1001, seq, ipv4_udp("10.0.0.1", "10.0.0.2", "msg")));
  }
  ASSERT_TRUE(hi2.send(iri_bytes));
  ASSERT_TRUE(hi3.send(cc_bytes));
  expect_keepalive_answered(hi2, 7);
  expect_keepalive_answered(hi3, 123456789);
  // The answer means everything before it is stored and durable.
  EXPECT_EQ(lemf.counters().pdus_stored.load(), 6u);
  EXPECT_EQ(lemf.counters().keepalives.load(), 2u);
  EXPECT_EQ(slurp(lemf.dir() + "/LIID-1/iri.ber"), iri_bytes);
  EXPECT_EQ(slurp(lemf.dir() + "/LIID-1/cc.ber"), cc_bytes);
  lemf.stop();
  const auto summary = lemf.store().summary();
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].iri_pdus, 3u);
  EXPECT_EQ(summary[0].cc_pdus, 2u);
  EXPECT_EQ(summary[0].notices, 1u);
}

TEST(LemfReceiver, ManyConcurrentSenders) {
  Lemf lemf;
  constexpr int kSenders = 24;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kSenders; ++i) {
    clients.push_back(std::make_unique<Client>(i % 2 == 0 ? lemf.hi2() : lemf.hi3()));
    ASSERT_TRUE(clients.back()->connected());
  }
  // All connections open at once, their PDUs interleaved.
  for (uint64_t seq = 0; seq < 5; ++seq) {
    for (int i = 0; i < kSenders; ++i) {
      const auto pdu = i % 2 == 0 ? iri_pdu("LIID-M", i, seq) : cc_pdu("LIID-M", i, seq, "p");
      ASSERT_TRUE(clients[i]->send(encode(pdu)));
    }
  }
  for (int i = 0; i < kSenders; ++i) expect_keepalive_answered(*clients[i], 100 + i);
  EXPECT_EQ(lemf.counters().pdus_stored.load(), 5u * kSenders);
  lemf.stop();
  for (const auto& g : lemf.store().gaps()) EXPECT_EQ(g.missing, 0u);
  EXPECT_EQ(lemf.store().gaps().size(), static_cast<size_t>(kSenders));
}

TEST(LemfReceiver, OneByteAtATimeOverTcp) {
  Lemf lemf;
  Client hi2(lemf.hi2());
  const std::string bytes = encode(iri_pdu("LIID-1", 1, 0)) + encode(iri_pdu("LIID-1", 1, 1));
  for (const char c : bytes) ASSERT_TRUE(hi2.send(std::string_view(&c, 1)));
  expect_keepalive_answered(hi2, 1);
  EXPECT_EQ(lemf.counters().pdus_stored.load(), 2u);
}

TEST(LemfReceiver, KeepAliveAnsweredToAHalfClosedSender) {
  Lemf lemf;
  Client hi2(lemf.hi2());
  ASSERT_TRUE(hi2.send(encode(iri_pdu("L", 1, 0)) + encode(keepalive(3))));
  hi2.shutdown_write();
  ho::PsPdu response;
  ASSERT_TRUE(hi2.receive_pdu(response));
  EXPECT_EQ(response.header.sequence_number, 3u);
  EXPECT_TRUE(hi2.closed_by_peer());
}

TEST(LemfReceiver, IndefiniteLengthsAccepted) {
  Lemf lemf;
  Client hi3(lemf.hi3());
  const std::string bytes =
      to_indefinite(encode(cc_pdu("LIID-1", 1, 0, ipv4_udp("10.0.0.1", "10.0.0.2", "x"))));
  ASSERT_EQ(bytes[1], static_cast<char>(0x80));
  ASSERT_TRUE(hi3.send(bytes + to_indefinite(encode(iri_pdu("LIID-1", 1, 0)))));
  ASSERT_TRUE(hi3.send(to_indefinite(encode(keepalive(5)))));
  ho::PsPdu response;
  ASSERT_TRUE(hi3.receive_pdu(response));
  EXPECT_EQ(response.header.sequence_number, 5u);
  EXPECT_EQ(lemf.counters().pdus_stored.load(), 2u);
  EXPECT_EQ(slurp(lemf.dir() + "/LIID-1/cc.ber"), bytes);  // byte-exact, as received
}

TEST(LemfReceiver, DuplicatesAfterReconnectAreDropped) {
  Lemf lemf;
  {
    Client hi2(lemf.hi2());
    ASSERT_TRUE(hi2.send(encode(iri_pdu("L", 1, 0)) + encode(iri_pdu("L", 1, 1))));
    expect_keepalive_answered(hi2, 0);
  }
  Client hi2(lemf.hi2());
  ASSERT_TRUE(hi2.send(encode(iri_pdu("L", 1, 1)) + encode(iri_pdu("L", 1, 2))));
  expect_keepalive_answered(hi2, 1);
  EXPECT_EQ(lemf.counters().pdus_stored.load(), 3u);
  EXPECT_EQ(lemf.counters().duplicates.load(), 1u);
  EXPECT_EQ(lemf.counters().connections_accepted.load(), 2u);
}

TEST(LemfReceiver, GarbageClosesOnlyThatConnection) {
  Lemf lemf;
  Client good(lemf.hi2());
  ASSERT_TRUE(good.send(encode(iri_pdu("L", 1, 0))));
  {
    Client bad(lemf.hi2());
    ASSERT_TRUE(bad.send("GET / HTTP/1.0\r\n\r\n"));
    EXPECT_TRUE(bad.closed_by_peer());
  }
  {
    // Frames (a SEQUENCE) but is no PS-PDU.
    Client bad(lemf.hi3());
    ASSERT_TRUE(bad.send(std::string("\x30\x03\x02\x01\x00", 5)));
    EXPECT_TRUE(bad.closed_by_peer());
  }
  EXPECT_TRUE(Lemf::wait_for(lemf.counters().malformed, 2));
  expect_keepalive_answered(good, 9);
  Client again(lemf.hi2());
  expect_keepalive_answered(again, 10);
  EXPECT_EQ(lemf.counters().pdus_stored.load(), 1u);
}

// The handler without sockets: every split point of a stream of three PDUs.
TEST(LemfStreamHandler, SplitAtEveryByteBoundary) {
  TempDir dir;
  std::string error;
  auto store = LemfStore::open(dir.path(), {}, error);
  ASSERT_NE(store, nullptr) << error;
  const std::string stream = encode(iri_pdu("L", 1, 0)) +
                             to_indefinite(encode(cc_pdu("L", 1, 0, "packet"))) +
                             encode(keepalive(77));
  // Seeds for fuzz/lemf_fuzz.cc: a chunking byte, then a valid stream.
  if (const char* seeds = std::getenv("RCDS_LEMF_SEED_DIR")) {
    const std::string hi1_stream = encode(hi1("L", ho::Hi1Kind::kActivated, 0)) +
                                   encode(cin_reset("L", 1, 1)) + encode(keepalive(1));
    // Larger than the harness's 4096-byte PDU bound, so -max_len admits it.
    const std::string oversized =
        encode(cc_pdu("L", 2, 0, std::string(5000, 'x'))) + encode(keepalive(2));
    std::string many;
    for (uint64_t seq = 0; seq < 40; ++seq) many += encode(iri_pdu("L", 3, seq));
    for (const auto& [name, mode, bytes] :
         {std::tuple{"mixed-1byte", '\x00', stream}, std::tuple{"mixed-random", '\xc3', stream},
          std::tuple{"hi1-7bytes", '\x06', hi1_stream},
          std::tuple{"indefinite-whole", '\x3f', to_indefinite(stream)},
          std::tuple{"oversized-cc", '\x7f', oversized}, std::tuple{"many-iri", '\x9a', many}}) {
      std::ofstream(std::string(seeds) + "/" + name, std::ios::binary) << mode << bytes;
    }
  }
  LemfCounters counters;
  for (size_t split = 1; split < stream.size(); ++split) {
    StreamHandler handler(*store, counters, 0);
    std::string responses;
    const ByteView bytes = as_bytes(stream);
    ASSERT_TRUE(handler.feed(bytes.first(split), Timestamp{}, responses)) << split;
    ASSERT_TRUE(handler.feed(bytes.subspan(split), Timestamp{}, responses)) << split;
    EXPECT_EQ(handler.buffered(), 0u);
    ho::PsPdu response;
    ASSERT_TRUE(ho::decode(as_bytes(responses), response, error)) << split << ": " << error;
    EXPECT_EQ(response.header.sequence_number, 77u);
  }
  EXPECT_EQ(counters.pdus_stored.load(), 2u);
  EXPECT_EQ(counters.duplicates.load(), 2 * (stream.size() - 2));
  EXPECT_EQ(counters.keepalives.load(), stream.size() - 1);
}

// ETSI_HANDOVER.md §11.1 keep-alive in, §11.2 response out: the same bytes
// but keep-aliveResponse (84 00), header and sequence number 7 echoed (our
// response keeps the sender's microseconds; §11.2 shows a fresh time).
TEST(LemfStreamHandler, AnswersTheEtsiExampleKeepAlive) {
  const unsigned char keepalive_bytes[] = {
      0x30, 0x55, 0xa1, 0x4d, 0x80, 0x07, 0x04, 0x00, 0x02, 0x02, 0x05, 0x01, 0x11, 0x81, 0x0d,
      0x4c, 0x49, 0x49, 0x44, 0x2d, 0x4d, 0x53, 0x4e, 0x2d, 0x30, 0x30, 0x30, 0x31, 0x82, 0x02,
      0x4e, 0x4c, 0xa3, 0x1c, 0xa0, 0x13, 0x80, 0x09, 0x4f, 0x50, 0x45, 0x52, 0x41, 0x54, 0x4f,
      0x52, 0x31, 0x81, 0x06, 0x64, 0x65, 0x63, 0x2d, 0x30, 0x31, 0x81, 0x01, 0x00, 0x82, 0x02,
      0x4e, 0x4c, 0x84, 0x01, 0x07, 0xa7, 0x0b, 0x80, 0x04, 0x41, 0xd6, 0x83, 0x2b, 0x81, 0x03,
      0x03, 0xd0, 0x90, 0x88, 0x01, 0x01, 0xa2, 0x04, 0xa2, 0x02, 0x83, 0x00};
  static_assert(sizeof keepalive_bytes == 87);
  TempDir dir;
  std::string error;
  auto store = LemfStore::open(dir.path(), {}, error);
  ASSERT_NE(store, nullptr) << error;
  LemfCounters counters;
  StreamHandler handler(*store, counters, 0);
  std::string responses;
  ASSERT_TRUE(
      handler.feed(ByteView(keepalive_bytes, sizeof keepalive_bytes), Timestamp{}, responses));
  std::string expected(reinterpret_cast<const char*>(keepalive_bytes), sizeof keepalive_bytes);
  expected[85] = static_cast<char>(0x84);
  EXPECT_EQ(responses, expected);
  // Keep-alives are not evidence: nothing stored, no directory for their LIID.
  EXPECT_EQ(counters.pdus_stored.load(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/LIID-MSN-0001"));
}

TEST(LemfStreamHandler, OversizedPduClosesTheStream) {
  TempDir dir;
  std::string error;
  auto store = LemfStore::open(dir.path(), {}, error);
  ASSERT_NE(store, nullptr) << error;
  LemfCounters counters;
  StreamHandler handler(*store, counters, 0, StreamLimits{100});
  std::string responses;
  // Indefinite length: only the byte bound can stop it.
  EXPECT_TRUE(handler.feed(as_bytes(std::string("\x30\x80\x04\x7f", 4)), Timestamp{}, responses));
  EXPECT_FALSE(handler.feed(as_bytes(std::string(200, 'a')), Timestamp{}, responses));
  EXPECT_EQ(counters.oversized.load(), 1u);
  EXPECT_FALSE(handler.close_reason().empty());
}

// ---- TLS ----------------------------------------------------------------------

bool run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

struct Pki {
  TempDir dir;
  bool ok = false;
  std::string path(const char* name) const { return dir.path() + "/" + name; }
  Pki() {
    const std::string openssl = RCDS_OPENSSL;
    const std::string d = dir.path();
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    ok = run(openssl + " req -x509" + key + " -keyout " + d + "/ca.key -out " + d +
             "/ca.pem -days 2 -subj /CN=rcds-test-ca");
    for (const char* who : {"server", "client"}) {
      const std::string base = d + "/" + who;
      ok = ok &&
           run(openssl + " req" + key + " -keyout " + base + ".key -out " + base +
               ".csr -subj /CN=localhost") &&
           run(openssl + " x509 -req -in " + base + ".csr -CA " + d + "/ca.pem -CAkey " + d +
               "/ca.key -CAcreateserial -days 2 -out " + base + ".pem");
    }
  }
};

SSL_CTX* client_context(const Pki& pki, bool with_certificate) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, pki.path("ca.pem").c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (with_certificate) {
    SSL_CTX_use_certificate_file(ctx, pki.path("client.pem").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx, pki.path("client.key").c_str(), SSL_FILETYPE_PEM);
  }
  return ctx;
}

TEST(LemfReceiver, TlsWithClientCertificates) {
  if (std::string(RCDS_OPENSSL).empty()) GTEST_SKIP() << "openssl command not found";
  Pki pki;
  ASSERT_TRUE(pki.ok);
  Lemf lemf(TlsServerOptions{pki.path("server.pem"), pki.path("server.key"), pki.path("ca.pem")});
  SSL_CTX* good = client_context(pki, true);
  {
    Client hi2(lemf.hi2(), good);
    ASSERT_TRUE(hi2.connected());
    ASSERT_TRUE(hi2.send(encode(iri_pdu("LIID-TLS", 1, 0))));
    expect_keepalive_answered(hi2, 31);
    EXPECT_EQ(lemf.counters().pdus_stored.load(), 1u);
  }
  SSL_CTX* anonymous = client_context(pki, false);
  {
    // TLS 1.3 finishes the client side before the server checks the
    // certificate: the refusal shows as a closed connection.
    Client hi3(lemf.hi3(), anonymous);
    if (hi3.connected()) {
      hi3.send(encode(iri_pdu("LIID-TLS", 1, 1)));
      EXPECT_TRUE(hi3.closed_by_peer());
    }
  }
  EXPECT_TRUE(Lemf::wait_for(lemf.counters().tls_handshake_failures, 1));
  EXPECT_EQ(lemf.counters().pdus_stored.load(), 1u);
  SSL_CTX_free(good);
  SSL_CTX_free(anonymous);
}

}  // namespace
}  // namespace rcds::cib::lemf

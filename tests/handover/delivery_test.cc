// Deliverer over real loopback TCP (and TLS) against a receiver thread in
// this file. The codec is a tiny test encoding (u32 big-endian length, a type
// byte, the body) so these tests do not depend on the ETSI encoder; the
// behaviour under test is the same for any PduCodec.
#include "handover/delivery.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "handover/pspdu.h"

namespace rcds::handover {
namespace {

namespace fs = std::filesystem;

std::string frame_of(char type, std::string_view body) {
  std::string out(4, '\0');
  const auto length = static_cast<uint32_t>(body.size() + 1);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(length >> (24 - 8 * i));
  out += type;
  out += body;
  return out;
}

std::string sequence_bytes(uint64_t sequence) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(sequence >> (56 - 8 * i));
  return out;
}

uint64_t parse_sequence(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

class TestCodec final : public PduCodec {
 public:
  HandoverInterface encode(const intercept::Record&, std::string& out) override {
    out.clear();
    return HandoverInterface::kHi2;
  }
  bool encode_notice(const intercept::WarrantNotice&, std::string& out) override {
    out.clear();
    return false;
  }
  void encode_keepalive(uint64_t sequence, Timestamp, std::string& out) override {
    out = frame_of('K', sequence_bytes(sequence));
  }
  ber::FrameStatus frame(ByteView buffered, size_t& length, std::string& error) const override {
    if (buffered.size() < 4) return ber::FrameStatus::kNeedMore;
    const uint32_t body = load_be32(buffered.data());
    if (body == 0 || body > (1u << 20)) {
      error = "bad length";
      return ber::FrameStatus::kError;
    }
    if (buffered.size() < 4 + size_t{body}) return ber::FrameStatus::kNeedMore;
    length = 4 + size_t{body};
    return ber::FrameStatus::kComplete;
  }
  bool keepalive_response(ByteView pdu, uint64_t& sequence) const override {
    if (pdu.size() != 13 || pdu[4] != 'R') return false;
    sequence = parse_sequence(as_chars(pdu.subspan(5)));
    return true;
  }
};

bool eventually(const std::function<bool()>& condition, int timeout_ms = 10'000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

// A LEMF stand-in: one connection at a time, answers keep-alives (unless told
// not to), records every data PDU body it receives.
class Receiver {
 public:
  explicit Receiver(SSL_CTX* tls = nullptr) : tls_(tls) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listen_fd_, 8), 0);
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~Receiver() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> data() const {
    std::lock_guard lock(mutex_);
    return data_;
  }
  size_t data_count() const {
    std::lock_guard lock(mutex_);
    return data_.size();
  }

  std::atomic<bool> answer_keepalives{true};
  std::atomic<bool> etsi{false};     // ETSI PS-PDU stream instead of the test framing
  std::atomic<int> close_after{-1};  // close the connection after this many data PDUs, once
  std::atomic<int> connections{0};
  std::atomic<int> handshake_failures{0};

 private:
  void run() {
    while (!stop_) {
      pollfd listen{listen_fd_, POLLIN, 0};
      if (::poll(&listen, 1, 50) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections;
      timeval timeout{0, 50'000};  // to look at stop_ now and then
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      serve(fd);
      ::close(fd);
    }
  }
  // -1: would block (timeout), 0: closed, >0: bytes.
  int receive(SSL* ssl, int fd, char* buffer, int size) {
    if (ssl == nullptr) {
      ssize_t n = ::recv(fd, buffer, size, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return -1;
      return n < 0 ? 0 : static_cast<int>(n);
    }
    int n = SSL_read(ssl, buffer, size);
    if (n > 0) return n;
    int reason = SSL_get_error(ssl, n);
    if (reason == SSL_ERROR_WANT_READ || (reason == SSL_ERROR_SYSCALL && errno == EAGAIN)) {
      ERR_clear_error();
      return -1;
    }
    return 0;
  }
  void send_all(SSL* ssl, int fd, const std::string& bytes) {
    if (ssl != nullptr) {
      SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
    } else {
      [[maybe_unused]] ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
  }
  void serve(int fd) {
    SSL* ssl = nullptr;
    if (tls_ != nullptr) {
      ssl = SSL_new(tls_);
      SSL_set_fd(ssl, fd);
      int rc = 0;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while ((rc = SSL_accept(ssl)) != 1 && !stop_ && std::chrono::steady_clock::now() < deadline) {
        const int reason = SSL_get_error(ssl, rc);
        if (reason != SSL_ERROR_WANT_READ &&
            !(reason == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) {
          break;
        }
      }
      if (rc != 1) {
        ++handshake_failures;
        ERR_clear_error();
        SSL_free(ssl);
        return;
      }
    }
    std::string in;
    int received_here = 0;
    char buffer[8192];
    while (!stop_) {
      const int n = receive(ssl, fd, buffer, sizeof buffer);
      if (n == 0) break;
      if (n < 0) continue;
      in.append(buffer, static_cast<size_t>(n));
      size_t start = 0;
      bool close_now = false;
      while (etsi && start < in.size()) {
        // ETSI: BER-framed PS-PDUs; a keep-alive gets a keep-alive-response
        // echoing its header (ETSI_HANDOVER.md §9); anything else is data.
        size_t length = 0;
        std::string error;
        const ByteView rest = as_bytes(std::string_view(in).substr(start));
        const auto status = ber::frame_pdu(rest, length, error);
        if (status == ber::FrameStatus::kError) {
          ADD_FAILURE() << error;
          return;
        }
        if (status == ber::FrameStatus::kNeedMore) break;
        PsPdu pdu;
        auto* tri = handover::decode(rest.first(length), pdu, error)
                        ? std::get_if<TriPayload>(&pdu.payload)
                        : nullptr;
        if (tri != nullptr && tri->kind == TriKind::kKeepAlive) {
          if (answer_keepalives) {
            tri->kind = TriKind::kKeepAliveResponse;
            std::string response;
            encode(pdu, response);
            send_all(ssl, fd, response);
          }
        } else {
          std::lock_guard lock(mutex_);
          data_.push_back(in.substr(start, length));
        }
        start += length;
      }
      while (!etsi && in.size() - start >= 4) {
        const uint32_t body = load_be32(reinterpret_cast<const uint8_t*>(in.data() + start));
        if (in.size() - start < 4 + size_t{body}) break;
        const char type = in[start + 4];
        const std::string payload = in.substr(start + 5, body - 1);
        start += 4 + body;
        if (type == 'D') {
          std::lock_guard lock(mutex_);
          data_.push_back(payload);
          ++received_here;
        } else if (type == 'K' && answer_keepalives) {
          send_all(ssl, fd, frame_of('R', payload));
        }
        if (close_after >= 0 && received_here >= close_after) {
          close_after = -1;
          close_now = true;
          break;
        }
      }
      in.erase(0, start);
      if (close_now) break;
    }
    if (ssl != nullptr) SSL_free(ssl);
  }

  SSL_CTX* tls_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<std::string> data_;
};

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);  // the test receiver writes with OpenSSL too
    std::string pattern = (fs::temp_directory_path() / "rcds-delivery-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    std::string error;
    spool_ = Spool::open(root_ + "/spool", 1 << 30, error);
    ASSERT_NE(spool_, nullptr) << error;
    destination_.name = "lemf";
    destination_.keepalive_batch_ms = 20;
    destination_.response_timeout_ms = 3000;
    destination_.reconnect_min_ms = 20;
    destination_.reconnect_max_ms = 200;
  }
  void TearDown() override {
    deliverer_.reset();
    spool_.reset();
    fs::remove_all(root_);
  }

  void start(const std::string& address, std::unique_ptr<PduCodec> codec = nullptr) {
    destination_.hi3_address = address;
    if (codec == nullptr) codec = std::make_unique<TestCodec>();
    deliverer_ = std::make_unique<Deliverer>(destination_, HandoverInterface::kHi3, *spool_,
                                             std::move(codec), [this](std::string_view text) {
                                               std::lock_guard lock(alarm_mutex_);
                                               alarms_.emplace_back(text);
                                             });
    std::string error;
    ASSERT_TRUE(deliverer_->start(error)) << error;
  }
  void enqueue(int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_EQ(deliverer_->enqueue(as_bytes(frame_of('D', "pdu-" + std::to_string(i)))),
                Spool::Status::kOk);
    }
    deliverer_->notify();
  }
  bool alarmed(std::string_view needle) {
    std::lock_guard lock(alarm_mutex_);
    for (const auto& alarm : alarms_) {
      if (alarm.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::string all_alarms() {
    std::lock_guard lock(alarm_mutex_);
    std::string out;
    for (const auto& alarm : alarms_) out += alarm + "\n";
    return out;
  }
  static std::set<std::string> expected(int count) {
    std::set<std::string> out;
    for (int i = 0; i < count; ++i) out.insert("pdu-" + std::to_string(i));
    return out;
  }

  std::string root_;
  Destination destination_;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<Deliverer> deliverer_;
  std::mutex alarm_mutex_;
  std::vector<std::string> alarms_;
};

TEST_F(DeliveryTest, EverythingArrivesInOrderAndIsConfirmed) {
  Receiver receiver;
  start(receiver.address());
  enqueue(0, 500);
  enqueue(500, 1000);
  ASSERT_TRUE(deliverer_->stop(/*drain=*/true, 10'000)) << all_alarms();
  auto data = receiver.data();
  ASSERT_EQ(data.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(data[i], "pdu-" + std::to_string(i));
  EXPECT_EQ(spool_->stats().pending_bytes, 0u);
  const auto stats = deliverer_->stats();
  EXPECT_EQ(stats.pdus_sent, 1000u);
  EXPECT_GE(stats.confirmed, 1u);
  EXPECT_EQ(stats.reconnects, 0u);
  EXPECT_EQ(receiver.connections, 1);
}

TEST_F(DeliveryTest, LargeBacklogIsSentInChunks) {
  // More than several chunks of spool data queued before the connection exists.
  const std::string big(10'000, 'b');
  std::string error;
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(spool_->append(as_bytes(frame_of('D', big + std::to_string(i))), error),
              Spool::Status::kOk);
  }
  Receiver receiver;
  start(receiver.address());
  ASSERT_TRUE(deliverer_->stop(true, 20'000)) << all_alarms();
  auto data = receiver.data();
  ASSERT_EQ(data.size(), 300u);
  EXPECT_EQ(data.back(), big + "299");
}

TEST_F(DeliveryTest, ReceiverClosingMidStreamGetsEverythingResent) {
  Receiver receiver;
  receiver.close_after = 50;
  start(receiver.address());
  enqueue(0, 400);
  ASSERT_TRUE(deliverer_->stop(true, 15'000)) << all_alarms();
  auto data = receiver.data();
  std::set<std::string> seen(data.begin(), data.end());
  EXPECT_EQ(seen, expected(400));  // at least once each
  EXPECT_GE(receiver.connections, 2);
  EXPECT_GE(deliverer_->stats().reconnects, 1u);
  EXPECT_TRUE(alarmed("connection lost")) << all_alarms();
  EXPECT_EQ(spool_->stats().pending_bytes, 0u);
}

TEST_F(DeliveryTest, UnansweredKeepalivesMeanDeadPeer) {
  destination_.response_timeout_ms = 300;
  Receiver receiver;
  receiver.answer_keepalives = false;
  start(receiver.address());
  enqueue(0, 20);
  ASSERT_TRUE(eventually([&] { return deliverer_->stats().reconnects >= 1; })) << all_alarms();
  EXPECT_TRUE(alarmed("dead peer")) << all_alarms();
  EXPECT_GT(spool_->stats().pending_bytes, 0u);  // nothing confirmed
  receiver.answer_keepalives = true;
  ASSERT_TRUE(deliverer_->stop(true, 10'000)) << all_alarms();
  auto data = receiver.data();
  std::set<std::string> seen(data.begin(), data.end());
  EXPECT_EQ(seen, expected(20));
  EXPECT_GT(data.size(), 20u);  // resent after the reconnect
}

TEST_F(DeliveryTest, IdleKeepalivesDetectADeadPeer) {
  destination_.keepalive_interval_ms = 100;
  destination_.response_timeout_ms = 200;
  Receiver receiver;
  receiver.answer_keepalives = false;
  start(receiver.address());
  ASSERT_TRUE(eventually([&] { return deliverer_->stats().reconnects >= 1; })) << all_alarms();
  EXPECT_TRUE(alarmed("dead peer"));
  EXPECT_GE(deliverer_->stats().keepalives_sent, 1u);
}

TEST_F(DeliveryTest, RestartResendsUnconfirmedRecords) {
  // Records spooled by a previous run that never got confirmed.
  {
    std::string error;
    for (int i = 0; i < 30; ++i) {
      ASSERT_EQ(spool_->append(as_bytes(frame_of('D', "pdu-" + std::to_string(i))), error),
                Spool::Status::kOk);
    }
    ASSERT_TRUE(spool_->sync(error));
    spool_.reset();
    spool_ = Spool::open(root_ + "/spool", 1 << 30, error);
    ASSERT_NE(spool_, nullptr) << error;
  }
  Receiver receiver;
  start(receiver.address());
  ASSERT_TRUE(deliverer_->stop(true, 10'000)) << all_alarms();
  auto data = receiver.data();
  EXPECT_EQ(std::set<std::string>(data.begin(), data.end()), expected(30));
}

TEST_F(DeliveryTest, NoListenerMeansBackoffAndAlarm) {
  // Find a free port, then close it so nothing listens there.
  std::string address;
  {
    Receiver probe;
    address = probe.address();
  }
  start(address);
  enqueue(0, 5);
  ASSERT_TRUE(eventually([&] { return deliverer_->stats().connect_failures >= 2; }));
  EXPECT_TRUE(alarmed("connect")) << all_alarms();
  EXPECT_FALSE(deliverer_->stop(true, 200));  // not drained
}

TEST_F(DeliveryTest, SpoolFullRaisesAnAlarmOnce) {
  std::string error;
  spool_.reset();
  spool_ = Spool::open(root_ + "/small", 100, error);
  ASSERT_NE(spool_, nullptr);
  start("127.0.0.1:1");
  for (int i = 0; i < 10; ++i) deliverer_->enqueue(as_bytes(std::string(30, 'x')));
  EXPECT_EQ(spool_->stats().refused, 8u);
  std::lock_guard lock(alarm_mutex_);
  int full = 0;
  for (const auto& alarm : alarms_) full += alarm.find("spool full") != std::string::npos;
  EXPECT_EQ(full, 1);
}

TEST_F(DeliveryTest, RealEtsiKeepalivesConfirmTheSpool) {
  Receiver receiver;
  receiver.etsi = true;
  start(receiver.address(), make_codec(destination_));
  // Data PDUs only need to be BER-framable for this receiver.
  std::vector<std::string> sent;
  for (int i = 0; i < 100; ++i) {
    const std::string body = "pdu-" + std::to_string(i);
    std::string pdu = {0x30, static_cast<char>(body.size() + 2), 0x04,
                       static_cast<char>(body.size())};
    pdu += body;
    ASSERT_EQ(deliverer_->enqueue(as_bytes(pdu)), Spool::Status::kOk);
    sent.push_back(pdu);
  }
  deliverer_->notify();
  ASSERT_TRUE(deliverer_->stop(true, 10'000)) << all_alarms();
  EXPECT_EQ(receiver.data(), sent);
  EXPECT_EQ(spool_->stats().pending_bytes, 0u);
  EXPECT_GE(deliverer_->stats().confirmed, 1u);
}

// ---- TLS -------------------------------------------------------------------

class TlsDeliveryTest : public DeliveryTest {
 protected:
  void SetUp() override {
    DeliveryTest::SetUp();
    if (std::system("openssl version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl";
    pki_ = root_ + "/pki";
    fs::create_directories(pki_);
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509" + key + " -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca");
    run("openssl req -x509" + key + " -keyout other.key -out other-ca.pem -days 2 -subj /CN=other");
    std::ofstream(pki_ + "/server.ext") << "subjectAltName=DNS:lemf.test,IP:127.0.0.1\n";
    run("openssl req" + key + " -keyout server.key -out server.csr -subj /CN=lemf.test");
    run("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
        " -out server.pem -days 2 -extfile server.ext");
    run("openssl req" + key + " -keyout client.key -out client.csr -subj /CN=sensor");
    run("openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
        " -out client.pem -days 2");

    server_ = SSL_CTX_new(TLS_server_method());
    ASSERT_EQ(
        SSL_CTX_use_certificate_file(server_, (pki_ + "/server.pem").c_str(), SSL_FILETYPE_PEM), 1);
    ASSERT_EQ(
        SSL_CTX_use_PrivateKey_file(server_, (pki_ + "/server.key").c_str(), SSL_FILETYPE_PEM), 1);
    destination_.tls.enabled = true;
    destination_.tls.ca_file = pki_ + "/ca.pem";
    destination_.tls.server_name = "lemf.test";
  }
  void TearDown() override {
    DeliveryTest::TearDown();
    if (server_ != nullptr) SSL_CTX_free(server_);
  }
  void run(const std::string& command) {
    const std::string line = "cd " + pki_ + " && " + command + " > /dev/null 2>&1";
    ASSERT_EQ(std::system(line.c_str()), 0) << line;
  }
  void require_client_certificate() {
    SSL_CTX_set_verify(server_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    ASSERT_EQ(SSL_CTX_load_verify_locations(server_, (pki_ + "/ca.pem").c_str(), nullptr), 1);
  }
  // Starts delivery, waits for an alarm mentioning `needle`; nothing arrives.
  void expect_refused(Receiver& receiver, std::string_view needle) {
    start(receiver.address());
    enqueue(0, 5);
    EXPECT_TRUE(eventually([&] { return alarmed(needle); })) << all_alarms();
    EXPECT_EQ(receiver.data_count(), 0u);
    EXPECT_GT(spool_->stats().pending_bytes, 0u);
  }

  std::string pki_;
  SSL_CTX* server_ = nullptr;
};

TEST_F(TlsDeliveryTest, VerifiedServerGetsEverything) {
  Receiver receiver(server_);
  start(receiver.address());
  enqueue(0, 200);
  ASSERT_TRUE(deliverer_->stop(true, 10'000)) << all_alarms();
  auto data = receiver.data();
  ASSERT_EQ(data.size(), 200u);
  EXPECT_EQ(data[199], "pdu-199");
}

TEST_F(TlsDeliveryTest, IpAddressAsServerName) {
  destination_.tls.server_name.clear();  // the host of 127.0.0.1:port, in the SAN
  Receiver receiver(server_);
  start(receiver.address());
  enqueue(0, 10);
  ASSERT_TRUE(deliverer_->stop(true, 10'000)) << all_alarms();
  EXPECT_EQ(receiver.data_count(), 10u);
}

TEST_F(TlsDeliveryTest, WrongCaIsRefused) {
  destination_.tls.ca_file = pki_ + "/other-ca.pem";
  Receiver receiver(server_);
  expect_refused(receiver, "certificate verification");
  EXPECT_FALSE(deliverer_->stats().connected);
}

TEST_F(TlsDeliveryTest, WrongHostnameIsRefused) {
  destination_.tls.server_name = "impostor.test";
  Receiver receiver(server_);
  expect_refused(receiver, "hostname mismatch");
  EXPECT_FALSE(deliverer_->stats().connected);
}

TEST_F(TlsDeliveryTest, ClientCertificateRequiredAndMissing) {
  require_client_certificate();
  Receiver receiver(server_);
  expect_refused(receiver, "TLS");
  EXPECT_TRUE(eventually([&] { return receiver.handshake_failures >= 1; }));
}

TEST_F(TlsDeliveryTest, ClientCertificateRequiredAndGiven) {
  require_client_certificate();
  destination_.tls.cert_file = pki_ + "/client.pem";
  destination_.tls.key_file = pki_ + "/client.key";
  Receiver receiver(server_);
  start(receiver.address());
  enqueue(0, 50);
  ASSERT_TRUE(deliverer_->stop(true, 10'000)) << all_alarms();
  EXPECT_EQ(receiver.data_count(), 50u);
  EXPECT_EQ(receiver.handshake_failures, 0);
}

TEST_F(TlsDeliveryTest, UnreadableCaIsAConfigurationError) {
  destination_.tls.ca_file = pki_ + "/missing.pem";
  destination_.hi3_address = "127.0.0.1:1";
  Deliverer deliverer(destination_, HandoverInterface::kHi3, *spool_, std::make_unique<TestCodec>(),
                      nullptr);
  std::string error;
  EXPECT_FALSE(deliverer.start(error));
  EXPECT_NE(error.find("TLS setup"), std::string::npos) << error;
}

}  // namespace
}  // namespace rcds::handover

// Live capture on the loopback interface. Needs root (or CAP_NET_RAW).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "capture/source.h"

namespace rcds::capture {
namespace {

using ::testing::HasSubstr;

constexpr uint16_t kPort = 47999;

LiveOptions loopback_options() {
  LiveOptions options;
  options.interface = "lo";
  options.bpf_filter = "udp port 47999";
  options.read_timeout_ms = 50;
  options.buffer_size_bytes = 4 << 20;
  return options;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void send_datagrams(const std::vector<std::string>& payloads) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(kPort);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (const std::string& p : payloads) {
    ASSERT_EQ(sendto(fd, p.data(), p.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(p.size()));
  }
  close(fd);
}

// The UDP payload of an Ethernet/IPv4 frame, as loopback delivers it.
std::string udp_payload(const RawPacket& p) {
  const ByteView b = p.bytes();
  if (p.link_type != kLinkEthernet || b.size() < 14 + 20 + 8) return "<not ethernet/ipv4>";
  const size_t ip_header = (b[14] & 0x0f) * 4u;
  const size_t start = 14 + ip_header + 8;
  if (start > b.size()) return "<short>";
  return std::string(reinterpret_cast<const char*>(b.data()) + start, b.size() - start);
}

class LiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "live capture needs root";
  }
};

TEST_F(LiveTest, ReadsLoopbackDatagramsAndStops) {
  std::string error;
  auto source = open_live(loopback_options(), error);
  ASSERT_TRUE(source) << error;
  EXPECT_EQ(error, "");

  const std::vector<std::string> sent = {"rcds-live-1", "rcds-live-two", "rcds-live-three!"};
  const int64_t before = now_ns();
  send_datagrams(sent);
  const int64_t after = now_ns();

  std::vector<std::string> received;
  RawPacket p;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (received.size() < sent.size() && std::chrono::steady_clock::now() < deadline) {
    const ReadStatus status = source->next(p);
    if (status == ReadStatus::kTimeout) continue;
    ASSERT_EQ(status, ReadStatus::kPacket) << source->error();
    received.push_back(udp_payload(p));
    // Packet time is wall-clock time here; allow the scheduler some slack.
    EXPECT_GE(p.timestamp.ns, before - 1'000'000'000);
    EXPECT_LE(p.timestamp.ns, after + 1'000'000'000);
    EXPECT_EQ(p.file_offset, 0u);
    EXPECT_EQ(p.wire_length, p.captured_length);
  }
  EXPECT_EQ(received, sent);

  const CaptureStats stats = source->stats();
  EXPECT_TRUE(stats.has_kernel_stats);
  EXPECT_GE(stats.kernel_received, sent.size());
  EXPECT_EQ(stats.packets_read, sent.size());

  source->request_stop();
  EXPECT_EQ(source->next(p), ReadStatus::kEnd);
  EXPECT_EQ(source->next(p), ReadStatus::kEnd);
}

PacketSource* g_source = nullptr;
void stop_handler(int) { g_source->request_stop(); }

TEST_F(LiveTest, RequestStopFromASignalHandlerEndsABlockedRead) {
  LiveOptions options = loopback_options();
  options.read_timeout_ms = 1000;  // long: the stop, not the timeout, must end the wait
  std::string error;
  auto source = open_live(options, error);
  ASSERT_TRUE(source) << error;
  g_source = source.get();
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = stop_handler;
  sigemptyset(&action.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);

  const pthread_t reader = pthread_self();
  std::thread stopper([reader] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    pthread_kill(reader, SIGUSR1);
  });
  const auto start = std::chrono::steady_clock::now();
  RawPacket p;
  ReadStatus status;
  // Stray packets (another test sending to the port) must not end the wait.
  while ((status = source->next(p)) == ReadStatus::kTimeout || status == ReadStatus::kPacket) {
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  stopper.join();
  sigaction(SIGUSR1, &previous, nullptr);
  g_source = nullptr;
  EXPECT_EQ(status, ReadStatus::kEnd) << source->error();
  EXPECT_LT(waited, std::chrono::seconds(3));
}

TEST_F(LiveTest, ErrorsNameTheInterfaceOrFilter) {
  LiveOptions options = loopback_options();
  options.interface = "rcdsnosuch0";
  std::string error;
  EXPECT_FALSE(open_live(options, error));
  EXPECT_THAT(error, HasSubstr("rcdsnosuch0: "));

  options = loopback_options();
  options.bpf_filter = "udp port";
  error.clear();
  EXPECT_FALSE(open_live(options, error));
  EXPECT_THAT(error, HasSubstr("lo: BPF filter \"udp port\" does not compile"));
}

}  // namespace
}  // namespace rcds::capture

// `rcds lemf`, `rcds lemf-report`, `rcds lemf-export` end to end: the binary
// receives over loopback, answers a keep-alive, stops on SIGTERM with its
// summary, and the report and export read the store it wrote.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "handover/ber.h"
#include "lemf_test_pdus.h"

namespace rcds::cib::lemf {
namespace {

namespace ho = rcds::handover;
using namespace testing;

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t length = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
  ::close(fd);
  return ntohs(a.sin_port);
}

int connect_with_retry(uint16_t port) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return -1;
}

std::string run(const std::string& command, int& status) {
  FILE* pipe = popen(command.c_str(), "r");
  std::string text;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) text += buffer;
  status = pclose(pipe);
  return text;
}

TEST(LemfCli, ReceiveReportExport) {
  TempDir dir;
  const std::string data = dir.path() + "/store";
  const std::string out = dir.path() + "/stdout.txt";
  const uint16_t hi2 = free_port();
  const uint16_t hi3 = free_port();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::freopen(out.c_str(), "w", stdout);
    const std::string hi2_address = "127.0.0.1:" + std::to_string(hi2);
    const std::string hi3_address = "127.0.0.1:" + std::to_string(hi3);
    execl(RCDS_BINARY, RCDS_BINARY, "lemf", "--hi2", hi2_address.c_str(), "--hi3",
          hi3_address.c_str(), "--data", data.c_str(), "--seconds", "30", nullptr);
    _exit(127);
  }
  const int fd2 = connect_with_retry(hi2);
  const int fd3 = connect_with_retry(hi3);
  ASSERT_GE(fd2, 0);
  ASSERT_GE(fd3, 0);
  const std::string packet = ipv4_udp("192.0.2.1", "198.51.100.7", "hi");
  std::string iri = encode(iri_pdu("LIID-CLI", 1, 0)) + encode(iri_pdu("LIID-CLI", 1, 2)) +
                    encode(iri_pdu("LIID-CLI", 1, 2)) + encode(keepalive(4));
  std::string cc = encode(cc_pdu("LIID-CLI", 1, 0, packet)) + encode(keepalive(5));
  ASSERT_EQ(::send(fd2, iri.data(), iri.size(), 0), static_cast<ssize_t>(iri.size()));
  ASSERT_EQ(::send(fd3, cc.data(), cc.size(), 0), static_cast<ssize_t>(cc.size()));
  for (const auto& [fd, sequence] : {std::pair{fd2, 4u}, std::pair{fd3, 5u}}) {
    std::string in;
    size_t length = 0;
    std::string error;
    while (ho::ber::frame_pdu(as_bytes(in), length, error) != ho::ber::FrameStatus::kComplete) {
      char buffer[256];
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      ASSERT_GT(n, 0);
      in.append(buffer, static_cast<size_t>(n));
    }
    ho::PsPdu response;
    ASSERT_TRUE(ho::decode(as_bytes(in), response, error)) << error;
    EXPECT_EQ(response.header.sequence_number, sequence);
  }
  ::close(fd2);
  ::close(fd3);
  ASSERT_EQ(::kill(child, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  int rc = 0;
  EXPECT_EQ(run("cat " + out, rc),
            "received 6 PDUs, stored 3, duplicates 1, keep-alives 2, malformed 0, connections "
            "2, missing sequence numbers 1\n");

  const auto report =
      nlohmann::json::parse(run(RCDS_BINARY " lemf-report --json --data " + data, rc));
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(report["liids"].size(), 1u);
  const auto& liid = report["liids"][0];
  EXPECT_EQ(liid["liid"], "LIID-CLI");
  EXPECT_EQ(liid["iri_pdus"], 2);
  EXPECT_EQ(liid["cc_pdus"], 1);
  EXPECT_EQ(liid["iri_duplicates"], 1);
  ASSERT_EQ(liid["streams"].size(), 2u);
  EXPECT_EQ(liid["streams"][1]["stream"], "iri");
  EXPECT_EQ(liid["streams"][1]["gaps"], nlohmann::json::parse("[[1,1]]"));

  const std::string text = run(RCDS_BINARY " lemf-report --data " + data, rc);
  EXPECT_NE(text.find("CIN 1 iri: 2 received, highest 2, missing 1: 1\n"), std::string::npos)
      << text;

  const std::string pcap = dir.path() + "/out.pcap";
  EXPECT_EQ(run(RCDS_BINARY " lemf-export --data " + data + " --liid LIID-CLI --pcap " + pcap, rc),
            "1 packets from 1 CC PDUs of LIID-CLI (0 not IPCC) written to " + pcap + "\n");
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(std::filesystem::exists(pcap));
}

TEST(LemfCli, ReportOnMissingStoreFails) {
  int rc = 0;
  run(RCDS_BINARY " lemf-report --data /nonexistent/lemf 2>/dev/null", rc);
  EXPECT_NE(rc, 0);
}

}  // namespace
}  // namespace rcds::cib::lemf

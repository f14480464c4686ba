// The `rcds` executable end to end: error messages for bad input, stream
// dumps, JSON output, and a live capture on the loopback interface.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Result run(const std::string& args) {
  Result r;
  const std::string command = std::string(RCDS_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string testdata(const std::string& name) {
  return std::string(RCDS_TESTDATA_DIR) + "/pcaps/" + name;
}

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/rcds-cli-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

TEST(Cli, MissingFileIsAClearError) {
  const Result r = run("analyze /nonexistent/capture.pcap");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("/nonexistent/capture.pcap"), std::string::npos) << r.output;
}

TEST(Cli, TruncatedFileNamesFileAndOffsetAndKeepsWhatCameBefore) {
  TempDir dir;
  const fs::path cut = dir.path / "cut.pcap";
  fs::copy_file(testdata("suri_bug3286_rst_synack_evasion_linux.pcap"), cut);
  fs::resize_file(cut, 700);  // inside the seventh packet record
  const Result r = run("analyze " + cut.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find(cut.string()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("offset"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("flows: 1"), std::string::npos) << r.output;  // report still printed
}

TEST(Cli, GarbageFileIsRejected) {
  TempDir dir;
  const fs::path junk = dir.path / "junk.pcap";
  std::ofstream(junk) << "this is not a capture file at all";
  const Result r = run("analyze " + junk.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find(junk.string()), std::string::npos) << r.output;
}

TEST(Cli, DumpStreamsWritesEachDirection) {
  TempDir dir;
  const Result r = run("analyze " + testdata("suri_tcp-exact-overlap.pcap") + " --dump-streams " +
                       (dir.path / "streams").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path c2s = dir.path / "streams" / "f000001-tcp-1.1.1.1.12345-2.2.2.2.8080.c2s";
  ASSERT_TRUE(fs::exists(c2s)) << r.output;
  std::ifstream in(c2s);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), "GOOD");
  EXPECT_NE(r.output.find("tcp_overlap_conflict"), std::string::npos);
}

TEST(Cli, JsonReportHasFlowsAndSummary) {
  const Result r =
      run("analyze --json " + testdata("suri_bug3286_rst_synack_evasion_windows.pcap"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(R"("type":"flow")"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(R"("stream_bytes":343)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(R"("type":"summary")"), std::string::npos) << r.output;
}

TEST(Cli, BpfFilterOnFile) {
  // tshark -r ppa3_http_ip4and6.pcapng -Y ip6 | wc -l -> 10 of 20 packets.
  const Result r = run("analyze --json -f ip6 " + testdata("ppa3_http_ip4and6.pcapng"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(R"("packets":10)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(R"("filtered":10)"), std::string::npos) << r.output;
}

TEST(Cli, LiveSensorRefusesToDumpContent) {
  const Result r = run("capture -i lo --dump-streams /tmp/x");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("refused"), std::string::npos) << r.output;
}

TEST(Cli, LiveCaptureOnLoopbackSeesATcpConversation) {
  if (geteuid() != 0) GTEST_SKIP() << "live capture needs root";
  constexpr uint16_t kPort = 47123;
  auto sensor = std::async(std::launch::async, [] {
    return run("capture -i lo -f 'tcp port 47123' --seconds 4 --json");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // capture activated

  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(kPort);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const int server = accept(listener, nullptr, nullptr);
  const std::string hello = "hello from the client";
  const std::string reply = "and the server replies";
  ASSERT_EQ(write(client, hello.data(), hello.size()), static_cast<ssize_t>(hello.size()));
  char buf[64];
  ASSERT_EQ(read(server, buf, sizeof buf), static_cast<ssize_t>(hello.size()));
  ASSERT_EQ(write(server, reply.data(), reply.size()), static_cast<ssize_t>(reply.size()));
  ASSERT_EQ(read(client, buf, sizeof buf), static_cast<ssize_t>(reply.size()));
  close(client);
  close(server);
  close(listener);

  const Result r = sensor.get();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 21 + 22 bytes reassembled in one flow closed by FIN. The live sensor
  // reports counters only: no per-flow line about anybody's traffic.
  EXPECT_NE(r.output.find(R"("tcp_stream_bytes":43)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(R"("flows_closed":1,)"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(R"("type":"flow")"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("127.0.0.1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(R"("records_iri":0)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("kernel_dropped"), std::string::npos) << r.output;
}

TEST(Cli, SigintStopsLiveCaptureAndPrintsFinalCounters) {
  if (geteuid() != 0) GTEST_SKIP() << "live capture needs root";
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    close(out[0]);
    execl(RCDS_BINARY, RCDS_BINARY, "capture", "-i", "lo", "-f", "udp port 47124",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_EQ(kill(child, SIGINT), 0);
  std::string output;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  EXPECT_NE(output.find("kernel_dropped"), std::string::npos) << output;
  EXPECT_NE(output.find("anomalies:"), std::string::npos) << output;
}

}  // namespace

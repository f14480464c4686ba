// Files transferred in generated sessions (tools/msnpgen: msnftp-file,
// p2p-v1-file, p2p-v2-file, p2p-direct), run through nis::Sensor with the
// MSNP factory.
// The reconstructed bytes must equal the generator's original (--files) and
// their SHA-256 the generator's truth: both written by the generator from
// what it sent, independently of this decoder.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "capture/source.h"
#include "event_text.h"
#include "nis/analyze.h"
#include "nis/handlers.h"
#include "nis/msnp_report.h"
#include "nis/sensor.h"

namespace rcds::proto::msnp::testing {
namespace {

namespace fs = std::filesystem;

class FileRecorder final : public MsnpEventSink {
 public:
  void on_event(const MsnpEvent& event) override {
    if (const auto* d = std::get_if<FileData>(&event.body)) {
      std::string& content = files[{event.context.flow_id, std::string(d->transfer_id)}];
      EXPECT_EQ(d->offset, content.size());
      content.append(d->bytes);
      names[{event.context.flow_id, std::string(d->transfer_id)}] = std::string(d->file_name);
    } else if (const auto* c = std::get_if<FileComplete>(&event.body)) {
      completes.push_back(*c);
    } else if (std::holds_alternative<TransferAnomaly>(event.body) ||
               std::holds_alternative<DecoderAnomaly>(event.body)) {
      anomalies.push_back(describe(event));
    }
  }
  std::map<std::pair<uint64_t, std::string>, std::string> files;
  std::map<std::pair<uint64_t, std::string>, std::string> names;
  std::vector<FileComplete> completes;
  std::vector<std::string> anomalies;
};

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The string value of `"key":"..."` in a JSON line (values here hold no escapes).
std::string json_string(const std::string& line, const std::string& key) {
  const std::string needle = "\"" + key + "\":\"";
  const size_t at = line.find(needle);
  if (at == std::string::npos) return "";
  const size_t start = at + needle.size();
  return line.substr(start, line.find('"', start) - start);
}

struct Truth {
  std::string file_name, sha256, transport;
};

void check_scenario(const std::string& scenario, size_t expected_connections) {
  const fs::path dir =
      fs::temp_directory_path() / ("rcds_msnpgen_" + scenario + "_" + std::to_string(::getpid()));
  fs::create_directories(dir / "files");
  const fs::path pcap = dir / "s.pcap";
  const fs::path truth = dir / "s.json";
  const std::string command = std::string(RCDS_MSNPGEN) + " --scenario " + scenario + " --out " +
                              pcap.string() + " --truth " + truth.string() + " --files " +
                              (dir / "files").string();
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  std::vector<Truth> expected;
  std::istringstream lines(read_all(truth));
  for (std::string line; std::getline(lines, line);) {
    if (json_string(line, "event") != "file_data") continue;
    expected.push_back({json_string(line, "file_name"), json_string(line, "sha256"),
                        json_string(line, "transport")});
  }
  ASSERT_FALSE(expected.empty());
  const Truth& want = expected.front();
  const std::string original = read_all(dir / "files" / (scenario + "." + want.file_name));
  ASSERT_FALSE(original.empty());

  FileRecorder recorder;
  nis::CountingFactory counting;
  nis::MsnpFactory factory(counting, recorder);
  flow::ProtocolRegistry registry;
  registry.add(msnp_protocol_spec());
  registry.add(p2p_direct_protocol_spec());
  nis::Sensor sensor(nis::SensorOptions{}, registry, factory);
  std::string error;
  auto source = capture::open_file(pcap.string(), {}, error);
  ASSERT_TRUE(source) << error;
  ASSERT_TRUE(nis::run_source(*source, sensor, error)) << error;
  sensor.finish();

  // One reconstruction per connection that carried the file (the MSNFTP
  // connection; for P2P both switchboard connections relay the data).
  size_t complete = 0;
  for (const FileComplete& c : recorder.completes) {
    EXPECT_TRUE(c.complete) << c.transfer_id << " " << c.end;
    EXPECT_EQ(c.sha256, want.sha256);
    EXPECT_EQ(c.declared_size, original.size());
    EXPECT_EQ(c.transport, want.transport);
    if (want.transport != "msnftp") {
      EXPECT_EQ(c.file_name, want.file_name);
    }
    complete += c.complete ? 1 : 0;
  }
  EXPECT_EQ(complete, expected_connections);
  EXPECT_EQ(recorder.files.size(), expected_connections);
  for (const auto& [key, content] : recorder.files) EXPECT_TRUE(content == original) << key.second;
  EXPECT_TRUE(recorder.anomalies.empty()) << list(recorder.anomalies);
  fs::remove_all(dir);
}

TEST(MsnpGeneratedFiles, MsnftpFile) { check_scenario("msnftp-file", 1); }
TEST(MsnpGeneratedFiles, P2pV1File) { check_scenario("p2p-v1-file", 2); }
TEST(MsnpGeneratedFiles, P2pV2File) { check_scenario("p2p-v2-file", 2); }
// The file goes over the direct TCPv1 connection only: the switchboards
// negotiated it and carry no data.
TEST(MsnpGeneratedFiles, P2pDirectFile) { check_scenario("p2p-direct", 1); }

}  // namespace
}  // namespace rcds::proto::msnp::testing

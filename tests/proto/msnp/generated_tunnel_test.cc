// The generator's MSNP21 (`msnp21-sdg`, `msnp21-p2p`) and HTTP-gateway
// (`http-gateway`, `http-gateway-proxy`) scenarios through nis::Sensor with
// nis::MsnpFactory, compared with the ground truth the generator wrote while
// rendering (tools/msnpgen/README.md): messages (connection, direction,
// sender, text, order), typing and nudges, successful logins, the gateway
// session and proxy headers of tunnelled connections, P2P-over-SDG offers,
// and the file's SHA-256 and bytes against the generator's --files original.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <tuple>

#include "capture/source.h"
#include "nis/analyze.h"
#include "nis/handlers.h"
#include "nis/msnp_report.h"
#include "nis/sensor.h"

namespace rcds::proto::msnp::testing {
namespace {

// (client endpoint, direction, account, detail)
using Item = std::tuple<std::string, std::string, std::string, std::string>;
using Items = std::vector<Item>;

struct Decoded final : MsnpEventSink {
  void on_event(const MsnpEvent& event) override {
    const EventContext& c = event.context;
    const std::string client = c.client.to_string();
    const std::string dir(flow::name_of(c.direction));
    if (const auto* m = std::get_if<InstantMessage>(&event.body)) {
      messages.emplace_back(client, dir, m->sender, std::string(m->text));
      if (c.tunnelled) sessions[client] = c.gateway_session;
    } else if (const auto* t = std::get_if<Typing>(&event.body)) {
      signals.emplace_back(client, dir, t->sender, "typing");
    } else if (const auto* d = std::get_if<Datacast>(&event.body); d != nullptr && d->id == 1) {
      signals.emplace_back(client, dir, d->sender, "nudge");
    } else if (const auto* l = std::get_if<LoginResult>(&event.body); l != nullptr && l->success) {
      logins.emplace_back(client, dir, l->account, "");
      if (c.tunnelled) sessions[client] = c.gateway_session;
    } else if (const auto* p = std::get_if<P2pSignal>(&event.body);
               p != nullptr && p->method == "INVITE") {
      offers.emplace_back(client, dir, p->sender,
                          p->file_name + " " + std::to_string(p->file_size));
    } else if (const auto* f = std::get_if<FileData>(&event.body)) {
      // Rebuilt per connection from the pieces (views: copied here).
      std::string& bytes = rebuilt[client + " " + std::string(f->file_name)];
      if (bytes.size() < f->offset + f->bytes.size()) bytes.resize(f->offset + f->bytes.size());
      bytes.replace(f->offset, f->bytes.size(), f->bytes);
    } else if (const auto* done = std::get_if<FileComplete>(&event.body)) {
      files.emplace_back(client, dir, done->sender, done->file_name + " " + done->sha256);
    }
    if (c.tunnelled) {
      proxies[client] = c.proxy;
      sessions[client] = c.gateway_session;
    }
  }
  Items messages, signals, logins, offers, files;
  std::map<std::string, std::string> sessions;  // client endpoint -> gateway session
  std::map<std::string, std::string> proxies;   // client endpoint -> proxy headers
  std::map<std::string, std::string> rebuilt;   // "client file" -> bytes from file_data
};

struct Truth {
  Items messages, signals, logins, offers, files;
  std::map<std::string, std::string> sessions, proxies;
};

Truth read_truth(const std::string& path) {
  Truth truth;
  std::ifstream in(path);
  std::string text;
  while (std::getline(in, text)) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) continue;
    const std::string event = j.value("event", "");
    const std::string client = j.value("client", "");
    const std::string dir = j.value("dir", "");
    if (event == "message") {
      truth.messages.emplace_back(client, dir, j.value("account", ""), j.value("text", ""));
    } else if (event == "typing" || event == "nudge") {
      truth.signals.emplace_back(client, dir, j.value("account", ""), event);
    } else if (event == "login_success") {
      truth.logins.emplace_back(client, dir, j.value("account", ""), "");
    } else if (event == "connection_open" && j.value("transport", "") == "http_gateway") {
      truth.sessions[client] = j.value("gateway_session", "");
      truth.proxies[client] = j.value("proxy", "");
    } else if (event == "file_offer") {
      truth.offers.emplace_back(
          client, dir, j.value("account", ""),
          j.value("file_name", "") + " " + std::to_string(j.value("file_size", int64_t{0})));
    } else if (event == "file_data") {
      truth.files.emplace_back(client, dir, j.value("account", ""),
                               j.value("file_name", "") + " " + j.value("sha256", ""));
    }
  }
  return truth;
}

struct Result {
  Decoded decoded;
  Truth truth;
  std::filesystem::path files;  // the generator's --files originals
  bool ok = false;
};

void generate_and_decode(const std::string& scenario, Result& result) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("rcds_msnpgen_" + scenario);
  std::filesystem::create_directories(dir);
  const std::string pcap = (dir / "session.pcap").string();
  const std::string truth = (dir / "truth.json").string();
  result.files = dir / "files";
  std::filesystem::create_directories(result.files);
  const std::string command = std::string(RCDS_MSNPGEN) + " --scenario " + scenario + " --out " +
                              pcap + " --truth " + truth + " --files " + result.files.string() +
                              " > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  result.truth = read_truth(truth);

  nis::CountingFactory counting;
  nis::MsnpFactory factory(counting, result.decoded);
  flow::ProtocolRegistry registry;
  registry.add(msnp_protocol_spec());
  nis::Sensor sensor(nis::SensorOptions{}, registry, factory);
  std::string error;
  auto source = capture::open_file(pcap, {}, error);
  ASSERT_TRUE(source) << error;
  ASSERT_TRUE(nis::run_source(*source, sensor, error)) << error;
  sensor.finish();
  result.ok = true;
}

// The decoded messages, typing/nudge signals and logins equal the truth's.
void expect_messages_signals_logins(const Result& r) {
  EXPECT_EQ(r.decoded.messages, r.truth.messages);
  EXPECT_EQ(r.decoded.signals, r.truth.signals);
  EXPECT_EQ(r.decoded.logins, r.truth.logins);
}

TEST(MsnpGenerated, Msnp21SdgMatchesTruth) {
  Result r;
  generate_and_decode("msnp21-sdg", r);
  ASSERT_TRUE(r.ok);
  ASSERT_FALSE(r.truth.messages.empty());
  expect_messages_signals_logins(r);
}

TEST(MsnpGenerated, HttpGatewayMatchesTruth) {
  Result r;
  generate_and_decode("http-gateway", r);
  ASSERT_TRUE(r.ok);
  ASSERT_FALSE(r.truth.messages.empty());
  ASSERT_FALSE(r.truth.sessions.empty());
  expect_messages_signals_logins(r);
  // Every tunnelled connection that produced a login or message carries the
  // gateway session the generator opened it with.
  ASSERT_FALSE(r.decoded.sessions.empty());
  for (const auto& [client, session] : r.decoded.sessions) {
    ASSERT_TRUE(r.truth.sessions.count(client)) << client;
    EXPECT_EQ(session, r.truth.sessions.at(client)) << client;
  }
}

TEST(MsnpGenerated, HttpGatewayThroughAProxyMatchesTruth) {
  // Via/X-Forwarded-For on every request, chunked response bodies.
  Result r;
  generate_and_decode("http-gateway-proxy", r);
  ASSERT_TRUE(r.ok);
  ASSERT_FALSE(r.truth.messages.empty());
  expect_messages_signals_logins(r);
  ASSERT_FALSE(r.decoded.proxies.empty());
  for (const auto& [client, proxy] : r.decoded.proxies) {
    ASSERT_TRUE(r.truth.proxies.count(client)) << client;
    EXPECT_FALSE(proxy.empty()) << client;
    EXPECT_EQ(proxy, r.truth.proxies.at(client)) << client;
    EXPECT_EQ(r.decoded.sessions.at(client), r.truth.sessions.at(client)) << client;
  }
}

TEST(MsnpGenerated, Msnp21P2pFileMatchesTruthAndOriginal) {
  // P2P over SDG: both offers (Signal/P2P and Data) on both NS connections,
  // the file's SHA-256 on both, and the bytes equal to the generator's file.
  Result r;
  generate_and_decode("msnp21-p2p", r);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.truth.offers.size(), 4u);
  ASSERT_EQ(r.truth.files.size(), 2u);
  EXPECT_EQ(r.decoded.offers, r.truth.offers);
  EXPECT_EQ(r.decoded.files, r.truth.files);
  EXPECT_EQ(r.decoded.messages, r.truth.messages);
  std::ifstream in(r.files / "msnp21-p2p.report.pdf", std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  ASSERT_EQ(original.size(), 7300u);
  for (const Item& f : r.truth.files) {
    const std::string key = std::get<0>(f) + " report.pdf";
    ASSERT_TRUE(r.decoded.rebuilt.count(key)) << key;
    EXPECT_TRUE(r.decoded.rebuilt.at(key) == original) << key;
  }
}

}  // namespace
}  // namespace rcds::proto::msnp::testing

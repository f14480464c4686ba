// The generator's MSNP21 (`msnp21-sdg`) and HTTP-gateway (`http-gateway`)
// scenarios through nis::Sensor with nis::MsnpFactory, compared with the
// ground truth the generator wrote while rendering (tools/msnpgen/README.md):
// messages (connection, direction, sender, text, order), typing and nudges,
// successful logins, and the gateway session of tunnelled connections.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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
    }
  }
  Items messages, signals, logins;
  std::map<std::string, std::string> sessions;  // client endpoint -> gateway session
};

struct Truth {
  Items messages, signals, logins;
  std::map<std::string, std::string> sessions;
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
    }
  }
  return truth;
}

struct Result {
  Decoded decoded;
  Truth truth;
  bool ok = false;
};

void generate_and_decode(const std::string& scenario, Result& result) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("rcds_msnpgen_" + scenario);
  std::filesystem::create_directories(dir);
  const std::string pcap = (dir / "session.pcap").string();
  const std::string truth = (dir / "truth.json").string();
  const std::string command = std::string(RCDS_MSNPGEN) + " --scenario " + scenario + " --out " +
                              pcap + " --truth " + truth + " > /dev/null";
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

TEST(MsnpGenerated, Msnp21SdgMatchesTruth) {
  Result r;
  generate_and_decode("msnp21-sdg", r);
  ASSERT_TRUE(r.ok);
  ASSERT_FALSE(r.truth.messages.empty());
  EXPECT_EQ(r.decoded.messages, r.truth.messages);
  EXPECT_EQ(r.decoded.signals, r.truth.signals);
  EXPECT_EQ(r.decoded.logins, r.truth.logins);
}

TEST(MsnpGenerated, HttpGatewayMatchesTruth) {
  Result r;
  generate_and_decode("http-gateway", r);
  ASSERT_TRUE(r.ok);
  ASSERT_FALSE(r.truth.messages.empty());
  ASSERT_FALSE(r.truth.sessions.empty());
  EXPECT_EQ(r.decoded.messages, r.truth.messages);
  EXPECT_EQ(r.decoded.signals, r.truth.signals);
  EXPECT_EQ(r.decoded.logins, r.truth.logins);
  // Every tunnelled connection that produced a login or message carries the
  // gateway session the generator opened it with.
  ASSERT_FALSE(r.decoded.sessions.empty());
  for (const auto& [client, session] : r.decoded.sessions) {
    ASSERT_TRUE(r.truth.sessions.count(client)) << client;
    EXPECT_EQ(session, r.truth.sessions.at(client)) << client;
  }
}

}  // namespace
}  // namespace rcds::proto::msnp::testing

// The MSNP decoder on real captures (testdata/pcaps, provenance in
// ../shared/pcaps/msn/PROVENANCE.md), run through nis::Sensor with the MSNP
// factory. Expectations come from tshark's own reassembly — the command is
// written beside each one — read by hand, never from our output:
//   tshark -r FILE -q -z follow,tcp,ascii,N      (lines and message texts)
//   tshark -r FILE -Y 'frame contains "..."' -T fields -e frame.time_epoch
#include <gtest/gtest.h>

#include "capture/source.h"
#include "event_text.h"
#include "nis/analyze.h"
#include "nis/handlers.h"
#include "nis/msnp_report.h"
#include "nis/sensor.h"

namespace rcds::proto::msnp::testing {
namespace {

struct Seen {
  std::string line;
  EventContext context;
};

class Recorder final : public MsnpEventSink {
 public:
  void on_event(const MsnpEvent& event) override {
    all.push_back({describe(event), kept(event.context)});
  }
  // Lines of one connection (by client port), optionally one direction only.
  std::vector<std::string> of(uint16_t client_port, int direction = -1,
                              std::string_view prefix = "") const {
    std::vector<std::string> out;
    for (const Seen& s : all) {
      if (s.context.client.port != client_port) continue;
      if (direction >= 0 && static_cast<int>(s.context.direction) != direction) continue;
      if (s.line.rfind(prefix, 0) != 0) continue;
      out.push_back(s.line);
    }
    return out;
  }
  const Seen* find(std::string_view prefix) const {
    for (const Seen& s : all) {
      if (s.line.rfind(prefix, 0) == 0) return &s;
    }
    return nullptr;
  }
  std::vector<Seen> all;
};

struct Run {
  Recorder events;
  nis::CountingFactory counting;
  std::unique_ptr<nis::MsnpFactory> factory;
  flow::ProtocolRegistry registry;
  std::unique_ptr<nis::Sensor> sensor;
};

std::unique_ptr<Run> analyze(const std::string& name) {
  auto run = std::make_unique<Run>();
  run->registry.add(msnp_protocol_spec());
  run->factory = std::make_unique<nis::MsnpFactory>(run->counting, run->events);
  run->sensor = std::make_unique<nis::Sensor>(nis::SensorOptions{}, run->registry, *run->factory);
  std::string error;
  auto source = capture::open_file(std::string(RCDS_TESTDATA_DIR) + "/pcaps/" + name, {}, error);
  EXPECT_TRUE(source) << error;
  if (!source) return run;
  EXPECT_TRUE(nis::run_source(*source, *run->sensor, error)) << error;
  run->sensor->finish();
  return run;
}

using Lines = std::vector<std::string>;
constexpr int kC2S = 0;
constexpr int kS2C = 1;

TEST(MsnpCaptures, EscargotMsnp8LoginConversationAndLogout) {
  auto run = analyze("live_escargot_msnpjs_msnp8.pcap");
  const Recorder& ev = run->events;
  // Four connections on 1863/1864 are MSNP; the four HTTP nexus ones on 8081 are not.
  EXPECT_EQ(run->factory->decoders_opened(), 4u);

  // tshark -r live_escargot_msnpjs_msnp8.pcap -q -z follow,tcp,ascii,0 (alice's NS, port 60212):
  // VER 1 MSNP8 CVR0 / CVR 2 0x0409 linux v20.20.2 x64 msnpjs 1.0.0 MSMSGS alice@example.com /
  // USR 3 TWN I alice@example.com ... USR 4 OK alice@example.com alice@example.com 1 0 /
  // SYN 5 0 / SYN 5 1 0 1 / GTC A / BLP AL / LSG 0 Other%20Contacts 0 / ADD 6 FL, ADD 7 AL
  // bob@example.com / ADD 0 RL bob@example.com / FLN bob x2 / CHG 8 NLN 32 / NLN NLN
  // bob@example.com ... / XFR 9 SB 127.0.0.1:1864 CKI 8a04314f977ace7005b8 / OUT
  EXPECT_EQ(
      ev.of(60212),
      (Lines{"login_attempt alice@example.com TWN [MSNP8 CVR0] msnpjs 1.0.0 linux v20.20.2 "
             "x64 0x0409",
             "login_ok alice@example.com 'alice@example.com'", "group listed 0 'Other Contacts'",
             "contact added bob@example.com FL", "contact added bob@example.com AL",
             "contact added_by bob@example.com RL", "presence bob@example.com FLN",
             "presence bob@example.com FLN", "presence* alice@example.com NLN",
             "presence bob@example.com NLN 'bob@example.com'",
             "sb_referral alice@example.com 127.0.0.1:1864 8a04314f977ace7005b8",
             "logout alice@example.com client_out"}));

  // follow,tcp,ascii,1 (bob's NS, port 60228): ... ILN 8 NLN alice@example.com ... 32 /
  // RNG 37a46034-ee93-487d-82ec-7ce24a22c162 127.0.0.1:1864 CKI 7b9d279b5b285002d3fa alice ...
  EXPECT_EQ(ev.of(60228, kS2C, "sb_invitation"),
            (Lines{"sb_invitation bob@example.com<-alice@example.com 127.0.0.1:1864 "
                   "37a46034-ee93-487d-82ec-7ce24a22c162 7b9d279b5b285002d3fa"}));

  const std::string text =
      "Hello Bob, this is Alice over Escargot (loopback test) \xC3\xA9\xE4\xB8\xAD";
  // follow,tcp,ascii,6 (alice's SB, port 51906): USR 1 alice@example.com 8a04...; USR 1 OK;
  // CAL 2 bob@example.com; CAL 2 RINGING 37a4...; JOI bob@example.com; MSG 3 N 173 (body
  // bytes ...c3a9e4b8ad per -e tcp.payload of frame 138); OUT.
  EXPECT_EQ(ev.of(51906),
            (Lines{"joined caller alice@example.com [alice@example.com]",
                   "sb_call alice@example.com->bob@example.com "
                   "37a46034-ee93-487d-82ec-7ce24a22c162 0",
                   "joined joined bob@example.com [alice@example.com,bob@example.com]",
                   "message alice@example.com->bob@example.com: " + text,
                   "left alice@example.com out [bob@example.com]"}));
  // follow,tcp,ascii,7 (bob's SB, port 51918): ANS 1 bob ... / JOI bob (the server's own echo) /
  // IRO 1 1 1 alice / ANS 1 OK / MSG alice@example.com alice@example.com 173 / BYE alice.
  EXPECT_EQ(
      ev.of(51918),
      (Lines{"joined joined bob@example.com [bob@example.com]",
             "joined present alice@example.com [bob@example.com,alice@example.com]",
             "joined answered bob@example.com [bob@example.com,alice@example.com]",
             "message alice@example.com->bob@example.com: " + text,
             "left alice@example.com bye [bob@example.com]", "left bob@example.com closed []"}));
  // tshark -Y 'frame contains "Hello Bob"' -T fields -e frame.time_epoch: frame 145 to
  // port 51918 at 1795848221.500958000.
  const std::vector<std::string> bob_msgs = ev.of(51918, kS2C, "message");
  for (const Seen& s : ev.all) {
    if (s.context.client.port == 51918 && s.line.rfind("message", 0) == 0) {
      EXPECT_EQ(s.context.time.ns, 1795848221500958000);
      EXPECT_EQ(s.context.connection, ConnectionType::kSwitchboard);
      EXPECT_EQ(s.context.owner, "bob@example.com");
    }
  }
  // The XFR cookie links alice's SB connection to her NS connection.
  const MsnpSession::CookieGrant* grant =
      run->factory->session().use_cookie("8a04314f977ace7005b8", 0);
  ASSERT_NE(grant, nullptr);
  EXPECT_EQ(grant->ns_client.port, 60212);
  // NS logins per address:port over time.
  const auto& logins = run->factory->session().logins();
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[0].account, "alice@example.com");
  EXPECT_EQ(logins[0].client.port, 60212);
  EXPECT_FALSE(logins[0].open);
  // Who was logged in from 127.0.0.1:60212 between USR OK (frame time 06:43:39.166) and OUT.
  const MsnpSession::Login* who =
      run->factory->session().logged_in(logins[0].client, Timestamp{1795848221'000'000'000});
  ASSERT_NE(who, nullptr);
  EXPECT_EQ(who->account, "alice@example.com");
  EXPECT_EQ(run->factory->session().logged_in(logins[0].client, Timestamp{1795848224'000'000'000}),
            nullptr);
}

TEST(MsnpCaptures, Wireshark2005FrenchChat) {
  auto run = analyze("ndpi_msnms_wireshark2005.pcap");
  const Recorder& ev = run->events;
  EXPECT_EQ(run->factory->decoders_opened(), 6u);

  // tshark -q -z follow,tcp,ascii,2 (port 1208): ANS 89 jujurius@msn.com 1115371039.15845
  // 17069658 / IRO 89 1 1 cecile260992@hotmail.com choupi / ANS 89 OK, then text/plain MSGs.
  const Lines joins = ev.of(1208, kS2C, "joined");
  EXPECT_EQ(joins, (Lines{"joined present cecile260992@hotmail.com [cecile260992@hotmail.com]",
                          "joined answered jujurius@msn.com "
                          "[cecile260992@hotmail.com,jujurius@msn.com]"}));
  EXPECT_EQ(ev.of(1208, kC2S, "message"),
            (Lines{"message jujurius@msn.com->cecile260992@hotmail.com: ouai cest ce que "
                   "jessaye de faire",
                   "message jujurius@msn.com->cecile260992@hotmail.com: lol! ouai je crois kon "
                   "est toute pareil",
                   "message jujurius@msn.com->cecile260992@hotmail.com: oaui je suis comme toi "
                   "aussi. ",
                   "message jujurius@msn.com->cecile260992@hotmail.com: ouai je veu attendre mai "
                   "ca mai tro souvent arriv\xC3\xA9 de maccrocher et ke le mec ne ressente pa la "
                   "meme chose et finalement cetait moi ki en bavait. alors je vai attendre de "
                   "voir, mais si ca continu tro comme ca, je croi k je vai pa insist\xC3\xA9. je "
                   "sai pa comment il etait avec tania, mais sil etait pareil, je sai pa comment "
                   "elle a fait."}));
  const Lines from_cecile = ev.of(1208, kS2C, "message");
  ASSERT_EQ(from_cecile.size(), 7u);
  EXPECT_EQ(from_cecile[0], "message cecile260992@hotmail.com->jujurius@msn.com: je te comprend");
  EXPECT_EQ(from_cecile[6],
            "message cecile260992@hotmail.com->jujurius@msn.com: laisse lui du "
            "temps peu etre kil n'ai pa encore pr\xC3\xA8s");
  // tshark -Y 'frame contains "je te comprend"' -T fields -e frame.time_epoch: 1115371250.120404
  const Seen* first = ev.find("message cecile260992@hotmail.com->jujurius@msn.com: je te comprend");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->context.time.ns, 1115371250120404000);
  EXPECT_EQ(ev.of(1208, kC2S, "left"),
            (Lines{"left jujurius@msn.com out [cecile260992@hotmail.com]"}));

  // follow,tcp,ascii,1 (the NS, port 1037, picked up mid-stream): three RNGs from cecile and
  // the reply XFR 19 SB 207.46.108.59:1863 CKI 246503.1115372323.20879.
  EXPECT_EQ(ev.of(1037, kS2C, "sb_invitation").size(), 3u);
  EXPECT_EQ(ev.of(1037, kS2C, "sb_referral"),
            (Lines{"sb_referral  207.46.108.59:1863 246503.1115372323.20879"}));

  // follow,tcp,ascii,5 (port 1221): USR 178 jujurius@msn.com 246503.1115372323.20879 /
  // USR 178 OK / CAL 179 -> RINGING 246503 / JOI cecile / MSG / BYE cecile / CAL 183 -> RINGING /
  // JOI cecile / ... / OUT. 7 texts sent, 6 received; last sent "bye!" at 1115372969.056030.
  EXPECT_EQ(ev.of(1221, -1, "sb_call"),
            (Lines{"sb_call jujurius@msn.com->cecile260992@hotmail.com 246503 0",
                   "sb_call jujurius@msn.com->cecile260992@hotmail.com 246503 0"}));
  EXPECT_EQ(ev.of(1221, kC2S, "message").size(), 7u);
  EXPECT_EQ(ev.of(1221, kS2C, "message").size(), 6u);
  EXPECT_EQ(ev.of(1221, kS2C, "left"),
            (Lines{"left cecile260992@hotmail.com bye [jujurius@msn.com]",
                   "left cecile260992@hotmail.com bye [jujurius@msn.com]"}));
  const Seen* bye = ev.find("message jujurius@msn.com->cecile260992@hotmail.com: bye!");
  ASSERT_NE(bye, nullptr);
  EXPECT_EQ(bye->context.time.ns, 1115372969056030000);
  // The SB USR cookie was handed out by the XFR on the NS connection seen earlier.
  const MsnpSession::CookieGrant* grant =
      run->factory->session().use_cookie("246503.1115372323.20879", 0);
  ASSERT_NE(grant, nullptr);
  EXPECT_EQ(grant->ns_client.port, 1037);

  // follow,tcp,ascii,0 (port 1176, client side only, mid-stream): typing notifications naming
  // TypingUser jujurius@msn.com, one text message, OUT.
  EXPECT_EQ(ev.of(1176, kC2S, "message").size(), 1u);
  EXPECT_EQ(ev.of(1176, kC2S, "left"), (Lines{"left jujurius@msn.com out []"}));
  // No decoder anomalies on these clean captures.
  for (const Seen& s : ev.all) EXPECT_EQ(s.line.rfind("anomaly", 0), std::string::npos) << s.line;
}

TEST(MsnpCaptures, LiveReportKeepsNoMessageContent) {
  // What `rcds capture` uses: identity events only.
  nis::MsnpReport report(/*json=*/false, /*content=*/false);
  nis::CountingFactory counting;
  nis::MsnpFactory factory(counting, report);
  flow::ProtocolRegistry registry;
  registry.add(msnp_protocol_spec());
  nis::Sensor sensor(nis::SensorOptions{}, registry, factory);
  std::string error;
  auto source = capture::open_file(
      std::string(RCDS_TESTDATA_DIR) + "/pcaps/live_escargot_msnpjs_msnp8.pcap", {}, error);
  ASSERT_TRUE(source) << error;
  ASSERT_TRUE(nis::run_source(*source, sensor, error)) << error;
  sensor.finish();
  bool joined = false;
  for (const std::string& line : report.lines()) {
    EXPECT_EQ(line.find("Hello Bob"), std::string::npos) << line;
    EXPECT_EQ(line.find(" message: "), std::string::npos) << line;
    joined = joined || line.find(" joined: bob@example.com") != std::string::npos;
  }
  EXPECT_TRUE(joined);
}

std::string analyze_output(const std::string& name, bool json) {
  nis::AnalyzeOptions options;
  options.capture_path = std::string(RCDS_TESTDATA_DIR) + "/pcaps/" + name;
  options.json = json;
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  EXPECT_EQ(nis::run_analyze(options, out, err), 0);
  std::rewind(out);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, out)) > 0) text.append(buf, n);
  std::fclose(out);
  std::fclose(err);
  return text;
}

TEST(MsnpCaptures, AnalyzePrintsTranscriptAndJsonEvents) {
  const std::string text = analyze_output("live_escargot_msnpjs_msnp8.pcap", false);
  // The flow list first, then the transcript, then the counters.
  const size_t flows = text.find("flows: 8");
  const size_t events = text.find("msn events: ");
  const size_t counters = text.find("counters:");
  ASSERT_NE(flows, std::string::npos);
  ASSERT_NE(events, std::string::npos);
  EXPECT_LT(flows, events);
  EXPECT_LT(events, counters);
  EXPECT_NE(text.find(" #7 sb message: alice@example.com -> bob@example.com: \"Hello Bob, this is "
                      "Alice over Escargot (loopback test) \xC3\xA9\xE4\xB8\xAD\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("proto=msnp"), std::string::npos);

  const std::string json = analyze_output("live_escargot_msnpjs_msnp8.pcap", true);
  EXPECT_NE(json.find("\"type\":\"summary\""), std::string::npos);
  const size_t message = json.find("\"event\":\"message\"");
  ASSERT_NE(message, std::string::npos);
  const size_t begin = json.rfind('\n', message) + 1;
  const std::string line = json.substr(begin, json.find('\n', message) - begin);
  EXPECT_EQ(line.rfind("{", 0), 0u);
  EXPECT_NE(line.find("\"type\":\"msnp\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"sender\":\"alice@example.com\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"recipients\":[\"bob@example.com\"]"), std::string::npos) << line;
  EXPECT_NE(line.find("\"connection\":\"sb\""), std::string::npos) << line;
}

}  // namespace
}  // namespace rcds::proto::msnp::testing

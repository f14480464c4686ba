// Interception on real captures (testdata/pcaps, provenance in PROVENANCE.md),
// through nis::InterceptionPipeline into record files read back as JSON.
//
// Expectations come from tshark, read by hand or extracted by a script from
// tshark's own fields, never from our output:
//   tshark -r FILE -q -z follow,tcp,ascii,N                 (commands per connection)
//   tshark -r FILE -Y 'frame contains "..."' -T fields -e frame.number -e frame.time_epoch
//   tshark -r FILE -Y 'tcp.len>0' -T fields -e frame.number -e frame.time_epoch -e tcp.stream
//          -e tcp.srcport -e tcp.dstport -e tcp.payload     (message bodies: the payload of each
//          direction concatenated, MSG <len> bodies cut out, text/plain kept, and the frame
//          carrying each body's last byte; no retransmissions in either file)
//   tshark -r FILE -Y 'ip.addr==A' -T fields -e ip.len      (IP target packets)
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "capture/source.h"
#include "intercept/warrant_store.h"
#include "nis/interception.h"

namespace rcds::intercept {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kEscargot = "live_escargot_msnpjs_msnp8.pcap";
constexpr const char* kWireshark2005 = "ndpi_msnms_wireshark2005.pcap";

std::string capture_path(const std::string& name) {
  return std::string(RCDS_TESTDATA_DIR) + "/pcaps/" + name;
}

Timestamp from_micros(int64_t us) { return Timestamp{us * 1000}; }

Warrant make_warrant(std::string liid, std::vector<std::string> targets,
                     Timestamp from = Timestamp{0},
                     Timestamp until = Timestamp{std::numeric_limits<int64_t>::max()},
                     CollectScope scope = CollectScope::kIriAndCc) {
  Warrant w;
  w.liid = std::move(liid);
  w.valid_from = from;
  w.valid_until = until;
  w.scope = scope;
  for (const std::string& text : targets) {
    TargetId id;
    std::string error;
    EXPECT_TRUE(TargetId::parse(text, id, error)) << text << ": " << error;
    w.targets.push_back(id);
  }
  return w;
}

// A records directory removed at the end of the test.
struct TempDir {
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rcds_intercept_XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string path;
};

std::vector<json> read_records(const std::string& dir, const std::string& liid) {
  std::vector<json> out;
  std::ifstream in(dir + "/" + liid + "/records.jsonl");
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

// Runs the whole capture; `after_packet(n, time)` is called after packet n
// (1-based, tshark's frame number) so a test can change the warrants.
void run(const std::string& name, WarrantStore& store, const std::string& dir,
         const std::function<void(uint64_t, Timestamp)>& after_packet = {}) {
  nis::InterceptionOptions options;
  options.records_dir = dir;
  nis::InterceptionPipeline pipeline(nis::SensorOptions{}, store, options);
  std::string error;
  auto source = capture::open_file(capture_path(name), {}, error);
  ASSERT_TRUE(source) << error;
  capture::RawPacket raw;
  uint64_t frame = 0;
  while (source->next(raw) == capture::ReadStatus::kPacket) {
    pipeline.sensor().process(raw);
    ++frame;
    if (after_packet) after_packet(frame, raw.timestamp);
  }
  ASSERT_TRUE(pipeline.finish()) << pipeline.error();
}

std::map<std::string, std::vector<json>> run_warrants(const std::string& name, WarrantSet warrants,
                                                      std::vector<std::string> liids) {
  TempDir dir;
  WarrantStore store(std::move(warrants));
  run(name, store, dir.path);
  std::map<std::string, std::vector<json>> out;
  for (const std::string& liid : liids) out[liid] = read_records(dir.path, liid);
  return out;
}

std::vector<json> cc_of(const std::vector<json>& records) {
  std::vector<json> out;
  for (const json& r : records) {
    if (r["kind"] == "cc") out.push_back(r);
  }
  return out;
}

std::string party(const json& record, std::string_view role) {
  std::string out;
  for (const json& p : record["parties"]) {
    if (p["role"] != role) continue;
    if (!out.empty()) out += ",";
    out += p["id"].get<std::string>();
  }
  return out;
}

// The numbering rules (see engine_test.cc): CINs 1, 2, ... per LIID in order
// of first appearance; IRI and CC sequences per CIN gapless from 0; the first
// non-REPORT IRI is a BEGIN; nothing after an END; records in time order.
void expect_numbering(const std::vector<json>& records) {
  uint32_t last_cin = 0;
  std::map<uint32_t, uint64_t> iri, cc;
  std::set<uint32_t> seen, begun, ended;
  int64_t last_time = 0;
  for (const json& r : records) {
    const uint32_t cin = r["cin"];
    const std::string kind = r["kind"];
    const uint64_t seq = r["seq"];
    if (!seen.contains(cin)) {
      EXPECT_EQ(cin, last_cin + 1) << r.dump();
      last_cin = cin;
      seen.insert(cin);
    }
    EXPECT_FALSE(ended.contains(cin)) << "after IRI-END: " << r.dump();
    EXPECT_GE(r["time_us"].get<int64_t>(), last_time) << r.dump();
    last_time = r["time_us"];
    if (kind == "cc") {
      EXPECT_EQ(seq, cc[cin]++) << r.dump();
      continue;
    }
    EXPECT_EQ(seq, iri[cin]++) << r.dump();
    if (kind == "iri-report") continue;
    if (!begun.contains(cin)) {
      EXPECT_EQ(kind, "iri-begin") << r.dump();
      begun.insert(cin);
    } else {
      EXPECT_NE(kind, "iri-begin") << r.dump();
    }
    if (kind == "iri-end") ended.insert(cin);
  }
}

// --- live_escargot_msnpjs_msnp8.pcap ------------------------------------------

// tshark -r live_escargot_msnpjs_msnp8.pcap -q -z conv,tcp: alice's NS 60212, bob's NS 60228,
// alice's SB 51906 and bob's SB 51918 (server 1864), four HTTP nexus connections on 8081.
// follow,tcp,ascii,6 (51906): USR 1 alice / USR 1 OK / CAL 2 bob / CAL 2 RINGING / JOI bob /
//   MSG 3 N 173 (the one text) / OUT / OUT.
// follow,tcp,ascii,7 (51918): ANS 1 bob / JOI bob / IRO 1 1 1 alice / ANS 1 OK /
//   MSG alice@example.com alice@example.com 173 / BYE alice@example.com.
// tshark -Y 'frame contains "Hello Bob"' -T fields -e frame.number -e frame.time_epoch
//   -e tcp.srcport -e tcp.dstport:
//   138 1795848221.500647000 51906 1864
//   145 1795848221.500958000 1864 51918
// The text's last bytes are c3a9 e4b8ad (é中) per -e tcp.payload of frame 138.
const std::string kHelloBob =
    "Hello Bob, this is Alice over Escargot (loopback test) \xC3\xA9\xE4\xB8\xAD";

TEST(InterceptCaptures, EscargotWarrantOnAliceHasHerMessageOnBothConnections) {
  auto out =
      run_warrants(kEscargot, {make_warrant("LI-ALICE", {"msn:alice@example.com"})}, {"LI-ALICE"});
  const std::vector<json>& r = out["LI-ALICE"];
  expect_numbering(r);
  const std::vector<json> cc = cc_of(r);
  ASSERT_EQ(cc.size(), 2u);
  // Her own SB connection, then bob's, where she is in the roster.
  EXPECT_EQ(cc[0]["client"], "127.0.0.1:51906");
  EXPECT_EQ(cc[0]["time_us"], 1795848221500647);
  EXPECT_EQ(cc[1]["client"], "127.0.0.1:51918");
  EXPECT_EQ(cc[1]["time_us"], 1795848221500958);
  for (const json& c : cc) {
    EXPECT_EQ(c["text"], kHelloBob);
    EXPECT_EQ(c["content_kind"], "message");
    EXPECT_EQ(c["target"], "msn:alice@example.com");
    EXPECT_EQ(party(c, "originator"), "msn:alice@example.com");
    EXPECT_EQ(party(c, "recipient"), "msn:bob@example.com");
    EXPECT_EQ(c["direction"], "from-target");
    EXPECT_EQ(c["seq"], 0);
  }
  EXPECT_NE(cc[0]["cin"], cc[1]["cin"]);

  // Per connection, what happened from alice's point of view.
  std::map<std::string, std::vector<std::string>> by_client;
  for (const json& x : r) {
    by_client[x["client"]].push_back(x["kind"].get<std::string>() + " " +
                                     x["event"].get<std::string>());
  }
  // follow,tcp,ascii,0 (60212): VER/CVR/USR TWN I alice ... USR OK ... OUT.
  const std::vector<std::string>& ns = by_client["127.0.0.1:60212"];
  ASSERT_GE(ns.size(), 3u);
  EXPECT_EQ(ns.front(), "iri-report login_attempt");
  EXPECT_EQ(ns[1], "iri-begin login_result");
  EXPECT_EQ(ns.back(), "iri-end logout");
  EXPECT_EQ(
      by_client["127.0.0.1:51906"],
      (std::vector<std::string>{"iri-begin joined", "iri-continue sb_call", "iri-continue joined",
                                "iri-continue message", "cc message", "iri-end left"}));
  EXPECT_EQ(by_client["127.0.0.1:51918"],
            (std::vector<std::string>{"iri-begin joined", "iri-continue joined",
                                      "iri-continue message", "cc message", "iri-end left"}));
  // Bob's NS connection is not alice's: nothing from it.
  EXPECT_FALSE(by_client.contains("127.0.0.1:60228"));
  // Her connection to bob's SB ends with her BYE (frame 152, 1795848223.003810).
  for (const json& x : r) {
    if (x["client"] == "127.0.0.1:51918" && x["kind"] == "iri-end") {
      EXPECT_EQ(x["time_us"], 1795848223003810);
    }
  }
}

TEST(InterceptCaptures, EscargotWarrantOnBobSeesTheMessageArrive) {
  auto out = run_warrants(kEscargot, {make_warrant("LI-BOB", {"msn:bob@example.com"})}, {"LI-BOB"});
  const std::vector<json>& r = out["LI-BOB"];
  expect_numbering(r);
  const std::vector<json> cc = cc_of(r);
  ASSERT_EQ(cc.size(), 2u);
  // On alice's SB (bob in the roster from JOI, frame 136), then on his own.
  EXPECT_EQ(cc[0]["client"], "127.0.0.1:51906");
  EXPECT_EQ(cc[0]["time_us"], 1795848221500647);
  EXPECT_EQ(cc[1]["client"], "127.0.0.1:51918");
  EXPECT_EQ(cc[1]["time_us"], 1795848221500958);
  for (const json& c : cc) {
    EXPECT_EQ(c["text"], kHelloBob);
    EXPECT_EQ(party(c, "originator"), "msn:alice@example.com");
    EXPECT_EQ(party(c, "recipient"), "msn:bob@example.com");
    EXPECT_EQ(c["direction"], "to-target");
  }
}

TEST(InterceptCaptures, EscargotWarrantOnAnOutsiderProducesNothing) {
  TempDir dir;
  WarrantStore store({make_warrant("LI-CAROL", {"msn:carol@example.com"})});
  run(kEscargot, store, dir.path);
  EXPECT_TRUE(read_records(dir.path, "LI-CAROL").empty());
  EXPECT_FALSE(fs::exists(dir.path + "/LI-CAROL"));
}

TEST(InterceptCaptures, EscargotTwoWarrantsOnAliceGiveTwoIdenticalRecordSets) {
  auto out = run_warrants(kEscargot,
                          {make_warrant("LI-A1", {"msn:alice@example.com"}),
                           make_warrant("LI-A2", {"msn:alice@example.com"})},
                          {"LI-A1", "LI-A2"});
  const std::vector<json>& a = out["LI-A1"];
  const std::vector<json>& b = out["LI-A2"];
  expect_numbering(a);
  expect_numbering(b);
  ASSERT_FALSE(a.empty());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["liid"], "LI-A1");
    EXPECT_EQ(b[i]["liid"], "LI-A2");
    json x = a[i], y = b[i];
    x.erase("liid");
    y.erase("liid");
    EXPECT_EQ(x, y) << i;
  }
  EXPECT_EQ(cc_of(a).size(), 2u);
}

// --- ndpi_msnms_wireshark2005.pcap --------------------------------------------
//
// tshark -q -z conv,tcp: jujurius@msn.com's client 192.168.1.14 with its NS (1037, picked up
// mid-stream) and five SB connections: 1176 (client side only, mid-stream), 1208, 1217, 1220
// (invited: ANS / IRO cecile260992@hotmail.com / ANS OK) and 1221 (caller: USR / CAL / JOI).
// Every text/plain message, in frame order (script over -e tcp.payload, see the top):
// frame, SB client port, frame.time_epoch in µs, sender (c = cecile260992@hotmail.com,
// j = jujurius@msn.com), text.
struct Message {
  int frame;
  uint16_t port;
  int64_t time_us;
  char sender;
  const char* text;
};
const Message kMessages2005[] = {
    {14, 1176, 1115371127727843, 'j',
     "ouai mai tu voi je lui parl\xC3\xA9 de ce que je ressentai pour lui et lui ma repondu kil ne "
     "ressentai pa la meme chose. alors je sai bien k ca narrive pa comme ca non plu mai bon, par "
     "momen je le trouve vachement distant avec moi et cest dur"},
    {26, 1208, 1115371250120404, 'c', "je te comprend"},
    {39, 1208, 1115371307258130, 'c',
     "il ne montre peu etre pa ses sentiments mai un conseil ne te prend pa tro la tete"},
    {43, 1208, 1115371330336473, 'j', "ouai cest ce que jessaye de faire"},
    {49, 1208, 1115371349931299, 'c', "je te dit ca mai moi je me la prend"},
    {53, 1208, 1115371363664193, 'j', "lol! ouai je crois kon est toute pareil"},
    {63, 1208, 1115371409892522, 'c',
     "moi a vous voir comme ca, vous avez l'air d'etre un couple proche"},
    {69, 1208, 1115371426012059, 'c', "les garcon ne sont pa comme nous"},
    {84, 1208, 1115371485996333, 'c',
     "moi perso j'ai besoin de savoir kil m'aime, kil me le prouve et tou le tralala alors kun mec "
     "c pa la meme chose"},
    {89, 1208, 1115371510601871, 'j', "oaui je suis comme toi aussi. "},
    {96, 1208, 1115371531555426, 'c',
     "laisse lui du temps peu etre kil n'ai pa encore pr\xC3\xA8s"},
    {132, 1208, 1115371710716809, 'j',
     "ouai je veu attendre mai ca mai tro souvent arriv\xC3\xA9 de maccrocher et ke le mec ne "
     "ressente pa la meme chose et finalement cetait moi ki en bavait. alors je vai attendre de "
     "voir, mais si ca continu tro comme ca, je croi k je vai pa insist\xC3\xA9. je sai pa comment "
     "il etait avec tania, mais sil etait pareil, je sai pa comment elle a fait."},
    {150, 1217, 1115371940587846, 'c',
     "kan on le voyai avec tania, il \xC3\xA9tai pareil qu'avec toi kan on sortai"},
    {158, 1217, 1115371975076990, 'c', "sinon ca se passe bien kan vous etes tous les deux"},
    {165, 1217, 1115371998165030, 'c', "il te montre kan meme un peu kil tien a toi"},
    {208, 1217, 1115372156962520, 'c',
     "en plus vous avez l'air de vous voir souvent et d'etre ensemble"},
    {210, 1217, 1115372174244498, 'j',
     "bah disons k souvent kan on est tout les deux, il est devant son pc. alors je di tro rien "
     "parce que moi aussi ca marrive, mai ci ki magace un peu, cest kil narrete pa de parler a "
     "plein de filles sur internet, et ka chaque fois k jarrive vers lui , je le voi il plank ses "
     "fenetres msn. alors je me di k je me fai des id\xC3\xA9"
     "es, mais m pose kan meme des kestions. "},
    {221, 1217, 1115372214002403, 'j',
     "oui on se voit souvent mai je voi vendredi dernier on devait se voir, et le matin par msn je "
     "lui ai di c que je ressentai et du cou il voulai plu kon se voit"},
    {233, 1220, 1115372326227090, 'c',
     "ce ki est importan je pense c la communication et de vous parlez car c importan dan un "
     "couple"},
    {236, 1220, 1115372339870532, 'c', "et pour ca le pc c chiant"},
    {248, 1220, 1115372434768863, 'c',
     "pour les filles sur msn, c vrai kil devrai pa cacher des ke tu arrive"},
    {274, 1221, 1115372577717766, 'c',
     "je vai pa t'embeter plus lontemps car ta peu etre pa envi d'en parler et ca me regarde pa "
     "kan meme"},
    {295, 1221, 1115372672085317, 'j',
     "oh non tinkiete, au contraire ca fai du bien de pouvoir en parler. surtout kavec lui jai du "
     "mal a en parler.mai par contre, cest toi k jai peur d'embeter. "},
    {300, 1221, 1115372682583263, 'j', "tien jyce est au tel avec damien"},
    {303, 1221, 1115372689664399, 'j', "il lui demande conseil pour son pc"},
    {311, 1221, 1115372749050809, 'c',
     "non tu ne m'embete pa du tout car je vous appr\xC3\xA9"
     "cie tout les deux"},
    {317, 1221, 1115372764503361, 'c', "a mon avis damien demande conseil a jyc\xC3\xA9"},
    {321, 1221, 1115372801924486, 'j', "vi"},
    {330, 1221, 1115372861383668, 'c', "j'espere ke ca va s'arranger pour toi"},
    {341, 1221, 1115372914884821, 'j',
     "cest gentil a toi. moi aussi jespere k ca va allez. bon par contre jyce  afaim, donc je vai "
     "allez faire a manger."},
    {347, 1221, 1115372949915454, 'c', "ok bon ap et a plus"},
    {350, 1221, 1115372960149873, 'j', "merci toi aussi"},
    {356, 1221, 1115372964940475, 'c', "bye"},
    {358, 1221, 1115372969056030, 'j', "bye!"},
};

constexpr const char* kCecile = "msn:cecile260992@hotmail.com";
constexpr const char* kJujurius = "msn:jujurius@msn.com";

// The messages cecile sent or received where the capture shows her in the
// switchboard: 1176 is captured mid-stream on the client side only, with no
// IRO/JOI naming its members (follow,tcp,ascii,0), so nothing there says she
// is in it.
std::vector<Message> cecile_messages(int64_t until_us = std::numeric_limits<int64_t>::max()) {
  std::vector<Message> out;
  for (const Message& m : kMessages2005) {
    if (m.port != 1176 && m.time_us < until_us) out.push_back(m);
  }
  return out;
}

void expect_messages(const std::vector<json>& cc, const std::vector<Message>& expected,
                     const std::string& target) {
  ASSERT_EQ(cc.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const Message& m = expected[i];
    const json& c = cc[i];
    EXPECT_EQ(c["text"], m.text) << "frame " << m.frame;
    EXPECT_EQ(c["time_us"], m.time_us) << "frame " << m.frame;
    EXPECT_EQ(c["client"], "192.168.1.14:" + std::to_string(m.port)) << "frame " << m.frame;
    const std::string sender = m.sender == 'c' ? kCecile : kJujurius;
    const std::string recipient = m.sender == 'c' ? kJujurius : kCecile;
    EXPECT_EQ(party(c, "originator"), sender) << "frame " << m.frame;
    if (m.port != 1176) {
      EXPECT_EQ(party(c, "recipient"), recipient) << "frame " << m.frame;
    }
    EXPECT_EQ(c["direction"], sender == target ? "from-target" : "to-target")
        << "frame " << m.frame;
    EXPECT_EQ(c["target"], target);
  }
}

TEST(InterceptCaptures, Wireshark2005WarrantOnCecileHasEveryMessageInOrder) {
  auto out = run_warrants(kWireshark2005, {make_warrant("LI-C", {kCecile})}, {"LI-C"});
  const std::vector<json>& r = out["LI-C"];
  expect_numbering(r);
  expect_messages(cc_of(r), cecile_messages(), kCecile);

  // One communication per stay in a switchboard: from the IRO/JOI naming her
  // to the owner's OUT or her BYE (frames from follow,tcp,ascii,2..5 and
  // -Y 'frame contains "IRO"'/'"JOI"'/'"BYE"'/'"OUT"' -e frame.time_epoch):
  //   1208: IRO frame 24 1115371249.897865 .. OUT frame 135 1115371770.833785
  //   1217: IRO frame 148 1115371940.356161 .. OUT frame 226 1115372274.002201
  //   1220: IRO frame 231 1115372325.986422 .. OUT frame 252 1115372494.765353
  //   1221: JOI frame 261 1115372535.358559 .. BYE frame 277 1115372593.516732
  //   1221: JOI frame 280 1115372594.552721 .. BYE frame 361 1115373007.628545
  std::vector<std::string> spans;
  for (const json& x : r) {
    if (x["kind"] == "iri-begin" || x["kind"] == "iri-end") {
      spans.push_back(std::to_string(x["cin"].get<int>()) + " " + x["kind"].get<std::string>() +
                      " " + x["client"].get<std::string>() + " " +
                      std::to_string(x["time_us"].get<int64_t>()));
    }
  }
  EXPECT_EQ(spans, (std::vector<std::string>{"1 iri-begin 192.168.1.14:1208 1115371249897865",
                                             "1 iri-end 192.168.1.14:1208 1115371770833785",
                                             "2 iri-begin 192.168.1.14:1217 1115371940356161",
                                             "2 iri-end 192.168.1.14:1217 1115372274002201",
                                             "3 iri-begin 192.168.1.14:1220 1115372325986422",
                                             "3 iri-end 192.168.1.14:1220 1115372494765353",
                                             "4 iri-begin 192.168.1.14:1221 1115372535358559",
                                             "4 iri-end 192.168.1.14:1221 1115372593516732",
                                             "5 iri-begin 192.168.1.14:1221 1115372594552721",
                                             "5 iri-end 192.168.1.14:1221 1115373007628545"}));
}

TEST(InterceptCaptures, Wireshark2005WarrantOnJujuriusHasEveryMessageInOrder) {
  auto out = run_warrants(kWireshark2005, {make_warrant("LI-J", {kJujurius})}, {"LI-J"});
  const std::vector<json>& r = out["LI-J"];
  expect_numbering(r);
  // He owns every SB connection, the mid-stream 1176 one included (see below).
  expect_messages(cc_of(r),
                  std::vector<Message>(std::begin(kMessages2005), std::end(kMessages2005)),
                  kJujurius);
}

// follow,tcp,ascii,0 (1176, client side only, picked up mid-stream): eleven
// text/x-msmsgscontrol MSGs with TypingUser: jujurius@msn.com, then MSG 88 N 359 (frame 14),
// then OUT. The client names its owner in TypingUser, so his warrant picks the connection
// up from there ("capture started mid-stream"): the engine wants the content of connections
// whose owner is not known yet, so that the decoder can learn it.
TEST(InterceptCaptures, Wireshark2005MidStreamConnectionOfTheTarget) {
  auto out = run_warrants(kWireshark2005, {make_warrant("LI-J", {kJujurius})}, {"LI-J"});
  const std::vector<json>& r = out["LI-J"];
  expect_numbering(r);
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.front()["client"], "192.168.1.14:1176");
  EXPECT_EQ(r.front()["kind"], "iri-begin");
  // The first typing notification, frame 1 (tshark -c 1 -T fields -e frame.time_epoch).
  EXPECT_EQ(r.front()["time_us"], 1115371077389967);
  expect_messages(cc_of(r),
                  std::vector<Message>(std::begin(kMessages2005), std::end(kMessages2005)),
                  kJujurius);
}

TEST(InterceptCaptures, Wireshark2005WarrantOnAnOutsiderProducesNothing) {
  TempDir dir;
  WarrantStore store({make_warrant("LI-X", {"msn:nobody@hotmail.com"})});
  run(kWireshark2005, store, dir.path);
  EXPECT_TRUE(read_records(dir.path, "LI-X").empty());
  EXPECT_FALSE(fs::exists(dir.path + "/LI-X"));
}

TEST(InterceptCaptures, Wireshark2005WindowEndingMidChat) {
  // 1115372000 s falls between frame 165 (1115371998.165030, "il te montre ...") and
  // frame 208 (1115372156.962520) of the 1217 chat.
  const int64_t until_us = 1115372000'000000;
  auto out = run_warrants(kWireshark2005,
                          {make_warrant("LI-C", {kCecile}, Timestamp{0}, from_micros(until_us))},
                          {"LI-C"});
  const std::vector<json>& r = out["LI-C"];
  expect_numbering(r);
  expect_messages(cc_of(r), cecile_messages(until_us), kCecile);
  ASSERT_EQ(cc_of(r).size(), 14u);
  for (const json& x : r) EXPECT_LT(x["time_us"].get<int64_t>(), until_us) << x.dump();
}

TEST(InterceptCaptures, Wireshark2005WindowOpeningMidChatPicksUpTheNextEvent) {
  // 1115372600 s falls after cecile's second JOI on 1221 (frame 280, 1115372594.552721); the
  // next event there is jujurius typing (tshark -Y 'frame.time_epoch >= 1115372600 && frame
  // contains "TypingUser"': frame 283, 1115372603.713125, from 1221), then the message of
  // frame 295. The connection is picked up from that event on, which opens the communication.
  const int64_t from_us = 1115372600'000000;
  auto out = run_warrants(kWireshark2005, {make_warrant("LI-C", {kCecile}, from_micros(from_us))},
                          {"LI-C"});
  const std::vector<json>& r = out["LI-C"];
  expect_numbering(r);
  std::vector<Message> expected;
  for (const Message& m : cecile_messages()) {
    if (m.time_us >= from_us) expected.push_back(m);
  }
  ASSERT_EQ(expected.size(), 12u);
  expect_messages(cc_of(r), expected, kCecile);
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.front()["kind"], "iri-begin");
  EXPECT_EQ(r.front()["event"], "typing");
  EXPECT_EQ(r.front()["time_us"], 1115372603713125);
  EXPECT_EQ(r.front()["client"], "192.168.1.14:1221");
  EXPECT_EQ(r.back()["kind"], "iri-end");
  EXPECT_EQ(r.back()["time_us"], 1115373007628545);  // her BYE, frame 361
}

TEST(InterceptCaptures, Wireshark2005RevocationMidChatStopsAtThatPacket) {
  // Revoked right after frame 321 (jujurius's "vi", 1115372801.924486).
  TempDir dir;
  WarrantStore store({make_warrant("LI-C", {kCecile}), make_warrant("LI-J", {kJujurius})});
  Timestamp revoked_after{};
  run(kWireshark2005, store, dir.path, [&](uint64_t frame, Timestamp time) {
    if (frame == 321) {
      EXPECT_TRUE(store.revoke("LI-C"));
      revoked_after = time;
    }
  });
  EXPECT_EQ(revoked_after.micros(), 1115372801924486);
  const std::vector<json> r = read_records(dir.path, "LI-C");
  expect_numbering(r);
  std::vector<Message> expected;
  for (const Message& m : cecile_messages()) {
    if (m.frame <= 321) expected.push_back(m);
  }
  ASSERT_EQ(expected.size(), 27u);
  expect_messages(cc_of(r), expected, kCecile);
  for (const json& x : r)
    EXPECT_LE(x["time_us"].get<int64_t>(), revoked_after.micros()) << x.dump();
  // The other warrant goes on to the end, the mid-stream 1176 connection included.
  const std::vector<json> j = read_records(dir.path, "LI-J");
  expect_numbering(j);
  expect_messages(cc_of(j),
                  std::vector<Message>(std::begin(kMessages2005), std::end(kMessages2005)),
                  kJujurius);
  // The audit trail names the revocation at the next packet's time.
  std::ifstream audit(dir.path + "/audit.jsonl");
  std::string line;
  bool deactivated = false;
  while (std::getline(audit, line)) {
    const json n = json::parse(line);
    if (n["liid"] == "LI-C" && n["notice"] == "deactivated") {
      deactivated = true;
      EXPECT_EQ(n["detail"], "revoked");
      // tshark -Y frame.number==322 -t ud: 2005-05-06 09:47:10.867550 (cecile typing)
      EXPECT_EQ(n["time"], "2005-05-06T09:47:10.867550Z");
    }
  }
  EXPECT_TRUE(deactivated);
}

TEST(InterceptCaptures, Wireshark2005TwoWarrantsOnCecileNumberIndependently) {
  // LI-C2 also names the NS server 207.46.107.149 (port 1037's peer, tshark -z conv,tcp: first
  // packet 13 s into the capture, before every switchboard), so its first CIN is that IP flow
  // and its CINs for cecile's switchboards are one higher than LI-C1's.
  auto out = run_warrants(
      kWireshark2005,
      {make_warrant("LI-C1", {kCecile}), make_warrant("LI-C2", {kCecile, "ip:207.46.107.149"})},
      {"LI-C1", "LI-C2"});
  const std::vector<json>& a = out["LI-C1"];
  const std::vector<json>& b = out["LI-C2"];
  expect_numbering(a);
  expect_numbering(b);
  expect_messages(cc_of(a), cecile_messages(), kCecile);
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b.front()["cin"], 1);
  EXPECT_EQ(b.front()["event"], "ip_begin");
  std::vector<json> msn_b;
  for (const json& x : b) {
    if (x["protocol"] == "msnp") msn_b.push_back(x);
  }
  ASSERT_EQ(msn_b.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(msn_b[i]["cin"].get<int>(), a[i]["cin"].get<int>() + 1) << i;
    json x = a[i], y = msn_b[i];
    for (const char* key : {"liid", "cin"}) {
      x.erase(key);
      y.erase(key);
    }
    EXPECT_EQ(x, y) << i;
  }
}

// --- an IP target ---------------------------------------------------------------
//
// 207.46.108.83 is the switchboard server of the 1208 connection only:
//   tshark -r ndpi_msnms_wireshark2005.pcap -Y 'ip.addr==207.46.108.83' -T fields -e ip.len
//   -> 91 packets (48 with ip.src==207.46.108.83), first frame 23 from 192.168.1.14:1208,
//   no FIN or RST (-Y '... && (tcp.flags.fin==1||tcp.flags.reset==1)' prints nothing).
const int kIpLens1208[] = {
    91,  84,  51,  222, 177, 177, 177, 177, 177, 142, 177, 142, 177, 177, 289, 142, 142, 142, 210,
    177, 177, 177, 243, 142, 142, 177, 216, 177, 177, 177, 177, 177, 177, 177, 273, 177, 177, 177,
    240, 177, 177, 177, 177, 177, 177, 177, 177, 177, 177, 177, 177, 319, 142, 143, 143, 177, 208,
    177, 177, 177, 177, 261, 143, 143, 143, 143, 143, 143, 143, 143, 143, 143, 143, 143, 143, 143,
    143, 143, 143, 143, 143, 143, 143, 143, 143, 143, 143, 143, 143, 511, 45};
// tshark -Y frame.number==24 -x, from the IP header on (ip.len 84: "IRO 89 1 1 cecile...").
constexpr const char* kFrame24Hex =
    "45000054a87900006d06a7f2cf2e6c53c0a8010e074704b82a3bbfeb387e094d5018ffcca837000049524f20"
    "38392031203120636563696c6532363039393240686f746d61696c2e636f6d2063686f7570690d0a";

std::string base64_decode(const std::string& text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<uint32_t>(alphabet.find(c));
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

TEST(InterceptCaptures, Wireshark2005IpTargetIsEveryPacketOfItsFlow) {
  auto out = run_warrants(kWireshark2005, {make_warrant("LI-IP", {"ip:207.46.108.83"})}, {"LI-IP"});
  const std::vector<json>& r = out["LI-IP"];
  expect_numbering(r);
  const std::vector<json> cc = cc_of(r);
  ASSERT_EQ(cc.size(), std::size(kIpLens1208));
  ASSERT_EQ(r.size(), cc.size() + 2);
  EXPECT_EQ(r.front()["kind"], "iri-begin");
  EXPECT_EQ(r.front()["event"], "ip_begin");
  EXPECT_EQ(r.front()["client"], "192.168.1.14:1208");
  EXPECT_EQ(r.front()["server"], "207.46.108.83:1863");
  EXPECT_EQ(r.front()["time_us"], 1115371249699084);  // frame 23
  EXPECT_EQ(r.back()["kind"], "iri-end");
  EXPECT_EQ(r.back()["details"]["packets"], std::to_string(std::size(kIpLens1208)));
  EXPECT_GE(r.back()["time_us"].get<int64_t>(), 1115371770833785);  // after frame 135
  int from_target = 0;
  for (size_t i = 0; i < cc.size(); ++i) {
    EXPECT_EQ(cc[i]["cin"], 1);
    EXPECT_EQ(cc[i]["content_kind"], "ip-packet");
    EXPECT_EQ(cc[i]["content_length"], kIpLens1208[i]) << i;
    if (cc[i]["direction"] == "from-target") ++from_target;
  }
  EXPECT_EQ(from_target, 48);
  EXPECT_EQ(hex(base64_decode(cc[1]["content_base64"].get<std::string>())), kFrame24Hex);
  EXPECT_EQ(cc[1]["time_us"], 1115371249897865);
  EXPECT_EQ(cc[1]["direction"], "from-target");
  EXPECT_EQ(cc.back()["time_us"], 1115371770833785);  // frame 135, "OUT"
}

}  // namespace
}  // namespace rcds::intercept

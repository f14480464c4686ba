// A switchboard session (MSNP.md §7): referral on the caller's NS, one SB
// connection per member endpoint, invitations (CAL/RNG/ANS/IRO/JOI), MSG
// relaying with acknowledgements, and leaving (OUT/BYE).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tools/msnpgen/ns.h"
#include "tools/msnpgen/render.h"

namespace rcds::msnpgen {

class Switchboard {
 public:
  struct Member {
    Ns* ns;
    std::unique_ptr<Link> link;
    int trid = 0;
  };
  // One MSG as the sender sent it and as each other member received it.
  struct Delivery {
    int64_t sent = 0;
    int64_t acked = 0;  // the server's ACK to the sender (modes A and D), 0 if none
    std::vector<std::pair<Member*, int64_t>> copies;
  };

  explicit Switchboard(World& w) : w_(w) {}

  void open(Ns& caller);  // XFR SB, connect, USR
  // CAL, then RNG on each endpoint of the invitee, ANS + IRO, JOI to the others.
  void invite(Ns& inviter, const std::vector<Ns*>& invitee_endpoints);
  void invite(Ns& inviter, Ns& invitee) { invite(inviter, std::vector<Ns*>{&invitee}); }
  void message(Ns& from, const render::Format& f, const std::string& text, char ack = 'A');
  // A long text split into `chunks` MSGs sharing a Message-ID (§8.5); ASCII text.
  void message_chunked(Ns& from, const render::Format& f, const std::string& text, size_t chunks);
  // CAL answered by an error (217: invitee offline).
  void call_fails(Ns& inviter, const std::string& invitee, int code);
  void typing(Ns& from);
  void nudge(Ns& from);
  void leave(Ns& who);  // OUT; the others get BYE

  // Sends an MSG payload from `from` with `ack` mode, the server's ACK when
  // asked for, and the relayed copies. Records nothing.
  Delivery relay(Ns& from, char ack, const std::string& payload);
  // Records `event` on the sender's and every receiver's connection.
  void record(const Delivery& d, Ns& from, const std::string& event,
              const std::function<void(Json&)>& fields);
  Member& member(Ns& ns);
  // Accounts (without endpoint) in the session other than `ns`'s.
  std::vector<std::string> others(const Ns& ns) const;

 private:
  World& w_;
  std::vector<std::unique_ptr<Member>> members_;
  std::string session_id_;
};

}  // namespace rcds::msnpgen

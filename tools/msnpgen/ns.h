// One signed-in endpoint of an account: the dispatch redirect, the
// notification-server login for the account's protocol version (MD5 §4.1,
// Tweener §4.2, SSO §4.3/4.4), contact list, presence and personal
// messages, and what the server pushes to it (ILN/NLN/FLN/UBX/RNG). The
// contact-list commands are in contacts.cc.
// MSNP21's NFY/PUT/SDG variants live in msnp21.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tools/msnpgen/model.h"
#include "tools/msnpgen/net.h"
#include "tools/msnpgen/world.h"

namespace rcds::msnpgen {

class Ns {
 public:
  // `guid`: the endpoint (machine) GUID, used from MSNP16 on.
  Ns(World& w, const Account& a, std::string guid = "");

  // Signs in; with `wrong_password` (MD5 only) the server answers 911 and
  // closes instead.
  void login(bool wrong_password = false);
  // Initial contact list: SYN/LST (MSNP8–12) or ADL (MSNP13+); none before MSNP8.
  void sync_contacts(const std::vector<Ns*>& contacts);
  // Own status (CHG, or PUT for MSNP21); `watchers` receive NLN (NFY PUT).
  // The first call also delivers ILN for the contacts already online.
  void set_status(const std::string& status, const std::vector<Ns*>& watchers);
  // The usual start of a session: login(), sync_contacts(contacts), set_status(status, watchers).
  void sign_in(const std::vector<Ns*>& contacts, const std::string& status,
               const std::vector<Ns*>& watchers);
  void personal_message(const std::string& text, const std::vector<Ns*>& watchers);
  // Contact-list changes (contacts.cc): ADD (<10) / ADC (10–12) / ADL (13+),
  // and the other user's server pushes the reverse-list entry; REM / RML.
  void add_contact(Ns& other);
  void remove_contact(Ns& other);
  void rename(const std::string& friendly, const std::vector<Ns*>& watchers);  // REA / PRP MFN
  void signed_in_elsewhere();  // the server's OUT OTH, then it closes
  // MSNP14+ interop: UUM to / UBM from an account of the Yahoo! network.
  void yahoo_message(const std::string& yahoo_account, const std::string& text, bool incoming);
  void challenge();  // CHL 0 / QRY (MSNP11+)
  void ping();       // PNG / QNG
  void logout(const std::vector<Ns*>& watchers);

  // Server → this endpoint, on its NS connection.
  int64_t push(const std::string& data) { return link->send1(kServer, data); }
  int next_trid() { return ++trid_; }
  int version() const { return acct.version; }
  // The account as written in SB USR/ANS/IRO/JOI: with ";{GUID}" from MSNP16.
  std::string sb_id() const;
  // The account as written in NLN/FLN/UBX by an observer of version `v`.
  std::string as_seen_by(int v) const;
  std::string friendly_enc() const;

  World& w;
  Account acct;
  std::string guid;
  std::string status;  // empty = offline
  // Own phone numbers (PRP PHH/PHW/PHM, notices.cc): contacts' SYN lists them as BPR.
  std::vector<std::pair<std::string, std::string>> phones;
  int groups_made = 0;    // MSNP2-9 numeric group ids handed out (0 = Other Contacts)
  int list_version = 42;  // MSNP2-9 list serial in group answers
  std::unique_ptr<Link> link;

 private:
  void deliver_presence(Ns& watcher);
  void contacts_xml_cmd(const char* cmd, const std::vector<Ns*>& contacts, int lists);
  int trid_ = 0;
  std::vector<Ns*> contacts_;
};

std::string client_version(int v);
std::string caps(int v);
std::string guid_of(const std::string& email);  // a stable contact GUID (MSNP10+ C=)
// Presence line as seen by an observer of version v (§5): ILN carries a
// TrID, NLN none; the netid is a separate token in MSNP14–17 and an "N:"
// prefix from MSNP18.
std::string presence_line(const char* cmd, const std::string& trid, int v, const Ns& who,
                          const std::string& status);
std::string xml_escape(const std::string& text);
std::string ml_xml(const std::vector<const Account*>& contacts, int lists, bool with_friendly);

}  // namespace rcds::msnpgen

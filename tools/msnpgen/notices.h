// Notification-server families beyond login, presence and the contact list
// (MSNP.md §2.1, §5, §6, §8.4, §14): server notices (NOT, IPG), e-mail,
// offline-message and system notices (`MSG Hotmail Hotmail`), contact groups
// (ADG/REG/RMG), phone numbers (PRP/BPR) and contact renames (SBP), FQY
// lookups, UUN/UBN, failing requests (with MSNP13+ XML error payloads), and
// the switchboard's ACK/NAK; plus the two scenarios that use them.
#pragma once

#include <string>
#include <vector>

#include "tools/msnpgen/ns.h"
#include "tools/msnpgen/render.h"
#include "tools/msnpgen/sb.h"

namespace rcds::msnpgen {

// One offline IM listed in a Mail-Data notification.
struct Oim {
  const Ns* from;
  std::string id;        // the OIM id (a GUID)
  std::string received;  // RT: ISO time the server received it
};

namespace notices {

// Server → `ns`: NOT (an MSN Alert) and IPG (a pager message from `from`).
void alert(Ns& ns, const std::string& id, const std::string& text);
void pager(Ns& ns, const std::string& from, const std::string& text);
// MSG Hotmail Hotmail notices (§8.4).
void mail_initial(Ns& ns, int inbox_unread, int folders_unread);
void mail_new(Ns& ns, const std::string& from, const std::string& from_address,
              const std::string& subject);
void mail_moved(Ns& ns, const std::string& from_folder, const std::string& to_folder, int delta);
void offline_messages(Ns& ns, const std::vector<Oim>& oims, bool initial);
void system_message(Ns& ns, int type, int minutes);
// Contact groups (§6); returns the group id the server assigned.
std::string add_group(Ns& ns, const std::string& name);
void rename_group(Ns& ns, const std::string& id, const std::string& name);
void remove_group(Ns& ns, const std::string& id);
// Own phone number (PRP PHH/PHW/PHM; later SYN answers list it as PRP, and
// the contacts' as BPR after the LST), a local rename of a contact (SBP,
// MSNP10-12).
void set_phone(Ns& ns, const std::string& property, const std::string& value);
void rename_contact(Ns& ns, const Ns& contact, const std::string& nick);
// FQY (MSNP13-18): the client asks for an account's network; the server answers.
void lookup(Ns& ns, const std::string& account, int network_id);
// UUN from `ns` to `to` (MSNP13+), delivered as UBN on `to`'s connection.
void user_notification(Ns& ns, Ns& to, int type, const std::string& payload);
// A request the server refuses: `cmd trid params` answered by `code trid`
// (with an XML payload when `xml` is not empty, MSNP13+). `key` is the
// request's key parameter as the truth names it.
// `request_payload` (ADL, FQY, ...) follows the request line when not empty.
void refused(Ns& ns, const std::string& cmd, const std::vector<std::string>& params,
             const std::string& request_payload, int code, const std::string& key,
             const std::string& xml = "");
// An SB MSG with ack mode A answered by ACK (relayed to the others) or with
// mode N answered by NAK (not delivered: no copies), §7.2.
void acked_message(World& w, Switchboard& sb, Ns& from, const render::Format& f,
                   const std::string& text, bool delivered);

}  // namespace notices

// The scenarios (scenarios.cc lists them).
void ns_families_scenario(World& w, uint64_t seed);
void msnp_versions_scenario(World& w, uint64_t seed);

}  // namespace rcds::msnpgen

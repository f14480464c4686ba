// Contact lists (MSNP.md §6): the initial synchronisation (SYN/LST for
// MSNP8–12, ADL for MSNP13+), adding and removing contacts (ADD/REM before
// MSNP10, ADC/REM for MSNP10–12, ADL/RML from MSNP13) and the reverse-list
// push the other user's server sends.
#include <algorithm>
#include <functional>

#include "tools/msnpgen/ns.h"
#include "tools/msnpgen/render.h"

namespace rcds::msnpgen {
using render::line;
using render::with_payload;

namespace {
std::string n(int v) { return std::to_string(v); }
}  // namespace

std::string ml_xml(const std::vector<const Account*>& contacts, int lists, bool with_friendly) {
  std::string out = with_friendly ? "<ml>" : "<ml l=\"1\">";
  for (const Account* a : contacts) {
    const size_t at = a->email.find('@');
    out += "<d n=\"" + a->email.substr(at + 1) + "\"><c n=\"" + a->email.substr(0, at) + "\" l=\"" +
           std::to_string(lists) + "\" t=\"1\"";
    if (with_friendly) out += " f=\"" + render::url_encode(a->friendly) + "\"";
    out += " /></d>";
  }
  return out + "</ml>";
}

void Ns::sync_contacts(const std::vector<Ns*>& contacts) {
  const int v = version();
  contacts_ = contacts;  // before MSNP8 the list is known but not synchronised here
  if (v < 8) return;
  w.begin_action();
  std::vector<std::string> names;
  std::vector<const Account*> accounts;
  for (const Ns* c : contacts) {
    names.push_back(c->acct.email);
    accounts.push_back(&c->acct);
  }
  const int t = next_trid();
  int64_t at = 0;
  Side side = kServer;
  if (v <= 12) {
    link->send1(kClient, line("SYN", {n(t), v >= 10 ? "0 0" : "0"}));
    std::vector<std::string> batch;
    const std::string count = n(static_cast<int>(contacts.size()));
    if (v >= 10) {
      batch.push_back(line("SYN", {n(t), "2005-01-01T00:00:00.000-08:00",
                                   "2005-01-01T00:00:00.000-08:00", count, "0"}));
    } else {
      batch.push_back(line("SYN", {n(t), "42", count, "1"}));
    }
    batch.push_back(line("GTC", {"A"}));
    batch.push_back(line("BLP", {"AL"}));
    // Truth lines of the listed groups and phone numbers (§5, §6), written
    // once the batch's times are known: batch index, event, its own fields.
    struct Listed {
      size_t index;
      const char* event;
      std::function<void(Json&)> fields;
    };
    std::vector<Listed> listed;
    const auto property = [&](const std::string& whose, const std::string& name,
                              const std::string& value, const char* via) {
      listed.push_back(
          {batch.size() - 1, "contact_property", [=](Json& j) {
             j.str("account", whose).str("property", name).str("value", value).str("via", via);
           }});
    };
    for (const auto& [name, value] : phones) {
      batch.push_back(line("PRP", {name, render::url_encode(value)}));
      property(acct.email, name, value, "PRP");
    }
    if (v < 10) {
      batch.push_back(line("LSG", {"0", "Other%20Contacts", "0"}));
      listed.push_back({batch.size() - 1, "group", [this](Json& j) {
                          j.str("account", acct.email)
                              .str("op", "listed")
                              .str("group_id", "0")
                              .str("name", "Other Contacts");
                        }});
    }
    for (const Ns* c : contacts) {
      if (v >= 10) {
        batch.push_back(line("LST", {"N=" + c->acct.email, "F=" + c->friendly_enc(),
                                     "C=" + guid_of(c->acct.email), "11"}));
      } else {
        batch.push_back(line("LST", {c->acct.email, c->friendly_enc(), "11", "0"}));
      }
      for (const auto& [name, value] : c->phones) {
        batch.push_back(line("BPR", {name, render::url_encode(value)}));
        property(c->acct.email, name, value, "BPR");
      }
    }
    const std::vector<int64_t> times = link->send(kServer, batch);
    at = times.back();
    for (const Listed& l : listed) {
      Json j = w.event(l.event, *link, kServer, times[l.index]);
      l.fields(j);
      w.record(times[l.index], j);
    }
  } else {
    at = link->send1(kClient, with_payload("ADL", {n(t)}, ml_xml(accounts, 3, false)));
    side = kClient;
    std::vector<std::string> batch{line("ADL", {n(t), "OK"})};
    // From MSNP13 the initial state of online contacts answers ADL.
    for (const Ns* c : contacts) {
      if (!c->status.empty() && c->status != "HDN" && v < 21) {
        batch.push_back(presence_line("ILN", n(t), v, *c, c->status));
      }
    }
    const std::vector<int64_t> times = link->send(kServer, batch);
    size_t k = 1;  // the ILN lines follow the contacts' order, skipping offline ones
    for (const Ns* c : contacts) {
      if (c->status.empty() || c->status == "HDN" || v >= 21) continue;
      w.record(times[k], w.event("presence", *link, kServer, times[k])
                             .str("account", c->acct.email)
                             .str("status", c->status)
                             .str("via", "ILN"));
      ++k;
    }
  }
  w.record(
      at, w.event("contact_list", *link, side, at).str("account", acct.email).list("peers", names));
}

void Ns::contacts_xml_cmd(const char* cmd, const std::vector<Ns*>& contacts, int lists) {
  std::vector<const Account*> accounts;
  for (const Ns* c : contacts) accounts.push_back(&c->acct);
  const int t = next_trid();
  link->send1(kClient, with_payload(cmd, {n(t)}, ml_xml(accounts, lists, false)));
  link->send1(kServer, line(cmd, {n(t), "OK"}));
}

void Ns::add_contact(Ns& other) {
  const int v = version();
  w.begin_action();
  const int t = next_trid();
  const std::string f = other.friendly_enc();
  std::vector<std::string> p;
  if (v >= 13) {
    contacts_xml_cmd("ADL", {&other}, 1);
  } else {
    const bool adc = v >= 10;
    p = adc ? std::vector<std::string>{n(t), "FL", "N=" + other.acct.email, "F=" + f}
            : std::vector<std::string>{n(t), "FL", other.acct.email, f};
    link->send1(kClient, line(adc ? "ADC" : "ADD", p));
    if (adc) p.push_back("C=" + guid_of(other.acct.email));
    link->send1(kServer, line(adc ? "ADC" : "ADD", p));
  }
  const int64_t at = w.cap.now();
  w.record(at, w.event("contact_add", *link, kClient, at)
                   .str("account", acct.email)
                   .list("peers", {other.acct.email})
                   .str("list", "FL"));
  contacts_.push_back(&other);
  if (!other.link) return;
  // The other user's NS announces the reverse-list entry (a contact request).
  const int ov = other.version();
  std::string push;
  if (ov >= 13) {
    push = with_payload("ADL", {"0"}, ml_xml({&acct}, 8, true));
  } else if (ov >= 10) {
    push = line("ADC", {"0", "RL", "N=" + acct.email, "F=" + friendly_enc()});
  } else {
    push = line("ADD", {"0", "RL", acct.email, friendly_enc()});
  }
  const int64_t got = other.push(push);
  w.record(got, w.event("contact_request", *other.link, kServer, got)
                    .str("account", acct.email)
                    .list("peers", {other.acct.email}));
}

void Ns::remove_contact(Ns& other) {
  const int v = version();
  w.begin_action();
  if (v >= 13) {
    contacts_xml_cmd("RML", {&other}, 1);
  } else {
    const int t = next_trid();
    const std::string who = v >= 10 ? guid_of(other.acct.email) : other.acct.email;
    link->send1(kClient, line("REM", {n(t), "FL", who}));
    link->send1(kServer, line("REM", {n(t), "FL", who}));
  }
  const int64_t at = w.cap.now();
  w.record(at, w.event("contact_remove", *link, kClient, at)
                   .str("account", acct.email)
                   .list("peers", {other.acct.email})
                   .str("list", "FL"));
  contacts_.erase(std::remove(contacts_.begin(), contacts_.end(), &other), contacts_.end());
}

}  // namespace rcds::msnpgen

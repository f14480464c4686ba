// The switchboard roster against a plain model (a vector of account/device
// pairs with the rules of MSNP.md §8.1/§8.3 written out the obvious way), on
// random joins and leaves of few and many members, short and long strings:
// the inline storage, its spill to the heap and the compaction on removal
// must not change what the roster says.
#include "proto/msnp/roster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace rcds::proto::msnp {
namespace {

using Model = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> model_accounts(const Model& model) {
  std::vector<std::string> accounts;
  for (const auto& [account, device] : model) {
    if (std::find(accounts.begin(), accounts.end(), account) == accounts.end()) {
      accounts.push_back(account);
    }
  }
  return accounts;
}

void model_remove(Model& model, const std::string& account, const std::string& device) {
  std::erase_if(model, [&](const auto& e) {
    return e.first == account && (device.empty() || e.second == device);
  });
  if (device.empty()) return;
  const bool other = std::any_of(model.begin(), model.end(), [&](const auto& e) {
    return e.first == account && !e.second.empty();
  });
  if (!other) std::erase_if(model, [&](const auto& e) { return e.first == account; });
}

std::vector<std::string> strings(AccountList list) { return {list.begin(), list.end()}; }

void expect_same(const Roster& roster, const Model& model, int step) {
  ASSERT_EQ(roster.endpoints(), model.size()) << step;
  for (size_t i = 0; i < model.size(); ++i) {
    EXPECT_EQ(roster.endpoint(i).account, model[i].first) << step;
    EXPECT_EQ(roster.endpoint(i).device_id, model[i].second) << step;
  }
  EXPECT_EQ(strings(roster.accounts()), model_accounts(model)) << step;
}

TEST(MsnpRoster, KeepsEndpointsInOrderOfArrivalAndAccountsOnce) {
  Roster roster(64, 16 * 1024);
  ASSERT_TRUE(roster.add("alice@example.com", ""));
  ASSERT_TRUE(roster.add("bob@example.net", "{B1}"));
  ASSERT_TRUE(roster.add("bob@example.net", "{B2}"));
  const auto again = roster.add("alice@example.com", "");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->account, "alice@example.com");
  EXPECT_EQ(roster.endpoints(), 3u);
  EXPECT_EQ(strings(roster.accounts()),
            (std::vector<std::string>{"alice@example.com", "bob@example.net"}));
  EXPECT_EQ(strings(roster.except("alice@example.com")),
            (std::vector<std::string>{"bob@example.net"}));
  EXPECT_EQ(strings(roster.except("carol@example.org")),
            (std::vector<std::string>{"alice@example.com", "bob@example.net"}));

  // One of Bob's devices leaves: Bob stays; the other leaves: Bob goes.
  EXPECT_TRUE(roster.remove("bob@example.net", "{B1}"));
  EXPECT_EQ(roster.accounts().size(), 2u);
  EXPECT_TRUE(roster.remove("bob@example.net", "{B2}"));
  EXPECT_EQ(strings(roster.accounts()), (std::vector<std::string>{"alice@example.com"}));
  EXPECT_FALSE(roster.remove("bob@example.net", ""));
}

TEST(MsnpRoster, EndpointLeavingTakesTheBareAccountWhenItWasTheLast) {
  // An MSNP18 server announces the bare account and each device.
  Roster roster(64, 16 * 1024);
  roster.add("bob@example.net", "");
  roster.add("bob@example.net", "{B1}");
  roster.add("carol@example.org", "");
  EXPECT_TRUE(roster.remove("bob@example.net", "{B1}"));
  EXPECT_EQ(strings(roster.accounts()), (std::vector<std::string>{"carol@example.org"}));
}

TEST(MsnpRoster, BoundedInEndpointsAndInBytes) {
  Roster by_count(2, 16 * 1024);
  EXPECT_TRUE(by_count.add("a@x", ""));
  EXPECT_TRUE(by_count.add("b@x", ""));
  EXPECT_FALSE(by_count.add("c@x", ""));
  EXPECT_TRUE(by_count.add("a@x", ""));  // already there: not an addition
  EXPECT_EQ(by_count.endpoints(), 2u);

  Roster by_bytes(64, 40);
  EXPECT_TRUE(by_bytes.add(std::string(30, 'a'), ""));
  EXPECT_FALSE(by_bytes.add(std::string(11, 'b'), ""));
  EXPECT_TRUE(by_bytes.add(std::string(10, 'b'), ""));
  EXPECT_FALSE(by_bytes.add("c", ""));
  EXPECT_TRUE(by_bytes.remove(std::string(30, 'a'), ""));
  EXPECT_TRUE(by_bytes.add(std::string(25, 'c'), ""));  // room again after a removal
}

TEST(MsnpRoster, RemovingByItsOwnViewsWorks) {
  // The caller may hold views of the roster (an event's account) and pass
  // them back; removal moves the bytes they point at.
  Roster roster(64, 16 * 1024);
  roster.add("alice@example.com", "{A1}");
  roster.add("bob@example.net", "");
  roster.add("carol@example.org", "{C1}");
  const Roster::Endpoint alice = roster.endpoint(0);
  EXPECT_TRUE(roster.remove(alice.account, alice.device_id));
  EXPECT_EQ(strings(roster.accounts()),
            (std::vector<std::string>{"bob@example.net", "carol@example.org"}));
  const Roster::Endpoint carol = roster.endpoint(1);
  EXPECT_TRUE(roster.remove(carol.account, carol.device_id));
  EXPECT_EQ(strings(roster.accounts()), (std::vector<std::string>{"bob@example.net"}));
}

TEST(MsnpRoster, MatchesTheModelOnRandomJoinsAndLeaves) {
  std::mt19937 random(7);
  for (int round = 0; round < 300; ++round) {
    // Few members with short strings stay inline; many or long ones spill.
    const size_t people = 1 + random() % (round % 3 == 0 ? 40 : 4);
    const size_t max_endpoints = 1 + random() % 64;
    Roster roster(max_endpoints, 16 * 1024);
    Model model;
    auto account_of = [&](size_t k) {
      return "user" + std::to_string(k) + "@" + std::string(random() % 3 == 0 ? 60 : 3, 'x') +
             ".example";
    };
    std::vector<std::string> accounts;
    for (size_t k = 0; k < people; ++k) accounts.push_back(account_of(k));
    auto device_of = [&]() -> std::string {
      const unsigned pick = random() % 4;
      return pick == 0 ? "" : "{device-" + std::to_string(pick) + "}";
    };
    for (int step = 0; step < 200; ++step) {
      const std::string& account = accounts[random() % accounts.size()];
      const std::string device = device_of();
      if (random() % 3 != 0) {
        const bool present =
            std::find(model.begin(), model.end(), std::make_pair(account, device)) != model.end();
        const auto added = roster.add(account, device);
        ASSERT_EQ(added.has_value(), present || model.size() < max_endpoints) << step;
        if (added) {
          EXPECT_EQ(added->account, account);
          EXPECT_EQ(added->device_id, device);
          if (!present) model.emplace_back(account, device);
        }
      } else {
        const size_t before = model.size();
        model_remove(model, account, device);
        EXPECT_EQ(roster.remove(account, device), model.size() != before) << step;
      }
      expect_same(roster, model, step);
      const std::string& sender = accounts[random() % accounts.size()];
      std::vector<std::string> expected = model_accounts(model);
      std::erase(expected, sender);
      EXPECT_EQ(strings(roster.except(sender)), expected) << step;
    }
  }
}

}  // namespace
}  // namespace rcds::proto::msnp

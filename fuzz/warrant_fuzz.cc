// libFuzzer harness for the warrant file parser (intercept/warrant_file.h,
// docs/warrants.md): JSON and YAML on arbitrary bytes, through the one entry
// point the sensor uses, parse_warrants().
//
// Invariants, checked on every input:
//   - on failure `out` is left unchanged and the error says something;
//   - on success every warrant obeys the documented rules: a well-formed LIID
//     (1..25 of A-Z a-z 0-9 . _ -) unique in the file, valid_until after
//     valid_from, at least one target and no two equal, a scope and targets
//     that print back to a form TargetId::parse accepts as the same target;
//   - parsing is deterministic: the same text gives the same warrants.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "intercept/warrant_file.h"

namespace {

namespace ic = rcds::intercept;

bool liid_ok(const std::string& liid) {
  if (liid.empty() || liid.size() > 25) return false;
  for (const char c : liid) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool same(const std::vector<ic::Warrant>& a, const std::vector<ic::Warrant>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const ic::Warrant& x = a[i];
    const ic::Warrant& y = b[i];
    if (x.liid != y.liid || x.case_reference != y.case_reference || x.authority != y.authority ||
        x.valid_from != y.valid_from || x.valid_until != y.valid_until || x.scope != y.scope ||
        x.destination != y.destination || x.revoked != y.revoked ||
        (x.revoked && x.revoked_at != y.revoked_at) || !(x.targets == y.targets)) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // A sentinel warrant: a failed parse must leave it in place.
  std::vector<ic::Warrant> out(1);
  out[0].liid = "SENTINEL";
  std::string error;
  const bool ok = ic::parse_warrants(text, out, error);
  if (!ok) {
    RCDS_FUZZ_CHECK("warrant_unchanged_on_error", out.size() == 1 && out[0].liid == "SENTINEL");
    RCDS_FUZZ_CHECK("warrant_error_text", !error.empty());
    return 0;
  }

  std::set<std::string> liids;
  for (const ic::Warrant& w : out) {
    RCDS_FUZZ_CHECK("warrant_liid", liid_ok(w.liid));
    RCDS_FUZZ_CHECK("warrant_liid_unique", liids.insert(w.liid).second);
    RCDS_FUZZ_CHECK("warrant_window", w.valid_from < w.valid_until);
    RCDS_FUZZ_CHECK("warrant_scope", w.scope == ic::CollectScope::kIriOnly ||
                                         w.scope == ic::CollectScope::kIriAndCc);
    RCDS_FUZZ_CHECK("warrant_targets", !w.targets.empty());
    for (size_t i = 0; i < w.targets.size(); ++i) {
      for (size_t j = i + 1; j < w.targets.size(); ++j) {
        RCDS_FUZZ_CHECK("warrant_targets_unique", !(w.targets[i] == w.targets[j]));
      }
      // The normalised form, as records print it, reads back as the same target.
      const std::string printed = w.targets[i].to_string();
      ic::TargetId again;
      std::string target_error;
      RCDS_FUZZ_CHECK("warrant_target_roundtrip",
                      ic::TargetId::parse(printed, again, target_error) && again == w.targets[i] &&
                          again.to_string() == printed);
    }
  }

  std::vector<ic::Warrant> second;
  std::string second_error;
  RCDS_FUZZ_CHECK("warrant_deterministic",
                  ic::parse_warrants(text, second, second_error) && same(out, second));
  return 0;
}

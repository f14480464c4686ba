// The documented lists stay in step with the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "util/counters.h"

namespace rcds {
namespace {

std::string read_doc(const std::string& relative) {
  std::ifstream in(std::string(RCDS_TESTDATA_DIR) + "/../" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Docs, EveryAnomalyAndCounterIsDocumented) {
  const std::string doc = read_doc("docs/anomalies.md");
  ASSERT_FALSE(doc.empty());
  for (size_t i = 0; i < static_cast<size_t>(Anomaly::kCount); ++i) {
    const std::string name(name_of(static_cast<Anomaly>(i)));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  }
  for (size_t i = 0; i < static_cast<size_t>(Counter::kCount); ++i) {
    const std::string name(name_of(static_cast<Counter>(i)));
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace rcds

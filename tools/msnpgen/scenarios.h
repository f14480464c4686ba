// The named scenarios of rcds_msnpgen: scripts of actions over the model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/msnpgen/world.h"

namespace rcds::msnpgen {

struct Scenario {
  const char* name;
  const char* description;
  void (*run)(World& w, uint64_t seed);
};

const std::vector<Scenario>& scenarios();

}  // namespace rcds::msnpgen

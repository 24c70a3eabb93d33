// The scenario loader allows 65,536 serving instances; a DistKV rManager must accept
// every one of them (it once refused instance 0 of 4,096, an "internal failure").
#include <gtest/gtest.h>

#include "schedulers/serving/distkv/rmanager.hpp"

namespace lcperf::schedulers::serving::distkv {
namespace {

DistKvConfig config_of(int instances) {
  DistKvConfig c;
  c.instances = instances;
  c.device_blocks = 4;
  c.lend_cap_blocks = 2;
  c.block_bytes = 4096;
  return c;
}

TEST(DistKvInstanceLimit, EveryInstanceUpToTheLoaderLimitGetsAnRManager) {
  for (int instances : {4096, 4097, 65536}) {
    EXPECT_NO_THROW(RManager(0, config_of(instances))) << instances;
    EXPECT_NO_THROW(RManager(instances - 1, config_of(instances))) << instances;
  }
  EXPECT_THROW(RManager(4, config_of(4)), std::logic_error);  // an index outside the cluster stays a bug
}

}  // namespace
}  // namespace lcperf::schedulers::serving::distkv

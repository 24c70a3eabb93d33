#include "schedulers/serving/distkv/config.hpp"

#include <utility>

#include "core/errors.hpp"
#include "core/number_text.hpp"

namespace lcperf::schedulers::serving::distkv {

namespace {

// core::kMinDistKvPeriodS says why there is a floor. Scenario files meet it in the
// loader's range rule first; this check is for configs built in code.
void check_period_floors(const DistKvConfig& config, const std::string& where) {
  for (const auto& [name, value] : {std::pair{"heartbeat_period_s", config.heartbeat_period_s},
                                    std::pair{"reclaim_period_s", config.reclaim_period_s}}) {
    if (value < kMinPeriodS) {
      throw core::InputError(where + ": serving.distkv." + name + " = " + core::number_text(value) +
                             " s is below the floor of 1e-4 s (periodic work would run that often while busy)");
    }
  }
}

}  // namespace

void validate(const DistKvConfig& config, const std::string& where) {
  auto fail = [&](const std::string& rule) { throw core::InputError(where + ": " + rule); };
  if (config.instances < 1) fail("instances must be at least 1");
  if (config.device_blocks < 1) fail("device_blocks must be at least 1");
  if (config.host_blocks < 0) fail("host_blocks must not be negative");
  if (config.lend_cap_blocks < 0 || config.lend_cap_blocks > config.device_blocks) {
    fail("lend_cap_blocks must be between 0 and device_blocks");
  }
  if (config.block_bytes < 1) fail("block_bytes must be positive");
  if (!(config.heartbeat_period_s > 0)) fail("heartbeat_period_s must be positive");
  if (!(config.reply_timeout_s > 0)) fail("reply_timeout_s must be positive");
  if (!(config.exchange_timeout_s > 0)) fail("exchange_timeout_s must be positive");
  if (!(config.dead_after_s > config.heartbeat_period_s)) fail("dead_after_s must exceed heartbeat_period_s");
  if (!(config.reclaim_period_s > 0)) fail("reclaim_period_s must be positive");
  if (config.max_blocks_per_exchange < 1) fail("max_blocks_per_exchange must be at least 1");
  if (config.max_candidates < 1) fail("max_candidates must be at least 1");
  check_period_floors(config, where);
}

}  // namespace lcperf::schedulers::serving::distkv

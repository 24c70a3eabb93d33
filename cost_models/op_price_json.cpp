#include "cost_models/op_price_json.hpp"

#include <nlohmann/json.hpp>

#include "core/scenario.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/op_json.hpp"

namespace lcperf::cost {

std::string price_op_json_text(const std::string& device, const core::OpPart& part) {
  const DeviceProfile profile = load_device_profile(device);
  const CostModel model(core::load_hardware(profile.hardware), profile);
  const OpCost priced = model.cost(part);
  // Keys in a fixed order; nlohmann prints doubles as the shortest text that reads back
  // exactly, so equal inputs give equal output.
  nlohmann::ordered_json out;
  out["op"] = nlohmann::ordered_json::parse(op_to_json_text(part));
  out["time_s"] = priced.time_s;
  out["flops"] = priced.flops;
  out["bytes"] = priced.bytes;
  out["model"] = priced.model;
  out["device"] = profile.device;
  out["hardware"] = profile.hardware;
  return out.dump(2);
}

}  // namespace lcperf::cost

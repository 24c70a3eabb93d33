#pragma once
// Reads the scenario's optional "training" section (core/training_step.hpp). Kept next
// to the loader in its own file so the loader itself changes by one call.
#include "core/strict_json.hpp"
#include "core/training_step.hpp"

namespace lcperf::core {

TrainingStepSpec parse_training_step(ObjectReader r);

}  // namespace lcperf::core

#include "cli/slo_flag.hpp"

#include <CLI/CLI.hpp>

#include "core/errors.hpp"
#include "core/serving_slo.hpp"

namespace lcperf::cli {

void SloFlag::add_to(CLI::App& command) {
  command
      .add_option("--slo", text,
                  "Latency SLO of a serving run, bounds in seconds, each optional: result.json gets \"slo\" "
                  "(attainment, goodput); replaces serving.slo")
      ->type_name("ttft=S,tpot=S,e2e=S");
}

core::Scenario SloFlag::apply(core::Scenario scenario) const {
  if (text.empty()) return scenario;
  const core::ServingSlo slo = core::parse_slo_text(text, "--slo");
  if (scenario.kind != core::ScenarioKind::serving) {
    throw core::InputError("--slo: " + scenario.source_path + " is a training scenario; an SLO applies to serving runs");
  }
  scenario.serving.slo = slo;
  return scenario;
}

}  // namespace lcperf::cli

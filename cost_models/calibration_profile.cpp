// Strict reader of kernel profiles (the output of `lcperf profile`).
#include "cost_models/calibration_profile.hpp"

#include <string>

#include "core/errors.hpp"
#include "core/strict_json.hpp"
#include "cost_models/detail/op_json_detail.hpp"

namespace lcperf::cost {

namespace {

using Json = nlohmann::json;

ProfileTiming read_timing(core::ObjectReader r) {
  ProfileTiming t;
  t.warmup = r.int32("warmup", core::Range::non_negative());
  t.repetitions = r.int32("repetitions", core::Range::at_least(1));
  t.cache_bytes = r.number("cache_bytes", core::Range::non_negative());
  t.max_copies = r.int32("max_copies", core::Range::at_least(1));
  t.min_cpu_share = r.number_or("min_cpu_share", 0.0, core::Range::between(0.0, 1.0));
  t.max_attempts = r.int32_or("max_attempts", 1, core::Range::at_least(1));
  r.finish();
  return t;
}

void read_provenance(core::ObjectReader r, KernelProfile& profile) {
  profile.date = r.string("date");
  profile.backend = r.choice("backend", {"cpu", "cuda"});
  profile.device = r.string("device");
  profile.threads = r.int32_or("threads", 1, core::Range::at_least(1));
  profile.lcperf_version = r.string("lcperf_version");
  if (const Json* versions = r.find("versions")) {
    core::ObjectReader v(*versions, r.origin(), r.path_of("versions"));
    for (const auto& item : versions->items()) profile.versions[item.key()] = v.string(item.key());
    v.finish();
  }
  profile.timing = read_timing(r.object("timing"));
  profile.quick = r.boolean_or("quick", false);
  profile.concurrent = r.int32_or("concurrent", 1, core::Range::at_least(1));
  profile.wall_s = r.number_or("wall_s", 0.0, core::Range::non_negative());
  profile.preempted_samples = r.integer_or("preempted_samples", 0, core::Range::non_negative());
  profile.speed_probe_s = r.number_or("speed_probe_s", 0.0, core::Range::non_negative());
  r.finish();
}

ProfileRow read_row(core::ObjectReader& r) {
  ProfileRow row;
  const std::string class_name = r.string("class");
  const auto op_class = parse_op_class(class_name);
  if (!op_class) {
    r.fail("class", "unknown op class \"" + class_name +
                        "\" (gemm, attention_fwd, attention_bwd, attention_decode, elementwise, spmm, memcpy)");
  }
  row.op_class = *op_class;
  core::ObjectReader shape = r.object("shape");
  row.shape = detail::op_from_json(shape, row.op_class);
  row.median_s = r.number("median_s", core::Range::positive());
  row.min_s = r.number("min_s", core::Range::positive());
  row.max_s = r.number("max_s", core::Range::positive());
  if (!(row.min_s <= row.median_s && row.median_s <= row.max_s)) {
    r.fail("median_s", "must lie between min_s and max_s");
  }
  row.repetitions = r.int32("repetitions", core::Range::at_least(1));
  row.copies = r.int32_or("copies", 1, core::Range::at_least(1));
  row.preempted = r.int32_or("preempted", 0, core::Range::non_negative());
  row.all_preempted = r.boolean_or("all_preempted", false);
  row.probe_s = r.number_or("probe_s", 0.0, core::Range::non_negative());
  row.speed_factor = r.number_or("speed_factor", 1.0, core::Range::positive());
  r.finish();
  return row;
}

}  // namespace

KernelProfile parse_kernel_profile(std::string_view json_text, const std::string& origin) {
  const Json root = core::parse_json(json_text, origin);
  core::ObjectReader r(root, origin);
  KernelProfile profile;
  profile.origin = origin;
  if (r.string("format") != kKernelProfileFormat) {
    r.fail("format", "expected \"" + std::string(kKernelProfileFormat) + "\" (a file written by `lcperf profile`)");
  }
  if (r.int32("format_version") != kKernelProfileFormatVersion) {
    r.fail("format_version", "unsupported version (this build reads " + std::to_string(kKernelProfileFormatVersion) + ")");
  }
  read_provenance(r.object("provenance"), profile);
  r.ignore("grid");  // the grid as requested; the rows are what calibration uses
  for (core::ObjectReader& row : r.objects("rows")) profile.rows.push_back(read_row(row));
  if (profile.rows.empty()) r.fail("rows", "no measured rows");
  r.finish();
  return profile;
}

KernelProfile load_kernel_profile(const std::string& path) {
  return parse_kernel_profile(core::read_text_file(path), path);
}

}  // namespace lcperf::cost

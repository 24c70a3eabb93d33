// Fitting a device profile to measured kernel times (see calibration.hpp).
#include "cost_models/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <variant>

#include "core/errors.hpp"
#include "cost_models/measured_table.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/op_json.hpp"
#include "cost_models/roofline.hpp"
#include "cost_models/spmm_pipeline.hpp"

namespace lcperf::cost {

namespace {

bool uses_full_mask_curve(OpClass op_class, const core::OpPart& part, const OpClassProfile& profile) {
  const auto* a = std::get_if<core::AttentionShape>(&part);
  if (a == nullptr || a->mask != core::AttentionMask::full) return false;
  // Forward and backward get a full-mask curve of their own (causal kernels waste part
  // of their diagonal tiles); decode only refits one the base already has.
  return op_class == OpClass::attention_fwd || op_class == OpClass::attention_bwd ||
         profile.compute_efficiency_full_mask.has_value();
}

// The size a compute curve reads for this part (mirrors CostModel::compute_time_s). A
// kv_len curve prices each sequence at its own length; for a packed batch of unequal
// sequences one sample cannot say that, so it stands at the score-pair-weighted mean
// kv length (exact for the uniform batches `lcperf profile` measures).
double compute_size(SizeVariable variable, const core::OpPart& part) {
  switch (variable) {
    case SizeVariable::flops: return core::flops_of(part);
    case SizeVariable::bytes: return core::bytes_of(part);
    case SizeVariable::min_dim:
      if (const auto* g = std::get_if<core::GemmShape>(&part)) return static_cast<double>(std::min({g->m, g->n, g->k}));
      if (const auto* s = std::get_if<core::SpmmShape>(&part)) return static_cast<double>(std::min({s->m, s->n, s->k}));
      return 0;
    case SizeVariable::score_pairs:
      if (const auto* a = std::get_if<core::AttentionShape>(&part)) return core::attention_score_pairs(*a);
      return core::flops_of(part);
    case SizeVariable::kv_len:
      if (const auto* a = std::get_if<core::AttentionShape>(&part)) {
        double weighted = 0;
        double pairs = 0;
        core::AttentionShape one = *a;
        for (const core::AttentionSeq& s : a->seqs) {
          one.seqs = {s};
          const double p = core::attention_score_pairs(one);
          weighted += p * static_cast<double>(s.kv_len);
          pairs += p;
        }
        return pairs > 0 ? weighted / pairs : 0.0;
      }
      return core::flops_of(part);
  }
  return core::flops_of(part);
}

double extraction_s_of(const core::OpPart& part, const SpmmExtraction& x) {
  const auto* s = std::get_if<core::SpmmShape>(&part);
  return s != nullptr ? cost::spmm_extraction_s(*s, x) : 0.0;
}

enum class Term { compute, memory, extraction };

// One training row as the fit sees it.
struct RowTerms {
  const ProfileRow* row = nullptr;
  bool full_mask = false;
  double compute_size = 0;
  double flops = 0;
  double bytes = 0;
  double peak_flops = 0;
  Term binding = Term::compute;
};

struct TermTimes {
  double compute = 0, memory = 0, extraction = 0;
};

TermTimes term_times(const RowTerms& r, const OpClassProfile& profile, const core::HardwareSpec& hw) {
  const EfficiencyCurve& curve =
      r.full_mask && profile.compute_efficiency_full_mask ? *profile.compute_efficiency_full_mask
                                                          : profile.compute_efficiency;
  TermTimes t;
  t.compute = r.flops > 0 ? r.flops / (r.peak_flops * curve.at(r.compute_size)) : 0.0;
  t.memory = r.bytes > 0 ? r.bytes / (hw.hbm_bandwidth_bytes_per_s * profile.memory_efficiency.at(r.bytes)) : 0.0;
  t.extraction = extraction_s_of(r.row->shape, profile.extraction);
  return t;
}

Term binding_term(const RowTerms& r, const OpClassProfile& profile, const core::HardwareSpec& hw) {
  const TermTimes t = term_times(r, profile, hw);
  if (t.extraction > t.compute && t.extraction > t.memory) return Term::extraction;
  return t.compute >= t.memory ? Term::compute : Term::memory;
}

// Sum of squared relative errors of the model's max form over the training rows.
double training_error(const std::vector<RowTerms>& rows, const OpClassProfile& profile, const core::HardwareSpec& hw) {
  double sum = 0;
  for (const RowTerms& r : rows) {
    const TermTimes t = term_times(r, profile, hw);
    const double predicted = std::max({profile.min_latency_s, t.compute, t.memory, t.extraction});
    const double e = (predicted - r.row->median_s) / r.row->median_s;
    sum += e * e;
  }
  return sum;
}

// Refits the curves of `profile` from the rows bound by each term; returns knots clamped.
int refit(OpClassProfile& profile, const std::vector<RowTerms>& rows, const core::HardwareSpec& hw, int max_knots) {
  std::vector<EfficiencySample> causal, full, memory;
  for (const RowTerms& r : rows) {
    const double t = r.row->median_s;
    if (r.binding == Term::compute && r.flops > 0) {
      (r.full_mask ? full : causal).push_back({r.compute_size, r.flops / (r.peak_flops * t)});
    } else if (r.binding == Term::memory && r.bytes > 0) {
      memory.push_back({r.bytes, r.bytes / (hw.hbm_bandwidth_bytes_per_s * t)});
    }
  }
  int clamped = 0;
  const SizeVariable variable = profile.compute_efficiency.variable;
  if (!causal.empty()) {
    const CurveFit fit = fit_efficiency_curve(variable, causal, max_knots);
    profile.compute_efficiency = fit.curve;
    clamped += fit.clamped_points;
  }
  if (!full.empty()) {
    const CurveFit fit = fit_efficiency_curve(variable, full, max_knots);
    profile.compute_efficiency_full_mask = fit.curve;
    clamped += fit.clamped_points;
  }
  if (!memory.empty()) {
    const CurveFit fit = fit_efficiency_curve(SizeVariable::bytes, memory, max_knots);
    profile.memory_efficiency = fit.curve;
    clamped += fit.clamped_points;
  }
  return clamped;
}

// Rows of one class in a deterministic order: by the class's table key (FLOPs or
// bytes), ties by the shape's JSON text.
std::vector<const ProfileRow*> sorted_rows(const KernelProfile& measured, OpClass op_class) {
  std::vector<std::pair<std::pair<double, std::string>, const ProfileRow*>> keyed;
  for (const ProfileRow& row : measured.rows) {
    if (row.op_class == op_class) keyed.push_back({{table_key(op_class, row.shape), op_to_json_text(row.shape)}, &row});
  }
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const ProfileRow*> rows;
  for (const auto& k : keyed) rows.push_back(k.second);
  return rows;
}

// The splits of `rows` sorted rows the ridge search tries: all of 0..rows up to
// kMaxRidgeSplits rows, else kMaxRidgeSplits + 1 evenly spaced ones (0 and rows among them).
constexpr std::size_t kMaxRidgeSplits = 256;
std::vector<std::size_t> ridge_splits(std::size_t rows) {
  std::vector<std::size_t> splits;
  const std::size_t count = std::min(rows, kMaxRidgeSplits);
  for (std::size_t i = 0; i <= count; ++i) splits.push_back(count == 0 ? 0 : i * rows / count);
  return splits;
}

struct ClassWork {
  ClassCalibration report;
  std::vector<const ProfileRow*> train;
  std::vector<const ProfileRow*> held_out;
};

ClassWork fit_class(const KernelProfile& measured, OpClass op_class, OpClassProfile& profile,
                    const core::HardwareSpec& hw, const CalibrationOptions& options) {
  ClassWork work;
  work.report.op_class = op_class;
  const std::vector<const ProfileRow*> rows = sorted_rows(measured, op_class);
  work.report.rows = rows.size();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool held_out = options.held_out_rows.empty()
                              ? is_held_out(i, rows.size(), options.holdout_every)
                              : options.held_out_rows.at(static_cast<std::size_t>(rows[i] - measured.rows.data()));
    (held_out ? work.held_out : work.train).push_back(rows[i]);
  }
  work.report.train_rows = work.train.size();
  if (work.train.empty()) return work;

  // The floor: a measured row was at least this fast, so the floor must not exceed
  // it; half the fastest row leaves the curves to describe every measured row.
  double fastest_s = work.train.front()->median_s;
  for (const ProfileRow* r : work.train) fastest_s = std::min(fastest_s, r->median_s);
  profile.min_latency_s = std::min(profile.min_latency_s, 0.5 * fastest_s);
  profile.table.clear();

  std::vector<RowTerms> terms;
  for (const ProfileRow* row : work.train) {
    RowTerms t;
    t.row = row;
    t.full_mask = uses_full_mask_curve(op_class, row->shape, profile);
    t.compute_size = compute_size(profile.compute_efficiency.variable, row->shape);
    t.flops = core::flops_of(row->shape);
    t.bytes = core::bytes_of(row->shape);
    t.peak_flops = peak_flops_for(row->shape, hw);
    terms.push_back(t);
  }
  // Which rows are compute-bound? The roofline's answer is a ridge in arithmetic
  // intensity: rows below it stream, rows above it compute. Every split of the rows
  // sorted by FLOPs per byte is fitted and the one with the least training error wins
  // (extraction-bound SpMM rows stay out); a measured table of thousands of rows tries
  // kMaxRidgeSplits evenly spaced splits instead (each try is a fit of all rows, so
  // every split would cost rows^2), leaving the rest to the re-assignment. Then rows
  // are re-decided by the larger term under the fitted curves, refitted, for as long
  // as that lowers the error.
  std::vector<std::size_t> by_intensity;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    if (binding_term(terms[i], profile, hw) == Term::extraction) {
      terms[i].binding = Term::extraction;
    } else {
      by_intensity.push_back(i);
    }
  }
  auto intensity = [&terms](std::size_t i) { return terms[i].bytes > 0 ? terms[i].flops / terms[i].bytes : 1e300; };
  std::stable_sort(by_intensity.begin(), by_intensity.end(),
                   [&](std::size_t a, std::size_t b) { return intensity(a) < intensity(b); });
  const OpClassProfile start_profile = profile;
  double best_error = std::numeric_limits<double>::infinity();
  std::vector<RowTerms> best_terms = terms;
  OpClassProfile best_profile = profile;
  int best_clamped = 0;
  for (std::size_t split : ridge_splits(by_intensity.size())) {
    for (std::size_t r = 0; r < by_intensity.size(); ++r) {
      terms[by_intensity[r]].binding = r < split ? Term::memory : Term::compute;
    }
    OpClassProfile candidate = start_profile;
    const int clamped = refit(candidate, terms, hw, options.max_knots);
    const double error = training_error(terms, candidate, hw);
    if (error < best_error) {
      best_error = error;
      best_terms = terms;
      best_profile = candidate;
      best_clamped = clamped;
    }
  }
  terms = best_terms;
  for (int round = 0; round < std::max(0, options.max_rounds); ++round) {
    bool changed = false;
    for (RowTerms& t : terms) {
      const Term now = binding_term(t, best_profile, hw);
      changed = changed || now != t.binding;
      t.binding = now;
    }
    if (!changed) break;
    OpClassProfile candidate = start_profile;
    const int clamped = refit(candidate, terms, hw, options.max_knots);
    const double error = training_error(terms, candidate, hw);
    if (!(error < best_error)) {
      terms = best_terms;
      break;
    }
    best_error = error;
    best_terms = terms;
    best_profile = candidate;
    best_clamped = clamped;
  }
  profile = best_profile;
  work.report.clamped_points = best_clamped;
  for (const RowTerms& t : terms) {
    if (t.binding == Term::compute) ++work.report.compute_rows;
    if (t.binding == Term::memory) ++work.report.memory_rows;
    if (t.binding == Term::extraction) ++work.report.extraction_rows;
  }
  return work;
}

ErrorSummary errors_of(const CostModel& model, const std::vector<const ProfileRow*>& rows) {
  std::vector<double> predicted, measured_s;
  for (const ProfileRow* r : rows) {
    predicted.push_back(model.time_s(r->shape));
    measured_s.push_back(r->median_s);
  }
  return summarize_relative_errors(predicted, measured_s);
}

Provenance provenance_of(const KernelProfile& measured) {
  Provenance p;
  p.source = "measured";
  p.date = measured.date;
  p.host_speed_probe_s = measured.speed_probe_s;
  for (const auto& [name, version] : measured.versions) {
    if (name == "cuda_driver") {
      p.driver = version;
    } else if (name == "cuda_runtime") {
      p.cuda = version;
    } else {
      p.libraries[name] = version;
    }
  }
  p.libraries["lcperf"] = measured.lcperf_version;
  return p;
}

}  // namespace

CalibrationResult calibrate_device(const KernelProfile& measured, const DeviceProfile& base,
                                   const core::HardwareSpec& hw, const CalibrationOptions& options) {
  if (!(hw.hbm_bandwidth_bytes_per_s > 0)) {
    throw core::InputError("hardware '" + hw.id + "': hbm_bandwidth_bytes_per_s must be > 0 to calibrate against");
  }
  CalibrationResult result;
  result.profile = base;
  DeviceProfile& out = result.profile;
  std::vector<ClassWork> works;
  std::string unmeasured;
  for (OpClass c : kAllOpClasses) {
    ClassWork work = fit_class(measured, c, out.of(c), hw, options);
    if (work.report.rows == 0) {
      unmeasured += (unmeasured.empty() ? "" : ", ") + std::string(to_string(c));
      continue;
    }
    works.push_back(std::move(work));
  }

  // Errors come from the real cost model on the fitted profile, before any measured
  // table is added: tables would answer the training rows exactly by construction.
  const CostModel model(hw, out);
  for (ClassWork& w : works) {
    w.report.train = errors_of(model, w.train);
    w.report.held_out = errors_of(model, w.held_out);
    result.classes.push_back(w.report);
  }
  if (options.include_tables) {
    // How well tables transfer: built from the training rows, priced on the held-out ones.
    DeviceProfile train_tables = out;
    for (const ClassWork& w : works) {
      for (const ProfileRow* r : w.train) train_tables.of(w.report.op_class).table.push_back({r->shape, r->median_s});
    }
    const CostModel with_tables(hw, train_tables);
    for (std::size_t i = 0; i < works.size(); ++i) {
      result.classes[i].held_out_with_tables = errors_of(with_tables, works[i].held_out);
    }
    for (const ClassWork& w : works) {
      std::vector<MeasuredPoint>& table = out.of(w.report.op_class).table;
      for (const ProfileRow* r : w.train) table.push_back({r->shape, r->median_s});
      for (const ProfileRow* r : w.held_out) table.push_back({r->shape, r->median_s});
    }
  }

  out.device = measured.device + (measured.backend == "cpu" ? " (one core, fp32 CPU kernels)" : "");
  out.provenance = provenance_of(measured);
  std::string notes = "Calibrated by `lcperf calibrate` from the " + measured.backend + " kernel profile " +
                      measured.origin + " (" + std::to_string(measured.rows.size()) + " rows, measured " +
                      measured.date + ", " + std::to_string(measured.threads) + " thread(s)" +
                      (measured.quick ? ", quick grid" : "") + ") on top of " +
                      (base.origin.empty() ? base.device : base.origin) +
                      ": per class, rows assigned to their binding roofline term, efficiency curves refitted by "
                      "least squares on relative residuals against the peaks of hardware '" +
                      hw.id + "', one row in " + std::to_string(options.holdout_every) +
                      " held out. Relative errors of the fitted curves (measured tables " +
                      (options.include_tables ? "included afterwards" : "not included") + "): " +
                      calibration_summary(result.classes);
  if (!unmeasured.empty()) notes += " Not measured, kept from the base: " + unmeasured + ".";
  out.notes = notes;
  return result;
}

std::string calibration_summary(const std::vector<ClassCalibration>& classes) {
  std::string text;
  for (const ClassCalibration& c : classes) {
    if (!text.empty()) text += "; ";
    text += std::string(to_string(c.op_class)) + ": " + std::to_string(c.rows) + " rows (" +
            std::to_string(c.train_rows) + " fit, " + std::to_string(c.held_out.count) + " held out)";
    if (c.held_out.count > 0) {
      text += ", held-out median " + format_percent(c.held_out.median) + " p90 " + format_percent(c.held_out.p90);
    }
    if (c.train.count > 0) text += ", train median " + format_percent(c.train.median) + " p90 " + format_percent(c.train.p90);
    if (c.held_out_with_tables.count > 0) {
      text += ", held-out with tables of the fitted rows median " + format_percent(c.held_out_with_tables.median) + " p90 " +
              format_percent(c.held_out_with_tables.p90);
    }
    if (c.clamped_points > 0) {
      text += " [" + std::to_string(c.clamped_points) + " knot(s) clamped into (0, 1]; above 1 means the hardware peak is below the measured rate]";
    }
  }
  return text;
}

}  // namespace lcperf::cost

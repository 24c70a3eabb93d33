// Fitting a collective profile to measured NCCL times; see collective_fit.hpp.
#include "cost_models/collective_fit.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace lcperf::cost {

namespace {

// p2p = latency + bytes / bandwidth, by least squares on relative residuals
// (a + b S_i - t_i) / t_i: a 2x2 normal system. A negative latency means the rows
// cannot see one; it is then 0 and the bandwidth is refitted through the origin.
void fit_p2p(const std::vector<const MeasuredCollective*>& rows, double link_bytes_per_s, CollectiveProfile& out) {
  double s11 = 0, s12 = 0, s22 = 0, r1 = 0, r2 = 0;
  for (const MeasuredCollective* r : rows) {
    const double u = 1.0 / r->time_s;     // weight of the latency term
    const double v = r->bytes / r->time_s;  // weight of the seconds-per-byte term
    s11 += u * u;
    s12 += u * v;
    s22 += v * v;
    r1 += u;
    r2 += v;
  }
  const double det = s11 * s22 - s12 * s12;
  double latency = det > 0 ? (r1 * s22 - r2 * s12) / det : 0.0;
  double per_byte = det > 0 ? (s11 * r2 - s12 * r1) / det : 0.0;
  if (!(latency >= 0)) {
    latency = 0;
    per_byte = s22 > 0 ? r2 / s22 : 0.0;
  }
  out.p2p_intra_latency_s = latency;
  if (per_byte > 0) out.nvlink_efficiency = std::clamp(1.0 / (per_byte * link_bytes_per_s), 1e-3, 1.0);
}

// The fitted factors, as natural logs: bandwidth (<= 0), base latency, hop latency.
using LogFactors = std::array<double, 3>;

CollectiveProfile scaled(const CollectiveProfile& base, const LogFactors& f) {
  CollectiveProfile p = base;
  for (auto* table : {&p.ring, &p.tree}) {
    for (ProtocolConstants& c : *table) {
      c.bus_efficiency = std::min(1.0, c.bus_efficiency * std::exp(f[0]));
      c.max_bus_bw_bytes_per_s *= std::exp(f[0]);
      c.base_latency_s *= std::exp(f[1]);
      c.intra_hop_latency_s *= std::exp(f[2]);
    }
  }
  return p;
}

double squared_log_error(const std::vector<const MeasuredCollective*>& rows, const CollectiveProfile& profile,
                         const core::HardwareSpec& hw) {
  const CollectiveModel model(hw, profile);
  double sum = 0;
  for (const MeasuredCollective* r : rows) {
    const double e = std::log(modeled_time_s(*r, model) / r->time_s);
    sum += e * e;
  }
  return sum;
}

// At most kRowsPerSeries rows of each (ranks) series, evenly spaced in size: a
// measured series holds hundreds of sizes and three factors do not need them all.
std::vector<const MeasuredCollective*> thinned(std::vector<const MeasuredCollective*> rows) {
  constexpr std::size_t kRowsPerSeries = 64;
  std::stable_sort(rows.begin(), rows.end(), [](const MeasuredCollective* a, const MeasuredCollective* b) {
    return a->ranks != b->ranks ? a->ranks < b->ranks : a->bytes < b->bytes;
  });
  std::vector<const MeasuredCollective*> out;
  for (std::size_t begin = 0; begin < rows.size();) {
    std::size_t end = begin;
    while (end < rows.size() && rows[end]->ranks == rows[begin]->ranks) ++end;
    const std::size_t n = end - begin;
    const std::size_t keep = std::min(n, kRowsPerSeries);
    for (std::size_t i = 0; i < keep; ++i) out.push_back(rows[begin + (keep > 1 ? i * (n - 1) / (keep - 1) : 0)]);
    begin = end;
  }
  return out;
}

// Minimizes the squared log error over the three log factors on a grid of 13 points a
// side, then four times more on a grid a third as wide around the best point. The
// bandwidth factor stays <= 1: NCCL's protocol efficiencies are what the protocols can
// reach, and a factor above it would let the low-latency protocols (LL's cap raised)
// stand in for Simple at sizes where NCCL never runs them.
LogFactors fit_factors(const std::vector<const MeasuredCollective*>& rows, const CollectiveProfile& base,
                       const core::HardwareSpec& hw) {
  const std::vector<const MeasuredCollective*> sample = thinned(rows);
  LogFactors best{0, 0, 0};
  LogFactors span{std::log(10.0), std::log(30.0), std::log(30.0)};  // 0.1..1 and 1/30..30
  constexpr int kSteps = 6;  // each side of the centre
  for (int round = 0; round < 5; ++round) {
    const LogFactors centre = best;
    double best_error = std::numeric_limits<double>::infinity();
    for (int i = -kSteps; i <= kSteps; ++i) {
      for (int j = -kSteps; j <= kSteps; ++j) {
        for (int k = -kSteps; k <= kSteps; ++k) {
          const LogFactors f{std::min(0.0, centre[0] + span[0] * i / kSteps), centre[1] + span[1] * j / kSteps,
                             centre[2] + span[2] * k / kSteps};
          const double error = squared_log_error(sample, scaled(base, f), hw);
          if (error < best_error) {
            best_error = error;
            best = f;
          }
        }
      }
    }
    for (double& s : span) s /= 3.0;
  }
  return best;
}

}  // namespace

double modeled_time_s(const MeasuredCollective& row, const CollectiveModel& model) {
  if (row.kind == MeasuredCollectiveKind::send_recv) return model.p2p_time_s(row.bytes, row.nodes == 1);
  return model.collective(core::CollectiveKind::all_reduce, row.bytes, row.ranks, row.nodes).time_s;
}

CollectiveFit fit_collective_profile(const std::vector<MeasuredCollective>& rows, const CollectiveProfile& base,
                                     const core::HardwareSpec& hw) {
  std::vector<const MeasuredCollective*> send_recv, all_reduce;
  for (const MeasuredCollective& r : rows) {
    if (r.nodes != 1 || !(r.time_s > 0) || !(r.bytes > 0)) continue;
    (r.kind == MeasuredCollectiveKind::send_recv ? send_recv : all_reduce).push_back(&r);
  }
  CollectiveFit fit;
  fit.profile = base;
  fit.send_recv_rows = send_recv.size();
  fit.all_reduce_rows = all_reduce.size();
  // The link bandwidth the model's efficiencies are fractions of (CollectiveModel's).
  const double link = hw.nvlink_bandwidth_bytes_per_s > 0 ? hw.nvlink_bandwidth_bytes_per_s
                                                          : hw.pcie_bandwidth_bytes_per_s;
  if (!send_recv.empty()) fit_p2p(send_recv, link, fit.profile);
  if (!all_reduce.empty()) {
    const LogFactors f = fit_factors(all_reduce, fit.profile, hw);
    fit.bus_efficiency_factor = std::exp(f[0]);
    fit.base_latency_factor = std::exp(f[1]);
    fit.hop_latency_factor = std::exp(f[2]);
    fit.profile = scaled(fit.profile, f);
  }
  return fit;
}

}  // namespace lcperf::cost

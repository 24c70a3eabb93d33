#include "kernels/speed_probe.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "kernels/gemm.hpp"
#include "kernels/norms.hpp"
#include "kernels/profiling.hpp"

namespace lcperf::kernels {

namespace {

// Large enough to slow down as much as the GEMMs of the live scenarios when a core
// turns slow (a 128^3 GEMM slowed 1.6x where a 512^3 one slowed 2x), short enough to
// probe before every profile row.
constexpr int kGemm = 256;
constexpr int kNormRows = 64;
constexpr int kNormCols = 1024;
constexpr int kRepetitions = 5;

// One thread's median probe time. Each thread owns its buffers (no false sharing).
double probe_one_thread() {
  std::vector<float> a(kGemm * kGemm), b(kGemm * kGemm), c(kGemm * kGemm);
  std::vector<float> x(kNormRows * kNormCols), w(kNormCols, 1.0f), y(kNormRows * kNormCols);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = b[i] = static_cast<float>(i % 17) / 17.0f - 0.5f;
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 13) / 13.0f - 0.5f;
  GemmArgs g;
  g.m = g.n = g.k = kGemm;
  g.a = a.data(), g.lda = kGemm;
  g.b = b.data(), g.ldb = kGemm;
  g.c = c.data(), g.ldc = kGemm;
  auto once = [&] {
    gemm_cpu(g);
    rmsnorm_cpu(kNormRows, kNormCols, x.data(), w.data(), 1e-6f, y.data());
  };
  once();  // warm-up: caches and pages
  std::vector<double> samples;
  for (int r = 0; r < kRepetitions; ++r) {
    const auto start = std::chrono::steady_clock::now();
    once();
    samples.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return median_of(samples);
}

}  // namespace

double host_speed_probe_s(int threads) {
  const int n = std::max(1, threads);
  std::vector<double> medians(static_cast<std::size_t>(n));
  std::vector<std::thread> workers;
  for (int t = 1; t < n; ++t) workers.emplace_back([&medians, t] { medians[static_cast<std::size_t>(t)] = probe_one_thread(); });
  medians[0] = probe_one_thread();
  for (std::thread& worker : workers) worker.join();
  double sum = 0;
  for (double m : medians) sum += m;
  return sum / n;
}

}  // namespace lcperf::kernels

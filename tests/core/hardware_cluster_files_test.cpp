// Every bundled hardware and cluster file loads, with values that make sense.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/hardware_spec.hpp"
#include "core/scenario.hpp"
#include "scenario_test_support.hpp"

namespace lcperf::core {
namespace {

namespace fs = std::filesystem;

TEST(HardwareFiles, EveryFileLoads) {
  int loaded = 0;
  for (const auto& entry : fs::directory_iterator(test::source_scenarios_dir() + "/hardware")) {
    const std::string id = entry.path().stem().string();
    SCOPED_TRACE(id);
    const HardwareSpec hw = load_hardware(id);
    EXPECT_EQ(hw.id, id);
    EXPECT_FALSE(hw.name.empty());
    EXPECT_GT(hw.peak_bf16_flops, 0);
    EXPECT_GT(hw.hbm_bytes, 0);
    EXPECT_GT(hw.hbm_bandwidth_bytes_per_s, 0);
    EXPECT_TRUE(hw.peak_fp8_flops == 0 || hw.peak_fp8_flops >= hw.peak_bf16_flops);
    ++loaded;
    // The CPU core the live CPU backend runs on has no GPU links.
    if (id == "cpu-reference") {
      EXPECT_EQ(hw.nvlink_bandwidth_bytes_per_s, 0);
      continue;
    }
    // Bandwidths are per direction: the scale-out NIC is slower than the NVLink fabric.
    EXPECT_LT(hw.nic_bandwidth_bytes_per_s, hw.nvlink_bandwidth_bytes_per_s);
  }
  EXPECT_EQ(loaded, 6);  // five GPUs and the reference CPU core
}

TEST(HardwareFiles, H200MatchesTheReference) {
  const HardwareSpec h200 = load_hardware("h200");
  EXPECT_DOUBLE_EQ(h200.peak_bf16_flops, 989.4e12);
  EXPECT_DOUBLE_EQ(h200.peak_fp8_flops, 1978.9e12);
  EXPECT_DOUBLE_EQ(h200.hbm_bytes, 141e9);
  EXPECT_DOUBLE_EQ(h200.hbm_bandwidth_bytes_per_s, 4.8e12);
  EXPECT_DOUBLE_EQ(h200.nvlink_bandwidth_bytes_per_s, 450e9);  // 900 GB/s bidirectional
  EXPECT_DOUBLE_EQ(h200.nic_bandwidth_bytes_per_s, 50e9);      // 400 Gb/s
  EXPECT_DOUBLE_EQ(load_hardware("h800").nvlink_bandwidth_bytes_per_s, 200e9);
}

TEST(HardwareFiles, A100HasNoFp8) {
  const HardwareSpec a100 = load_hardware("a100-80gb");
  EXPECT_EQ(a100.peak_fp8_flops, 0);
  EXPECT_DOUBLE_EQ(a100.peak_flops(DType::fp8), a100.peak_bf16_flops);
  EXPECT_DOUBLE_EQ(a100.pcie_bandwidth_bytes_per_s, 32e9);
}

// Clusters have no loader of their own in scenario.hpp; they load through a scenario.
TEST(ClusterFiles, EveryFileLoadsInAScenario) {
  int loaded = 0;
  for (const auto& entry : fs::directory_iterator(test::source_scenarios_dir() + "/clusters")) {
    const std::string id = entry.path().stem().string();
    SCOPED_TRACE(id);
    const std::string text =
        R"({"model": "llama3-8b", "cluster": ")" + id + R"(", "workload": {"kind": "fixed_length", "seq_len": 4096}})";
    const Scenario s = load_scenario_text(text, test::kOrigin);
    EXPECT_EQ(s.cluster.id, id);
    EXPECT_GE(s.cluster.world_size(), 8);
    EXPECT_FALSE(s.cluster.gpu.id.empty());
    EXPECT_GT(s.cluster.gpu.peak_bf16_flops, 0);
    ++loaded;
  }
  EXPECT_GE(loaded, 3);
}

TEST(ClusterFiles, FieldsComeThrough) {
  const std::string text = R"({"model": "llama3-8b", "cluster": "h200-32node-rail",
                               "workload": {"kind": "fixed_length", "seq_len": 4096}})";
  const ClusterSpec c = load_scenario_text(text, test::kOrigin).cluster;
  EXPECT_EQ(c.gpu.id, "h200");
  EXPECT_EQ(c.world_size(), 256);
  EXPECT_EQ(c.topology, Topology::rail_optimized);
  EXPECT_EQ(c.fabric, IntraNodeFabric::nvswitch);
  EXPECT_EQ(c.nics_per_node, 8);
}

}  // namespace
}  // namespace lcperf::core

// The Vidur table readers on small hand-written CSVs: good rows come out in seconds
// with their shapes, every kind of bad row is a core::InputError naming file:line and
// the column; the op map picks the part core/layer_ops builds for each op; a folder is
// read family by family.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include <unistd.h>

#include "core/errors.hpp"
#include "cost_models/vidur_compute_table.hpp"
#include "cost_models/vidur_directory.hpp"
#include "cost_models/vidur_network_table.hpp"
#include "cost_models/vidur_op_map.hpp"

namespace lcperf::cost {
namespace {

namespace fs = std::filesystem;

const std::string kShapeHeader =
    "n_head,n_kv_head,n_embd,n_expanded_embd,vocab_size,use_gated_mlp,num_tokens,num_tensor_parallel_workers";

// A header with min/median/max of every op (phi-2 style: without post_attention_layernorm
// when `with_post_norm` is false), then the shape columns.
std::string compute_header(bool with_post_norm = true) {
  std::string header;
  for (VidurOp op : kAllVidurOps) {
    if (!with_post_norm && op == VidurOp::post_attention_layernorm) continue;
    for (const char* stat : {"min", "median", "max"}) {
      header += "time_stats." + std::string(to_string(op)) + "." + stat + ",";
    }
  }
  return header + kShapeHeader;
}

// A row whose op i has min/median/max (i+1)/10 * (1, 2, 3) ms.
std::string compute_row(const std::string& shape, bool with_post_norm = true) {
  std::string row;
  for (std::size_t i = 0; i < kAllVidurOps.size(); ++i) {
    if (!with_post_norm && kAllVidurOps[i] == VidurOp::post_attention_layernorm) continue;
    const double base = 0.1 * static_cast<double>(i + 1);
    row += std::to_string(base) + "," + std::to_string(2 * base) + "," + std::to_string(3 * base) + ",";
  }
  return row + shape;
}

constexpr const char* kLlamaShape = "32,8,4096,14336,128256,True,512,2";

std::string error_of(const std::string& text, bool network = false) {
  try {
    if (network) {
      parse_vidur_network_table(text, "t.csv");
    } else {
      parse_vidur_compute_table(text, "t.csv");
    }
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(VidurComputeTable, ReadsRowsInSeconds) {
  const std::string text = compute_header() + "\n" + compute_row(kLlamaShape) + "\n";
  const std::vector<VidurComputeRow> rows = parse_vidur_compute_table(text, "t.csv");
  ASSERT_EQ(rows.size(), 1u);
  const VidurComputeRow& r = rows.front();
  EXPECT_EQ(r.line, 2u);
  EXPECT_EQ(r.shape, (VidurLayerShape{32, 8, 4096, 14336, 128256, true}));
  EXPECT_EQ(r.tokens, 512);
  EXPECT_EQ(r.tp, 2);
  ASSERT_TRUE(r.time(VidurOp::emb).has_value());
  EXPECT_DOUBLE_EQ(r.time(VidurOp::emb)->min_s, 0.1e-3);
  EXPECT_DOUBLE_EQ(r.time(VidurOp::emb)->median_s, 0.2e-3);
  EXPECT_DOUBLE_EQ(r.time(VidurOp::add)->max_s, 3.0e-3);
}

TEST(VidurComputeTable, AnOpWithoutColumnsIsAbsent) {
  const std::string text = compute_header(false) + "\n" + compute_row("32,32,2560,10240,51200,False,16,1", false);
  const VidurComputeRow r = parse_vidur_compute_table(text, "t.csv").front();
  EXPECT_FALSE(r.time(VidurOp::post_attention_layernorm).has_value());
  EXPECT_TRUE(r.time(VidurOp::mlp_act).has_value());
  EXPECT_FALSE(r.shape.gated_mlp);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The error of a table made of `header` and two rows, the second one `bad_row`.
std::string compute_error(const std::string& header, const std::string& bad_row) {
  return error_of(header + "\n" + compute_row(kLlamaShape) + "\n" + bad_row + "\n");
}

TEST(VidurComputeTable, BadHeadersNameLineOneAndTheColumn) {
  const std::string header = compute_header();
  const std::string row = compute_row(kLlamaShape);
  EXPECT_EQ(error_of(replaced(header, ",n_embd", "") + "\n" + replaced(row, ",4096,", ",") + "\n"),
            "t.csv:1: column 'n_embd': missing (a Vidur mlp.csv has the model shape, num_tokens and TP degree of "
            "each row)");
  EXPECT_EQ(compute_error(replaced(header, "time_stats.add.median", "time_stats.add.mean"), row),
            "t.csv:1: column 'time_stats.add.median': missing (the median time of an op is what is fitted)");
  EXPECT_EQ(compute_error(replaced(header, "time_stats.mlp_act.min", "time_stats.mlp_gelu.min"), row)
                .rfind("t.csv:1: column 'time_stats.mlp_gelu.min': unknown op 'mlp_gelu' (known: emb, ", 0),
            0u);
  // Units: the layout fixes milliseconds, so a statistic with a unit is not one.
  EXPECT_EQ(compute_error(replaced(header, "time_stats.add.max", "time_stats.add.max_us"), row),
            "t.csv:1: column 'time_stats.add.max_us': unknown statistic 'max_us' (known: min, max, mean, median, "
            "std; times are in milliseconds)");
  EXPECT_EQ(compute_error(replaced(header, "vocab_size", "vocab"), row),
            "t.csv:1: column 'vocab': not a time_stats.<op>.<stat> column");
}

TEST(VidurComputeTable, BadRowsNameTheirLineAndColumn) {
  const std::string header = compute_header();
  const std::string row = compute_row(kLlamaShape);
  struct Case {
    std::string from, to, message;
  };
  const Case cases[] = {
      {",2.000000,", ",abc,", "t.csv:3: column 'time_stats.add.median': 'abc' is not a finite number"},
      {",2.000000,", ",-2,", "t.csv:3: column 'time_stats.add.median': time must be > 0 milliseconds (got -2)"},
      {"True", "maybe", "t.csv:3: column 'use_gated_mlp': 'maybe' is not True or False"},
      {"32,8,4096", "32,6,4096", "t.csv:3: column 'n_kv_head': 6 does not divide n_head 32"},
      {",512,2", ",512,3", "t.csv:3: column 'num_tensor_parallel_workers': 3 does not divide n_head 32"},
      {",512,2", ",0,2", "t.csv:3: column 'num_tokens': must be at least 1 (got 0)"},
      {",512,2", ",512", "t.csv:3: expected 38 fields (as in the header), got 37"},
  };
  for (const Case& c : cases) EXPECT_EQ(compute_error(header, replaced(row, c.from, c.to)), c.message);
  EXPECT_EQ(error_of(header + "\n"), "t.csv: no rows after the header");
}

const std::string kNetworkHeader =
    ",time_stats.all_reduce.min,time_stats.all_reduce.max,time_stats.all_reduce.mean,time_stats.all_reduce.median,"
    "time_stats.all_reduce.std,rank,num_workers,size,collective,devices_per_node,max_devices_per_node";
const std::string kNetworkRow = "0,0.015,0.038,0.03,0.037,0.01,0,8,2048,all_reduce,4,8";

TEST(VidurNetworkTable, ReadsRowsWithThePandasIndexColumn) {
  const std::vector<VidurCollectiveRow> rows = parse_vidur_network_table(kNetworkHeader + "\n" + kNetworkRow, "t.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].collective, VidurCollective::all_reduce);
  EXPECT_EQ(rows[0].bytes, 2048);
  EXPECT_EQ(rows[0].workers, 8);
  EXPECT_EQ(rows[0].nodes(), 2);
  EXPECT_DOUBLE_EQ(rows[0].median_s, 0.037e-3);
  EXPECT_DOUBLE_EQ(rows[0].min_s, 0.015e-3);
}

TEST(VidurNetworkTable, BadFilesNameFileLineAndColumn) {
  const auto error = [](const std::string& header, const std::string& row) {
    return error_of(header + "\n" + row + "\n", /*network=*/true);
  };
  EXPECT_EQ(error(kNetworkHeader, replaced(kNetworkRow, ",all_reduce,", ",send_recv,")),
            "t.csv:2: column 'collective': 'send_recv' does not match the timing columns (all_reduce)");
  EXPECT_EQ(error(kNetworkHeader, replaced(kNetworkRow, ",4,8", ",3,8")),
            "t.csv:2: column 'devices_per_node': 3 does not divide num_workers 8");
  EXPECT_EQ(error(replaced(kNetworkHeader, ",size", ""), replaced(kNetworkRow, ",2048", "")),
            "t.csv:1: column 'size': missing (a Vidur network table has the size, workers and node layout of each "
            "row)");
  EXPECT_EQ(error(replaced(kNetworkHeader, "all_reduce.std", "send_recv.std"), kNetworkRow),
            "t.csv:1: column 'time_stats.send_recv.std': times a different collective than the columns before it (one "
            "collective per file)");
  EXPECT_EQ(error(replaced(kNetworkHeader, "all_reduce.min", "broadcast.min"), kNetworkRow),
            "t.csv:1: column 'time_stats.broadcast.min': unknown op 'broadcast' (known: all_reduce, send_recv)");
  EXPECT_EQ(error(kNetworkHeader, replaced(kNetworkRow, "0,0.015,0.038,0.03,0.037", "0,0.015,0.038,0.03,x")),
            "t.csv:2: column 'time_stats.all_reduce.median': 'x' is not a finite number");
}

TEST(VidurOpMap, EachOpIsThePartTheLayerDecompositionBuilds) {
  VidurComputeRow row;
  row.shape = {32, 8, 4096, 14336, 128256, true};  // Llama-3-8B
  row.tokens = 512;
  row.tp = 2;
  const auto gemm = [&row](VidurOp op) { return std::get<core::GemmShape>(lcperf_part_of(op, row)); };
  EXPECT_EQ(gemm(VidurOp::attn_pre_proj), (core::GemmShape{512, (16 + 2 * 4) * 128, 4096, 1, core::DType::fp16}));
  EXPECT_EQ(gemm(VidurOp::attn_post_proj), (core::GemmShape{512, 4096, 16 * 128, 1, core::DType::fp16}));
  EXPECT_EQ(gemm(VidurOp::mlp_up_proj), (core::GemmShape{512, 2 * 7168, 4096, 1, core::DType::fp16}));
  EXPECT_EQ(gemm(VidurOp::mlp_down_proj), (core::GemmShape{512, 4096, 7168, 1, core::DType::fp16}));
  const auto elementwise = [&row](VidurOp op) {
    return std::get<core::ElementwiseShape>(lcperf_part_of(op, row));
  };
  EXPECT_EQ(elementwise(VidurOp::input_layernorm).kind, "rmsnorm");
  EXPECT_EQ(elementwise(VidurOp::input_layernorm).elements, 512 * 4096);
  EXPECT_EQ(elementwise(VidurOp::post_attention_layernorm).kind, "rmsnorm");
  EXPECT_EQ(elementwise(VidurOp::attn_rope).kind, "rope");
  EXPECT_EQ(elementwise(VidurOp::attn_rope).elements, 512 * (16 + 4) * 128);
  EXPECT_EQ(elementwise(VidurOp::mlp_act).kind, "swiglu");
  EXPECT_EQ(elementwise(VidurOp::mlp_act).elements, 512 * 7168);
  EXPECT_EQ(elementwise(VidurOp::add).kind, "add");
  EXPECT_EQ(elementwise(VidurOp::emb).kind, "embedding");
  EXPECT_EQ(elementwise(VidurOp::emb).elements, 512 * 4096);
  row.shape.gated_mlp = false;
  EXPECT_EQ(elementwise(VidurOp::mlp_act).kind, "gelu");
  EXPECT_EQ(gemm(VidurOp::mlp_up_proj).n, 7168);
  EXPECT_EQ(measured_group_of(VidurOp::attn_rope), "rotary");
  EXPECT_EQ(measured_group_of(VidurOp::mlp_down_proj), "gemm");
}

class VidurFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("lcperf_vidur_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& relative, const std::string& text) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  fs::path root_;
};

TEST_F(VidurFolder, ReadsEveryFamilyInOrder) {
  write("compute/h100/zeta/m1/mlp.csv", compute_header() + "\n" + compute_row(kLlamaShape) + "\n");
  write("compute/h100/alpha/m2/mlp.csv",
        compute_header(false) + "\n" + compute_row("32,32,2560,10240,51200,False,16,1", false) + "\n");
  write("network/h100_dgx/all_reduce.csv", kNetworkHeader + "\n" + kNetworkRow + "\n");
  ASSERT_TRUE(is_vidur_directory(root_.string()));
  const MeasuredKernels k = load_vidur_compute(root_.string(), "h100");
  ASSERT_EQ(k.profile.rows.size(), 9u + 10u);
  EXPECT_EQ(k.sources.front().family, "alpha");
  EXPECT_EQ(k.sources.back().family, "zeta");
  EXPECT_EQ(k.sources.back().line, 2u);
  EXPECT_EQ(k.sources.back().group, "add");
  EXPECT_DOUBLE_EQ(k.profile.rows.back().median_s, 2.0e-3);
  const MeasuredCollectives c = load_vidur_network(root_.string(), "h100_dgx");
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].nodes, 2);
  EXPECT_EQ(c.rows[0].kind, MeasuredCollectiveKind::all_reduce);
  EXPECT_FALSE(load_data_source(root_.string()).has_value());
}

TEST_F(VidurFolder, BadLayoutsAreInputErrors) {
  write("compute/h100/fam/model/mlp.csv", compute_header() + "\n" + compute_row(kLlamaShape) + "\n" +
                                              compute_row("32,8,4096,11008,32000,True,16,1") + "\n");
  const auto error = [this](auto load) -> std::string {
    try {
      load();
    } catch (const core::InputError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error([&] { load_vidur_compute(root_.string(), "a100"); }).find("(GPUs available: h100)"),
            std::string::npos);
  EXPECT_NE(error([&] { load_vidur_compute(root_.string(), "h100"); })
                .find("mlp.csv:3: column 'n_embd'..'use_gated_mlp': the model shape differs from line 2's"),
            std::string::npos);
  EXPECT_NE(error([&] { load_vidur_network(root_.string(), "h100_dgx"); }).find("no such folder"), std::string::npos);
  write("source.json", "{\"name\": \"x\"}");
  EXPECT_NE(error([&] { load_data_source(root_.string()); }).find("commit"), std::string::npos);
}

}  // namespace
}  // namespace lcperf::cost

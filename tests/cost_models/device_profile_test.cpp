// Device profiles: the shipped files load, lookup by id and path, strict parsing with
// errors that name the JSON path or line:column, and writer/reader round trips.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/op_json.hpp"
#include "cost_test_support.hpp"

namespace lcperf::cost {
namespace {

namespace fs = std::filesystem;

const fs::path kDeviceDir = fs::path(LCPERF_SOURCE_DIR) / "cost_models" / "devices";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json h200_json() { return nlohmann::json::parse(read_text(kDeviceDir / "h200.json")); }

// The InputError message parse_device_profile raises for `text`, or "" if none.
std::string parse_error(const std::string& text, const std::string& origin = "h200.json") {
  try {
    parse_device_profile(text, origin);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(CostDeviceProfile, EveryShippedProfileLoads) {
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(kDeviceDir)) {
    if (entry.path().extension() != ".json") continue;
    const std::string id = entry.path().stem().string();
    SCOPED_TRACE(id);
    const DeviceProfile p = load_device_profile(entry.path().string());
    EXPECT_EQ(p.hardware, id);
    // A100 and H100 are fitted to measured tables; the other GPUs are derived from the
    // H100 by datasheet ratios; the CPU reference is hand-estimated.
    if (id == "a100-80gb" || id == "h100") {
      EXPECT_EQ(p.provenance.source, "measured");
      ASSERT_TRUE(p.provenance.data.has_value());
      EXPECT_EQ(p.provenance.data->commit, "7d47513363ec447a741ac5e47241580b47724fbf");
      ASSERT_TRUE(p.provenance.held_out.has_value());
      EXPECT_FALSE(p.provenance.held_out->errors.empty());
    } else if (id == "h200" || id == "h800" || id == "h20") {
      EXPECT_EQ(p.provenance.source, "derived");
      ASSERT_TRUE(p.provenance.derived_from.has_value());
      EXPECT_EQ(p.provenance.derived_from->from, "h100");
      EXPECT_FALSE(p.provenance.derived_from->ratios.empty());
    } else {
      EXPECT_EQ(p.provenance.source, "datasheet+published anchors");
    }
    EXPECT_FALSE(p.notes.empty());
    EXPECT_FALSE(p.device.empty());
    for (OpClass c : kAllOpClasses) {
      EXPECT_FALSE(p.of(c).compute_efficiency.points.empty());
      EXPECT_GT(p.of(c).min_latency_s, 0.0);
    }
    ids.push_back(id);
  }
  for (const char* expected : {"h200", "h100", "h800", "h20", "a100-80gb"}) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), expected), ids.end()) << expected;
  }
}

TEST(CostDeviceProfile, LoadsByIdFromDefaultAndEnvironmentDirectory) {
  unsetenv("LCPERF_DEVICE_DIR");
  EXPECT_EQ(load_device_profile("h100").hardware, "h100");
  const fs::path dir = fs::temp_directory_path() / ("lcperf_devices_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  nlohmann::json j = h200_json();
  j["device"] = "custom";
  std::ofstream(dir / "custom.json") << j.dump();
  setenv("LCPERF_DEVICE_DIR", dir.c_str(), 1);
  EXPECT_EQ(load_device_profile("custom").device, "custom");
  EXPECT_EQ(available_device_profiles(), std::vector<std::string>{"custom"});
  unsetenv("LCPERF_DEVICE_DIR");
  fs::remove_all(dir);
}

TEST(CostDeviceProfile, UnknownIdAndMissingFileAreInputErrors) {
  unsetenv("LCPERF_DEVICE_DIR");
  try {
    load_device_profile("no-such-gpu");
    FAIL() << "expected InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("available: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("h200"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_device_profile("/nonexistent/dir/x.json"), core::InputError);
}

TEST(CostDeviceProfile, UnknownKeyNamesItsPath) {
  nlohmann::json j = h200_json();
  j["gemm"]["bogus"] = 1;
  const std::string message = parse_error(j.dump());
  EXPECT_EQ(message.rfind("h200.json: unknown key 'bogus' at $.gemm (allowed: compute_efficiency, ", 0), 0u) << message;
}

TEST(CostDeviceProfile, WrongTypeNamesItsPath) {
  nlohmann::json j = h200_json();
  j["gemm"]["min_latency_s"] = "fast";
  EXPECT_EQ(parse_error(j.dump()), "h200.json: $.gemm.min_latency_s: expected a number, got string \"fast\"");
}

TEST(CostDeviceProfile, NestedErrorsNameArrayIndices) {
  nlohmann::json j = h200_json();
  j["attention_fwd"]["compute_efficiency"]["points"][1][0] = 1.0;
  EXPECT_EQ(parse_error(j.dump()),
            "h200.json: $.attention_fwd.compute_efficiency.points[1][0]: sizes must be strictly increasing");
  j = h200_json();
  j["collective"]["ring"]["ll"]["bus_efficiency"] = 1.5;
  EXPECT_EQ(parse_error(j.dump()), "h200.json: $.collective.ring.ll.bus_efficiency: must be in (0, 1]");
  j = h200_json();
  j["gemm"]["compute_efficiency"]["size"] = "kv_len";
  EXPECT_NE(parse_error(j.dump()).find("$.gemm.compute_efficiency.size: expected one of"), std::string::npos);
  j = h200_json();
  j.erase("memcpy");
  EXPECT_EQ(parse_error(j.dump()), "h200.json: $: missing required key 'memcpy'");
  j = h200_json();
  j["provenance"]["source"] = "guessed";
  EXPECT_NE(parse_error(j.dump()).find("$.provenance.source"), std::string::npos);
}

TEST(CostDeviceProfile, MalformedJsonNamesLineAndColumn) {
  const std::string text = "{\n  \"format_version\": 1,\n  \"device\": ]\n}\n";
  const std::string message = parse_error(text, "broken.json");
  EXPECT_EQ(message.rfind("broken.json:3:13: malformed JSON", 0), 0u) << message;

  const fs::path file = fs::temp_directory_path() / ("lcperf_broken_" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << text;
  try {
    load_device_profile(file.string());
    FAIL() << "expected InputError";
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(file.string() + ":3:13:", 0), 0u) << e.what();
  }
  fs::remove(file);
}

TEST(CostDeviceProfile, TablesParseAndRejectForeignShapes) {
  nlohmann::json j = h200_json();
  j["gemm"]["table"] = {{{"shape", {{"m", 4096}, {"n", 4096}, {"k", 4096}}}, {"time_s", 2e-4}}};
  const DeviceProfile p = parse_device_profile(j.dump(), "h200.json");
  ASSERT_EQ(p.of(OpClass::gemm).table.size(), 1u);
  EXPECT_EQ(std::get<core::GemmShape>(p.of(OpClass::gemm).table[0].shape).k, 4096);

  j["gemm"]["table"][0]["shape"] = {{"op", "spmm"}, {"m", 8}, {"n", 8}, {"k", 8}, {"sparsity", 0.5}};
  EXPECT_NE(parse_error(j.dump()).find("$.gemm.table[0].shape: op is not of class gemm"), std::string::npos);
  j["gemm"]["table"][0]["shape"] = {{"m", 8}, {"n", 8}, {"k", 8}, {"dtype", "bf17"}};
  EXPECT_NE(parse_error(j.dump()).find("$.gemm.table[0].shape.dtype: unknown dtype"), std::string::npos);
}

TEST(CostDeviceProfile, WriterRoundTrips) {
  nlohmann::json j = h200_json();
  j["attention_bwd"]["table"] = {
      {{"shape", {{"seqs", {{4096, 4096}}}, {"heads_q", 64}, {"heads_kv", 8}, {"head_dim", 128}}}, {"time_s", 3e-3}}};
  const DeviceProfile p = parse_device_profile(j.dump(), "h200.json");
  const std::string once = device_profile_to_json(p);
  const DeviceProfile again = parse_device_profile(once, "roundtrip.json");
  EXPECT_EQ(device_profile_to_json(again), once);
  EXPECT_TRUE(std::get<core::AttentionShape>(again.of(OpClass::attention_bwd).table[0].shape).backward);
}

TEST(CostDeviceProfile, ShippedH200MatchesPublishedAnchors) {
  const CostModel model(testing::h200_hardware(), load_device_profile("h200"));
  // 8192^3 bf16 cuBLAS on H200: 769-798 TFLOP/s observed.
  const OpCost gemm = model.cost(core::GemmShape{8192, 8192, 8192, 1, core::DType::bf16});
  EXPECT_GE(gemm.flops / gemm.time_s, 769e12);
  EXPECT_LE(gemm.flops / gemm.time_s, 798e12);
  // cuDNN SDPA, Llama-3.1 GQA 64/8, d=128, causal 32K: 688 TFLOP/s fwd, 581 bwd.
  core::AttentionShape a;
  a.seqs = {{32768, 32768}};
  a.heads_q = 64;
  a.heads_kv = 8;
  a.head_dim = 128;
  const OpCost fwd = model.cost(a);
  EXPECT_NEAR(fwd.flops / fwd.time_s / 1e12, 688, 688 * 0.02);
  a.backward = true;
  const OpCost bwd = model.cost(a);
  EXPECT_NEAR(bwd.flops / bwd.time_s / 1e12, 581, 581 * 0.02);
  // A large D2D copy streams at ~4.3 TB/s (read + write counted).
  const double gib = 1024.0 * 1024 * 1024;
  EXPECT_NEAR(2 * gib / model.memcpy_time_s(gib) / 1e12, 4.3, 0.1);
}

TEST(CostOpJson, ParsesDesignExamplesAndRoundTrips) {
  const core::OpPart gemm = parse_op_json(R"({"op":"gemm","m":4096,"n":16,"k":9216,"dtype":"bf16"})");
  EXPECT_EQ(std::get<core::GemmShape>(gemm).k, 9216);
  const core::OpPart spmm = parse_op_json(R"({"op":"spmm","m":4096,"n":16,"k":4096,"sparsity":0.8})");
  EXPECT_EQ(std::get<core::SpmmShape>(spmm).sparsity, 0.8);
  EXPECT_EQ(std::get<core::SpmmShape>(spmm).dtype, core::DType::fp16);
  const core::OpPart attn =
      parse_op_json(R"({"op":"attention_fwd","q_len":1024,"kv_len":8192,"batch":3,"heads_q":32,"head_dim":128})");
  EXPECT_EQ(std::get<core::AttentionShape>(attn).seqs.size(), 3u);
  EXPECT_EQ(std::get<core::AttentionShape>(attn).heads_kv, 32);
  for (const core::OpPart& part : {gemm, spmm, attn, parse_op_json(R"({"op":"memcpy","bytes":1024})")}) {
    EXPECT_EQ(op_to_json_text(parse_op_json(op_to_json_text(part))), op_to_json_text(part));
  }
}

TEST(CostOpJson, RejectsUnknownKeysAndBadValues) {
  EXPECT_THROW(parse_op_json(R"({"op":"gemm","m":1,"n":1,"k":1,"mm":2})"), core::InputError);
  EXPECT_THROW(parse_op_json(R"({"op":"gemm","m":-1,"n":1,"k":1})"), core::InputError);
  EXPECT_THROW(parse_op_json(R"({"op":"conv","m":1})"), core::InputError);
  try {
    parse_op_json(R"({"op":"attention","q_len":10,"kv_len":5,"heads_q":8,"head_dim":64})");
    FAIL() << "expected InputError";
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--op: $: q_len must be <= kv_len with a causal mask");
  }
}

}  // namespace
}  // namespace lcperf::cost

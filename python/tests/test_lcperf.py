"""The Python module against the `lcperf` command: the same scenario, op or sweep must
give the same numbers through both (python/README.md). Run by ctest (tools/test.sh)
with Debian's python3, PYTHONPATH at the built module and LCPERF_BIN at the command."""
import json
import os
import pathlib
import subprocess

import pytest

import lcperf

ROOT = pathlib.Path(__file__).resolve().parents[2]
LCPERF = os.environ.get("LCPERF_BIN", str(ROOT / "build" / "lcperf"))
SMOKE = ROOT / "scenarios" / "smoke" / "llama3-8b-8xh200-1f1b.json"
SERVING = ROOT / "scenarios" / "serving" / "qwen2.5-7b-h200-azure-conv.json"
GEMM = {"op": "gemm", "m": 4096, "n": 16, "k": 9216, "dtype": "bf16"}


def cli_json(tmp_path, *args):
    """Runs the command with --out and returns its result.json."""
    out = tmp_path / "cli"
    subprocess.run([LCPERF, *args, "--out", str(out), "--quiet"], check=True)
    return json.loads((out / "result.json").read_text())


def test_simulate_a_dict_gives_the_commands_result(tmp_path):
    expected = cli_json(tmp_path, "simulate", str(SMOKE))
    result = lcperf.simulate(json.loads(SMOKE.read_text()))
    assert result["iteration_time_s"] == expected["iteration_time_s"]
    assert result["mfu"] == expected["mfu"]
    assert result["iteration_time_s"] > 0


def test_overrides_act_like_set(tmp_path):
    expected = cli_json(tmp_path, "simulate", str(SMOKE), "--set", "parallel.num_micro_batches=16")
    as_dict = lcperf.simulate(str(SMOKE), overrides={"parallel.num_micro_batches": 16})
    as_list = lcperf.simulate(SMOKE, overrides=["parallel.num_micro_batches=16"])
    assert as_dict["iteration_time_s"] == expected["iteration_time_s"] == as_list["iteration_time_s"]
    # twice the micro-batches of the same size: more tokens, a longer iteration
    assert as_dict["iteration_time_s"] > lcperf.simulate(SMOKE)["iteration_time_s"]


def test_cost_of_a_gemm_is_what_the_command_prints():
    printed = subprocess.run([LCPERF, "cost", "--device", "h200", "--op", json.dumps(GEMM)],
                             check=True, capture_output=True, text=True).stdout
    expected = json.loads(printed)
    result = lcperf.cost("h200", GEMM)
    assert result == expected
    assert result["flops"] == 2 * GEMM["m"] * GEMM["n"] * GEMM["k"]


def test_replay_gives_the_commands_result(tmp_path):
    expected = cli_json(tmp_path, "replay", str(SERVING), "--set", "workload.max_requests=40")
    result = lcperf.replay(SERVING, overrides={"workload.max_requests": 40})
    for key, value in expected.items():
        if key != "wall_time_s" and not isinstance(value, dict):
            assert result[key] == value, key


def test_sweep_rows_equal_single_simulations(tmp_path):
    sweep = {"name": "python-test", "base": str(SMOKE),
             "axes": {"parallel.num_micro_batches": [4, 8]},
             "objective": {"maximize": "tokens_per_s"}}
    answer = lcperf.sweep(sweep, out=str(tmp_path / "sweep"), jobs=2)
    rows = {row["config"]["parallel.num_micro_batches"]: row for row in answer["results"]}
    assert sorted(rows) == [4, 8]
    for micro_batches, row in rows.items():
        single = lcperf.simulate(SMOKE, overrides={"parallel.num_micro_batches": micro_batches})
        assert row["iteration_time_s"] == pytest.approx(single["iteration_time_s"], rel=1e-12)
    assert (tmp_path / "sweep" / "best.json").exists()


def test_bad_input_is_a_value_error_naming_the_rule():
    scenario = json.loads(SMOKE.read_text())
    scenario["parallel"]["tp"] = 3
    with pytest.raises(ValueError) as raised:
        lcperf.simulate(scenario)
    assert isinstance(raised.value, lcperf.InputError)
    assert "tp" in str(raised.value)
    with pytest.raises(ValueError):
        lcperf.cost("h200", {"op": "gemm", "m": -1, "n": 16, "k": 16})

#!/usr/bin/env python3
"""Refits the two fitted serving-stack figures (cost_models/stacks/) on their fit rows of
validation/measured/serving-h100-a100.jsonl and prints them; run it whenever the pricing
of a decode or prefill step changes (device profiles, GEMM or collective pricing).

  scripts/fit-serving-stacks.py build/lcperf

- nim-trtllm step_s: the NIM 1.8.0 c=1 5000/500 row's measured ITL minus lcperf's ITL of
  that row with step_s = 0 (at c=1 the ITL is one decode step, so the difference is the
  step's missing host time).
- cpp-engine request_s: least squares of the relative TTFT error over the four ISL-128
  first-token rows, from lcperf's TTFTs with request_s = 0 (TTFT = those + request_s):
  request_s = sum(gap / m^2) / sum(1 / m^2), gap = measured - simulated.

Every other row checks the fit. The profiles are copied to a temporary folder with the
fitted figures zeroed (LCPERF_STACK_DIR); nothing in the tree is written.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SET = os.path.join(ROOT, "validation", "measured", "serving-h100-a100.jsonl")
NIM_FIT_ROW = "nim-1.8.0/llama3.3-70b/fp8/tp2/isl5000-osl500/c1"
CPP_FIT_ROWS = [
    "trtllm-v0.5/first-token/h100/fp8/llama-70b/tp4/isl128",
    "trtllm-v0.5/first-token/a100/fp16/llama-7b/tp1/isl128",
    "trtllm-v0.5/first-token/a100/fp16/llama-70b/tp4/isl128",
    "trtllm-v0.5/first-token/h100/fp8/llama-7b/tp1/isl128",
]


def simulated(lcperf, stacks, out):
    env = dict(os.environ, LCPERF_STACK_DIR=stacks)
    subprocess.run([lcperf, "compare", SET, "--out", out, "--jobs", "2"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, "compare.json")) as f:
        rows = json.load(f)["rows"]
    return {(r["id"], m["metric"]): (m["measured"], m["simulated"]) for r in rows for m in r["metrics"]}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    lcperf = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        stacks = os.path.join(tmp, "stacks")
        shutil.copytree(os.path.join(ROOT, "cost_models", "stacks"), stacks)
        for name, key in (("nim-trtllm", "step_s"), ("cpp-engine", "request_s")):
            path = os.path.join(stacks, name + ".json")
            with open(path) as f:
                profile = json.load(f)
            profile[key]["value"] = 0.0
            with open(path, "w") as f:
                json.dump(profile, f)
        got = simulated(lcperf, stacks, os.path.join(tmp, "out"))
    measured, sim = got[(NIM_FIT_ROW, "tpot_mean_s")]
    print(f"nim-trtllm step_s = {measured - sim:.6g} s  (ITL measured {measured * 1e3:.3f} ms, "
          f"simulated with step_s = 0: {sim * 1e3:.3f} ms)")
    num = den = 0.0
    for row in CPP_FIT_ROWS:
        m, s = got[(row, "ttft_p50_s")]
        num += (m - s) / (m * m)
        den += 1.0 / (m * m)
        print(f"  {row}: TTFT measured {m * 1e3:.3f} ms, simulated with request_s = 0: {s * 1e3:.3f} ms")
    print(f"cpp-engine request_s = {num / den:.6g} s  (least squares of the relative TTFT error)")


if __name__ == "__main__":
    main()

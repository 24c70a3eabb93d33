#!/usr/bin/env python3
"""How the iteration time and MFU of the smoke scenario (Llama-3-8B, 8 H200, TP2 PP2 DP2,
1F1B) change with the number of micro-batches, and what one GEMM of it costs.

    PYTHONPATH=build/python /usr/bin/python3 python/examples/micro_batches.py
"""
import json
import pathlib

import lcperf

root = pathlib.Path(__file__).resolve().parents[2]
scenario = json.loads((root / "scenarios/smoke/llama3-8b-8xh200-1f1b.json").read_text())

print(f"{'micro-batches':>13}  {'iteration s':>11}  {'MFU':>6}  {'bubble':>6}")
for micro_batches in (4, 8, 16, 32):
    scenario["parallel"]["num_micro_batches"] = micro_batches
    result = lcperf.simulate(scenario)
    print(f"{micro_batches:>13}  {result['iteration_time_s']:>11.3f}  {result['mfu']:>6.3f}  "
          f"{result['bubble_ratio']:>6.3f}")

gemm = lcperf.cost("h200", {"op": "gemm", "m": 8192, "n": 4096, "k": 4096, "dtype": "bf16"})
print(f"GEMM 8192x4096x4096 bf16 on h200: {gemm['time_s'] * 1e6:.1f} us ({gemm['model']})")

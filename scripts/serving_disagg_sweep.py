#!/usr/bin/env python3
"""P:D ratio sweep of disaggregated serving (reports/serving-disagg-pd-ratio.md).

Runs scenarios/serving/llama3-70b-h100-disagg-mooncake.json with --set overrides: 2, 3
and 4 DGX H100 nodes, every split of their TP8 instances into a prefill and a decode
pool, and the colocated engine on the same GPUs (the scenario without its
disaggregation section, one TP8 instance per node group of 8 GPUs), each at several
arrival rates (workload.time_scale: rate multiplier = 1 / time_scale). Prints one
markdown table row per run and, per configuration, the highest rate whose TTFT p90 and
TPOT p90 meet the SLO.

--prefix-cache runs llama3-70b-h100-disagg-mooncake-prefix-cache.json instead (prefix
caching on the prefill pool, prefix_aware routing; the colocated engine caches on every
instance and routes prefix_aware too); --nodes and --rates narrow the sweep.

usage: scripts/serving_disagg_sweep.py LCPERF OUT_DIR [--requests N] [--jobs J] [--prefix-cache]
                                       [--nodes 2,3,4] [--rates 0.5,1.0]
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = os.path.join(ROOT, "scenarios", "serving", "llama3-70b-h100-disagg-mooncake.json")
CACHED_SCENARIO = os.path.join(ROOT, "scenarios", "serving", "llama3-70b-h100-disagg-mooncake-prefix-cache.json")
RATES = [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 1.0]  # multipliers of the trace's own arrival rate
SLO_TTFT_P90_S = 5.0
SLO_TPOT_P90_S = 0.050


def configs(node_counts=(2, 3, 4)):
    for nodes in node_counts:
        for prefill in range(1, nodes):
            yield {"nodes": nodes, "name": f"{prefill}P:{nodes - prefill}D", "prefill": prefill, "decode": nodes - prefill}
        yield {"nodes": nodes, "name": f"colocated x{nodes}", "prefill": 0, "decode": 0}


def colocated_scenario(out_dir, scenario):
    with open(scenario) as f:
        s = json.load(f)
    del s["serving"]["disaggregation"]
    s["name"] = "llama3-70b-h100-colocated-mooncake"
    s["parallel"] = {"tp": 8}
    cached = s["serving"].get("prefix_cache", {}).get("enabled", False)
    s["serving"]["routing"] = "prefix_aware" if cached else "least_outstanding_tokens"
    s["workload"]["trace"] = os.path.join(ROOT, "traces", "data", "serving", "mooncake-conversation.jsonl")
    path = os.path.join(out_dir, "colocated.json")
    with open(path, "w") as f:
        json.dump(s, f, indent=2)
    return path


def run(lcperf, out_dir, scenario, colocated, requests, config, rate):
    tag = f"{config['name'].replace(':', '-').replace(' ', '')}-n{config['nodes']}-r{rate}"
    out = os.path.join(out_dir, tag)
    sets = [f"cluster.nodes={config['nodes']}", f"workload.max_requests={requests}",
            f"workload.time_scale={1.0 / rate}"]
    if config["prefill"] > 0:
        sets += [f"serving.disaggregation.prefill.instances={config['prefill']}",
                 f"serving.disaggregation.decode.instances={config['decode']}"]
    else:
        scenario = colocated
        sets += [f"serving.instances={config['nodes']}"]
    args = [lcperf, "simulate", scenario, "--quiet", "--out", out]
    for s in sets:
        args += ["--set", s]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr}")
    with open(os.path.join(out, "result.json")) as f:
        return config, rate, json.load(f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("lcperf")
    parser.add_argument("out_dir")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--prefix-cache", action="store_true")
    parser.add_argument("--nodes", default="2,3,4")
    parser.add_argument("--rates", default=",".join(str(r) for r in RATES))
    a = parser.parse_args()
    node_counts = [int(n) for n in a.nodes.split(",")]
    rates = [float(r) for r in a.rates.split(",")]
    scenario = CACHED_SCENARIO if a.prefix_cache else SCENARIO
    os.makedirs(a.out_dir, exist_ok=True)
    colocated = colocated_scenario(a.out_dir, scenario)
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        futures = [pool.submit(run, a.lcperf, a.out_dir, scenario, colocated, a.requests, c, r)
                   for c in configs(node_counts) for r in rates]
        results = [f.result() for f in futures]
    print("| nodes | config | rate x | req/s | TTFT p50 / p90 s | TPOT p50 / p90 ms | output tok/s | KV transfer p50 / p90 ms | decode peak KV GiB | token hit rate | SLO |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    best = {}
    for config, rate, j in results:
        duration = j["duration_s"]
        ok = j["ttft_s"]["p90"] <= SLO_TTFT_P90_S and j["tpot_s"]["p90"] <= SLO_TPOT_P90_S and j["rejected"] == 0
        key = (config["nodes"], config["name"])
        if ok:
            best[key] = max(best.get(key, 0), rate)
        d = j.get("disaggregation")
        transfer = (f"{d['kv_transfer']['transfer_s']['p50'] * 1e3:.1f} / {d['kv_transfer']['transfer_s']['p90'] * 1e3:.1f}"
                    if d else "-")
        decode_kv = f"{d['decode']['peak_kv_bytes'] / 2**30:.1f}" if d else f"{j['peak_kv_bytes'] / 2**30:.1f}"
        hits = f"{j['prefix_cache']['token_hit_rate']:.3f}" if "prefix_cache" in j else "-"
        print(f"| {config['nodes']} | {config['name']} | {rate} | {j['completed'] / duration:.2f} | "
              f"{j['ttft_s']['p50']:.2f} / {j['ttft_s']['p90']:.2f} | {j['tpot_s']['p50'] * 1e3:.1f} / "
              f"{j['tpot_s']['p90'] * 1e3:.1f} | {j['output_tokens_per_s']:.0f} | {transfer} | {decode_kv} | "
              f"{hits} | {'yes' if ok else 'no'} |")
    print()
    print(f"Highest rate multiplier meeting TTFT p90 <= {SLO_TTFT_P90_S} s and TPOT p90 <= {SLO_TPOT_P90_S * 1e3:.0f} ms:")
    print()
    for config in configs(node_counts):
        key = (config["nodes"], config["name"])
        print(f"- {config['nodes']} nodes, {config['name']}: {best.get(key, 'none of the rates')}")


if __name__ == "__main__":
    main()

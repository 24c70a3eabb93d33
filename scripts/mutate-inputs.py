#!/usr/bin/env python3
"""Deterministic mutation run of `lcperf simulate` / `lcperf replay` over shipped inputs.

Every mutated input must end in exit 0 or exit 2 (bad input, with a message); exit 1
("internal failure"), a signal or a timeout on a mutated input is a defect. The mutation
classes are those of the reliability issues: truncations, byte flips, type swaps,
extreme numbers (in the file and through --set into the resolved model/hardware), deleted
keys, and byte-level mutations of a serving trace given with --trace.

    scripts/mutate-inputs.py --lcperf build/lcperf --cases 3000 --jobs 2
    scripts/mutate-inputs.py --lcperf build/lcperf --cases 300 --keep /tmp/defects

Prints the exit-code histogram per class, and each defect's first stderr line (grouped).
The same --seed gives the same inputs. Exit status: 0 when there were no defects.
The test suite runs a short in-process version of the same classes
(tests/core/scenario_mutation_test.cpp).
"""
import argparse
import collections
import concurrent.futures
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = [
    "scenarios/smoke/llama3-8b-8xh200-1f1b.json",
    "scenarios/serving/qwen2.5-7b-h200-azure-conv.json",
    "scenarios/distkv/llama2-13b-a100x2-tp1-distkv-smoke.json",
]
TRACE = "traces/data/serving/azure-conv-2023.csv"
EXTREMES = ["1e309", "-1e309", "1e400", "0", "-1", "-0", "1e-300", "1e-9", "0.5", "2147483648", "4294967296",
            "9223372036854775808", "18446744073709551616", "1e19", "65537", "1e15", "2.5", "true", "null", "\"\"",
            "[]", "{}"]
SWAPS = ["\"x\"", "1", "1.5", "true", "null", "[]", "{}", "[1]", "{\"a\": 1}"]
BYTES = "{}[]\":,.-+eE0123456789 \\tnulfasx\x01\x7f\xff\xc3\ufeff"
SET_PATHS = ["cluster.hardware." + k for k in (
    "peak_bf16_flops", "peak_fp16_flops", "peak_fp8_flops", "peak_fp32_flops", "hbm_bytes",
    "hbm_bandwidth_bytes_per_s", "nvlink_bandwidth_bytes_per_s", "nvlink_latency_s", "pcie_bandwidth_bytes_per_s",
    "pcie_latency_s", "nic_bandwidth_bytes_per_s", "nic_latency_s", "host_memory_bytes",
    "host_memory_bandwidth_bytes_per_s", "kernel_launch_latency_s")] + ["model." + k for k in (
        "layers", "hidden", "heads", "kv_heads", "head_dim", "ffn_hidden", "vocab", "max_context")] + [
    "cluster.nodes", "cluster.gpus_per_node", "cluster.nics_per_node", "cluster.oversubscription",
    "cluster.switch_latency_s", "parallel.tp", "parallel.pp", "parallel.num_micro_batches", "seed"]


def leaf_paths(value, path=()):
    """Every path into the document (objects and arrays included), as tuples of keys/indices."""
    out = [path] if path else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += leaf_paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += leaf_paths(v, path + (i,))
    return out


def get_at(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def set_raw(doc, path, raw):
    """Sets `path` to a placeholder, dumps, and splices `raw` text in (for 1e309 and friends)."""
    doc = copy.deepcopy(doc)
    marker = "__LCPERF_MUTATION__"
    parent = get_at(doc, path[:-1])
    parent[path[-1]] = marker
    return json.dumps(doc, indent=1).replace('"' + marker + '"', raw)


def mutate(kind, text, doc, rng):
    """Returns (file text, extra CLI args, a short description)."""
    if kind == "truncate":
        at = rng.randrange(len(text))
        return text[:at], [], f"cut at byte {at}"
    if kind == "byteflip":
        at = rng.randrange(len(text))
        c = chr(rng.randrange(256)) if rng.random() < 0.25 else rng.choice(BYTES)
        return text[:at] + c + text[at + 1:], [], f"byte {at} -> {c!r}"
    if kind == "typeswap":
        path = rng.choice(leaf_paths(doc))
        raw = rng.choice(SWAPS)
        return set_raw(doc, path, raw), [], f"{'.'.join(map(str, path))} = {raw}"
    if kind == "extreme":
        numeric = [p for p in leaf_paths(doc) if isinstance(get_at(doc, p), (int, float)) and
                   not isinstance(get_at(doc, p), bool)]
        raw = rng.choice(EXTREMES)
        if numeric and rng.random() < 0.5:
            path = rng.choice(numeric)
            return set_raw(doc, path, raw), [], f"{'.'.join(map(str, path))} = {raw}"
        path = rng.choice(SET_PATHS)
        return text, ["--set", f"{path}={raw}"], f"--set {path}={raw}"
    if kind == "delete":
        path = rng.choice([p for p in leaf_paths(doc) if isinstance(p[-1], str)] or [()])
        doc = copy.deepcopy(doc)
        if path:
            del get_at(doc, path[:-1])[path[-1]]
        return json.dumps(doc, indent=1), [], f"deleted {'.'.join(map(str, path))}"
    raise ValueError(kind)


def mutate_trace(trace_lines, rng):
    text = "".join(trace_lines)
    choice = rng.randrange(4)
    if choice == 0:
        at = rng.randrange(len(text))
        return text[:at], f"trace cut at byte {at}"
    if choice == 1:
        at = rng.randrange(len(text))
        c = rng.choice(BYTES)
        return text[:at] + c + text[at + 1:], f"trace byte {at} -> {c!r}"
    if choice == 2:
        line = 1 + rng.randrange(len(trace_lines) - 1)
        fields = trace_lines[line].rstrip("\n").split(",")
        col = rng.randrange(len(fields))
        fields[col] = rng.choice(EXTREMES + ["1e300", "2020-01-01 00:00:00", "nan", "inf"])
        lines = list(trace_lines)
        lines[line] = ",".join(fields) + "\n"
        return "".join(lines), f"trace line {line + 1} field {col} = {fields[col]}"
    return "\ufeff" + text, "trace with a byte-order mark"


def run_case(lcperf, work, index, case, timeout):
    folder = os.path.join(work, f"case{index}")
    os.makedirs(folder)
    args = [lcperf, case["command"]]
    scenario = os.path.join(folder, "scenario.json")
    with open(scenario, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(case["text"])
    args += [scenario, "--out", os.path.join(folder, "out"), "-q"] + case["args"]
    if "trace" in case:
        trace = os.path.join(folder, "trace.csv")
        with open(trace, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(case["trace"])
        args += ["--trace", trace]
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, cwd=folder)
        code = done.returncode
        outcome = f"exit {code}" if code >= 0 else f"signal {-code}"
        err = done.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        outcome, err = "timeout", (e.stderr or b"").decode("utf-8", "replace")
    shutil.rmtree(folder, ignore_errors=True)
    first = next((line for line in err.splitlines() if line.strip()), "")
    return outcome, first[:240]


def make_cases(count, seed):
    rng = random.Random(seed)
    sources = []
    for rel in SCENARIOS:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
            text = f.read()
        doc = json.loads(text)
        # Ids and relative paths must still resolve from a temporary folder.
        if isinstance(doc.get("workload"), dict) and isinstance(doc["workload"].get("trace"), str):
            trace = doc["workload"]["trace"]
            beside = os.path.join(os.path.dirname(os.path.join(ROOT, rel)), trace)
            if os.path.exists(beside):
                doc["workload"]["trace"] = os.path.abspath(beside)
        sources.append((rel, json.dumps(doc, indent=1), doc))
    with open(os.path.join(ROOT, TRACE), encoding="utf-8") as f:
        trace_lines = [next(f) for _ in range(60)]
    kinds = ["truncate", "byteflip", "typeswap", "extreme", "delete", "trace"]
    cases = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        if kind == "trace":
            rel, text, doc = next(s for s in sources if "serving/" in s[0])
            trace, what = mutate_trace(trace_lines, rng)
            cases.append({"kind": kind, "source": rel, "command": "replay", "text": text, "args": [],
                          "trace": trace, "what": what})
            continue
        rel, text, doc = sources[rng.randrange(len(sources))]
        mutated, args, what = mutate(kind, text, doc, rng)
        cases.append({"kind": kind, "source": rel, "command": "simulate", "text": mutated, "args": args, "what": what})
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lcperf", default=os.path.join(ROOT, "build", "lcperf"))
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case before it counts as a hang")
    parser.add_argument("--keep", help="folder to copy each defect's input into")
    parser.add_argument("--log", help="JSON lines file: each case's index, class, mutation and outcome")
    options = parser.parse_args()
    lcperf = os.path.abspath(options.lcperf)
    cases = make_cases(options.cases, options.seed)
    histogram = collections.Counter()
    by_kind = collections.defaultdict(collections.Counter)
    defects = collections.Counter()
    log = open(options.log, "w", encoding="utf-8") if options.log else None
    with tempfile.TemporaryDirectory(prefix="lcperf-mutate-") as work:
        with concurrent.futures.ThreadPoolExecutor(max_workers=options.jobs) as pool:
            futures = {pool.submit(run_case, lcperf, work, i, c, options.timeout): i for i, c in enumerate(cases)}
            for future in concurrent.futures.as_completed(futures):
                i = futures[future]
                outcome, first = future.result()
                case = cases[i]
                histogram[outcome] += 1
                if log:
                    log.write(json.dumps({"case": i, "kind": case["kind"], "source": case["source"],
                                          "what": case["what"], "outcome": outcome, "stderr": first}) + "\n")
                    log.flush()
                by_kind[case["kind"]][outcome] += 1
                if outcome not in ("exit 0", "exit 2"):
                    defects[(outcome, first)] += 1
                    if options.keep:
                        os.makedirs(options.keep, exist_ok=True)
                        with open(os.path.join(options.keep, f"case{i}.json"), "w", encoding="utf-8",
                                  errors="surrogateescape") as f:
                            f.write(case["text"])
                        if "trace" in case:
                            with open(os.path.join(options.keep, f"case{i}.trace.csv"), "w", encoding="utf-8",
                                      errors="surrogateescape") as f:
                                f.write(case["trace"])
                    print(f"DEFECT case {i} ({case['kind']}, {case['source']}, {case['what']}): {outcome}: {first}",
                          file=sys.stderr)
    print(f"{len(cases)} mutated inputs through {lcperf}")
    print("outcomes: " + ", ".join(f"{k}: {v}" for k, v in sorted(histogram.items())))
    for kind, counts in sorted(by_kind.items()):
        print(f"  {kind:9s} " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    if defects:
        print("defects (outcome, first stderr line, count):")
        for (outcome, first), n in defects.most_common():
            print(f"  {n:5d}  {outcome}: {first}")
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())

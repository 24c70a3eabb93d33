{
  "format_version": 1,
  "device": "one x86-64 CPU core, lcperf fp32 reference kernels",
  "hardware": "cpu-core",
  "notes": "ROUGH, made by hand for the live CPU backend tests until `lcperf profile --backend cpu` + `lcperf calibrate` produce a measured one: efficiencies relative to the nominal 64 GFLOP/s and 16 GB/s of scenarios/live/cpu-core.hardware, read off single-threaded timings (then each class scaled by the median simulated/measured ratio of one `lcperf validate` run of the tiny-256 PP2xDP1 scenarios, so errors on those scenarios are in-sample; then x0.75, splitting the difference between a quiet and a loaded moment of the shared 2-core machine, whose live timings varied about 2x with load) of backends/cpu/op_executor on the tiny-256 shapes on the 2-core CI machine (GEMM falls from ~0.8 to ~0.15 once B no longer fits in L2; the reference attention runs near 1 GFLOP/s). Collectives: thread hand-off latencies, no bandwidth caps.",
  "provenance": {
    "source": "datasheet+published anchors",
    "date": "2026-12-01",
    "driver": "",
    "cuda": "",
    "libraries": {}
  },
  "gemm": {
    "compute_efficiency": {
      "size": "flops",
      "points": [
        [
          1000000.0,
          0.4515
        ],
        [
          34000000.0,
          0.6773
        ],
        [
          67000000.0,
          0.4064
        ],
        [
          100000000.0,
          0.1535
        ],
        [
          400000000.0,
          0.1355
        ],
        [
          2000000000.0,
          0.1084
        ]
      ]
    },
    "memory_efficiency": {
      "size": "bytes",
      "points": [
        [
          65536.0,
          0.9
        ],
        [
          16777216.0,
          0.9
        ]
      ]
    },
    "min_latency_s": 2e-06
  },
  "attention_fwd": {
    "compute_efficiency": {
      "size": "kv_len",
      "points": [
        [
          128.0,
          0.0485
        ],
        [
          1024.0,
          0.0388
        ]
      ]
    },
    "compute_efficiency_full_mask": {
      "size": "kv_len",
      "points": [
        [
          128.0,
          0.0485
        ],
        [
          1024.0,
          0.0388
        ]
      ]
    },
    "memory_efficiency": {
      "size": "bytes",
      "points": [
        [
          65536.0,
          0.9
        ],
        [
          16777216.0,
          0.9
        ]
      ]
    },
    "min_latency_s": 2e-06
  },
  "attention_bwd": {
    "compute_efficiency": {
      "size": "kv_len",
      "points": [
        [
          128.0,
          0.0701
        ],
        [
          1024.0,
          0.0543
        ]
      ]
    },
    "compute_efficiency_full_mask": {
      "size": "kv_len",
      "points": [
        [
          128.0,
          0.0701
        ],
        [
          1024.0,
          0.0543
        ]
      ]
    },
    "memory_efficiency": {
      "size": "bytes",
      "points": [
        [
          65536.0,
          0.9
        ],
        [
          16777216.0,
          0.9
        ]
      ]
    },
    "min_latency_s": 2e-06
  },
  "attention_decode": {
    "compute_efficiency": {
      "size": "kv_len",
      "points": [
        [
          128.0,
          0.0112
        ],
        [
          1024.0,
          0.0112
        ]
      ]
    },
    "memory_efficiency": {
      "size": "bytes",
      "points": [
        [
          65536.0,
          0.9
        ],
        [
          16777216.0,
          0.9
        ]
      ]
    },
    "min_latency_s": 2e-06
  },
  "elementwise": {
    "compute_efficiency": {
      "size": "flops",
      "points": [
        [
          1.0,
          0.25
        ]
      ]
    },
    "memory_efficiency": {
      "size": "bytes",
      "points": [
        [
          65536.0,
          0.4451
        ],
        [
          16777216.0,
          0.4451
        ]
      ]
    },
    "min_latency_s": 2e-06
  },
  "spmm": {
    "compute_efficiency": {
      "size": "flops",
      "points": [
        [
          1000000.0,
          0.0375
        ],
        [
          1000000000.0,
          0.0375
        ]
      ]
    },
    "memory_efficiency": {
      "size": "bytes",
      "points": [
        [
          65536.0,
          0.9
        ],
        [
          16777216.0,
          0.9
        ]
      ]
    },
    "min_latency_s": 2e-06
  },
  "memcpy": {
    "compute_efficiency": {
      "size": "flops",
      "points": [
        [
          1.0,
          0.25
        ]
      ]
    },
    "memory_efficiency": {
      "size": "bytes",
      "points": [
        [
          65536.0,
          0.6
        ],
        [
          16777216.0,
          0.6
        ]
      ]
    },
    "min_latency_s": 2e-06
  },
  "collective": {
    "nvlink_efficiency": 1.0,
    "net_efficiency": 1.0,
    "ring": {
      "ll": {
        "base_latency_s": 3e-05,
        "intra_hop_latency_s": 1e-05,
        "inter_hop_latency_s": 5e-05,
        "bus_efficiency": 1.0,
        "max_bus_bw_bytes_per_s": 0.0
      },
      "ll128": {
        "base_latency_s": 3e-05,
        "intra_hop_latency_s": 1e-05,
        "inter_hop_latency_s": 5e-05,
        "bus_efficiency": 1.0,
        "max_bus_bw_bytes_per_s": 0.0
      },
      "simple": {
        "base_latency_s": 3e-05,
        "intra_hop_latency_s": 1e-05,
        "inter_hop_latency_s": 5e-05,
        "bus_efficiency": 1.0,
        "max_bus_bw_bytes_per_s": 0.0
      }
    },
    "tree": {
      "ll": {
        "base_latency_s": 3e-05,
        "intra_hop_latency_s": 1e-05,
        "inter_hop_latency_s": 5e-05,
        "bus_efficiency": 1.0,
        "max_bus_bw_bytes_per_s": 0.0
      },
      "ll128": {
        "base_latency_s": 3e-05,
        "intra_hop_latency_s": 1e-05,
        "inter_hop_latency_s": 5e-05,
        "bus_efficiency": 1.0,
        "max_bus_bw_bytes_per_s": 0.0
      },
      "simple": {
        "base_latency_s": 3e-05,
        "intra_hop_latency_s": 1e-05,
        "inter_hop_latency_s": 5e-05,
        "bus_efficiency": 1.0,
        "max_bus_bw_bytes_per_s": 0.0
      }
    },
    "p2p": {
      "intra_latency_s": 2e-05,
      "inter_latency_s": 5e-05
    }
  }
}

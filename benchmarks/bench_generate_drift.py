"""How far two separate generation runs of the same loop drift apart, fresh or forked.

    python benchmarks/bench_generate_drift.py [--rounds 3] [--batch 4] [--generations 5]

gpt2 (random weights from its config), fp32 on the CPU, 2 threads, 128 prompt tokens and 32 new
ones: bench_generate.py's reference loop (`reference_tpot`: prefill, then 31 decode steps with the
KV cache, timed as one block with perf_counter; TPOT = decode time / 31), after one untimed
generation. Each round runs it twice, alternating: in a fresh interpreter, and in a child forked
from an interpreter that imported torch and transformers and never ran a model (what the
runner's zygote does before forking a worker). Prints one JSON line per side with the 1-minute
load average, the median TPOT and every generation's TPOT. The spread between rounds is the
floor under any comparison of two runs made at different times (docs/benchmarks.md, "Generation").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys


def reference_loop(batch: int, generations: int) -> list[float]:
    """bench_generate's reference loop on gpt2 built from its config, after one warm-up."""
    import torch
    from bench_generate import reference_tpot
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config()).eval()
    return reference_tpot(model, batch, warmup=1, repeats=generations)[1]


def side(mode: str, batch: int, generations: int) -> list[float]:
    """One side, run inside this (fresh) process: directly, or in a forked child."""
    import torch  # noqa: F401  (imported before the fork, as the zygote does)
    import transformers  # noqa: F401

    if mode == "fresh":
        return reference_loop(batch, generations)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, json.dumps(reference_loop(batch, generations)).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 1 << 16):
        data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--generations", type=int, default=5)
    parser.add_argument("--side", choices=("fresh", "forked"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        tpot = side(args.side, args.batch, args.generations)
        print(json.dumps({"mode": args.side, "median_tpot_ms": statistics.median(tpot),
                          "tpot_ms": [round(t, 2) for t in tpot]}))  # fmt: skip
        return
    for _ in range(args.rounds):
        for mode in ("fresh", "forked"):
            load = os.getloadavg()[0]
            command = [sys.executable, __file__, "--side", mode, "--batch", str(args.batch),
                       "--generations", str(args.generations)]  # fmt: skip
            answer = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)
            print(json.dumps({"load_avg_1m": round(load, 2), **answer}), flush=True)


if __name__ == "__main__":
    main()

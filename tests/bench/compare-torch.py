#!/usr/bin/python3
"""Runs librnc's bench-rnc and PyTorch on the same shapes, in one run, and
prints the ratio ours / torch per case (lower is better).

    /usr/bin/python3 tests/bench/compare-torch.py --bench build/tests/bench/bench-rnc
        [--rounds 3] [--reps 5] [--case NAME ...] [--json out.json]
        [--threads 1|2] [--torch-core SkylakeX]

Torch runs on one thread (torch.set_num_threads(1)) with OpenBLAS's best
kernels for this CPU: OPENBLAS_CORETYPE is set to SkylakeX (or --torch-core)
before torch loads, whatever the caller's environment says. bench-rnc runs in
a child process without that variable: the library must do well on its own. Every case runs in
--rounds alternating rounds (ours, torch, ours, torch, ...), each round
timing --reps runs after a warm-up; the best time per side counts, so a
neighbour's burst of load on a shared machine spoils one round, not the
ratio. Streaming cases are timed per step (one call per frame: rnc_forward
on one frame; torch.nn.LSTMCell / RNNCell from Python).
"""

import argparse
import json
import os
import subprocess
import sys
import time

_core = "SkylakeX"
for _i, _a in enumerate(sys.argv):
    if _a == "--torch-core" and _i + 1 < len(sys.argv):
        _core = sys.argv[_i + 1]
os.environ["OPENBLAS_CORETYPE"] = _core
os.environ["OMP_NUM_THREADS"] = "1"

import torch  # noqa: E402  (after the environment is set)

# name: (cell, kind, N, T, D, H, Q, target ratio or None, prototype ms or None)
# prototype: the hand-written C prototype of issue 7 (per run, or per step in
# us for streaming); our figure must stay within 1.5x of it.
CASES = {
    "lstm-seq-h32": ("lstm", "seq", 1, 1000, 1, 32, 0, 0.05, 0.21),
    "lstm-seq-h256": ("lstm", "seq", 1, 1000, 64, 256, 0, 0.35, 13.1),
    "lstm-batch32-h256": ("lstm", "seq", 32, 100, 64, 256, 0, 0.6, None),
    "lstm-stream-h32": ("lstm", "stream", 1, 1000, 1, 32, 0, 0.03, 0.22),
    "lstm-stream-h256": ("lstm", "stream", 1, 200, 64, 256, 0, 0.25, 16.0),
    "rnn-seq-h32": ("rnn", "seq", 1, 1000, 1, 32, 0, 0.05, None),
    "rnn-seq-h256": ("rnn", "seq", 1, 1000, 64, 256, 0, 0.35, None),
    "rnn-batch32-h256": ("rnn", "seq", 32, 100, 64, 256, 0, 0.6, None),
    "rnn-stream-h32": ("rnn", "stream", 1, 1000, 1, 32, 0, 0.03, None),
    "rnn-stream-h256": ("rnn", "stream", 1, 200, 64, 256, 0, 0.25, None),
    "lstm-batch64-h1024": ("lstm", "seq", 64, 50, 256, 1024, 0, 0.6, None),
    "lstm-seq-h1024": ("lstm", "seq", 1, 200, 256, 1024, 0, None, None),
    "lstm-stream-h1024": ("lstm", "stream", 1, 100, 256, 1024, 0, None, None),
    "word-ids": ("lstm", "ids", 1, 1000, 4357, 256, 4357, None, None),
    "word-onehot": ("lstm", "onehot", 1, 1000, 4357, 256, 4357, None, None),
}


def best_of(fn, reps):
    fn()  # warm-up
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def torch_runner(name, variant="plain"):
    """A closure running the torch equivalent of case @name once."""
    cell, kind, N, T, D, H, Q, _, _ = CASES[name]
    g = torch.Generator().manual_seed(0)
    if kind == "stream":
        mod = (torch.nn.LSTMCell if cell == "lstm" else torch.nn.RNNCell)(D, H)
        xs = [torch.randn(1, D, generator=g) for _ in range(T)]

        def run():
            h = torch.zeros(1, H)
            c = torch.zeros(1, H)
            for x in xs:
                if cell == "lstm":
                    h, c = mod(x, (h, c))
                else:
                    h = mod(x, h)
        return run
    if kind in ("ids", "onehot"):
        ids = torch.randint(0, D, (1, T), generator=g)
        head = torch.nn.Linear(H, Q)
        if variant == "embed":
            # what a torch user writes for ids: an embedding, then the LSTM
            emb = torch.nn.Embedding(D, H)
            lstm = torch.nn.LSTM(H, H, batch_first=True)

            def run():
                out, _ = lstm(emb(ids))
                head(out)
            return run
        lstm = torch.nn.LSTM(D, H, batch_first=True)
        x = torch.nn.functional.one_hot(ids, D).float()

        def run():
            out, _ = lstm(x)
            head(out)
        return run
    mod = (torch.nn.LSTM if cell == "lstm" else torch.nn.RNN)(
        D, H, batch_first=True)
    x = torch.randn(N, T, D, generator=g)

    def run():
        mod(x)
    return run


def ours(bench, name, reps, threads):
    """Best seconds per run (per step for streaming) from bench-rnc."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    out = subprocess.run([bench, "--case", name, "--reps", str(reps),
                          "--threads", str(threads)],
                         check=True, capture_output=True, text=True, env=env)
    level = ""
    for line in out.stdout.splitlines():
        if line.startswith("#"):
            level = line[2:]
            continue
        f = line.split()
        if f and f[0] == name:
            best_ms = float(f[1])
            if CASES[name][1] == "stream":
                return best_ms * 1e-3 / CASES[name][3], level
            return best_ms * 1e-3, level
    raise RuntimeError("bench-rnc printed no line for " + name)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--bench", required=True, help="path of bench-rnc")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--case", action="append", help="only these cases")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads per state for ours (rnc_state_set_threads;"
                    " default 1, the library's default)")
    ap.add_argument("--torch-core", default="SkylakeX",
                    help="OPENBLAS_CORETYPE for torch (default SkylakeX)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    names = args.case or list(CASES)
    print("# torch %s, %d thread(s), OPENBLAS_CORETYPE=%s, mkldnn %s" % (
        torch.__version__, torch.get_num_threads(),
        os.environ.get("OPENBLAS_CORETYPE"),
        torch.backends.mkldnn.is_available()))
    results = []
    level = ""
    with torch.inference_mode():
        for name in names:
            if name not in CASES:
                sys.exit("unknown case " + name)
            kind, T = CASES[name][1], CASES[name][3]
            variants = ["plain"] + (["embed"] if kind == "ids" else [])
            runners = {v: torch_runner(name, v) for v in variants}
            best_ours = float("inf")
            best_torch = {v: float("inf") for v in variants}
            for _ in range(args.rounds):
                t, level = ours(args.bench, name, args.reps, args.threads)
                best_ours = min(best_ours, t)
                for v in variants:
                    t = best_of(runners[v], args.reps)
                    if kind == "stream":
                        t /= T
                    best_torch[v] = min(best_torch[v], t)
            for v in variants:
                results.append((name, v, best_ours, best_torch[v]))
    print("# ours: " + level)
    print("%-20s %-7s %12s %12s %8s %7s %s" % (
        "case", "torch", "ours", "torch", "ratio", "target", "prototype"))
    rows = []
    failed = False
    for name, v, o, t in results:
        _, kind, _, _, _, _, _, target, proto = CASES[name]
        unit = 1e6 if kind == "stream" else 1e3
        suffix = "us/step" if kind == "stream" else "ms"
        ratio = o / t
        verdict = ""
        if target is not None and v == "plain":
            ok = ratio <= target
            if proto is not None:
                ok = ok and o * unit <= 1.5 * proto
            verdict = "ok" if ok else "MISSED"
            failed |= not ok
        print("%-20s %-7s %9.3f %-2s %9.3f %-2s %8.3f %7s %s %s" % (
            name, v, o * unit, "", t * unit, "", ratio,
            "<=%.2f" % target if target and v == "plain" else "",
            "%s %s" % (proto, suffix) if proto else "", verdict))
        rows.append({"case": name, "torch_variant": v, "ours_s": o,
                     "torch_s": t, "ratio": ratio, "target": target,
                     "prototype": proto, "unit": suffix})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Runs bench-streams (N streams of an LSTM, D=1, one layer, regression head
Q=1, in one batched runner and in `lstm streams=N`) beside PyTorch's
nn.LSTMCell + nn.Linear with batch N on one thread, and prints the ratio
ours / torch per step (lower is better) with issue 11's target:

    /usr/bin/python3 tests/bench/compare-streams.py --bench build/tests/bench/bench-streams
        [--n 1,100,1000,10000,100000] [--h 32,128] [--threads 1,0]
        [--budget 0.3] [--torch-core SkylakeX]

Target: N = 10,000, H = 32, one thread: at most 0.3x torch's time per step.
Goal: 1e7 stream-steps per second with threads auto (0).
Torch's figure is the best of 3 rounds of steps (x (N,1) -> LSTMCell ->
Linear), under torch.no_grad(), torch.set_num_threads(1)."""
import argparse
import os
import subprocess
import sys
import time


def torch_step(N, H, budget):
    import torch
    torch.manual_seed(0)
    cell = torch.nn.LSTMCell(1, H)
    head = torch.nn.Linear(H, 1)
    x = torch.randn(4, N, 1)
    h = torch.zeros(N, H)
    c = torch.zeros(N, H)
    with torch.no_grad():
        for k in range(3):
            h, c = cell(x[k % 4], (h, c))
            y = head(h)
        t0 = time.perf_counter()
        h, c = cell(x[0], (h, c))
        y = head(h)
        guess = max(time.perf_counter() - t0, 1e-6)
        steps = int(min(max(budget / guess, 8), 100000))
        best = 1e30
        for _ in range(3):
            t0 = time.perf_counter()
            for k in range(steps):
                h, c = cell(x[k % 4], (h, c))
                y = head(h)
            best = min(best, (time.perf_counter() - t0) / steps)
    del y
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--bench', required=True)
    ap.add_argument('--n', default='1,100,1000,10000,100000')
    ap.add_argument('--h', default='32,128')
    ap.add_argument('--threads', default='1,0')
    ap.add_argument('--budget', type=float, default=0.3)
    ap.add_argument('--torch-core', default='SkylakeX')
    a = ap.parse_args()

    out = subprocess.run([a.bench, '--n', a.n, '--h', a.h, '--threads',
                          a.threads, '--budget', str(a.budget)],
                         check=True, capture_output=True, text=True).stdout
    rows = [l.split() for l in out.splitlines() if l and not l.startswith('#')]

    os.environ['OPENBLAS_CORETYPE'] = a.torch_core
    import torch
    torch.set_num_threads(1)
    torch_ns = {}
    for n in a.n.split(','):
        for h in a.h.split(','):
            torch_ns[(int(n), int(h))] = torch_step(int(n), int(h), a.budget) * 1e9

    print('# ns per step of N streams; ratio = ours / torch LSTMCell batch N '
          '(1 thread); threads 0 = auto')
    print('%7s %4s %3s %12s %12s %12s %12s %10s %8s %10s %s' % (
        'N', 'H', 'thr', 'lib', 'element', 'separate', 'torch', 'lib/torch',
        'el/torch', 'steps/s', 'B/stream'))
    verdict = 0
    for r in rows:
        N, H, thr = int(r[0]), int(r[1]), int(r[2])
        lib, rate, el, sep, mem = float(r[3]), float(r[4]), float(r[5]), float(r[6]), float(r[7])
        t = torch_ns[(N, H)]
        note = ''
        if N == 10000 and H == 32 and thr == 1:
            ok = el > 0 and el / t <= 0.3
            note = ' target el<=0.3x: %s' % ('PASS' if ok else 'MISS')
        if thr == 0 and N >= 10000:
            note += ' goal 1e7/s (element): %s' % (
                'PASS' if el > 0 and N / (el * 1e-9) >= 1e7 else 'MISS')
        print('%7d %4d %3d %12.0f %12s %12s %12.0f %10.3f %8s %10.3g %8.0f%s' % (
            N, H, thr, lib, '%.0f' % el if el >= 0 else '-',
            '%.0f' % sep if sep >= 0 else '-', t, lib / t,
            '%.3f' % (el / t) if el > 0 else '-', rate, mem, note))
    return verdict


if __name__ == '__main__':
    sys.exit(main())

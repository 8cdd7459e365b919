#!/usr/bin/python3
"""Runs bench-streams (one step of N streams of an LSTM, D=1, one layer,
regression head Q=1) beside PyTorch's nn.LSTMCell + nn.Linear with batch N on
one thread, and prints per step (ns) and ratios (lower is better):

    /usr/bin/python3 tests/bench/compare-streams.py --bench build/tests/bench/bench-streams
        [--n 1,100,1000,10000,100000] [--h 32,128] [--threads 1,0]
        [--budget 0.3] [--torch-core SkylakeX]

Columns (bench-streams' header comment says how each is measured):
  lib       the library's batched runner (N streams in one RncRunner)
  element   `lstm streams=N` in a pipeline
  sep-run   N separate batch-1 runners in the library (N <= 1000)
  sep-el    N separate `lstm` elements (streams=1), one pipeline branch and
            streaming thread each (N <= 1000)
  torch     LSTMCell(1, H) + Linear(H, 1), batch N, one thread
  lib/torch, el/torch   ours / torch
  el/sep-el the element with streams=N / N separate elements

Target: N = 10,000, H = 32, one thread: element at most 0.3x torch's time per
step. Goal: 1e7 stream-steps per second with threads auto (0).
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
    header = None
    rows = []
    for line in out.splitlines():
        if line.startswith('# N '):
            header = line[2:].split()
        elif line and not line.startswith('#'):
            rows.append(dict(zip(header, map(float, line.split()))))

    os.environ['OPENBLAS_CORETYPE'] = a.torch_core
    import torch
    torch.set_num_threads(1)
    torch_ns = {}
    for n in a.n.split(','):
        for h in a.h.split(','):
            torch_ns[(int(n), int(h))] = torch_step(int(n), int(h), a.budget) * 1e9

    def ns(v):
        return '%.0f' % v if v >= 0 else '-'

    def ratio(x, y):
        return '%.3f' % (x / y) if x > 0 and y > 0 else '-'

    print('# ns per step of N streams; torch: LSTMCell batch N (1 thread); '
          'threads 0 = auto; - = not measured')
    print('%7s %4s %3s %11s %11s %11s %11s %11s %9s %8s %8s %10s %8s %s' % (
        'N', 'H', 'thr', 'lib', 'element', 'sep-run', 'sep-el', 'torch',
        'lib/torch', 'el/torch', 'el/sep-el', 'steps/s', 'B/stream', ''))
    verdict = 0
    for r in rows:
        N, H, thr = int(r['N']), int(r['H']), int(r['threads'])
        lib = r['ns_per_step_lib']
        el = r['ns_per_step_element']
        sep = r['ns_per_step_separate_runners']
        sep_el = r['ns_per_step_separate_elements']
        t = torch_ns[(N, H)]
        note = ''
        if N == 10000 and H == 32 and thr == 1:
            ok = el > 0 and el / t <= 0.3
            note = ' target el<=0.3x: %s' % ('PASS' if ok else 'MISS')
        if thr == 0 and N >= 10000:
            note += ' goal 1e7/s (element): %s' % (
                'PASS' if el > 0 and N / (el * 1e-9) >= 1e7 else 'MISS')
        print('%7d %4d %3d %11s %11s %11s %11s %11.0f %9s %8s %8s %10.3g %8.0f%s' % (
            N, H, thr, ns(lib), ns(el), ns(sep), ns(sep_el), t,
            ratio(lib, t), ratio(el, t), ratio(el, sep_el),
            r['stream_steps_per_s_lib'], r['bytes_per_stream'], note))
    return verdict


if __name__ == '__main__':
    sys.exit(main())

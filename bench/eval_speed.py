"""Benchmark: the permutation tests of one evaluation, batched (gankit now) vs the former routine.

Both sides compute MMD² and energy distance with their permutation p-values on the same samples
(by default what `gankit train d2l-gaussian` evaluates: 1000 real vs 1000 generated 2-D rows,
500 permutations). The baseline is gankit's former implementation, kept below verbatim: each test
builds its own distance matrix and pushes every chunk of 64 relabellings through three matrix
products. gankit now builds one distance matrix and pushes all relabellings of both tests through
one matrix product per test, half of it through the matrix's symmetry (metrics/twosample.py).
The script checks that both give the same p-values, then prints wall and CPU seconds per
evaluation (medians of --repeats) for each and the ratios; and the whole evaluation
(`gankit.evaluate`: permutation tests, two C2STs, moment errors) for scale. On a machine shared
with other work the CPU seconds depend less on what else runs.

    python bench/eval_speed.py
    python bench/eval_speed.py --n 500 --permutations 1000 --threads 1
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from gankit.metrics.evaluate import evaluate
from gankit.metrics.twosample import median_bandwidth, permutation_tests

FORMER_CHUNK = 64


def _former_group_contrast(matrix: torch.Tensor, in_x: torch.Tensor) -> torch.Tensor:
    off_diagonal = matrix - torch.diag(torch.diagonal(matrix))
    x = in_x.to(matrix.dtype)
    y = 1.0 - x
    n, m = x[0].sum(), y[0].sum()
    xx = ((x @ off_diagonal) * x).sum(1) / (n * (n - 1))
    yy = ((y @ off_diagonal) * y).sum(1) / (m * (m - 1))
    xy = ((x @ off_diagonal) * y).sum(1) / (n * m)
    return xx + yy - 2.0 * xy


def _former_p_value(matrix: torch.Tensor, n_x: int, permutations: int, seed: int, sign: float = 1.0) -> tuple[float, float]:
    total = matrix.shape[0]
    observed_labels = torch.zeros(1, total, dtype=torch.bool)
    observed_labels[0, :n_x] = True
    observed = float(sign * _former_group_contrast(matrix, observed_labels)[0])
    generator = torch.Generator().manual_seed(seed)
    at_least = 0
    for start in range(0, permutations, FORMER_CHUNK):
        count = min(FORMER_CHUNK, permutations - start)
        order = torch.argsort(torch.rand(count, total, generator=generator), dim=1)
        at_least += int((sign * _former_group_contrast(matrix, order < n_x) >= observed - 1e-12).sum())
    return observed, (1 + at_least) / (1 + permutations)


def former_permutation_tests(real: np.ndarray, fake: np.ndarray, permutations: int, seed: int) -> list[tuple[float, float]]:
    """(statistic, p-value) of MMD² and energy distance as gankit computed them before (main at a50aae7)."""
    pooled = torch.from_numpy(np.concatenate([real, fake]).astype(np.float64))
    distances = torch.cdist(pooled, pooled)
    sigma = median_bandwidth(distances)
    kernel = torch.exp(-(distances**2) / (2.0 * sigma**2))
    mmd = _former_p_value(kernel, len(real), permutations, seed)
    distances = torch.cdist(pooled, pooled)  # energy_test built its own
    return [mmd, _former_p_value(distances, len(real), permutations, seed, sign=-1.0)]


def seconds(work, repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds (this process, all threads) of ``repeats`` calls, after one warm-up call."""
    work()
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="rows per sample (eval.n)")
    parser.add_argument("--dims", type=int, default=2)
    parser.add_argument("--permutations", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(args.n, args.dims)), rng.normal(size=(args.n, args.dims)) * 1.05
    ours = [(r.statistic, r.p_value) for r in permutation_tests(real, fake, args.permutations, 0)]
    former = former_permutation_tests(real, fake, args.permutations, 0)
    same = all(o[1] == f[1] and abs(o[0] - f[0]) <= 1e-9 for o, f in zip(ours, former))
    print(f"{args.n} vs {args.n} rows, {args.dims}-D, {args.permutations} permutations, "
          f"{torch.get_num_threads()} torch threads; same statistics and p-values: {same}")
    new = seconds(lambda: permutation_tests(real, fake, args.permutations, 0), args.repeats)
    old = seconds(lambda: former_permutation_tests(real, fake, args.permutations, 0), args.repeats)
    whole = seconds(lambda: evaluate(real, fake, permutations=args.permutations, seed=0), args.repeats)
    print(f"{'MMD + energy permutation tests':<40} {'wall s':>8} {'CPU s':>8}")
    print(f"{'former routine (baseline)':<40} {old[0]:>8.3f} {old[1]:>8.3f}")
    print(f"{'gankit, batched':<40} {new[0]:>8.3f} {new[1]:>8.3f}")
    print(f"speed-up: {old[0] / new[0]:.1f}x wall, {old[1] / new[1]:.1f}x CPU")
    print(f"whole evaluation now (gankit.evaluate): {whole[0]:.3f} s wall, {whole[1]:.3f} s CPU")
    if not same:
        raise SystemExit("the two routines disagree")


if __name__ == "__main__":
    main()

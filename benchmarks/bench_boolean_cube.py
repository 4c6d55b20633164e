"""Benchmark of numeric.boolean_cube (Yang & Salman 2019, §3.5 and Fig. 2 scale).

(1) One kernel, all degrees 0 … 128 at d = 128: the certified engine vs a plain float64
    finite-difference implementation (Eq. 6, and the two-step variant) and vs a direct
    300-digit mpmath evaluation; accuracy against the kernel core's mpmath recursion at 2× the
    engine's final precision.
(2) The NNspectra-scale sweep (issue #3; catalog yang2019/optimal-depth-increases-*): d = 128,
    depths 0 … 128, degrees 0 … 8, CK and NTK; erf and relu each on the 41 × 41 grid
    σ_w² ∈ [1, 5] × σ_b² ∈ [0, 4] (double-double sweeps, ``numeric.dd_cube_sweep``), on 2 worker
    processes, timed ``--repeats`` times (median reported, all times and the 1-min load average
    kept); checked against the certified engine on random (setting, depth) samples of both
    activations, including relu on the σ_b² = 0 row. Peer: the same sweep with float64 grids
    (kernel core) and the two-step algorithm, with its error on the same samples.

Usage: python benchmarks/bench_boolean_cube.py [--out OUT.json] [--repeats N] [--sweep-only]
(default output reports/benchmarks_boolean_cube.json in the repository, whatever the working
directory; a bare OUT.json positional argument is still accepted; ``--sweep-only`` runs part (2)
alone and keeps the part-(1) rows already in OUT.json). Rows: {what, ours_s, peer, peer_s,
ratio, max_rel_err, sizes, machine}. Runs in about 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import mpmath
import numpy as np
from scipy.stats import binom

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "reports" / "benchmarks_boolean_cube.json"
sys.path.insert(0, str(ROOT))

from numeric import dual, nngp_ntk  # noqa: E402
from numeric.boolean_cube import (  # noqa: E402
    boolean_cube_spectrum,
)
from numeric.cube_reference import direct_mp_eigenvalues  # noqa: E402
from numeric.dd_cube_sweep import dd_depth_sweep  # noqa: E402

D = 128
DEGREES = tuple(range(9))
MAX_DEPTH = 128


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, " \
           f"Python {platform.python_version()}"


def path_gram(d: int) -> np.ndarray:
    r = np.arange(d + 1)
    return 1 - 2 * np.abs(r[:, None] - r[None, :]) / d


def float64_grid(kernel, act, depth, w, b, d):
    out = nngp_ntk(act, w, b, depth, path_gram(d))
    return (out[0] if kernel == "ck" else out[1])[0]


def fd_one_step(phi, d):
    out, f = [], phi.copy()
    for k in range(d + 1):
        out.append(np.dot(binom.pmf(np.arange(d - k + 1), d - k, 0.5), f[: d - k + 1]))
        f = 0.5 * (f[:-1] - f[1:])
    return np.array(out)


def fd_two_step(phi, d, kmax):
    out = []
    for k in range(kmax + 1):
        if 2 * k > d:  # the two-step form needs 2k ≤ d; fall back to Eq. 6 beyond
            out.append(fd_one_step(phi, d)[k])
            continue
        f = phi.copy()
        for _ in range(k):
            f = f[:-2] - f[2:]
        n = d - 2 * k
        out.append(4.0**-k * np.dot(binom.pmf(np.arange(n + 1), n, 0.5), f[: n + 1]))
    return np.array(out)


def mp_direct(kernel, act, depth, w, b, d, dps):
    """Straightforward high-precision route (``numeric.cube_reference``): the kernel core at
    ``dps`` digits on each grid point, then the exact-integer Krawtchouk sum in mpmath."""
    return direct_mp_eigenvalues(kernel, act, depth, w, b, d, dps)[0]


def rel_err(x, ref):
    x, ref = np.asarray(x, float), np.asarray(ref, float)
    nz = ref != 0
    return float(np.max(np.abs(x[nz] - ref[nz]) / np.abs(ref[nz])))


def bench_one_kernel(setting):
    kernel, act, depth, w, b = setting
    boolean_cube_spectrum(kernel, act, 1, w, b, 8)  # warm the SymPy → Arb printing cache
    t0 = time.perf_counter()
    spec = boolean_cube_spectrum(*setting, D)
    ours_s = time.perf_counter() - t0
    dps_ref = 2 * int(spec.prec_bits / 3.32)
    t0 = time.perf_counter()
    ref = mp_direct(*setting, D, dps_ref)
    ref_s = time.perf_counter() - t0
    with mpmath.workdps(40):
        ours_err = max(float(abs((mpmath.mpf(float(m)) - r) / r))
                       for m, r in zip(spec.mu, ref, strict=True) if r != 0)
    ref_f = np.array([float(r) for r in ref])
    t0 = time.perf_counter()
    phi = float64_grid(*setting, D)
    fd1 = fd_one_step(phi, D)
    fd_s = time.perf_counter() - t0
    fd2 = fd_two_step(phi, D, D)
    t0 = time.perf_counter()
    mp_direct(*setting, D, 300)
    mp300_s = time.perf_counter() - t0
    per_k = np.abs(fd1 - ref_f) / np.abs(ref_f)
    per_k2 = np.abs(fd2 - ref_f) / np.abs(ref_f)
    sizes = dict(dim=D, degrees="0..128", setting=list(setting), final_prec_bits=spec.prec_bits,
                 reference_dps=dps_ref, certified=spec.certified,
                 min_mu_over_phi1=float(np.min(np.abs(spec.mu)) / spec.phi1),
                 float64_fd_rel_err_at_k={str(k): float(per_k[k]) for k in (4, 8, 10, 12, 16)},
                 float64_two_step_rel_err_at_k={str(k): float(per_k2[k])
                                                for k in (4, 8, 10, 12, 16, 32, 64)})
    name = f"{kernel} {act} L={depth} sw2={w} sb2={b}, d=128, all degrees"
    return [
        dict(what=f"{name}: certified Arb engine vs plain float64 finite differences (Eq. 6)",
             ours_s=ours_s, peer="float64 Eq. 6 (kernel core grid + one-step FD)", peer_s=fd_s,
             ratio=ours_s / fd_s, max_rel_err=ours_err,
             peer_max_rel_err=rel_err(fd1, ref_f), sizes=sizes, machine=machine()),
        dict(what=f"{name}: certified Arb engine vs float64 two-step algorithm",
             ours_s=ours_s, peer="float64 two-step (catalog default)", peer_s=fd_s,
             ratio=ours_s / fd_s, max_rel_err=ours_err,
             peer_max_rel_err=rel_err(fd2[: D // 2 + 1], ref_f[: D // 2 + 1]),
             sizes=sizes, machine=machine()),
        dict(what=f"{name}: certified Arb engine vs direct 300-digit mpmath evaluation",
             ours_s=ours_s, peer="kernel core at dps=300 on each grid point + Krawtchouk sum",
             peer_s=mp300_s, ratio=ours_s / mp300_s, max_rel_err=ours_err,
             sizes=dict(sizes, reference_s=ref_s), machine=machine()),
    ]


# ------------------------------------------------------------------ sweep

GRID_W = np.linspace(1.0, 5.0, 41)
GRID_B = np.linspace(0.0, 4.0, 41)
REFERENCE_ZERO = 1e-250  # certified midpoints below this: balls around 0 at the ceiling


def _dd_chunk(args):
    act, w, b = args
    return dd_depth_sweep(act, w, b, MAX_DEPTH, D, DEGREES)


def _two_step_rows(phi, kmax):
    """float64 two-step for each row of phi (S × (d+1)), degrees 0..kmax → S × (kmax+1)."""
    out, f = [], phi
    for k in range(kmax + 1):
        n = D - 2 * k
        out.append(4.0**-k * (f[:, : n + 1] @ binom.pmf(np.arange(n + 1), n, 0.5)))
        f = f[:, :-2] - f[:, 2:]
    return np.stack(out, axis=1)


def _float64_chunk(args):
    """Peer: vectorised float64 grid recursion (numeric.dual) over settings, all depths."""
    act, ws, bs = args
    der = {"relu": "step", "erf": "erf_prime"}[act]
    t = (D - 2 * np.arange(D + 1)) / D
    sig = ws[:, None] * t[None, :] + bs[:, None]
    th = sig.copy()
    out = np.empty((ws.size, 2, MAX_DEPTH + 1, len(DEGREES)))
    for depth in range(MAX_DEPTH + 1):
        out[:, 0, depth], out[:, 1, depth] = _two_step_rows(sig, 8), _two_step_rows(th, 8)
        q = sig[:, :1]
        v, vp = dual(act, q, q, sig), dual(der, q, q, sig)
        sig = ws[:, None] * v + bs[:, None]
        th = sig + ws[:, None] * vp * th
    return out


def _on_two_workers(fn, ws, bs):
    """{act: fn((act, w, b)) over the grid}, each worker taking half of each activation."""
    t0 = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        futs = {act: [pool.submit(fn, (act, ws[i::2], bs[i::2])) for i in range(2)]
                for act in ("erf", "relu")}
        res = {}
        for act, parts in futs.items():
            res[act] = np.empty((ws.size, 2, MAX_DEPTH + 1, len(DEGREES)))
            for i in range(2):
                res[act][i::2] = parts[i].result()
    return res, time.perf_counter() - t0


def _reference(kern, act, depth, w, b):
    """Certified μ_0..μ_8 (boolean_cube_spectrum) and which of them are balls around 0.

    relu with σ_b² = 0: the certified engine finds no finite enclosure unless σ_w² is a power
    of two (the t = −1 correlation ball straddles −1), so the reference is the σ_w² = 2
    spectrum scaled by positive homogeneity, (σ_w²/2)^{depth+1} (exact for σ_b² = 0).
    """
    scale = 1.0
    if act == "relu" and b == 0.0 and w != 2.0:
        scale, w = (w / 2.0) ** (depth + 1), 2.0
    spec = boolean_cube_spectrum(kern, act, depth, float(w), float(b), D)
    k = len(DEGREES)
    mu = scale * spec.mu[:k]
    zero = np.array([st != "certified" for st in spec.status[:k]]) | (np.abs(mu) < REFERENCE_ZERO)
    return mu, zero, scale * spec.abs_err[:k]


def _sample_errors(ours, ref, zero, abs_err):
    """(max relative error on certified entries, number of zero entries that ours misses)."""
    nz = ~zero
    rel = float(np.max(np.abs(ours[nz] - ref[nz]) / np.abs(ref[nz]))) if nz.any() else 0.0
    return rel, int(np.sum(np.abs(ours[zero] - ref[zero]) > abs_err[zero]))


def bench_sweep(rng, repeats=3):
    ws, bs = (x.ravel() for x in np.meshgrid(GRID_W, GRID_B, indexing="ij"))
    times, loads = [], []
    for _ in range(repeats):
        loads.append(os.getloadavg()[0])
        ours, t = _on_two_workers(_dd_chunk, ws, bs)
        times.append(t)
    loads.append(os.getloadavg()[0])
    # peer: float64 on the same grid, timed on the same 2 workers
    peer, peer_s = _on_two_workers(_float64_chunk, ws, bs)
    # sample check against the certified engine (independent code path: registry closed forms,
    # full Krawtchouk product, adaptive Arb precision): random grid points and depths, both
    # activations, plus relu points on the σ_b² = 0 row (positively homogeneous kernel)
    zero_row = np.nonzero(bs == 0.0)[0]
    picks = [("erf", int(rng.integers(ws.size))) for _ in range(40)]
    picks += [("relu", int(rng.integers(ws.size))) for _ in range(40)]
    picks += [("relu", int(rng.choice(zero_row))) for _ in range(6)]
    errs = {"erf": [], "relu": []}
    f64_errs, missed_zeros, samples = [], 0, []
    for act, s in picks:
        depth = int(rng.integers(1, MAX_DEPTH + 1))
        for ki, kern in enumerate(("ck", "ntk")):
            ref, zero, abs_err = _reference(kern, act, depth, ws[s], bs[s])
            rel, miss = _sample_errors(ours[act][s, ki, depth], ref, zero, abs_err)
            errs[act].append(rel)
            missed_zeros += miss
            f64_errs.append(_sample_errors(peer[act][s, ki, depth], ref, zero, abs_err)[0])
            samples.append((act, float(ws[s]), float(bs[s]), depth, kern))
    n_mu = 2 * ws.size * 2 * MAX_DEPTH * len(DEGREES)
    ours_s = float(np.median(times))
    return [dict(
        what="NNspectra-scale sweep d=128, depths 0..128, degrees 0..8, CK+NTK: erf 41x41 + "
             "relu 41x41 (sw2 in [1,5] x sb2 in [0,4]; double-double sweeps), 2 processes",
        ours_s=ours_s, peer="float64 kernel-core grids + two-step (2 processes)", peer_s=peer_s,
        ratio=ours_s / peer_s, max_rel_err=max(max(v) for v in errs.values()),
        peer_max_rel_err=max(f64_errs),
        sizes=dict(settings_per_activation=int(ws.size), depths=MAX_DEPTH,
                   degrees=len(DEGREES), eigenvalues=n_mu,
                   timing_repeats_s=[round(x, 2) for x in times],
                   timing_median_s=ours_s, timing_spread_s=float(max(times) - min(times)),
                   loadavg_1min_around_repeats=[round(x, 2) for x in loads],
                   max_rel_err_erf=max(errs["erf"]), max_rel_err_relu=max(errs["relu"]),
                   sample_points=len(samples) // 2, sample_kernel_evals=len(samples),
                   sample_relu_sb2_0_points=6, zero_entries_missed=missed_zeros,
                   relu_sb2_0_reference="sw2=2 certified spectrum x (sw2/2)^(depth+1)",
                   peer_median_rel_err=float(np.median(f64_errs)),
                   peer_frac_above_1e_10=float(np.mean(np.array(f64_errs) > 1e-10))),
        machine=machine(),
    )]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None,
                    help=f"JSON rows to write (default {DEFAULT_OUT.relative_to(ROOT)})")
    ap.add_argument("out_positional", nargs="?", type=Path, default=None, metavar="OUT.json",
                    help="same as --out (older form)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repetitions of the sweep")
    ap.add_argument("--sweep-only", action="store_true",
                    help="run the sweep only; keep the one-kernel rows already in OUT.json")
    args = ap.parse_args(argv[1:])
    if args.out is not None and args.out_positional is not None:
        ap.error("give the output path once: --out OUT.json or OUT.json")
    if args.repeats < 1:
        ap.error(f"--repeats must be >= 1, got {args.repeats}")
    return args.out or args.out_positional or DEFAULT_OUT, args


def parse_out(argv) -> Path:
    return parse_args(argv)[0]


def main(argv):
    out, args = parse_args(argv)
    rows = []
    if args.sweep_only:
        if out.exists():
            rows = [r for r in json.loads(out.read_text())
                    if not r["what"].startswith("NNspectra-scale sweep")]
    else:
        for setting in [("ntk", "relu", 8, 2.0, 1.0), ("ck", "erf", 4, 2.0, 0.1),
                        ("ntk", "relu", 128, 2.0, 1.0)]:
            rows += bench_one_kernel(setting)
            print(json.dumps(rows[-3:], indent=1), flush=True)
    rows += bench_sweep(np.random.default_rng(0), args.repeats)
    print(json.dumps(rows[-1], indent=1), flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv)

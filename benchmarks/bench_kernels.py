"""Kernel-core benchmarks: ours vs neural-tangents, measured in the same run.

Rows (written to reports/benchmarks_kernels.json; benchmarks/collect.py merges them into
reports/benchmarks.json and renders reports/benchmarks.md):
* FC NNGP + NTK, N = 2000 inputs, depth 10, relu and erf: numeric.nngp_ntk (NumPy),
  empirical.kernels_jax.nngp_ntk_jax (jit), neural-tangents stax kernel_fn (jit).
  Timed round-robin (ours NumPy, ours JAX, NT; best of ``--repeat``, all wall times kept in
  the row with the best CPU time of the process (all threads) and the 1-minute load average
  before the row).
  Accuracy: the recursion is entrywise, so entry (i, j) depends only on the 2×2 Gram
  [[g_ii, g_ij], [g_ij, g_jj]]; 40 random entries are recomputed with mpmath at 40 digits.
* Empirical NTK of a width-512, depth-3 erf MLP on 256 inputs (d = 32): ours (Jacobian
  contraction, JVP∘VJP) vs neural-tangents implementations 1 and 2; accuracy = max
  relative deviation from our Jacobian-contraction result.

    python benchmarks/bench_kernels.py [--out reports/benchmarks_kernels.json] [--repeat 3] [--only fc|entk]

Each row is one same-run comparison, so ``--only`` may refresh one group's rows and keep
the other group's (each row records its own conditions).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np

import numeric
from empirical.kernels_jax import nngp_ntk_jax
from empirical.mlp import MLP
from empirical.nt_compat import load_neural_tangents
from empirical.ntk import empirical_ntk

jax.config.update("jax_enable_x64", True)


def best_time(fn, repeat: int) -> tuple[float, object]:
    out = fn()  # warm-up / compile
    jax.block_until_ready(out)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        jax.block_until_ready(out)
        times.append(time.perf_counter() - t)
    return min(times), out


def interleaved_times(fns: dict, repeat: int) -> tuple[dict, dict, dict]:
    """Wall and CPU (all threads of this process) times of each fn, measured round-robin, so
    that a load spike from other processes hits every side alike. CPU time is the work done,
    less sensitive to other processes than wall time."""
    outs = {}
    for name, fn in fns.items():  # warm-up / compile
        outs[name] = jax.block_until_ready(fn())
    times = {name: [] for name in fns}
    cpu = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t, c = time.perf_counter(), time.process_time()
            outs[name] = jax.block_until_ready(fn())
            times[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
    return times, cpu, outs


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {jax.devices()[0].platform}"


def reference_entries(act, sw2, sb2, depth, gram, pairs, dps=40):
    ref = []
    for i, j in pairs:
        g2 = np.array([[gram[i, i], gram[i, j]], [gram[i, j], gram[j, j]]])
        k, t = numeric.nngp_ntk(act, sw2, sb2, depth, g2, dps=dps)
        ref.append((float(k[0, 1]), float(t[0, 1])))
    return np.array(ref)


def max_rel(values, pairs, ref) -> float:
    k, t = (np.asarray(v) for v in values)
    got = np.array([(k[i, j], t[i, j]) for i, j in pairs])
    return float(np.max(np.abs(got - ref) / np.abs(ref)))


def fc_rows(repeat: int) -> list[dict]:
    nt = load_neural_tangents()
    rng = np.random.default_rng(0)
    n, d, depth, sw2, sb2 = 2000, 32, 10, 2.0, 0.1
    x = rng.standard_normal((n, d))
    gram = x @ x.T / d
    pairs = [tuple(p) for p in rng.integers(0, n, (40, 2))]
    rows = []
    for act in ("relu", "erf"):
        nt_act = {"relu": nt.stax.Relu(), "erf": nt.stax.Erf()}[act]
        layers = []
        for _ in range(depth):
            layers += [nt.stax.Dense(1, W_std=sw2**0.5, b_std=sb2**0.5), nt_act]
        layers.append(nt.stax.Dense(1, W_std=sw2**0.5, b_std=sb2**0.5))
        _, _, kernel_fn = nt.stax.serial(*layers)
        kernel_fn = jax.jit(kernel_fn, static_argnames="get")
        xj = jnp.asarray(x)
        ref = reference_entries(act, sw2, sb2, depth, gram, pairs)
        load = os.getloadavg()[0]
        times, cpu, outs = interleaved_times({
            "numeric.nngp_ntk (NumPy)": lambda act=act: numeric.nngp_ntk(act, sw2, sb2, depth, gram),
            "empirical.kernels_jax (jit)": lambda act=act: nngp_ntk_jax(act, sw2, sb2, depth, gram),
            "nt": lambda fn=kernel_fn, xj=xj: fn(xj, None, ("nngp", "ntk")),
        }, repeat)
        t_nt = min(times["nt"])
        for name in ("numeric.nngp_ntk (NumPy)", "empirical.kernels_jax (jit)"):
            t_ours = min(times[name])
            rows.append({
                "what": f"FC NNGP+NTK {act}, N={n}, depth {depth}: {name} (input validation included)",
                "ours_s": round(t_ours, 4),
                "peer": "neural-tangents kernel_fn (jit)",
                "peer_s": round(t_nt, 4),
                "ratio": round(t_nt / t_ours, 3),
                "max_rel_err": max_rel(outs[name], pairs, ref),
                "peer_max_rel_err": max_rel(outs["nt"], pairs, ref),
                "sizes": {"N": n, "d": d, "depth": depth},
                "machine": machine(),
                "ours_times_s": [round(t, 4) for t in times[name]],
                "peer_times_s": [round(t, 4) for t in times["nt"]],
                "ours_cpu_s": round(min(cpu[name]), 4),
                "peer_cpu_s": round(min(cpu["nt"]), 4),
                "load_1min_before": round(load, 2),
            })
    return rows


def entk_rows(repeat: int) -> list[dict]:
    nt = load_neural_tangents()
    n, d, width, depth = 256, 32, 512, 3
    net = MLP("erf", 2.0, 0.1, depth, width)
    params = net.init(jax.random.PRNGKey(0), d)
    x = jax.random.normal(jax.random.PRNGKey(1), (n, d))
    layers = []
    for _ in range(depth):
        layers += [nt.stax.Dense(width, W_std=2.0**0.5, b_std=0.1**0.5), nt.stax.Erf()]
    layers.append(nt.stax.Dense(1, W_std=2.0**0.5, b_std=0.1**0.5))
    _, nt_apply, _ = nt.stax.serial(*layers)
    nt_params = []
    for i, layer in enumerate(params):
        if i:
            nt_params.append(())
        nt_params.append((layer["W"], layer["b"]))
    ours = {
        "jacobian": jax.jit(lambda p, xx: empirical_ntk(net.apply, p, xx, method="jacobian")),
        "jvp_vjp": jax.jit(lambda p, xx: empirical_ntk(net.apply, p, xx, method="jvp_vjp")),
    }
    peers = {
        impl: jax.jit(nt.empirical_ntk_fn(nt_apply, trace_axes=(-1,), implementation=impl))
        for impl in (1, 2)
    }
    t_peer = {}
    out_peer = {}
    for impl, fn in peers.items():
        t_peer[impl], out_peer[impl] = best_time(lambda fn=fn: fn(x, None, nt_params), repeat)
    best_impl = min(t_peer, key=t_peer.get)
    rows = []
    ref = None
    for name, fn in ours.items():
        t, out = best_time(lambda fn=fn: fn(params, x), repeat)
        ref = out if ref is None else ref
        rows.append({
            "what": f"empirical NTK, width {width}, depth {depth}, {n} inputs: ours ({name})",
            "ours_s": round(t, 4),
            "peer": f"neural-tangents empirical_ntk_fn implementation {best_impl} (faster of 1, 2; "
                    f"impl 1 {t_peer[1]:.3f} s, impl 2 {t_peer[2]:.3f} s)",
            "peer_s": round(t_peer[best_impl], 4),
            "ratio": round(t_peer[best_impl] / t, 3),
            "max_rel_err": float(jnp.max(jnp.abs(out - ref)) / jnp.max(jnp.abs(ref))),
            "peer_max_rel_err": float(jnp.max(jnp.abs(out_peer[best_impl] - ref)) / jnp.max(jnp.abs(ref))),
            "sizes": {"n": n, "d": d, "width": width, "depth": depth},
            "machine": machine(),
        })
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="reports/benchmarks_kernels.json")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=("fc", "entk"), default=None,
                    help="re-measure one group and replace only its rows in --out")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    if args.only:
        prefix = "FC NNGP+NTK" if args.only == "fc" else "empirical NTK"
        fresh = fc_rows(args.repeat) if args.only == "fc" else entk_rows(args.repeat)
        old = json.loads(out.read_text()) if out.exists() else []
        kept = [r for r in old if not r["what"].startswith(prefix)]
        rows = fresh + kept if args.only == "fc" else kept + fresh
    else:
        rows = fc_rows(args.repeat) + entk_rows(args.repeat)
    pathlib.Path(args.out).write_text(json.dumps(rows, indent=1) + "\n")
    for r in rows:
        print(f"{r['what']}: ours {r.get('ours_times_s', r['ours_s'])} s, peer "
              f"{r.get('peer_times_s', r['peer_s'])} s, ratio {r['ratio']}, cpu ours "
              f"{r.get('ours_cpu_s')} s peer {r.get('peer_cpu_s')} s, "
              f"err {r['max_rel_err']:.2e} (peer {r['peer_max_rel_err']:.2e})")


if __name__ == "__main__":
    main()

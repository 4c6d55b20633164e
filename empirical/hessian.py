r"""Hessian operator norms of network outputs by Hessian-vector products and Lanczos.

For a model y(w) ∈ R^N on N inputs (w flattened, p entries):

* ``hvp``: ∇²(zᵀy)(w)·v by forward-over-reverse autodiff, jax.jvp of jax.grad — never
  materialises the p×p Hessian;
* ``opnorm``: ‖∇²(zᵀy)‖_op = max(|λ_max|, |λ_min|) from ARPACK's Lanczos
  (``scipy.sparse.linalg.eigsh``), one run per end of the spectrum: network Hessians come in
  ± pairs of nearly equal magnitude with clustered extremes, which a single "both ends" or
  "largest magnitude" run resolves slowly (measured 6.7 s vs 0.44 s at p = 66 048);
* ``tensor_spectral_norm``: the p×p×N tensor norm sup_{‖z‖=1}‖Σ_n z_n ∇²y_n‖_op by
  alternating maximisation of F(z, v) = Σ_n z_n vᵀ∇²y_n v (v: top eigenvector of the
  z-combination; z ∝ (vᵀ∇²y_n v)_n), from several starting z; each step cannot decrease F;
* ``block_tensor_norm``: the same tensor norm when the Hessian is block-diagonal across
  units (one hidden layer: neuron i only couples its own incoming and outgoing weights), from
  the per-block Hessians (e.g. ``jax.vmap(jax.hessian(...))`` over neurons):
  sup_z max_i ‖Σ_K z_K B_iK‖ = max_i sup_{‖u‖=1} ‖(uᵀB_iK u)_K‖, maximised per block by the
  same alternating iteration, vectorised over blocks;
* ``kappa_parts``: κ(w0) = ‖y(w0) − ȳ‖·‖∇²y‖/‖∇y‖², with ‖∇y‖ the largest singular value of
  the p×N Jacobian (conventions C4/C5 of the blog's catalog).

References: Pearlmutter, "Fast exact multiplication by the Hessian" (1994); Lehoucq, Sorensen
& Yang, ARPACK Users' Guide (1998); Chizat, Oyallon & Bach (NeurIPS 2019) for κ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh
from threadpoolctl import threadpool_limits

jax.config.update("jax_enable_x64", True)

VecFn = Callable[[jax.Array], jax.Array]  # flat weights (p,) -> outputs (N,)

#: ARPACK relative tolerance; the norms agree with exact closed forms to ~1e-12 (checked)
LANCZOS_TOL = 1e-13


class HessianProbe:
    """Jitted Hessian-vector products of zᵀy(w) for one model; reuse it across weights (seeds).

    ``fn(w, *args)``: extra arguments (e.g. an output scale α or a frozen reference point) are
    traced, so one compilation serves every value; pass them as ``args=`` to the methods.
    """

    def __init__(self, fn: Callable[..., jax.Array]) -> None:
        self.fn = fn

        def zhvp(w, z, v, *args):
            return jax.jvp(jax.grad(lambda u: jnp.dot(z, fn(u, *args))), (w,), (v,))[1]

        self._hvp = jax.jit(zhvp)
        self._fj = jax.jit(lambda w, *args: (fn(w, *args), jax.jacrev(fn)(w, *args)))

    def hvp(self, w: jax.Array, z: jax.Array, v: jax.Array, args: tuple = ()) -> jax.Array:
        return self._hvp(w, z, v, *args)

    def outputs_and_jacobian(self, w: jax.Array, args: tuple = ()) -> tuple[np.ndarray, np.ndarray]:
        """y(w) (N,) and the (N, p) Jacobian ∇yᵀ."""
        y, jac = self._fj(w, *args)
        return np.asarray(y), np.asarray(jac)

    def outputs(self, w: jax.Array, args: tuple = ()) -> np.ndarray:
        return self.outputs_and_jacobian(w, args)[0]

    def jacobian(self, w: jax.Array, args: tuple = ()) -> np.ndarray:
        return self.outputs_and_jacobian(w, args)[1]

    def _extreme(
        self, w: jax.Array, z: np.ndarray, seed: int, tol: float = LANCZOS_TOL, args: tuple = ()
    ) -> tuple[float, float, np.ndarray, np.ndarray]:
        p = int(w.size)
        zz = jnp.asarray(z, dtype=jnp.float64)

        def mv(v):
            return np.asarray(self._hvp(w, zz, jnp.asarray(np.ravel(v), dtype=jnp.float64), *args))

        op = LinearOperator((p, p), matvec=mv, dtype=np.float64)
        v0 = np.random.default_rng(seed).standard_normal(p)
        if p <= 3:  # ARPACK needs k < p; tiny problems go dense
            dense = np.stack([mv(e) for e in np.eye(p)], axis=1)
            lam, vec = np.linalg.eigh((dense + dense.T) / 2)
            return float(lam[0]), float(lam[-1]), vec[:, 0], vec[:, -1]
        kw = {"k": 1, "tol": tol, "v0": v0, "ncv": min(p, 20), "maxiter": 20 * p}
        # ARPACK's re-orthogonalisation is BLAS-2 on short vectors: threaded BLAS only spins
        # (measured 10x more CPU time on 2 busy cores), so it runs single-threaded
        with threadpool_limits(limits=1, user_api="blas"):
            lo, vlo = eigsh(op, which="SA", **kw)
            hi, vhi = eigsh(op, which="LA", **kw)
        return float(lo[0]), float(hi[0]), vlo[:, 0], vhi[:, 0]

    def opnorm(
        self, w: jax.Array, z: Sequence[float] | np.ndarray | None = None, seed: int = 0,
        tol: float = LANCZOS_TOL, args: tuple = (),
    ) -> float:
        """‖Σ_n z_n ∇²y_n(w)‖_op (z = (1,) for a single output)."""
        z = np.ones(1) if z is None else np.asarray(z, dtype=float)
        lo, hi, _, _ = self._extreme(w, z, seed, tol, args)
        return max(abs(lo), abs(hi))

    def tensor_norm(
        self, w: jax.Array, n_out: int, *, restarts: int = 4, iters: int = 30, seed: int = 0,
        rtol: float = 1e-12, tol: float = LANCZOS_TOL, args: tuple = (),
    ) -> float:
        """sup_{‖z‖=1} ‖Σ_n z_n ∇²y_n(w)‖_op (alternating maximisation, best of the restarts)."""
        if n_out < 1:
            raise ValueError(f"n_out must be >= 1, got {n_out!r}")
        if n_out == 1:
            return self.opnorm(w, np.ones(1), seed, tol, args)
        rng = np.random.default_rng(seed)
        starts = [np.eye(n_out)[k] for k in range(min(n_out, restarts))]
        starts += [rng.standard_normal(n_out) for _ in range(max(0, restarts - len(starts)))]
        best = 0.0
        eye = jnp.eye(n_out)
        for z in starts:
            z = z / np.linalg.norm(z)
            value = 0.0
            for it in range(iters):
                lo, hi, vlo, vhi = self._extreme(w, z, seed + it, tol, args)
                v, top = (vhi, hi) if hi >= -lo else (vlo, -lo)  # sign of z absorbs the sign
                value_new = top
                vj = jnp.asarray(v)
                q = np.array([float(jnp.dot(vj, self._hvp(w, eye[n], vj, *args))) for n in range(n_out)])
                z = q / np.linalg.norm(q)
                if value_new <= value * (1 + rtol):
                    value = max(value, value_new)
                    break
                value = value_new
            best = max(best, value)
        return best


def _block_ascent(b: np.ndarray, z0: np.ndarray, iters: int, rtol: float) -> np.ndarray:
    """Alternating ascent of max_u ‖(uᵀB_iK u)_K‖ per block i from z0 (I, K); returns values."""
    zz = z0 / np.linalg.norm(z0, axis=1, keepdims=True)
    value = np.zeros(b.shape[0])
    for _ in range(iters):
        lam, vec = np.linalg.eigh(np.einsum("ik,ikpq->ipq", zz, b))
        upper = lam[:, -1] >= -lam[:, 0]
        top = np.where(upper, lam[:, -1], -lam[:, 0])
        v = np.where(upper[:, None], vec[:, :, -1], vec[:, :, 0])
        q = np.einsum("ip,ikpq,iq->ik", v, b, v)
        zz = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-300)
        done = np.all(top <= value * (1 + rtol))
        value = np.maximum(value, top)
        if done:
            break
    return value


def block_tensor_norm(blocks: np.ndarray, *, restarts: int = 4, screen_iters: int = 8,
                      keep: int = 16, iters: int = 300, seed: int = 0, rtol: float = 1e-11) -> float:
    """sup_{‖z‖=1} ‖Σ_K z_K B_K‖_op for block-diagonal B_K = diag_i(B_iK); ``blocks`` (I, K, P, P).

    All blocks get ``screen_iters`` ascent steps from the first two starts; the ``keep`` best
    are then iterated to convergence from every start (the maximum sits in one block).
    """
    b = np.asarray(blocks, dtype=float)
    if b.ndim != 4 or b.shape[2] != b.shape[3]:
        raise ValueError(f"blocks must have shape (I, K, P, P), got {b.shape}")
    b = (b + np.swapaxes(b, 2, 3)) / 2
    n_blk, n_out = b.shape[:2]
    rng = np.random.default_rng(seed)
    starts = [np.eye(n_out)[k] for k in range(min(n_out, restarts))]
    starts += [rng.standard_normal(n_out) for _ in range(max(0, restarts - len(starts)))]
    screen = np.zeros(n_blk)
    for z0 in starts[:2]:
        screen = np.maximum(screen, _block_ascent(b, np.broadcast_to(z0, (n_blk, n_out)), screen_iters, rtol))
    top = np.argsort(screen)[::-1][:keep]
    best = screen[top]
    for z0 in starts:
        best = np.maximum(best, _block_ascent(b[top], np.broadcast_to(z0, (top.size, n_out)), iters, rtol))
    return float(np.max(best))


@dataclass(frozen=True)
class KappaParts:
    residual: float  # ‖y(w0) − ȳ‖
    grad_norm: float  # σ_max of the p×N Jacobian
    hess_norm: float  # Hessian (tensor) spectral norm
    kappa: float  # residual·hess_norm/grad_norm²


def kappa_parts(
    probe: HessianProbe, w0: jax.Array, ybar: np.ndarray, args: tuple = (), **tensor_kwargs
) -> KappaParts:
    """κ(w0) = ‖y(w0) − ȳ‖·‖∇²y(w0)‖/‖∇y(w0)‖² (norms of the blog's catalog, C5)."""
    ybar = np.atleast_1d(np.asarray(ybar, dtype=float))
    y0, jac = probe.outputs_and_jacobian(w0, args)
    if y0.shape != ybar.shape:
        raise ValueError(f"ybar must have the output shape {y0.shape}, got {ybar.shape}")
    gnorm = float(np.linalg.norm(jac, 2))
    hnorm = probe.tensor_norm(w0, y0.size, args=args, **tensor_kwargs)
    res = float(np.linalg.norm(y0 - ybar))
    return KappaParts(res, gnorm, hnorm, res * hnorm / gnorm**2)

"""Shared kernel and training sweeps (disk-cached) and reference settings for the Xiao, Pennington & Schoenholz (2020) checks.

Reference settings (catalog "Conventions"): erf; ORD = (1.2, 0.2), CHA = (3.0, 0.2),
CHA2 = (2.0, 0.1849), CRIT(q*) on the erf critical line; m = 12 training + 8 test inputs,
iid N(0, I) in R^108 (seed 0), rescaled so that K^{(0)}(x, x) = q*; balanced ±1 labels.
1-D circular CNNs: k = 1 (filter 3), 16 channels, 8 train + 6 test images (seed 0).

Each sweep is disk-cached (keyed by parameters and code version); ``conftest.py`` wraps them
in session fixtures.
"""

from __future__ import annotations

import numpy as np

from checks.harness.cache import disk_cache
from empirical import datasets_local
from empirical.digits_mnist import digits
from empirical.lr_sweep import gd_sweep
from empirical.mlp import MLP
from numeric import critical_sigma_w2, nngp_ntk
from numeric.conv_kernels import conv_recursion, input_kernel, normalized_images, readout
from numeric.normalized_recursion import (
    cosine_matrix,
    erf_critical_point,
    erf_fixed_point,
    normalized_k0,
    pinned_recursion,
)
from numeric.ntk_spectrum import mean_predictor

M_TRAIN, M_TEST, N0 = 12, 8, 108
TRAIN = np.arange(M_TRAIN)
TEST = np.arange(M_TRAIN, M_TRAIN + M_TEST)
Y = np.array([1, -1] * (M_TRAIN // 2))  # balanced, alternating (catalog)
ORD, CHA, CHA2 = ("1.2", "0.2"), ("3.0", "0.2"), ("2.0", "0.1849")
DPS = 50
CNN_TRAIN, CNN_TEST, CNN_CHANNELS = 8, 6, 16
CNN_Y = np.array([1, -1] * (CNN_TRAIN // 2))
CNN_CRIT_DEPTHS = (0, 10, 30, 100, 300, 500, 700, 1000, 1500, 2000, 2500, 3000)
_DEPS = ("numeric.normalized_recursion", "theory.kernel_asymptotics", "numeric.conv_kernels")


def fcn_cosines(m: int = M_TRAIN + M_TEST, seed: int = 0) -> np.ndarray:
    """cos∠(x_a, x_b) of m iid N(0, I_108) inputs (catalog default)."""
    return cosine_matrix(np.random.default_rng(seed).standard_normal((m, N0)))


@disk_cache(depends_on=_DEPS)
def fcn_mp_run(point: tuple[str, str], depth: int, dps: int, m: int):
    """(FixedPoint, layers 0..depth) of the pinned recursion in mpmath at ``dps``."""
    fp = erf_fixed_point(*point, dps=dps)
    k0 = normalized_k0(fcn_cosines(m), fp.q_star, fp.sigma_b2, dps=dps)
    return fp, pinned_recursion("erf", fp.sigma_w2, fp.sigma_b2, k0, range(depth + 1), dps=dps)


def crit_depths(depth: int) -> list[int]:
    grid = set(range(0, min(depth, 100) + 1)) | set(range(100, depth + 1, 50))
    grid |= {v for v in (300, 1000, 3000) if v <= depth}
    return sorted(grid)


@disk_cache(depends_on=_DEPS)
def fcn_crit_run(q_star: float, depth: int, m: int):
    """(FixedPoint at dps 30, float64 layers) on the erf critical line with the given q*."""
    fp = erf_critical_point(q_star, dps=30)
    k0 = normalized_k0(fcn_cosines(m), float(fp.q_star), float(fp.sigma_b2))
    layers = pinned_recursion(
        "erf", float(fp.sigma_w2), float(fp.sigma_b2), k0, crit_depths(depth)
    )
    return fp, layers


@disk_cache(depends_on=_DEPS)
def fcn_f64_run(point: tuple[str, str], depth: int, m: int):
    fp = erf_fixed_point(*point, dps=30)
    k0 = normalized_k0(fcn_cosines(m), float(fp.q_star), float(fp.sigma_b2))
    return fp, pinned_recursion(
        "erf", float(fp.sigma_w2), float(fp.sigma_b2), k0, range(depth + 1)
    )


@disk_cache(depends_on=_DEPS)
def cnn_run(point, m: int, d: int, k: int, depths: tuple[int, ...], seed: int = 0):
    """Pixel-resolved 1-D circular CNN layers (pinned) at ``point`` = ("crit", q*) or (σ_w², σ_b²)."""
    if point[0] == "crit":
        fp = erf_critical_point(point[1], dps=30)
    else:
        fp = erf_fixed_point(*point, dps=30)
    qs, sw2, sb2 = float(fp.q_star), float(fp.sigma_w2), float(fp.sigma_b2)
    x = normalized_images(m, d, CNN_CHANNELS, qs, sw2, sb2, seed)
    layers = conv_recursion("erf", sw2, sb2, k, input_kernel(x, sw2, sb2, k), depths, pinned=True)
    # keep the readouts only (the pixel-resolved arrays are large)
    return fp, {
        l: {
            (which, kind): lay.readout(kind, which)
            for which in ("ntk", "nngp")
            for kind in ("flatten", "pool")
        }
        for l, lay in layers.items()
    }




def normalized_inputs(cos_seed: int, m: int, q_star: float, sigma_w2: float, sigma_b2: float):
    """m iid N(0, I_108) inputs rescaled so that K^{(0)}(x, x) = σ_w²‖x‖²/n₀ + σ_b² = q*."""
    x = np.random.default_rng(cos_seed).standard_normal((m, N0))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x * np.sqrt(N0 * (q_star - sigma_b2) / sigma_w2)


@disk_cache(depends_on=("empirical.mlp", "empirical.ntk", *_DEPS))
def fcn_empirical_ntk(point, width: int, depth: int, n_seeds: int, m: int, seed: int):
    """Empirical NTK samples (n_seeds, m, m) of the erf FCN (empirical.mlp, NTK param.).

    ``point`` = ("crit", q*) or (σ_w², σ_b²) strings. Inputs: ``normalized_inputs`` (seed 0).
    Returns (q*, σ_w², σ_b², inputs, samples).
    """
    import jax

    from empirical.mlp import MLP
    from empirical.ntk import empirical_ntk

    fp = erf_critical_point(point[1], dps=30) if point[0] == "crit" else erf_fixed_point(*point, dps=30)
    qs, sw2, sb2 = float(fp.q_star), float(fp.sigma_w2), float(fp.sigma_b2)
    x = normalized_inputs(0, m, qs, sw2, sb2)
    mlp = MLP("erf", sw2, sb2, depth, width)
    xj = jax.numpy.asarray(x)
    one = jax.jit(lambda key: empirical_ntk(mlp.apply, mlp.init(key, N0), xj, method="jacobian"))
    keys = jax.random.split(jax.random.PRNGKey(seed), n_seeds)
    samples = np.stack([np.asarray(one(k)) for k in keys])
    return qs, sw2, sb2, x, samples


RELU_DEPTHS = (10, 30, 100, 300, 1000, 3000, 10000)


@disk_cache(depends_on=_DEPS)
def relu_crit_run(m: int = M_TRAIN):
    """Critical ReLU (σ_w² = 2, σ_b² = 0), unit-variance normalized inputs, float64 to l = 1e4."""
    k0 = normalized_k0(fcn_cosines(m), 1.0, 0.0)
    return pinned_recursion("relu", 2.0, 0.0, k0, RELU_DEPTHS)


@disk_cache(depends_on=("numeric.residual_kernels",))
def residual_ode_runs(t_end: float = 1e4, m: int = M_TRAIN):
    """Scaled (e^{−t}K, e^{−t}Θ) of the continuum residual ReLU ODE at t ∈ {10, 1e3, t_end} for the
    derived / printed direct term and Θ(0) = p₀K(0), p₀ ∈ {0, 1} (rtol 1e-8)."""
    from numeric.residual_kernels import residual_relu_ode

    cos = fcn_cosines(m)
    return {
        (variant, p0): residual_relu_ode(cos, [10.0, 1e3, t_end], variant=variant, p0=p0,
                                         scaled=True, rtol=1e-8)
        for variant in ("derived", "printed")
        for p0 in (0.0, 1.0)
    }


def eager_nngp_samples(mlp, x, key, n_inits: int) -> np.ndarray:
    """Per-init estimates mean_o f_o(x) f_o(x') (n_inits, m, m), as empirical.mlp.mc_nngp_samples
    but executed eagerly: for a handful of inits compiling the vmapped sampler costs more than
    running it."""
    import jax

    out = []
    for i in range(n_inits):
        k = jax.random.fold_in(key, i)
        f = np.asarray(mlp.apply(mlp.init(k, x.shape[-1]), x))
        out.append(f @ f.T / f.shape[-1])
    return np.stack(out)


def ord_cnn_deep(d: int = 8):
    """ORD CNN readouts, 8 + 6 images, k = 1, l ≤ 100 (even depths)."""
    return cnn_run(ORD, CNN_TRAIN + CNN_TEST, d, 1, tuple(range(0, 101, 2)))


def cha_cnn_deep(d: int = 8):
    """CHA CNN readouts, 8 + 6 images, k = 1, l ≤ 100 (even depths)."""
    return cnn_run(CHA, CNN_TRAIN + CNN_TEST, d, 1, tuple(range(0, 101, 2)))


# ---------------------------------------------------------------- finite-network GD sweeps ----
SB2 = 0.1849  # σ_b = 0.43 (Fig. 2), read as σ_b² = 0.43² (catalog note)
SW_CRIT = round(critical_sigma_w2("erf", SB2), 6)  # 1.757771 (xiao2020/erf-critical-line)
RHOS = (0.3, 0.5, 0.9, 1.4, 2.0, 2.8, 4.0, 8.0)


def cifar10_missing_reason() -> str | None:
    """None when ``$NNK_DATA_DIR/cifar10.npz`` is there, else the skip message naming the variable
    and the path (:func:`empirical.datasets_local.missing_reason`)."""
    return datasets_local.missing_reason("cifar10.npz")


def load_cifar10() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) from ``$NNK_DATA_DIR/cifar10.npz`` (NHWC in [0, 1], integer
    labels), read and format-checked by :func:`empirical.datasets_local.cifar10`."""
    split = datasets_local.cifar10()
    return split.x_train, split.y_train, split.x_test, split.y_test


def skip_unless_cifar10() -> None:
    """pytest.skip with :func:`cifar10_missing_reason` when the paper-tier CIFAR-10 file is absent."""
    why = cifar10_missing_reason()
    if why is not None:
        import pytest

        pytest.skip(why)


def train_test_data(m: int, dataset: str = "digits"):
    """m training and m test points, mean square 1 per input, integer labels."""
    if dataset == "digits":
        x, _, lab = digits(2 * m, seed=0)
        return x[:m], lab[:m], x[m:], lab[m:]
    if dataset != "cifar10":
        raise ValueError(f"dataset must be 'digits' or 'cifar10', got {dataset!r}")
    xtr, ytr, xte, yte = load_cifar10()
    if not 1 <= m <= min(len(xtr), len(xte)):
        raise ValueError(f"m must lie in [1, {min(len(xtr), len(xte))}], got {m}")
    rng = np.random.default_rng(0)
    i, j = rng.permutation(len(xtr))[:m], rng.permutation(len(xte))[:m]

    def norm(a):
        a = a.reshape(len(a), -1).astype(np.float64)
        a -= a.mean(axis=1, keepdims=True)
        return a / np.sqrt(np.mean(a**2, axis=1, keepdims=True))

    return norm(xtr[i]), ytr[i], norm(xte[j]), yte[j]


@disk_cache(depends_on=("empirical.lr_sweep", "empirical.mlp", "numeric.kernels"))
def digits_gd(sigma_w2: float, depth: int, width: int, m: int, n_seeds: int, steps: int, seed: int,
              dataset: str = "digits", rhos: tuple = None):
    """Final train/test accuracy and loss ratio per (seed, ρ), and λ_max of the analytic Θ_train.

    erf FCN (σ_b² = 0.1849), one-hot targets, summed MSE, full-batch GD at η = ρ·2/λ_max."""
    rhos = RHOS if rhos is None else rhos
    xtr, ltr, xte, lte = train_test_data(m, dataset)
    y = np.eye(10)[ltr]
    n0 = xtr.shape[1]
    import jax

    lam = float(np.linalg.eigvalsh(nngp_ntk("erf", sigma_w2, SB2, depth, xtr @ xtr.T / n0)[1])[-1])
    mlp = MLP("erf", sigma_w2, SB2, depth, width, out_dim=10)
    keys = jax.random.split(jax.random.PRNGKey(seed), n_seeds)
    res = gd_sweep(mlp.apply, lambda k: mlp.init(k, n0), keys, xtr, y, np.asarray(rhos) * 2 / lam,
                   steps, loss="sum", x_eval=xte)
    with np.errstate(invalid="ignore"):
        tr_acc = np.mean(np.argmax(np.nan_to_num(res["train_outputs"]), -1) == ltr, axis=-1)
        te_acc = np.mean(np.argmax(np.nan_to_num(res["outputs"]), -1) == lte, axis=-1)
    ok = np.isfinite(res["losses"][:, :, -1])
    return {"lambda_max": lam, "train_acc": np.where(ok, tr_acc, 0.1),
            "test_acc": np.where(ok, te_acc, 0.1), "ratio": res["losses"][:, :, -1] / res["losses"][:, :, 0]}


# ------------------------------------------------------- Fig. 3 (bottom) CNN-F vs CNN-P strip ----
def strip_images(dataset: str, n: int, seed: int):
    """n images as 1-D circular signals of d = 8 pixels with all their information kept.

    digits: the 8×8 image, rows = pixels, the 8 columns = channels (position along the rows
    is what global average pooling discards). cifar10: 32×32×3 from $NNK_DATA_DIR/cifar10.npz,
    bands of 4 rows = pixels, 4·32·3 = 384 channels."""
    if dataset == "digits":
        x, _, lab = digits(n, seed=seed)
        return x.reshape(n, 8, 8), lab
    xtr, ltr, xte, lte = train_test_data(n // 2, "cifar10")
    return np.concatenate([xtr, xte]).reshape(-1, 8, 384), np.concatenate([ltr, lte])


@disk_cache(depends_on=("numeric.conv_kernels", "numeric.normalized_recursion",
                        "numeric.ntk_spectrum", "empirical.digits_mnist"))
def cnn_strip_grid(dataset: str, sigma_w2s: tuple, depths: tuple, n: int, n_splits: int,
                   seed: int):
    """CNN-F / CNN-P ridge-predictor (σ = 1e-3) test accuracy on ``n_splits`` random half/half
    train/test partitions of n images (kernels computed once on all n): (n_depths, n_splits)."""
    img, lab = strip_images(dataset, n, seed)
    rng = np.random.default_rng(seed + 1)
    parts = [rng.permutation(n) for _ in range(n_splits)]
    out = {}
    for sw in sigma_w2s:
        fp = erf_fixed_point(sw, "0.1849", dps=30)
        sw2, sb2 = float(fp.sigma_w2), float(fp.sigma_b2)
        lay = conv_recursion("erf", sw2, sb2, 1, input_kernel(img, sw2, sb2, 1), depths)
        acc = {kind: np.zeros((len(depths), n_splits)) for kind in ("flatten", "pool")}
        for i, l in enumerate(depths):
            for kind in acc:
                th = readout(lay[l].ntk, kind)
                for j, perm in enumerate(parts):
                    tr, te = perm[: n // 2], perm[n // 2:]
                    pred = mean_predictor(th, tr, te, np.eye(10)[lab[tr]], ridge=1e-3)
                    acc[kind][i, j] = np.mean(np.argmax(pred, axis=1) == lab[te])
        out[sw] = {"xi_1": float(fp.xi_1), "acc": acc}
    return out

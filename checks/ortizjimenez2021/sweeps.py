"""The shared, cached training sweep behind the empirical claims of Ortiz-Jiménez et al. (2021).

One call of :func:`main_sweep` per architecture trains, with the paper's protocol
(``empirical.logistic_training``), in ONE vmapped loop:

* the eigenfunction tasks y = sign(φ_j) of Θ₀ on the eigen set, for every (seed, j) — each
  seed is a new initialisation, hence a new Θ₀ and new targets (§3.1, Fig. 2);
* the DIGITS2 / CIFAR2 task for every (seed, m), on nested random training subsets of size m
  (§4.1, Fig. 5); the m = n_train runs are "the DIGITS2 runs" of §4.2–4.3;

and the linearization at θ₀ of each run (kernel-space trainer, same batches). At checkpoints of
selected runs it then linearizes again — unbiased, raw and trace-normalised — and measures the
rotated kernel: alignments α_t(φ_j) (Fig. 7), mean Jacobian norm, energy concentration of the
training labels on the top-K eigenvectors (Fig. 6, Table 1). Results are plain NumPy arrays,
cached on disk by ``checks.harness.cache`` (keyed by the setup and the code version).

Models (ReLU, standard parametrisation, He init σ_w² = 2, σ_b² = 0.1): the MLP d-100-100-1 and
the CNN of the tier's ``Setup.cnn`` — on the fast tier a LeNet5-shaped net on the 8×8 digits
(``empirical.small_cnn.lenet5``: 3×3 convolutions with 6 and 16 channels, dense 120 and 84),
on the paper tier the paper's LeNet5 (5×5 convolutions) on 32×32×3 CIFAR-10 or 28×28×1 MNIST.
ResNet18 (``empirical.resnet18``, BN frozen at init, base width ``Setup.resnet_width``) runs
through the same :func:`main_sweep` (``arch="resnet18"``, the CNN's seed × size grid). On the
paper tier the checks that the paper ran on ResNet18 (Figs. 2–3) add it only when
``NNK_RESNET18=1`` (:data:`RESNET18_ENV`): its Gram on the eigen set is the paper's
32-GPU-hour computation (App. B), outside this suite's default device budget (catalog:
"skipped: budget"). The fast tier never runs it (11.2M parameters).

Memory (the paper tier's M = 60 000, n_train = 50 000; float64): :func:`main_sweep` streams
over the initialisation seeds — per seed it builds Θ₀ (blockwise for M > ``STREAM_MIN_M``),
keeps its top ``eigen_rank`` eigenpairs (K = 1000: 0.48 GB), runs that seed's linear models
and epoch-0 checkpoint analyses, and frees Θ₀; checkpoint Grams are likewise built, used and
freed one at a time. Nothing of size M² is stacked across seeds, returned or cached. Peak host
memory ≈ max(16·M², 8·M² + 16·n² + 8·(M − n)·n) bytes ≈ max(58, 73) GB (K₀ with its
symmetrised eigensolver copy; or K with the energy eigensolver's symmetrised training block and
the test-train block), so it fits the 128 GiB host of the H100 / H200 machines; device memory
≈ 8·(n² + (M − n)·n) = 24 GB for one seed's kernel-space linear training plus two Jacobian
blocks (2 × ``JAC_BLOCK_BYTES`` = 8 GiB) while the Gram is built — fits an H100 (78 GiB). The
Lemma 1 / spectrum checks that need all of Θ₀ and all M eigenpairs use
:func:`full_eigensystem` (2 × 8·M² = 58 GB held, plus LAPACK's full eigh workspace ≈ 2 × 8·M²
more: ≈ 115 GB transient — host RAM only, not a GPU). Not yet run at M = 60 000 (no data set
or device in this session); the numbers are arithmetic from the array shapes.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from threadpoolctl import threadpool_limits

from checks.harness.cache import disk_cache
from checks.ortizjimenez2021 import datasets
from empirical.logistic_training import (
    Protocol,
    run_keys,
    stack_params,
    train_linear_kernel,
    train_runs,
)
from empirical.mlp import MLP
from empirical.ntk_alignment import jacobian_rows, mlp_ntk_gram
from empirical.resnet18 import ResNet18
from empirical.small_cnn import SmallCNN, lenet5
from numeric.alignment import gram_eigenpairs, top_eigenvectors

jax.config.update("jax_enable_x64", True)

SIGMA_W2 = 2.0  # He initialisation (standard parametrisation)
SIGMA_B2 = 0.1
ARCHS = ("mlp", "cnn", "resnet18")
#: the fast tier's CNN: "cnn-s" (3 053 parameters, the catalog's CNN-S) or "lenet5" (LeNet5's
#: layer structure on 8×8 inputs, 18 989 parameters)
CNN_KINDS = ("cnn-s", "lenet5")
_DEPS = (
    "checks.ortizjimenez2021.datasets",
    "empirical.datasets_local",
    "empirical.logistic_training",
    "empirical.mlp",
    "empirical.ntk",
    "empirical.ntk_alignment",
    "empirical.resnet18",
    "empirical.small_cnn",
    "numeric.alignment",
)
#: set to "1" to add ResNet18 to the paper-tier checks of Figs. 2–3 (device budget)
RESNET18_ENV = "NNK_RESNET18"
#: (image size, channels) of the datasets
IMAGE_SHAPES = {"digits": (8, 1), "cifar10": (32, 3), "mnist": (28, 1)}


@dataclass(frozen=True)
class Setup:
    """Sizes of one tier (recorded by every check through ``check.size``)."""

    dataset: str
    eigen_set: int  # M: points of the Gram eigendecomposition (train + held-out test)
    n_train: int
    epochs: int
    eig_seeds: tuple[int, ...]
    js: tuple[int, ...]
    size_seeds: tuple[int, ...]
    sizes: tuple[int, ...]
    rotation_js: tuple[int, ...]
    rotation_max_j: int
    overfit_j: int
    overfit_epochs: tuple[int, ...]
    binary_epochs: tuple[int, ...]
    energy_ks: tuple[int, ...]
    cnn_size_seeds: tuple[int, ...]
    cnn_sizes: tuple[int, ...]
    fit_loss: float = 0.01
    cnn: str = "lenet5"
    resnet_width: int = 64  # ResNet18's base width (64: the paper's; unit tests reduce it)
    batch_size: int = 128  # SGD batch (the paper's 128; unit tests on tiny sets reduce it)

    @property
    def cnn_label(self) -> str:
        """The CNN's name in check labels."""
        return "CNN-S" if self.cnn == "cnn-s" else "LeNet5"

    def size_grid(self, arch: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(seeds, sizes) of the binary-task runs of ``arch`` (the CNN grid is smaller: its
        vmapped step costs ~6× the MLP's on CPU)."""
        if arch in ("cnn", "resnet18"):
            return self.cnn_size_seeds, self.cnn_sizes
        return self.size_seeds, self.sizes

    @property
    def protocol(self) -> Protocol:
        return Protocol(epochs=self.epochs, batch_size=self.batch_size)


# The fast tier's CNN is the LeNet5 layer structure on the 8×8 digits (``cnn="lenet5"``,
# 18 989 parameters), chosen for fidelity to the paper's "standard LeNet5" (two convolutions
# with 6 and 16 channels, dense 120 and 84); it replaced the catalog's CNN-S (one dense layer
# of 32, 3 053 parameters), which stays available as ``cnn="cnn-s"``.
FAST = Setup(
    dataset="digits",
    eigen_set=1000,
    n_train=700,
    epochs=60,
    eig_seeds=(0, 1, 2),
    js=(1, 3, 10, 30, 100, 300),
    size_seeds=(0, 1, 2, 3, 4),
    sizes=(50, 100, 200, 400, 700),
    rotation_js=(30, 100),
    rotation_max_j=400,
    overfit_j=100,
    overfit_epochs=(0, 1, 2, 5, 10, 60),
    binary_epochs=(0, 10, 60),
    energy_ks=(10, 50),
    cnn_size_seeds=(0, 1, 2, 3, 4),  # the catalog's 5 seeds (energy concentration, Table 1, Fig. 5)
    cnn_sizes=(50, 200, 700),
)
# The paper's eigen set (App. B): all 60 000 CIFAR-10 images, the 50 000 training images train
# and the 10 000 test images test. Memory: each float64 Gram on it is 28.8 GB; main_sweep
# streams over the seeds (module docstring: peak ≈ 73 GB host, ≈ 32 GB device).
PAPER = Setup(
    dataset="cifar10",
    eigen_set=60000,
    n_train=50000,
    epochs=100,
    eig_seeds=(0, 1, 2),
    js=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
    size_seeds=(0, 1, 2, 3, 4),
    sizes=(500, 1000, 2000, 5000, 10000, 25000, 50000),
    rotation_js=(400, 500),
    rotation_max_j=1000,
    overfit_j=400,
    overfit_epochs=(0, 1, 2, 5, 10, 20, 50, 100),
    binary_epochs=(0, 10, 50, 100),
    energy_ks=(50,),
    cnn_size_seeds=(0, 1, 2, 3, 4),
    cnn_sizes=(500, 1000, 2000, 5000, 10000, 25000, 50000),
)
SETUPS = {"fast": FAST, "paper": PAPER}
# App. E.1, Fig. 12: the eigenfunction sweep on MNIST (eigen set: all 70 000 digits, 60 000
# training, 10 000 test), MLP and LeNet5 (ResNet18 omitted, as in the paper); j grid around
# the LeNet crossing near φ₅₀₀ (the paper does not state its grid). The fast tier's stand-in
# is the digits sweep itself (FAST).
MNIST_PAPER = Setup(
    dataset="mnist",
    eigen_set=70000,
    n_train=60000,
    epochs=100,
    eig_seeds=(0, 1, 2),
    js=(1, 10, 50, 100, 200, 300, 500, 700, 1000, 2000),
    size_seeds=(),
    sizes=(),
    rotation_js=(),
    rotation_max_j=1,
    overfit_j=0,
    overfit_epochs=(),
    binary_epochs=(),
    energy_ks=(),
    cnn_size_seeds=(),
    cnn_sizes=(),
)
MNIST_SETUPS = {"fast": FAST, "paper": MNIST_PAPER}
# App. E.2, Table 1: CIFAR2 with 12 000 training samples (the Fig. 6 caption says 10 000, E5),
# 200 epochs, energy on the top K = 50 eigenvectors of the training Gram at Θ₀ and Θ₂₀₀; the
# 10 000 CIFAR-10 test images measure accuracy; 3 seeds (catalog). MLP and LeNet5 (ResNet18:
# budget). The fast tier's analogue is the DIGITS2 run of FAST.
TABLE1_PAPER = Setup(
    dataset="cifar10",
    eigen_set=22000,
    n_train=12000,
    epochs=200,
    eig_seeds=(),
    js=(),
    size_seeds=(0, 1, 2),
    sizes=(12000,),
    rotation_js=(),
    rotation_max_j=1,
    overfit_j=0,
    overfit_epochs=(),
    binary_epochs=(0, 200),
    energy_ks=(50,),
    cnn_size_seeds=(0, 1, 2),
    cnn_sizes=(12000,),
)
TABLE1_SETUPS = {"fast": FAST, "paper": TABLE1_PAPER}


def network(arch: str, setup: Setup) -> MLP | SmallCNN | ResNet18:
    """The architecture ``arch`` for the setup's input shape."""
    if setup.dataset not in IMAGE_SHAPES:
        raise ValueError(f"dataset must be one of {list(IMAGE_SHAPES)}, got {setup.dataset!r}")
    size, channels = IMAGE_SHAPES[setup.dataset]
    if arch == "mlp":
        return MLP("relu", SIGMA_W2, SIGMA_B2, 2, 100, "standard")
    if arch == "cnn":
        if setup.dataset != "digits":  # the paper's LeNet5 (5×5 convolutions)
            return lenet5("relu", SIGMA_W2, SIGMA_B2, image_size=size, in_channels=channels)
        if setup.cnn == "cnn-s":
            return SmallCNN("relu", SIGMA_W2, SIGMA_B2)
        if setup.cnn == "lenet5":
            return lenet5("relu", SIGMA_W2, SIGMA_B2, image_size=8, in_channels=1, kernel=3)
        raise ValueError(f"setup.cnn must be one of {list(CNN_KINDS)}, got {setup.cnn!r}")
    if arch == "resnet18":
        return ResNet18("relu", SIGMA_W2, SIGMA_B2, width=setup.resnet_width, image_size=size,
                        in_channels=channels)
    raise ValueError(f"arch must be one of {list(ARCHS)}, got {arch!r}")


def init_key(seed: int) -> jax.Array:
    """The key of initialisation ``seed`` (the same for every claim that names the seed)."""
    return jax.random.PRNGKey(10_000 + int(seed))


def init_params(net: MLP | SmallCNN | ResNet18, seed: int, d: int) -> Any:
    """θ₀ of initialisation ``seed`` (compiled once per architecture and input size)."""
    return _jitted_init(net, int(d))(init_key(seed))


def apply_jit(net: MLP | SmallCNN | ResNet18) -> Any:
    """``jax.jit(net.apply)``, compiled once per architecture (eager calls would compile every
    primitive separately)."""
    return _jitted_apply(net)


@functools.cache
def _jitted_apply(net: MLP | SmallCNN | ResNet18) -> Any:
    return jax.jit(net.apply)


@functools.cache
def _jitted_init(net: MLP | SmallCNN | ResNet18, d: int) -> Any:
    return jax.jit(lambda key: net.init(key, d))


#: eigen sets larger than this get the blockwise Gram and the top-K eigensolver (the fast tier,
#: M = 1000, stays on the one-shot path: bit-identical to the unstreamed sweep)
STREAM_MIN_M = 8192
#: device bytes of the Jacobian rows of one block of the blockwise Gram (two blocks are live)
JAC_BLOCK_BYTES = 4 * 2**30
#: rows of one block of the MLP's structured blockwise Gram (block × M float64 products)
MLP_BLOCK_ROWS = 2048


def ntk_gram(net: MLP | SmallCNN | ResNet18, params: Any, x: Any) -> np.ndarray:
    """Empirical NTK Gram on x (structured for the MLP, J Jᵀ otherwise).

    For M ≤ ``STREAM_MIN_M`` one device program (the whole J for the CNNs); above, blockwise
    (:func:`ntk_gram_blocked`): the device never holds more than two blocks of Jacobian rows
    and one block of K, and K is assembled on the host."""
    x = jnp.asarray(x)
    if x.shape[0] > STREAM_MIN_M:
        return ntk_gram_blocked(net, params, x)
    if isinstance(net, MLP):
        return np.asarray(mlp_ntk_gram(net, params, x))
    if isinstance(net, SmallCNN):
        net = dataclasses.replace(net, conv="patches")  # same function, cheaper per-sample grads
    j = jacobian_rows(net.apply, params, x)
    return np.asarray(j @ j.T)


def ntk_gram_blocked(net: MLP | SmallCNN | ResNet18, params: Any, x: Any,
                     rows: int | None = None) -> np.ndarray:
    """The Gram of :func:`ntk_gram` assembled block by block on the host (float64, M × M).

    MLP: row blocks K[b, :] = ``mlp_ntk_gram(x_b, x)`` (``MLP_BLOCK_ROWS`` rows). CNN / ResNet18:
    Jacobian-row blocks J_b of ``rows`` points (default: as many as fit ``JAC_BLOCK_BYTES``),
    K[b, c] = J_b J_cᵀ for c ≥ b, mirrored; J_c is recomputed per b (M²/(2·rows) per-sample
    gradients in all) so that only two blocks are ever on the device."""
    x = jnp.asarray(x)
    m = x.shape[0]
    out = np.empty((m, m))
    if isinstance(net, MLP):
        step = int(rows or MLP_BLOCK_ROWS)
        for i0 in range(0, m, step):
            out[i0 : i0 + step] = np.asarray(mlp_ntk_gram(net, params, x[i0 : i0 + step], x))
        return out
    if isinstance(net, SmallCNN):
        net = dataclasses.replace(net, conv="patches")
    n_params = int(ravel_pytree(params)[0].size)
    step = int(rows or max(1, JAC_BLOCK_BYTES // (8 * n_params)))
    if step < 1:
        raise ValueError(f"rows must be an int >= 1, got {rows!r}")
    for i0 in range(0, m, step):
        ji = jacobian_rows(net.apply, params, x[i0 : i0 + step])
        for j0 in range(i0, m, step):
            jj = ji if j0 == i0 else jacobian_rows(net.apply, params, x[j0 : j0 + step])
            blk = np.asarray(ji @ jj.T)
            out[i0 : i0 + step, j0 : j0 + step] = blk
            out[j0 : j0 + step, i0 : i0 + step] = blk.T
    return out


def top_eigenpairs(K: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(μ_1..μ_k, U_k): the k largest eigenvalues (decreasing) and their unit eigenvectors.

    M ≤ ``STREAM_MIN_M``: the full ``numeric.alignment.gram_eigenpairs`` (with its PSD check),
    truncated — the same numbers as the full decomposition. Above: LAPACK ``syevr`` on one
    symmetrised copy of K (overwritten), computing only the k wanted eigenvectors: host memory
    2·8·M² bytes at the peak (K and the copy) instead of 4·8·M² (copy, eigh output, reversal);
    the PSD check (which needs μ_min) is not made there."""
    m = K.shape[0]
    if not (isinstance(k, int | np.integer) and 1 <= k <= m):
        raise ValueError(f"k must be an int in [1, {m}], got {k!r}")
    if m <= STREAM_MIN_M:
        mu, U = gram_eigenpairs(K)
        return mu[:k].copy(), U[:, :k].copy()
    import scipy.linalg

    sym = np.add(K, K.T)
    sym *= 0.5
    mu, U = scipy.linalg.eigh(sym, subset_by_index=(m - k, m - 1), overwrite_a=True,
                              check_finite=False, driver="evr")
    del sym
    return mu[::-1].copy(), U[:, ::-1].copy()


@functools.lru_cache(maxsize=1)
def full_eigensystem(arch: str, setup: Setup, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(K₀, μ, U): the full Gram of initialisation ``seed`` on the eigen set and ALL its
    eigenpairs (the Lemma 1 / spectrum checks need every eigenvalue). Not disk-cached; the
    last one is kept in memory (at M = 60 000: K and U are 2 × 28.8 GB)."""
    net = network(arch, setup)
    x, _ = eigen_set(setup)
    with threadpool_limits(limits=1):
        k0 = ntk_gram(net, init_params(net, seed, x.shape[1]), x)
        mu, U = gram_eigenpairs(k0)
    return k0, mu, U


def eigen_set(setup: Setup) -> tuple[np.ndarray, np.ndarray]:
    """(x, binary label) of the M eigen-set points; the first n_train are the training set.

    Digits: a seeded random subset. CIFAR-10 / MNIST: n_train points of the dataset's own
    training split, then M − n_train of its test split (all of both at the paper's M)."""
    rng = np.random.default_rng(20_211)
    if setup.dataset == "digits":
        x, classes = datasets.digits_standardized()
        idx = rng.permutation(x.shape[0])[: setup.eigen_set]
    elif setup.dataset in datasets.IMAGE_DATASETS:
        x, classes, n_split = datasets.IMAGE_DATASETS[setup.dataset]()
        n_test = setup.eigen_set - setup.n_train
        if not (0 < setup.n_train <= n_split and 0 < n_test <= x.shape[0] - n_split):
            raise ValueError(
                f"{setup.dataset} holds {n_split} training and {x.shape[0] - n_split} test points; "
                f"got n_train={setup.n_train}, eigen_set − n_train={n_test}"
            )
        idx = np.concatenate([rng.permutation(n_split)[: setup.n_train],
                              n_split + rng.permutation(x.shape[0] - n_split)[:n_test]])
    else:
        raise ValueError(f"dataset must be 'digits', 'cifar10' or 'mnist', got {setup.dataset!r}")
    return x[idx], datasets.binary_labels(classes[idx])


def eigen_target(u: np.ndarray) -> np.ndarray:
    """sign(φ_j) with sign(0) := +1."""
    return np.where(u >= 0, 1.0, -1.0)


def _flat(params: Any, index: int) -> np.ndarray:
    return np.asarray(ravel_pytree(jax.tree_util.tree_map(lambda a: a[index], params))[0])


def _fit_epoch(losses: np.ndarray, threshold: float) -> np.ndarray:
    """First epoch (1-based) whose loss is ≤ threshold, epochs + 1 when never."""
    hit = losses <= threshold
    return np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, losses.shape[1] + 1)


@disk_cache(depends_on=_DEPS)
def main_sweep(arch: str, setup: Setup) -> dict[str, Any]:
    """Train every run of the setup (NN and linearization at θ₀) and the checkpoint analyses.

    NumPy/SciPy linear algebra runs single-threaded (threadpoolctl): on the shared 2-core
    machine multi-threaded OpenBLAS eigensolvers were measured 40× slower under contention.
    """
    with threadpool_limits(limits=1):
        return _main_sweep(arch, setup)


def eigen_rank(setup: Setup) -> int:
    """K of the top-K eigenpairs the sweep keeps: the largest index j of any target sign(φ_j)
    or alignment α(φ_j) (the checks read nothing beyond)."""
    return max((*setup.js, setup.rotation_max_j if setup.rotation_js else 1))


def _main_sweep(arch: str, setup: Setup) -> dict[str, Any]:
    """One streaming pass per initialisation seed, then the NN training, then the checkpoints.

    Per seed s: K₀ = Θ₀ on the eigen set (M × M), its top ``eigen_rank`` eigenpairs (eigen
    seeds), the linear runs of s (kernel trainer on K₀'s training blocks), the epoch-0
    checkpoint analyses of s; then K₀ is freed. Nothing of size M² is kept across seeds or
    returned (the Lemma 1 checks that need all of K₀ call :func:`full_eigensystem`).

    Peak memory (float64, n = n_train, k = eigen_rank): host ≈ 16·M² bytes (K₀ and the
    symmetrised copy of :func:`top_eigenpairs`) or 8·M² + 16·n² + 8·(M−n)·n (K₀ and the
    training block's symmetrised copies in ``top_eigenvectors`` for the energy) — at the
    paper's M = 60 000, n = 50 000: ≈ 58 GB and ≈ 73 GB, within the 128 GiB host of the H100 /
    H200 machines; device ≈ 8·(n² + (M−n)·n) bytes for one seed's linear runs (24 GB) plus
    the blockwise Gram's two Jacobian blocks (2 × ``JAC_BLOCK_BYTES``) — fits an H100 (78 GiB).
    At the fast tier's M = 1000 all of it is a few tens of MB.
    """
    net = network(arch, setup)
    x, y_bin = eigen_set(setup)
    m_all, d = x.shape
    ntr = setup.n_train
    tr, te = slice(0, ntr), slice(ntr, m_all)
    xj = jnp.asarray(x)
    size_seeds, sizes = setup.size_grid(arch)
    seeds = sorted(set(setup.eig_seeds) | set(size_seeds))
    k_top = eigen_rank(setup)

    runs: list[dict[str, Any]] = []
    for s in setup.eig_seeds:
        for j in setup.js:
            runs.append({"task": "eig", "seed": s, "j": j, "m": ntr, "y": None})
    for s in size_seeds:
        for m in sizes:
            runs.append({"task": "bin", "seed": s, "j": 0, "m": m, "y": y_bin})
    n_runs = len(runs)
    orders = {s: np.random.default_rng(31_000 + s).permutation(ntr) for s in seeds}
    order = np.stack([orders[r["seed"]] for r in runs])
    m_valid = np.array([r["m"] for r in runs])
    key = jax.random.PRNGKey(2021 + ARCHS.index(arch))
    keys = run_keys(key, n_runs)
    protocol = setup.protocol
    todo = _checkpoint_todo(net, setup, runs)

    params0, f0, eig, trace0, lin_parts, entries = {}, {}, {}, {}, {}, {}
    for s in seeds:
        params0[s] = init_params(net, s, d)
        k0 = ntk_gram(net, params0[s], x)
        f0[s] = np.asarray(apply_jit(net)(params0[s], xj))[:, 0]
        trace0[s] = float(np.trace(k0[tr, tr]))
        if s in setup.eig_seeds:
            eig[s] = top_eigenpairs(k0, k_top)
            for r in runs:
                if r["task"] == "eig" and r["seed"] == s:
                    r["y"] = eigen_target(eig[s][1][:, r["j"] - 1])
        idx = np.array([i for i, r in enumerate(runs) if r["seed"] == s])
        y_s = np.stack([runs[i]["y"] for i in idx])
        lin_parts[s] = (idx, train_linear_kernel(
            k0[tr, tr], k0[te, tr], f0[s][tr], f0[s][te], y_s[:, tr], y_s[:, te], key, protocol,
            m_valid=m_valid[idx], order=order[idx], keys=keys[idx],
        ))
        for q, (i, e) in enumerate(todo):
            if e == 0 and runs[i]["seed"] == s:
                entries[q] = _checkpoint_entry(setup, x, runs[i], i, e, k0, f0[s], trace0[s],
                                               eig.get(s), order, keys)
        del k0

    y_all = np.stack([r["y"] for r in runs])
    p0 = stack_params([params0[r["seed"]] for r in runs])
    record = sorted(set(setup.overfit_epochs) | set(setup.binary_epochs) | {0, setup.epochs})
    nn = train_runs(
        net.apply, "nn", p0, x[tr], y_all[:, tr], x[te], y_all[:, te], key, protocol,
        m_valid=m_valid, order=order, keys=keys, record=record, fit_threshold=setup.fit_loss,
    )
    lin = {}
    for name in ("train_loss", "test_acc", "test_out", "train_acc", "distance"):
        first = getattr(lin_parts[seeds[0]][1], name)
        arr = np.empty((n_runs, *first.shape[1:]), dtype=first.dtype)
        for idx, res in lin_parts.values():
            arr[idx] = getattr(res, name)
        lin[name] = arr

    for q, (i, e) in enumerate(todo):
        if e != 0:
            s = runs[i]["seed"]
            params_e = jax.tree_util.tree_map(lambda a, i=i: jnp.asarray(a[i]), nn.checkpoints[e])
            k_e = ntk_gram(net, params_e, x)
            f_e = np.asarray(apply_jit(net)(params_e, xj))[:, 0]
            entries[q] = _checkpoint_entry(setup, x, runs[i], i, e, k_e, f_e, trace0[s],
                                           eig.get(s), order, keys)
            del k_e

    th0 = np.stack([_flat(p0, i) for i in range(n_runs)])
    th_end = np.stack([_flat(nn.final_params, i) for i in range(n_runs)])
    th_fit = np.stack([_flat(nn.fit_params, i) for i in range(n_runs)])

    def cos_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return 1.0 - np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))

    out: dict[str, Any] = {
        "arch": arch,
        "n_params": int(th0.shape[1]),
        "runs": [{k: v for k, v in r.items() if k != "y"} for r in runs],
        "y": y_all,
        "y_bin": y_bin,
        "steps_per_epoch": nn.steps_per_epoch,
        "nn": {
            "train_loss": nn.train_loss, "test_acc": nn.test_acc, "test_out": nn.test_out,
            "train_acc": nn.train_acc, "fit_epoch": nn.fit_epoch,
            "d2_fit": np.linalg.norm(th_fit - th0, axis=1), "dcos_fit": cos_dist(th_fit, th0),
            "d2_end": np.linalg.norm(th_end - th0, axis=1), "dcos_end": cos_dist(th_end, th0),
        },
        "lin": {
            "train_loss": lin["train_loss"], "test_acc": lin["test_acc"],
            "test_out": lin["test_out"], "train_acc": lin["train_acc"],
            "fit_epoch": _fit_epoch(lin["train_loss"], setup.fit_loss), "d2_end": lin["distance"],
        },
        # top-K eigenpairs of Θ₀ per eigen seed (K = eigen_rank(setup)); no M × M array
        "mu": {s: eig[s][0] for s in setup.eig_seeds},
        "u": {s: eig[s][1] for s in setup.eig_seeds},
        "checkpoints": [entries[q] for q in range(len(todo))],
    }
    return out


def _checkpoint_todo(net, setup: Setup, runs: list[dict]) -> list[tuple[int, int]]:
    """(run index, epoch) of the checkpoint analyses: the MLP's eigen runs at ``rotation_js``
    (all ``overfit_epochs`` for ``overfit_j``, else 0 and the end) and the full-size binary runs
    at ``binary_epochs``."""
    todo: list[tuple[int, int]] = []
    for i, r in enumerate(runs):
        if r["task"] == "eig" and isinstance(net, MLP) and r["j"] in setup.rotation_js:
            eps = setup.overfit_epochs if r["j"] == setup.overfit_j else (0, setup.epochs)
            todo.extend((i, e) for e in eps)
        if r["task"] == "bin" and r["m"] == setup.n_train:
            todo.extend((i, e) for e in setup.binary_epochs)
    return todo


def _checkpoint_entry(setup, x, r, i, e, k_e, f_e, trace0, eig_s, order, keys) -> dict:
    """Unbiased linearization, alignments, Jacobian norm and energy at one checkpoint.

    At the checkpoint θ_e of run i (kernel K_e = Θ_e on the eigen set, outputs f_e): the
    unbiased linearization f̂ = (θ−θ₀)ᵀ∇f_{θ_e} is trained with the run's batches, raw and
    with its kernel rescaled to the trace of Θ₀ on the training set (``trace0``; catalog
    controls E7); α_e(φ_j) = φ_jᵀK_eφ_j/M² for the Θ₀ eigenfunctions (eigen tasks; also over
    the training points only); Ĵ_e = mean_x ‖∇_θ f_{θ_e}(x)‖; and the energy ‖Φ_K y‖/‖y‖ of the
    training labels on the top-K eigenvectors of K_e (binary task).
    """
    ntr = setup.n_train
    m_all = x.shape[0]
    tr, te = slice(0, ntr), slice(ntr, m_all)
    ktr_e = k_e[tr, tr]
    ratio = float(np.trace(ktr_e) / trace0)
    entry: dict[str, Any] = {
        "run": i, "task": r["task"], "seed": r["seed"], "j": r["j"], "epoch": e,
        "trace_ratio": ratio,
        "jbar": float(np.mean(np.sqrt(np.clip(np.diag(k_e), 0, None)))),
    }
    y = np.asarray(r["y"], dtype=np.float64)
    if r["task"] == "eig":
        phi = np.sqrt(m_all) * eig_s[1][:, : setup.rotation_max_j]
        entry["alpha"] = np.sum((k_e @ phi) * phi, axis=0) / m_all**2
        phi_tr = phi[tr]
        entry["alpha_train"] = np.sum((ktr_e @ phi_tr) * phi_tr, axis=0) / ntr**2
    else:
        top = top_eigenvectors(ktr_e, max(setup.energy_ks))
        entry["energy"] = {
            k: float(np.linalg.norm(top[:, :k].T @ y[tr]) / np.linalg.norm(y[tr]))
            for k in setup.energy_ks
        }
    lin = train_linear_kernel(
        ktr_e, k_e[te, tr], f_e[tr], f_e[te], np.stack([y[tr], y[tr]]), np.stack([y[te], y[te]]),
        jax.random.PRNGKey(0), setup.protocol,
        offset=np.zeros(2), scale=np.array([1.0, 1.0 / np.sqrt(ratio)]),
        order=np.stack([order[i], order[i]]), keys=jnp.stack([keys[i], keys[i]]),
    )
    # [raw, trace-normalised] unbiased linearization at θ_e
    entry["unbiased_test_acc"] = lin.test_acc[:, -1]
    entry["unbiased_test_curve"] = lin.test_acc
    entry["unbiased_train_loss"] = lin.train_loss
    return entry


@dataclass(frozen=True)
class NadSetup:
    """Sizes of the NAD experiments (§3.2, App. C)."""

    seeds: tuple[int, ...]  # initialisations for the kernel-side NAD statistics
    train_seeds: tuple[int, ...]  # initialisations trained on the NAD tasks
    js: tuple[int, ...]  # NAD indices (1-based)
    m_train: int
    m_test: int
    epochs: int
    expectation_samples: int


NAD_FAST = NadSetup((0, 1, 2, 3, 4), (0, 1, 2), (1, 2, 4, 8, 16, 32, 64), 300, 1000, 60, 10_000)
NAD_PAPER = NadSetup((0, 1, 2, 3, 4), (0, 1, 2), (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 3072),
                     10_000, 10_000, 100, 20_000)
NAD_SETUPS = {"fast": NAD_FAST, "paper": NAD_PAPER}


def nad_label(dataset: str) -> str:
    """Name of the NAD CNN in check labels: CNN-S on the digits, LeNet5 on 32×32×3 images."""
    if dataset not in IMAGE_SHAPES:
        raise ValueError(f"dataset must be one of {list(IMAGE_SHAPES)}, got {dataset!r}")
    return "CNN-S" if dataset == "digits" else "LeNet5"


def nad_network(arch: str, dataset: str) -> MLP | SmallCNN:
    """GeLU versions (App. C.2: GeLU avoids ReLU's non-differentiability)."""
    if arch == "mlp":
        return MLP("gelu", SIGMA_W2, SIGMA_B2, 2, 100, "standard")
    if dataset == "digits":
        return SmallCNN("gelu", SIGMA_W2, SIGMA_B2, conv="patches")
    return lenet5("gelu", SIGMA_W2, SIGMA_B2, image_size=32, in_channels=3, conv="patches")


@disk_cache(depends_on=(*_DEPS, "empirical.nads", "numeric.nad_dataset"))
def nad_sweep(nad: NadSetup, dataset: str) -> dict[str, Any]:
    """NADs of the CNN (GeLU; CNN-S on the digits, LeNet5 on CIFAR-10) at the origin and in expectation, the MLP's for contrast, and the
    CNN and its linearization trained on the eq. (5) tasks along the origin NADs."""
    with threadpool_limits(limits=1):
        return _nad_sweep(nad, dataset)


def _nad_sweep(nad: NadSetup, dataset: str) -> dict[str, Any]:
    from empirical.nads import mixed_derivative_at, stein_mean
    from numeric.nad_dataset import nad_dataset

    d = 64 if dataset == "digits" else 3072
    out: dict[str, Any] = {"origin": {}, "expect": {}, "mlp_origin": {}}
    cnn = nad_network("cnn", dataset)
    mlp = nad_network("mlp", dataset)
    params = {}
    for s in nad.seeds:
        params[s] = init_params(cnn, s, d)
        m0 = np.asarray(mixed_derivative_at(cnn.apply, params[s], jnp.zeros(d)))
        out["origin"][s] = np.linalg.svd(m0, full_matrices=False)
        xs = np.random.default_rng(50_000 + s).standard_normal((nad.expectation_samples, d))
        me = np.asarray(stein_mean(cnn.apply, params[s], jnp.asarray(xs)))
        out["expect"][s] = np.linalg.svd(me, full_matrices=False)
        out["mlp_origin"][s] = np.linalg.svd(
            np.asarray(mixed_derivative_at(mlp.apply, init_params(mlp, s, d), jnp.zeros(d))),
            compute_uv=False,
        )
    runs, xtr, ytr, xte, yte, p0 = [], [], [], [], [], []
    for s in nad.train_seeds:
        vt = out["origin"][s][2]
        for j in nad.js:
            rng = np.random.default_rng(60_000 + 100 * s + j)
            a, b = nad_dataset(vt[j - 1], nad.m_train, rng)
            c, e = nad_dataset(vt[j - 1], nad.m_test, rng)
            runs.append({"seed": s, "j": j})
            xtr.append(a)
            ytr.append(b)
            xte.append(c)
            yte.append(e)
            p0.append(params[s])
    protocol = Protocol(epochs=nad.epochs)
    dense = dataclasses.replace(cnn, conv="dense")  # same function, faster batched training
    key = jax.random.PRNGKey(77)
    nn = train_runs(
        dense.apply, "nn", stack_params(p0), np.stack(xtr), np.stack(ytr), np.stack(xte),
        np.stack(yte), key, protocol, eval_every=nad.epochs,
    )
    k_tr, k_te, f_tr, f_te = [], [], [], []
    for q in range(len(runs)):
        both = jnp.asarray(np.concatenate([xtr[q], xte[q]]))
        j_all = jacobian_rows(cnn.apply, p0[q], both)
        jtr, jte = j_all[: nad.m_train], j_all[nad.m_train :]
        k_tr.append(np.asarray(jtr @ jtr.T))
        k_te.append(np.asarray(jte @ jtr.T))
        f_all = np.asarray(apply_jit(cnn)(p0[q], both))[:, 0]
        f_tr.append(f_all[: nad.m_train])
        f_te.append(f_all[nad.m_train :])
    lin = train_linear_kernel(
        np.stack(k_tr), np.stack(k_te), np.stack(f_tr), np.stack(f_te), np.stack(ytr),
        np.stack(yte), key, protocol, keys=run_keys(key, len(runs)),
    )
    out.update({
        "runs": runs, "nn_acc": nn.test_acc[:, -1], "lin_acc": lin.test_acc[:, -1],
        "nn_train_loss": nn.train_loss[:, -1], "lin_train_loss": lin.train_loss[:, -1],
    })
    return out


@dataclass(frozen=True)
class WidthSetup:
    """Background law of [2] (§2): NTK parametrisation, full-batch GD on MSE."""

    widths: tuple[int, ...]
    seeds: tuple[int, ...]
    n_train: int
    n_test: int
    steps: int
    lr: float


WIDTH_FAST = WidthSetup((64, 256, 1024, 4096), (0, 1, 2), 64, 100, 200, 1.0)
WIDTH_PAPER = WidthSetup((64, 256, 1024, 4096, 16384), (0, 1, 2), 256, 1000, 200, 1.0)
WIDTH_SETUPS = {"fast": WIDTH_FAST, "paper": WIDTH_PAPER}


@disk_cache(depends_on=_DEPS)
def width_sweep(ws: WidthSetup) -> dict[str, np.ndarray]:
    """Relative kernel change and RMS(f − f_lin) on test points per (width, seed) after
    ``steps`` of full-batch GD on L = ½‖f − y‖²/n (``empirical.training.mse``, "mean")."""
    with threadpool_limits(limits=1):
        from empirical.training import mse

        x, classes = datasets.digits_standardized()
        rng = np.random.default_rng(70_000)
        idx = rng.permutation(x.shape[0])[: ws.n_train + ws.n_test]
        xtr, xte = jnp.asarray(x[idx[: ws.n_train]]), jnp.asarray(x[idx[ws.n_train :]])
        y = jnp.asarray(datasets.binary_labels(classes[idx[: ws.n_train]])[:, None])
        both = jnp.concatenate([xtr, xte])
        out = {"kernel_change": [], "lin_gap": []}
        for w in ws.widths:
            net = MLP("relu", 2.0, 0.1, 1, w, "ntk")

            def loss(p):
                return mse(net.apply(p, xtr), y, "mean")  # noqa: B023

            @jax.jit
            def run(p0):
                def step(p, _):
                    g = jax.grad(loss)(p)
                    return jax.tree_util.tree_map(lambda a, b: a - ws.lr * b, p, g), None

                p_t, _ = jax.lax.scan(step, p0, None, length=ws.steps)
                return p_t

            kc, gap = [], []
            for s in ws.seeds:
                p0 = init_params(net, s, x.shape[1])
                p_t = run(p0)
                k0 = np.asarray(mlp_ntk_gram(net, p0, both))
                k_t = np.asarray(mlp_ntk_gram(net, p_t, xtr))
                k0_tr = k0[: ws.n_train, : ws.n_train]
                kc.append(float(np.linalg.norm(k_t - k0_tr) / np.linalg.norm(k0_tr)))
                # the linearized model's GD is exact in function space: f ← f − (lr/n) Θ₀ (f − y)
                f_tr, f_te = np.asarray(apply_jit(net)(p0, xtr)), np.asarray(apply_jit(net)(p0, xte))
                k_tr_np = np.asarray(k0_tr) * ws.lr / ws.n_train
                k_te_np = k0[ws.n_train :, : ws.n_train] * ws.lr / ws.n_train
                y_np = np.asarray(y)
                for _ in range(ws.steps):
                    r = f_tr - y_np
                    f_tr, f_te = f_tr - k_tr_np @ r, f_te - k_te_np @ r
                gap.append(float(np.sqrt(np.mean((np.asarray(apply_jit(net)(p_t, xte)) - f_te) ** 2))))
            out["kernel_change"].append(kc)
            out["lin_gap"].append(gap)
        return {k: np.array(v) for k, v in out.items()} | {"widths": np.array(ws.widths)}


@dataclass(frozen=True)
class AdamSetup:
    """App. E.1, Fig. 11: the eigenfunction sweep with Adam (MLP)."""

    js: tuple[int, ...]
    seeds: tuple[int, ...]
    lr: float  # not stated in the paper; 1e-3 (Adam's default) with the same cosine decay
    epochs: int


ADAM_FAST = AdamSetup((1, 10, 100, 300), (0, 1, 2), 1e-3, 40)
ADAM_PAPER = AdamSetup((1, 2, 5, 10, 20, 50, 100, 200, 500, 1000), (0, 1, 2), 1e-3, 100)
ADAM_SETUPS = {"fast": ADAM_FAST, "paper": ADAM_PAPER}


@disk_cache(depends_on=_DEPS)
def adam_sweep(ad: AdamSetup, setup: Setup) -> dict[str, Any]:
    """MLP and its linearization (parameter-space features) trained with Adam on sign(φ_j)."""
    with threadpool_limits(limits=1):
        from empirical.logistic_training import train_linear_features

        net = network("mlp", setup)
        x, _ = eigen_set(setup)
        ntr = setup.n_train
        d = x.shape[1]
        protocol = Protocol(lr=ad.lr, epochs=ad.epochs, optimizer="adam")
        xj = jnp.asarray(x)
        runs, p0, ys, jacs, f0s = [], [], [], {}, {}
        for s in ad.seeds:
            params = init_params(net, s, d)
            _, U = gram_eigenpairs(ntk_gram(net, params, x))
            jacs[s] = np.asarray(jacobian_rows(net.apply, params, xj))
            f0s[s] = np.asarray(apply_jit(net)(params, xj))[:, 0]
            for j in ad.js:
                runs.append({"seed": s, "j": j})
                p0.append(params)
                ys.append(eigen_target(U[:, j - 1]))
        y = np.stack(ys)
        key = jax.random.PRNGKey(404)
        nn = train_runs(net.apply, "nn", stack_params(p0), x[:ntr], y[:, :ntr], x[ntr:], y[:, ntr:],
                        key, protocol)
        lin = np.zeros(len(runs))
        for s in ad.seeds:
            idx = [i for i, r in enumerate(runs) if r["seed"] == s]
            res = train_linear_features(
                jacs[s][:ntr], f0s[s][:ntr], jacs[s][ntr:], f0s[s][ntr:], y[idx][:, :ntr],
                y[idx][:, ntr:], jax.random.fold_in(key, s), protocol,
            )
            lin[idx] = res.test_acc[:, -1]
        return {"seeds": [r["seed"] for r in runs], "js": [r["j"] for r in runs],
                "nn": nn.test_acc[:, -1], "lin": lin}

"""LeNet5 and ResNet18 (Ortiz-Jiménez et al. 2021, paper tier) and the local dataset loader."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from empirical import datasets_local
from empirical.logistic_training import logistic_loss
from empirical.ntk import empirical_ntk
from empirical.ntk_alignment import jacobian_rows
from empirical.resnet18 import ResNet18, batchnorm_eval, fold_frozen_bn
from empirical.small_cnn import SmallCNN, lenet5

jax.config.update("jax_enable_x64", True)


def _init(net, key):
    """θ₀ by one compiled program (eager init compiles every random draw separately)."""
    return jax.jit(lambda k: net.init(k, net.input_dim))(key)


def _count(params):
    return sum(int(a.size) for a in jax.tree_util.tree_leaves(params))


@pytest.mark.parametrize(
    ("net", "expected"),
    [
        (lenet5(sigma_b2=0.1), 136_121),  # 456 + 2 416 + 1 024·120+120 + 120·84+84 + 85
        (lenet5(sigma_b2=0.1, image_size=28, in_channels=1), 107_021),
        (lenet5(sigma_b2=0.1, image_size=8, in_channels=1, kernel=3), 18_989),
        (SmallCNN("relu", 2.0, 0.1), 3_053),  # CNN-S unchanged by the generalisation
    ],
)
def test_lenet_shapes_and_counts(net, expected):
    params = _init(net, jax.random.PRNGKey(0))
    assert net.n_params() == _count(params) == expected
    x = jax.random.normal(jax.random.PRNGKey(1), (3, net.input_dim))
    out = net.apply(params, x)
    assert out.shape == (3, 1)
    # the two convolution implementations are the same function
    other = dataclasses.replace(net, conv="patches" if net.conv == "dense" else "dense")
    np.testing.assert_allclose(other.apply(params, x), out, rtol=0, atol=1e-12)


def test_resnet18_parameter_count():
    net = ResNet18()
    # torchvision-style CIFAR ResNet18 with 10 logits has 11 173 962 parameters; without the
    # 9 600 BN affine parameters (frozen constants here) and with 1 logit instead of 10
    # (4 617 fewer): 11 159 745
    assert net.n_params() == 11_159_745
    params = jax.eval_shape(lambda k: net.init(k, net.input_dim), jax.random.PRNGKey(0))
    assert _count(params) == 11_159_745


def test_resnet18_forward_shapes():
    net = ResNet18(sigma_b2=0.1, width=4)  # 32×32×3 CIFAR input, narrow for CPU
    params = _init(net, jax.random.PRNGKey(0))
    x = jax.random.normal(jax.random.PRNGKey(1), (2, net.input_dim))
    out = jax.jit(net.apply)(params, x)
    assert out.shape == (2, 1) and bool(jnp.all(jnp.isfinite(out)))
    assert params["s3b0.conv1"].shape == (3, 3, 16, 32) and params["s1b0.proj"].shape == (1, 1, 4, 8)
    with pytest.raises(ValueError, match="d must equal"):
        net.init(jax.random.PRNGKey(0), 10)
    with pytest.raises(ValueError, match="bn"):
        ResNet18(bn="batch")


def test_frozen_bn_is_a_rescaling():
    net = ResNet18(sigma_b2=0.1, width=4, image_size=8)
    params = _init(net, jax.random.PRNGKey(2))
    x = jax.random.normal(jax.random.PRNGKey(3), (3, net.input_dim))
    h = jax.random.normal(jax.random.PRNGKey(4), (5, 7))
    np.testing.assert_allclose(batchnorm_eval(h, 1.0, 0.0, 0.0, 1.0, 1e-5), h / np.sqrt(1 + 1e-5),
                               rtol=1e-15)
    bare, folded = fold_frozen_bn(net, params)
    assert bare.bn == "none"
    out, out_bare = jax.jit(net.apply)(params, x), jax.jit(bare.apply)
    np.testing.assert_allclose(out_bare(folded, x), out, rtol=1e-12)
    # the frozen BN is not the identity: removing it without folding changes the output
    assert float(jnp.max(jnp.abs(out_bare(params, x) - out))) > 1e-8
    # γ = 0 on each block's last BN (the authors' zero init) switches the residual branches off
    z = dataclasses.replace(net, residual_gamma=0.0)
    g = jax.jit(jax.grad(lambda p: jnp.sum(z.apply(p, x))))(params)
    assert float(jnp.max(jnp.abs(g["s0b0.conv1"]))) == 0.0
    assert float(jnp.max(jnp.abs(g["s0b0.conv2"]))) == 0.0


@pytest.mark.parametrize(
    "net",
    [ResNet18(sigma_b2=0.1, width=1, image_size=8),
     SmallCNN("relu", 2.0, 0.1, channels=(2, 3), hidden=(5, 4), image_size=8, in_channels=2, kernel=5)],
    ids=["resnet18", "lenet-type"],
)
def test_empirical_ntk_is_jacobian_contraction(net):
    params = _init(net, jax.random.PRNGKey(5))
    x = jax.random.normal(jax.random.PRNGKey(6), (4, net.input_dim))
    flat, unravel = ravel_pytree(params)
    # explicit Jacobian by forward mode (one tangent per parameter), then the contraction
    jac = jax.jit(jax.jacfwd(lambda p: net.apply(unravel(p), x)[:, 0]))(flat)  # (4, n)
    explicit = jnp.einsum("ip,jp->ij", jac, jac)
    rows = jacobian_rows(net.apply, params, x)
    for theta in (jax.jit(lambda p: empirical_ntk(net.apply, p, x, method="jvp_vjp"))(params),
                  jax.jit(lambda p: empirical_ntk(net.apply, p, x, method="jacobian"))(params),
                  rows @ rows.T):
        np.testing.assert_allclose(theta, explicit, rtol=1e-10, atol=1e-12 * float(jnp.max(explicit)))
    assert float(jnp.min(jnp.linalg.eigvalsh(explicit))) > -1e-10 * float(jnp.max(explicit))


@pytest.mark.parametrize(
    "net",
    [ResNet18(sigma_b2=0.1, width=1, image_size=8),
     SmallCNN("relu", 2.0, 0.1, channels=(2, 3), hidden=(5, 4), image_size=8, in_channels=2, kernel=5)],
    ids=["resnet18", "lenet-type"],
)
def test_one_training_step_decreases_the_loss(net):
    params = _init(net, jax.random.PRNGKey(7))
    x = jax.random.normal(jax.random.PRNGKey(8), (16, net.input_dim))
    y = jnp.where(jnp.arange(16) % 2 == 0, 1.0, -1.0)

    def loss(p):
        return logistic_loss(net.apply(p, x)[:, 0], y)

    before, grads = jax.jit(jax.value_and_grad(loss))(params)
    gnorm2 = sum(float(jnp.sum(g**2)) for g in jax.tree_util.tree_leaves(grads))
    lr = 1e-2 / max(gnorm2, 1e-12) ** 0.5  # a step of length 1e-2 along −∇L
    after = jax.jit(loss)(jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads))
    assert gnorm2 > 0 and float(after) < float(before)


# ------------------------------------------------------------------ local datasets -----------
def _fake_cifar(path, layout="nhwc"):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    x_test = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    if layout == "nchw":
        x_train, x_test = x_train.transpose(0, 3, 1, 2), x_test.transpose(0, 3, 1, 2)
    np.savez(path / "cifar10.npz", x_train=x_train, y_train=rng.integers(0, 10, (6, 1)),
             x_test=x_test, y_test=rng.integers(0, 10, 4))
    return x_train, x_test


@pytest.mark.parametrize("layout", ["nhwc", "nchw"])
def test_cifar10_npz(tmp_path, monkeypatch, layout):
    x_train, _ = _fake_cifar(tmp_path, layout)
    monkeypatch.setenv("NNK_DATA_DIR", str(tmp_path))
    split = datasets_local.cifar10()
    assert split.x_train.shape == (6, 32, 32, 3) and split.x_test.shape == (4, 32, 32, 3)
    assert split.y_train.shape == (6,) and split.y_train.dtype == np.int64 and split.n_train == 6
    nhwc = x_train if layout == "nhwc" else x_train.transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(split.x_train, nhwc / 255.0)


def test_mnist_npz(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "mnist.npz", x_train=rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
             y_train=np.arange(5), x_test=rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
             y_test=np.arange(3))
    monkeypatch.setenv("NNK_DATA_DIR", str(tmp_path))
    split = datasets_local.mnist()
    assert split.x_train.shape == (5, 28, 28, 1) and float(split.x_train.max()) <= 1.0


def test_missing_dataset_messages(tmp_path, monkeypatch):
    monkeypatch.delenv("NNK_DATA_DIR", raising=False)
    with pytest.raises(datasets_local.DatasetMissing, match="NNK_DATA_DIR"):
        datasets_local.cifar10()
    monkeypatch.setenv("NNK_DATA_DIR", str(tmp_path))
    with pytest.raises(datasets_local.DatasetMissing, match=str(tmp_path / "cifar10.npz")):
        datasets_local.cifar10()
    np.savez(tmp_path / "cifar10.npz", x_train=np.zeros((2, 8, 8, 3)), y_train=np.zeros(2, int),
             x_test=np.zeros((1, 32, 32, 3)), y_test=np.zeros(1, int))
    with pytest.raises(ValueError, match="x_train"):
        datasets_local.cifar10()
    np.savez(tmp_path / "cifar10.npz", x_train=np.zeros((2, 32, 32, 3)))
    with pytest.raises(ValueError, match="missing"):
        datasets_local.cifar10()


def test_ortizjimenez_loader_skips_with_the_path(tmp_path, monkeypatch):
    from checks.ortizjimenez2021 import datasets

    monkeypatch.setenv("NNK_DATA_DIR", str(tmp_path))
    datasets.cifar10_standardized.cache_clear()
    with pytest.raises(pytest.skip.Exception, match="NNK_DATA_DIR"):
        datasets.cifar10_standardized()
    _fake_cifar(tmp_path)
    datasets.cifar10_standardized.cache_clear()
    x, classes, n_train = datasets.cifar10_standardized()
    datasets.cifar10_standardized.cache_clear()
    assert x.shape == (10, 3072) and classes.shape == (10,) and n_train == 6
    np.testing.assert_allclose(x.reshape(10, 32, 32, 3).mean(axis=(0, 1, 2)), 0.0, atol=1e-12)

r"""ResNet18 with a scalar output and BatchNorm frozen at its initial values (JAX, float64).

The CIFAR variant used by Ortiz-Jiménez et al. (2021) — "the standard ResNet18" (App. A), laid
out as in the authors' flax code (``models/jax/resnet.py``): a 3×3 stride-1 stem convolution
with ``width`` channels and no max-pooling, four stages of two basic blocks with
``width·(1, 2, 4, 8)`` channels (stride 2 at the first block of stages 2–4, a 1×1 projection
shortcut where the shape changes), global average pooling and one dense logit. Convolutions
have no bias (each is followed by BatchNorm); the dense logit has one.

**BatchNorm.** App. B: "we fix the batch normalization parameters to their initialization
values when performing the linearization. This effectively deactivates batch normalization".
Here BatchNorm is the *evaluation-mode* map with its initial constants (γ = 1 — or
``residual_gamma`` for the last BN of each block —, β = 0, running mean 0, running variance
1, ε = 1e-5):

.. math:: \mathrm{BN}(h) = \gamma\,(h - \mu)/\sqrt{\sigma^2 + \epsilon} + \beta = \gamma\,h/\sqrt{1+\epsilon},

not a trainable parameter (``bn="frozen"``); ``bn="none"`` removes it, and
:func:`fold_frozen_bn` maps parameters of the frozen network to those of the BN-free network
with the same outputs (each convolution before a BN scaled by γ/√(1+ε)) — the comparison of the
catalog claim ``bn-frozen-at-init``. Documented substitute: the network itself is also trained
with the frozen map (batch-statistics BN makes f(x) depend on the other inputs of the batch, so
it has no per-input Jacobian or NTK — the objects every check here is about); the paper trains
its ResNet18 with BN in training mode. The authors' flax code initialises the last BN scale of
each block to 0 (``scale_init=zeros``); frozen there, it switches the residual branches off at
θ₀ — available as ``residual_gamma=0.0``; the default 1.0 is the standard initialisation.

Initialisation (standard parametrisation, as :mod:`empirical.mlp` / :mod:`empirical.small_cnn`):
weights N(0, σ_w²/fan_in), the logit's bias N(0, σ_b²).

References: He et al. (2016) "Deep residual learning"; Ioffe & Szegedy (2015) for BatchNorm;
Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), App. A–B.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from empirical.activations import jax_phi
from theory.activations import NETWORK_ACTIVATIONS, get_activation
from theory.validation import check_bias_variance, check_choice, check_variance

jax.config.update("jax_enable_x64", True)

BN_MODES = ("frozen", "none")
STAGES = (2, 2, 2, 2)


def batchnorm_eval(h: jax.Array, gamma: Any, beta: Any, mean: Any, var: Any, eps: float) -> jax.Array:
    """Evaluation-mode BatchNorm γ(h − μ)/√(σ² + ε) + β (per channel, last axis)."""
    return gamma * (h - mean) / jnp.sqrt(var + eps) + beta


def _conv(h: jax.Array, w: jax.Array, stride: int) -> jax.Array:
    """'SAME' convolution of NHWC images with an HWIO kernel (PyTorch/flax padding k//2)."""
    k = int(w.shape[0])
    pad = ((k // 2, k // 2), (k // 2, k // 2))
    return jax.lax.conv_general_dilated(h, w, (stride, stride), pad,
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))


@dataclass(frozen=True)
class ResNet18:
    """CIFAR ResNet18 with one logit; validates itself on construction."""

    activation: str = "relu"
    sigma_w2: float = 2.0
    sigma_b2: float = 0.0
    width: int = 64
    image_size: int = 32
    in_channels: int = 3
    bn: str = "frozen"
    bn_eps: float = 1e-5
    residual_gamma: float = 1.0

    def __post_init__(self) -> None:
        check_choice("activation", get_activation(self.activation).name, NETWORK_ACTIVATIONS)
        check_variance("sigma_w2", self.sigma_w2)
        check_bias_variance("sigma_b2", self.sigma_b2)
        check_choice("bn", self.bn, BN_MODES)
        for name in ("width", "image_size", "in_channels"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be an int >= 1, got {getattr(self, name)!r}")
        if not (self.bn_eps > 0):
            raise ValueError(f"bn_eps must be > 0, got {self.bn_eps!r}")
        if not math.isfinite(self.residual_gamma):
            raise ValueError(f"residual_gamma must be finite, got {self.residual_gamma!r}")

    @property
    def input_dim(self) -> int:
        return int(self.image_size) ** 2 * int(self.in_channels)

    def _layout(self) -> list[tuple[str, tuple[int, ...], int]]:
        """(name, weight shape, stride) of every weight, in forward order."""
        w, c = int(self.width), int(self.in_channels)
        out = [("stem", (3, 3, c, w), 1)]
        c_in = w
        for s, blocks in enumerate(STAGES):
            c_out = w * 2**s
            for b in range(blocks):
                stride = 2 if s > 0 and b == 0 else 1
                out.append((f"s{s}b{b}.conv1", (3, 3, c_in, c_out), stride))
                out.append((f"s{s}b{b}.conv2", (3, 3, c_out, c_out), 1))
                if stride != 1 or c_in != c_out:
                    out.append((f"s{s}b{b}.proj", (1, 1, c_in, c_out), stride))
                c_in = c_out
        out.append(("dense", (c_in, 1), 1))
        return out

    def n_params(self) -> int:
        return sum(math.prod(shape) for _, shape, _ in self._layout()) + 1  # + the logit's bias

    def init(self, key: jax.Array, d: int) -> dict[str, Any]:
        if int(d) != self.input_dim:
            raise ValueError(f"d must equal image_size²·in_channels = {self.input_dim}, got {d!r}")
        # one standard-normal draw for all parameters, cut into the layers in forward order
        # (one random program instead of one per weight shape: eager per-shape draws compile
        # ~0.4 s each on CPU)
        z = jax.random.normal(key, (self.n_params(),), dtype=jnp.float64)
        params: dict[str, Any] = {}
        start = 0
        for name, shape, _ in self._layout():
            size = math.prod(shape)
            fan_in = math.prod(shape[:-1])
            params[name] = z[start : start + size].reshape(shape) * math.sqrt(self.sigma_w2 / fan_in)
            start += size
        params["bias"] = z[start:] * math.sqrt(self.sigma_b2)
        return params

    def bn_gamma(self, name: str) -> float:
        """Initial (frozen) BN scale after the convolution ``name``."""
        return float(self.residual_gamma) if name.endswith("conv2") else 1.0

    def _bn(self, h: jax.Array, name: str) -> jax.Array:
        if self.bn == "none":
            return h
        return batchnorm_eval(h, self.bn_gamma(name), 0.0, 0.0, 1.0, self.bn_eps)

    def apply(self, params: dict[str, Any], x: jax.Array) -> jax.Array:
        """Outputs (n, 1) for flattened HWC inputs x of shape (n, image_size²·in_channels)."""
        phi = jax_phi(self.activation)
        size, c = int(self.image_size), int(self.in_channels)
        h = jnp.asarray(x).reshape(-1, size, size, c)
        h = phi(self._bn(_conv(h, params["stem"], 1), "stem"))
        for s, blocks in enumerate(STAGES):
            for b in range(blocks):
                pre = f"s{s}b{b}"
                stride = 2 if s > 0 and b == 0 else 1
                y = phi(self._bn(_conv(h, params[f"{pre}.conv1"], stride), f"{pre}.conv1"))
                y = self._bn(_conv(y, params[f"{pre}.conv2"], 1), f"{pre}.conv2")
                if f"{pre}.proj" in params:
                    h = self._bn(_conv(h, params[f"{pre}.proj"], stride), f"{pre}.proj")
                h = phi(h + y)
        h = jnp.mean(h, axis=(1, 2))
        return h @ params["dense"] + params["bias"]


def fold_frozen_bn(net: ResNet18, params: dict[str, Any]) -> tuple[ResNet18, dict[str, Any]]:
    """The BN-free network and parameters with the same outputs as ``net`` (``bn="frozen"``):
    every convolution followed by a frozen BN is scaled by γ/√(1+ε) (β = 0, μ = 0, σ² = 1)."""
    if net.bn != "frozen":
        raise ValueError(f"net.bn must be 'frozen' to fold its BatchNorm, got {net.bn!r}")
    scale = 1.0 / math.sqrt(1.0 + net.bn_eps)
    folded = {
        name: (value * net.bn_gamma(name) * scale if name not in ("dense", "bias") else value)
        for name, value in params.items()
    }
    from dataclasses import replace

    return replace(net, bn="none"), folded

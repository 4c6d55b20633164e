"""numeric.finite_width_ntk: the exact L = 2 law of E[Θ(x,x)²]/E[Θ(x,x)]² (Seleznova & Kutyniok 2021, §3)."""

import numpy as np
import pytest

from empirical.ntk_init_sampler import sample_ntk_diagonal
from numeric.dispersion_stats import moment_ratio, moment_ratio_se
from numeric.finite_width_ntk import (
    one_hidden_layer_ntk_ratio,
    one_hidden_layer_ratio_limit,
    one_hidden_layer_unit_moments,
)


def test_relu_unit_moments_closed_form():
    # h ~ N(0, q¹), q¹ = σw² + σb² = 3: E relu² = q/2, E relu⁴ = 3q²/2, E step = 1/2, E relu²·step = q/2
    mo = one_hidden_layer_unit_moments("relu", 2.0, 1.0)
    np.testing.assert_allclose([mo["p2"], mo["p4"], mo["d2"], mo["d4"], mo["p2d2"]], [1.5, 13.5, 0.5, 0.5, 1.5],
                               rtol=1e-10)
    assert one_hidden_layer_ratio_limit("relu", 2.0, 1.0) == pytest.approx(5.0, rel=1e-10)  # (3q²/2 − q²/4)/(q²/4)


@pytest.mark.parametrize(("act", "sw", "sb", "M"), [("relu", 3.0, 1.0, 16), ("tanh", 1.5, 1.0, 32)])
def test_matches_the_exact_sampler(act, sw, sb, M):
    th = sample_ntk_diagonal(act, sw, sb, 2, M, input_dim=64, n_inits=40000, seed=5).theta
    r = float(one_hidden_layer_ntk_ratio(act, sw, sb, M, input_dim=64))
    assert abs(moment_ratio(th) - r) <= 4 * moment_ratio_se(th)


def test_one_over_m_asymptotics():
    M = np.array([1e6, 2e6])
    rm1 = one_hidden_layer_ntk_ratio("tanh", 2.5, 1.0, M, input_dim=64) - 1
    assert np.log(rm1[1] / rm1[0]) / np.log(2) == pytest.approx(-1.0, abs=1e-3)
    assert M[0] * rm1[0] == pytest.approx(one_hidden_layer_ratio_limit("tanh", 2.5, 1.0), rel=1e-3)


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="width"):
        one_hidden_layer_ntk_ratio("relu", 2.0, 1.0, 0, input_dim=64)
    with pytest.raises(ValueError, match="sigma_w2"):
        one_hidden_layer_unit_moments("relu", -1.0, 1.0)
    with pytest.raises(ValueError, match="input_dim"):
        one_hidden_layer_ntk_ratio("relu", 2.0, 1.0, 8, input_dim=0)

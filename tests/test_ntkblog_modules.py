"""Unit tests of the NTK-blog modules: input validation, exact power laws, small closed forms."""

import numpy as np
import pytest
import sympy as sp

from numeric.one_hidden_layer import (
    derivatives,
    multi_point_stats,
    one_point_stats,
    sample_init,
    softplus_derivatives,
)
from numeric.power_law_fit import bootstrap_exponent, ols_slope
from numeric.uniform_init_kernels import first_layer_kernel, nngp_output
from theory.lazy_training import nearest_solution, pytorch_param_count
from theory.one_hidden_layer import diagonal_moment, softplus


def test_ols_slope_recovers_exact_power_law():
    sizes = np.array([10.0, 100.0, 1000.0])
    assert ols_slope(sizes, 3.0 * sizes**-0.7) == pytest.approx(-0.7, abs=1e-12)


def test_bootstrap_exponent_on_noiseless_samples_is_degenerate():
    sizes = [10, 100, 1000]
    fit = bootstrap_exponent(sizes, [np.full(5, s**0.5) for s in sizes], n_boot=200)
    assert fit.lo == pytest.approx(0.5) and fit.hi == pytest.approx(0.5)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ols_slope([1, 2], [1.0, -1.0]),
        lambda: bootstrap_exponent([1, 2], [np.ones(3), np.ones(3)], level=1.5),
        lambda: sample_init(0, 2, 3, law="cauchy"),
        lambda: sample_init(0, 2, 3, a_var=-1.0),
        lambda: softplus_derivatives(0.0),
        lambda: softplus(-1),
        lambda: diagonal_moment("tanh"),
        lambda: nngp_output([0.5], width=0),
        lambda: first_layer_kernel([]),
    ],
)
def test_invalid_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_one_point_hessian_norm_matches_dense():
    a, b = sample_init(3, 1, 7)
    st = one_point_stats(a, b, 0.8, derivatives("tanh"))
    t = np.tanh(a[0] * 0.8)
    d = np.diag(b[0] * (-2 * t * (1 - t**2)) * 0.64)
    c = np.diag((1 - t**2) * 0.8)
    dense = np.block([[d, c], [c, np.zeros((7, 7))]])
    assert st.hess_norm[0] == pytest.approx(np.max(np.abs(np.linalg.eigvalsh(dense))), rel=1e-13)


def test_multi_point_reduces_to_one_point():
    a, b = sample_init(4, 3, 9)
    mp = multi_point_stats(a, b, np.array([1.3]), derivatives("tanh"))
    op = one_point_stats(a, b, 1.3, derivatives("tanh"))
    np.testing.assert_allclose(mp.tensor_norm, op.hess_norm, rtol=1e-12)
    np.testing.assert_allclose(mp.ntk[:, 0, 0], op.grad_sq, rtol=1e-12)


def test_nearest_solution_solves_the_system():
    phi = sp.Matrix([[1, 2], [0, 1], [3, 1]])
    w = nearest_solution(phi, sp.Matrix([1, 1, 1]), sp.Matrix([2, -1]))
    assert phi.T * w == sp.Matrix([2, -1])
    assert pytorch_param_count(sp.Integer(100)) == 10401

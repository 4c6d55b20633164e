"""Runtime compatibility layer: ``neural_tangents`` 0.6.5 on current JAX.

``neural-tangents`` 0.6.5 (its last release) was written against JAX ~0.4.2x.
Several names it imports have since moved or been removed, so on current JAX
``import neural_tangents`` fails (``ImportError`` on ``jax.core.Jaxpr``).
Nothing in site-packages is edited: :func:`load_neural_tangents` installs small
runtime shims and *then* imports the package.  Install it with::

    python -m pip install --no-deps neural-tangents==0.6.5

(``--no-deps``: its metadata pulls TensorFlow, which this project must not use.)

Shims needed to *import* NT (global, but pure aliases of the same objects):

* ``jax.core.{Jaxpr, JaxprEqn, Literal, Var, Primitive, ClosedJaxpr}`` (and
  the other ``jax.core`` names NT imports, if ever missing) -- removed from
  ``jax.core``; aliased to the identical objects in ``jax.extend.core``
  (public) or, failing that, ``jax._src.core``.
* ``jax.util`` -- the module was removed; NT needs ``safe_map``/``safe_zip``.
  A stand-in module re-exporting a few helpers from ``jax._src.util`` is
  registered as ``sys.modules["jax.util"]``.
* ``jax.interpreters.ad.zeros_like_p`` -- no longer re-exported; aliased to
  ``jax._src.ad_util.zeros_like_p`` (NT only uses it as a dict key).
* ``neural_tangents.experimental`` -- the TensorFlow port; its ``__init__``
  imports ``tensorflow`` and ``tf2jax`` unconditionally and NT's top-level
  ``__init__`` imports it.  When either is missing, a stub package whose two
  functions raise ``ImportError`` is put in ``sys.modules`` instead.

Shims for ``empirical_ntk_fn(implementation=3)`` (STRUCTURED_DERIVATIVES),
which re-implements JAX's backward pass on JAX internals.  They are applied to
NT's own ``neural_tangents._src.empirical`` namespace (module proxies), so
JAX's public namespace is not changed, except for one inert class default:

* ``ad.linearize`` -- the old ``linearize(fun, *primals) -> (out_primals,
  out_pvals, jaxpr, consts)`` became ``linearize(fun, primals_ft: FlatTree)
  -> (out_primals_ft, out_zeros, jaxpr, consts)``.  An adapter with the old
  signature is given to NT when (and only when) the new signature is detected.
* ``ad.source_info_util`` -> ``jax.extend.source_info_util``;
  ``ad.reducing_transposes`` -> ``{}`` (that table was removed, no primitive
  uses it); ``ad.config`` -> an object whose ``jax_enable_checks`` is False
  (it only gated a debug assertion built on the removed ``core.lattice_join``).
* ``core.DShapedArray`` (dynamic shapes, removed) -> a private class that is
  never instantiated, so NT's ``type(a) is core.DShapedArray`` is False.
* ``lu.wrap_init`` -- without a ``DebugInfo`` it is deprecated (and slated to
  become an error); NT's namespace gets a ``wrap_init`` that supplies one.
* ``Primitive.map_primitive`` (removed with the old ``pmap`` primitive) -- a
  class-level default ``False`` is added to ``jax.extend.core.Primitive``;
  JAX itself no longer reads the attribute.
* ``_get_fx_axis_and_dtype`` in NT calls ``np.dtype(jax_array)``, deprecated
  ("will result in an error"); replaced by a copy that uses ``array.dtype``.

Feature detection: every shim is guarded by ``hasattr`` (or a signature /
behaviour probe), never by version numbers.  On a JAX that still has a name,
the real object is used and the shim is skipped.  :data:`INSTALLED_SHIMS`
lists what was actually installed in this process.

What works (``tests/test_nt_compat.py`` checks it against independent closed
forms, quadrature and explicit Jacobians, with ``jax_enable_x64``): ``stax``
analytic ``kernel_fn`` (Dense in both parameterizations, Relu, Erf, Gelu, 1-D
Conv, Flatten, GlobalAvgPool), ``empirical_ntk_fn`` implementations 1
(JACOBIAN_CONTRACTION), 2 (NTK_VECTOR_PRODUCTS) and 3 (STRUCTURED_DERIVATIVES,
through the adapters above), ``linearize`` and ``monte_carlo_kernel_fn``.

Known not to work / not supported:

* ``implementation=0`` (AUTO): its FLOP estimate indexes the result of JAX's
  ``cost_analysis()`` with ``[0]``, which is now a dict -> ``KeyError``.
  :func:`empirical_ntk_fn` raises ``NotImplementedError`` for it.
* Implementation 3 on a JAX whose ``ad.linearize`` signature is neither the old
  nor the current one: then 3 is left out of :data:`SUPPORTED_IMPLEMENTATIONS`.
  As a backstop, the first request for 3 in a process runs a small
  self-check against implementation 1; if that fails, 3 is refused with
  ``NotImplementedError`` rather than risk a silently wrong kernel.
* ``neural_tangents.experimental`` (TF port) without TensorFlow and tf2jax.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import sys
import threading
import types
import warnings
from collections.abc import Callable
from typing import Any

__all__ = [
    "INSTALL_COMMAND",
    "INSTALLED_SHIMS",
    "SUPPORTED_IMPLEMENTATIONS",
    "empirical_ntk_fn",
    "install_shims",
    "load_neural_tangents",
]

#: The only supported way to install the package.
INSTALL_COMMAND = "python -m pip install --no-deps neural-tangents==0.6.5"

_IMPLEMENTATION_NAMES = {
    0: "AUTO",
    1: "JACOBIAN_CONTRACTION",
    2: "NTK_VECTOR_PRODUCTS",
    3: "STRUCTURED_DERIVATIVES",
}

#: Human-readable record of the shims actually installed in this process.
INSTALLED_SHIMS: list[str] = []

_LOCK = threading.RLock()
_NT_MODULE: types.ModuleType | None = None
_SHIMS_DONE = False
_SD_SELF_CHECK: str | None = None  # None: not run yet; "" passed; else reason

# ``jax.core`` names imported by NT 0.6.5 at module level (``_src/empirical.py``,
# ``_src/utils/rules.py``, ``_src/stax/*.py``, ``_src/utils/utils.py``).
_JAX_CORE_NAMES = (
    "AbstractValue",
    "ClosedJaxpr",
    "Jaxpr",
    "JaxprEqn",
    "Literal",
    "Primitive",
    "ShapedArray",
    "Value",
    "Var",
    "eval_context",
)

# Helpers that code of NT's era takes from ``jax.util`` (NT: safe_map/safe_zip).
_JAX_UTIL_NAMES = (
    "safe_map",
    "safe_zip",
    "unzip2",
    "unzip3",
    "split_list",
    "partition_list",
    "curry",
    "wraps",
    "cache",
    "memoize",
)


def _has(obj: Any, name: str) -> bool:
    """``hasattr`` that treats deprecation-on-access as present.

    Some JAX releases serve removed names through a module ``__getattr__``
    that warns; with ``filterwarnings=error`` that warning would escape from a
    plain ``hasattr``.  The warning is suppressed only for this probe.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            getattr(obj, name)
        except Exception:  # AttributeError, or a deprecation turned error
            return False
    return True


def _first_attr(name: str, *module_names: str) -> Any:
    """Return ``name`` from the first importable module that defines it."""
    for mod_name in module_names:
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        if _has(mod, name):
            return getattr(mod, name)
    raise ImportError(f"no replacement for {name!r} in any of {module_names}")


def _module_proxy(name: str, real: Any, overrides: dict[str, Any]) -> types.ModuleType:
    """A module that serves ``overrides`` and forwards everything else to ``real``."""
    proxy = types.ModuleType(name, f"empirical.nt_compat proxy for {real.__name__}")
    proxy.__dict__.update(overrides)
    proxy.__getattr__ = lambda attr: getattr(real, attr)  # PEP 562 fallback
    return proxy


# ----------------------------------------------------------------------------
# Import-time shims (must exist before ``import neural_tangents``).
# ----------------------------------------------------------------------------


def _shim_jax_core() -> None:
    # REPLACES: jax.core.<name>, removed from jax.core (now public in
    # jax.extend.core, or only in the private jax._src.core).  Same objects.
    import jax.core

    for name in _JAX_CORE_NAMES:
        if not _has(jax.core, name):
            setattr(jax.core, name, _first_attr(name, "jax.extend.core", "jax._src.core"))
            INSTALLED_SHIMS.append(f"jax.core.{name}")


def _shim_jax_util() -> None:
    # REPLACES: the removed ``jax.util`` module (safe_map/safe_zip now live in
    # the private jax._src.util).  An existing module only gets missing names.
    import jax

    try:
        util = importlib.import_module("jax.util")
        created = False
    except ImportError:
        util = types.ModuleType("jax.util", "empirical.nt_compat stand-in for jax.util")
        created = True
    src = importlib.import_module("jax._src.util")
    for name in _JAX_UTIL_NAMES:
        if not _has(util, name) and _has(src, name):
            setattr(util, name, getattr(src, name))
            if not created:
                INSTALLED_SHIMS.append(f"jax.util.{name}")
    if created:
        sys.modules["jax.util"] = util
        if not _has(jax, "util"):
            jax.util = util  # type: ignore[attr-defined]
        INSTALLED_SHIMS.append("jax.util (stand-in module)")


def _shim_ad_zeros_like_p() -> None:
    # REPLACES: jax.interpreters.ad.zeros_like_p, no longer re-exported
    # (still defined in jax._src.ad_util).  NT uses it as a dict key only.
    from jax.interpreters import ad

    if not _has(ad, "zeros_like_p"):
        ad.zeros_like_p = _first_attr("zeros_like_p", "jax._src.ad_util")  # type: ignore[attr-defined]
        INSTALLED_SHIMS.append("jax.interpreters.ad.zeros_like_p")


def _tf_port_unavailable(*args: Any, **kwargs: Any) -> Any:
    raise ImportError(
        "neural_tangents.experimental (the TensorFlow port: empirical_ntk_fn_tf, "
        "get_apply_fn_and_params) needs tensorflow and tf2jax, which are not "
        "installed; empirical.nt_compat replaced it with a stub."
    )


def _shim_experimental() -> None:
    # REPLACES: neural_tangents.experimental, whose __init__ imports tensorflow
    # and tf2jax unconditionally (and is imported by neural_tangents/__init__).
    if "neural_tangents.experimental" in sys.modules:
        return
    if all(importlib.util.find_spec(m) is not None for m in ("tensorflow", "tf2jax")):
        return  # The real package can import; leave it alone.
    stub = types.ModuleType(
        "neural_tangents.experimental",
        "Stub installed by empirical.nt_compat: tensorflow/tf2jax not installed.",
    )
    stub.__path__ = []  # a package with no submodules: their imports fail cleanly
    stub.empirical_ntk_fn_tf = _tf_port_unavailable  # type: ignore[attr-defined]
    stub.get_apply_fn_and_params = _tf_port_unavailable  # type: ignore[attr-defined]
    sys.modules["neural_tangents.experimental"] = stub
    INSTALLED_SHIMS.append("neural_tangents.experimental (stub, no TensorFlow)")


def _shim_primitive_map_flag() -> None:
    # REPLACES: Primitive.map_primitive (class attribute, removed together with
    # the old pmap primitive).  NT's structured-derivative VJP reads
    # ``eqn.primitive.call_primitive or eqn.primitive.map_primitive``; no
    # current primitive is a map primitive, so the inert default is False.
    prim_cls = _first_attr("Primitive", "jax.extend.core", "jax._src.core")
    if not _has(prim_cls, "map_primitive"):
        prim_cls.map_primitive = False
        INSTALLED_SHIMS.append("Primitive.map_primitive = False (class default)")


# ----------------------------------------------------------------------------
# Implementation 3 (STRUCTURED_DERIVATIVES): adapters in NT's own namespace.
# ----------------------------------------------------------------------------


def _linearize_api() -> str | None:
    """Which ``jax.interpreters.ad.linearize`` calling convention is present.

    ``"varargs"``: the old ``linearize(traceable, *primals, **kw)`` that NT was
    written for; ``"flattree"``: ``linearize(traceable, primals_ft, ...)``
    (JAX's stackless-era rewrite); ``None``: unrecognised.
    """
    from jax.interpreters import ad

    try:
        params = list(inspect.signature(ad.linearize).parameters.values())
    except (AttributeError, TypeError, ValueError):
        return None
    if len(params) >= 2 and params[1].kind is inspect.Parameter.VAR_POSITIONAL:
        return "varargs"
    if len(params) >= 2 and params[1].name == "primals_ft":
        try:
            _first_attr("FlatTree", "jax.tree_util", "jax._src.tree_util")
        except ImportError:
            return None
        return "flattree"
    return None


class _PartialVal:
    """Minimal stand-in for the removed ``pe.PartialVal`` (NT calls ``is_known``)."""

    __slots__ = ("_known",)

    def __init__(self, known: bool):
        self._known = known

    def is_known(self) -> bool:
        return self._known


def _linearize_varargs_adapter(traceable: Any, *primals: Any, has_aux: bool = False) -> Any:
    # REPLACES: old ``ad.linearize(traceable: WrappedFun, *primals)`` returning
    # ``(out_primals, out_tangent_pvals, jaxpr, consts)``, where an output's
    # pval "is known" iff its tangent is symbolically zero (such outputs have
    # no outvar in the linear jaxpr).  Built on the FlatTree-based linearize.
    from jax.interpreters import ad

    if has_aux:
        raise NotImplementedError("empirical.nt_compat linearize adapter: has_aux=True")
    flat_tree = _first_attr("FlatTree", "jax.tree_util", "jax._src.tree_util")
    out_primals_ft, out_zeros, jaxpr, consts = ad.linearize(
        traceable.call_wrapped, flat_tree.flatten(tuple(primals))
    )[:4]
    out_pvals = [_PartialVal(bool(zero)) for zero in out_zeros]
    return list(out_primals_ft), out_pvals, jaxpr, consts


class _NoDShapedArray:
    """Stand-in for the removed ``core.DShapedArray``; never instantiated."""


def _wrap_init_factory(lu: Any) -> Callable[..., Any] | None:
    # REPLACES: ``lu.wrap_init(f)`` without ``debug_info`` (deprecated, slated
    # to become an error).  Supplies a DebugInfo built by the public
    # ``jax.api_util.debug_info``; ``arg_names=None`` means "unknown", exactly
    # what JAX itself uses for a missing DebugInfo.
    import jax.api_util

    try:
        if "debug_info" not in inspect.signature(lu.wrap_init).parameters:
            return None
    except (TypeError, ValueError):
        return None
    if not _has(jax.api_util, "debug_info"):
        return None

    def wrap_init(f: Callable[..., Any], params: Any = None, *, debug_info: Any = None) -> Any:
        if debug_info is None:
            debug_info = jax.api_util.debug_info("neural_tangents", f, (), {})
            if "arg_names" in getattr(debug_info, "_fields", ()):
                debug_info = debug_info._replace(arg_names=None)
        return lu.wrap_init(f, params, debug_info=debug_info)

    return wrap_init


def _get_fx_axis_and_dtype(fx: Any, fx_axis: Any, params: Any) -> Any:
    # REPLACES: neural_tangents._src.empirical._get_fx_axis_and_dtype, which
    # calls ``jnp.dtype(array)`` (= ``np.dtype(jax.Array)``), deprecated by JAX
    # ("In the future this will result in an error").  Same logic, ``.dtype``.
    import jax.numpy as jnp
    import numpy as np
    from jax.tree_util import tree_leaves, tree_map

    if fx_axis is None:
        fx_axis = tree_map(lambda x: None, fx)
    # Default dtype: least common type ancestor of the parameters' dtypes.
    dtypes = [np.dtype(getattr(p, "dtype", p)) for p in tree_leaves(params)]
    dtype = functools.reduce(jnp.promote_types, dtypes) if dtypes else None
    return fx_axis, dtype


def _np_dtype_of_array_is_deprecated() -> bool:
    import jax.numpy as jnp
    import numpy as np

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            np.dtype(jnp.zeros((), jnp.float32))
        except Exception:
            return True
    return bool(caught)


def _patch_structured_derivatives() -> None:
    """Install the implementation-3 adapters into NT's ``_src.empirical``."""
    import jax
    import jax.core
    from jax.extend import linear_util as lu
    from jax.interpreters import ad

    emp = importlib.import_module("neural_tangents._src.empirical")

    ad_overrides: dict[str, Any] = {}
    if _linearize_api() == "flattree":
        ad_overrides["linearize"] = _linearize_varargs_adapter
    if not _has(ad, "source_info_util"):
        # REPLACES: ad.source_info_util (the module re-export was dropped).
        ad_overrides["source_info_util"] = _first_attr("source_info_util", "jax.extend", "jax._src")
    if not _has(ad, "reducing_transposes"):
        # REPLACES: ad.reducing_transposes (removed; no primitive registers one).
        ad_overrides["reducing_transposes"] = {}
    if not _has(ad, "config"):
        # REPLACES: ad.config (removed).  NT only reads ``jax_enable_checks`` to
        # run a debug assertion that uses the removed ``core.lattice_join``.
        ad_overrides["config"] = types.SimpleNamespace(jax_enable_checks=False)
    if ad_overrides and getattr(emp, "ad", None) is ad:
        emp.ad = _module_proxy("jax.interpreters.ad", ad, ad_overrides)
        INSTALLED_SHIMS.extend(f"neural_tangents empirical: ad.{k}" for k in sorted(ad_overrides))

    if not _has(jax.core, "DShapedArray") and getattr(emp, "core", None) is jax.core:
        # REPLACES: core.DShapedArray (dynamic shapes were removed from JAX).
        emp.core = _module_proxy("jax.core", jax.core, {"DShapedArray": _NoDShapedArray})
        INSTALLED_SHIMS.append("neural_tangents empirical: core.DShapedArray")

    wrap_init = _wrap_init_factory(lu)
    if wrap_init is not None and getattr(emp, "lu", None) is lu:
        emp.lu = _module_proxy(lu.__name__, lu, {"wrap_init": wrap_init})
        INSTALLED_SHIMS.append("neural_tangents empirical: lu.wrap_init(debug_info=...)")

    if _has(emp, "_get_fx_axis_and_dtype") and _np_dtype_of_array_is_deprecated():
        emp._get_fx_axis_and_dtype = _get_fx_axis_and_dtype
        INSTALLED_SHIMS.append("neural_tangents empirical: _get_fx_axis_and_dtype")


#: ``empirical_ntk_fn`` implementations supported on the installed JAX
#: (1 = JACOBIAN_CONTRACTION, 2 = NTK_VECTOR_PRODUCTS, 3 = STRUCTURED_DERIVATIVES
#: when JAX's ``ad.linearize`` convention is recognised).  AUTO (0) is excluded.
SUPPORTED_IMPLEMENTATIONS: tuple[int, ...] = (1, 2, 3) if _linearize_api() else (1, 2)


# ----------------------------------------------------------------------------
# Public API.
# ----------------------------------------------------------------------------


def install_shims() -> None:
    """Install every needed import-time shim (idempotent)."""
    global _SHIMS_DONE
    with _LOCK:
        if _SHIMS_DONE:
            return
        _shim_jax_core()
        _shim_jax_util()
        _shim_ad_zeros_like_p()
        _shim_experimental()
        _SHIMS_DONE = True


def load_neural_tangents() -> types.ModuleType:
    """Return the ``neural_tangents`` module, importable on current JAX.

    Installs the shims (once), imports ``neural_tangents`` and caches it.
    Safe to call repeatedly and from several threads.

    Raises:
      ImportError: if ``neural_tangents`` is not installed (the message holds
        the install command), or if it still fails to import after shimming.
    """
    global _NT_MODULE, _SD_SELF_CHECK
    if _NT_MODULE is not None:
        return _NT_MODULE
    with _LOCK:
        if _NT_MODULE is not None:
            return _NT_MODULE
        if importlib.util.find_spec("neural_tangents") is None:
            raise ImportError(
                "neural_tangents is not installed. Install it WITHOUT its "
                f"dependencies (they pull TensorFlow): {INSTALL_COMMAND}"
            )
        install_shims()
        try:
            nt = importlib.import_module("neural_tangents")
        except ImportError as exc:
            raise ImportError(
                "neural_tangents failed to import even with the empirical.nt_compat "
                f"shims ({exc}); installed shims: {INSTALLED_SHIMS}. "
                f"Expected install: {INSTALL_COMMAND}"
            ) from exc
        if 3 in SUPPORTED_IMPLEMENTATIONS:
            # Optional: if these adapters cannot be installed on some JAX, only
            # implementation 3 is lost (refused by empirical_ntk_fn), not NT.
            try:
                _shim_primitive_map_flag()
                _patch_structured_derivatives()
            except Exception as exc:
                _SD_SELF_CHECK = f"its adapters failed to install ({type(exc).__name__}: {exc})"
        _NT_MODULE = nt
        return nt


def _implementation_number(implementation: Any) -> int:
    # Accept ints and ``nt.NtkImplementation`` enum members alike.
    value = getattr(implementation, "value", implementation)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"unrecognised NTK implementation {implementation!r}")
    return value


def _structured_derivatives_self_check() -> str:
    """Compare implementation 3 with 1 on a tiny conv net; '' if they agree.

    A backstop for JAX versions this layer was not tested on: a broken
    adapter must raise, not return a wrong kernel.  Runs once per process.
    """
    import jax
    import jax.numpy as jnp
    import numpy as np

    nt = load_neural_tangents()
    stax = nt.stax
    init_fn, apply_fn, _ = stax.serial(
        stax.Conv(3, (2,), padding="CIRCULAR", b_std=0.1),
        stax.Relu(),
        stax.Flatten(),
        stax.Dense(4, b_std=0.1),
        stax.Erf(),
        stax.Dense(2),
    )
    try:
        with jax.ensure_compile_time_eval():
            x = jnp.asarray(np.linspace(-1.0, 1.0, 2 * 3 * 2).reshape(2, 3, 2))
            _, params = init_fn(jax.random.PRNGKey(0), x.shape)
            k1, k3 = (
                np.asarray(
                    jax.jit(nt.empirical_ntk_fn(apply_fn, implementation=i))(x, None, params)
                )
                for i in (1, 3)
            )
    except Exception as exc:  # any failure means "not supported here"
        return f"self-check raised {type(exc).__name__}: {exc}"
    # Both are the same finite sum of products evaluated in different orders:
    # a few hundred ulps of the working precision is generous round-off.
    tol = 1e3 * np.finfo(k1.dtype).eps * max(1.0, float(np.max(np.abs(k1))))
    err = float(np.max(np.abs(k1 - k3)))
    if not np.isfinite(err) or err > tol:
        return f"self-check mismatch vs implementation 1: max |diff| = {err:.3g} > {tol:.3g}"
    return ""


def _refuse(number: int, reason: str) -> NotImplementedError:
    name = _IMPLEMENTATION_NAMES.get(number, "unknown")
    return NotImplementedError(
        f"empirical_ntk_fn implementation={number} ({name}) is not supported by "
        f"neural_tangents 0.6.5 on the installed JAX: {reason}. Use one of "
        f"{SUPPORTED_IMPLEMENTATIONS} (1 = JACOBIAN_CONTRACTION, "
        "2 = NTK_VECTOR_PRODUCTS, 3 = STRUCTURED_DERIVATIVES)."
    )


def empirical_ntk_fn(
    f: Callable[..., Any],
    implementation: Any = 1,
    **kwargs: Any,
) -> Callable[..., Any]:
    """``neural_tangents.empirical_ntk_fn`` restricted to working implementations.

    Args:
      f: ``f(params, x, **kw)`` as for ``nt.empirical_ntk_fn``.
      implementation: an int or ``nt.NtkImplementation``; must be in
        :data:`SUPPORTED_IMPLEMENTATIONS`.
      **kwargs: forwarded (``trace_axes``, ``diagonal_axes``, ``vmap_axes``,
        ``_j_rules``, ``_s_rules``, ``_fwd``).

    Raises:
      NotImplementedError: for an implementation not known to give correct
        results on the installed JAX (0 = AUTO always; 3 if its adapters are
        unavailable or its one-time self-check fails).
    """
    global _SD_SELF_CHECK
    number = _implementation_number(implementation)
    if number not in SUPPORTED_IMPLEMENTATIONS:
        if number == 0:
            reason = "its FLOP-based selection breaks on JAX's cost_analysis() format"
        elif number in _IMPLEMENTATION_NAMES:
            reason = "it relies on JAX autodiff internals this layer cannot adapt"
        else:
            reason = "no such implementation (neural_tangents defines 0-3)"
        raise _refuse(number, reason)
    nt = load_neural_tangents()
    if number == 3:
        with _LOCK:
            if _SD_SELF_CHECK is None:
                _SD_SELF_CHECK = _structured_derivatives_self_check()
        if _SD_SELF_CHECK:
            raise _refuse(number, _SD_SELF_CHECK)
    return nt.empirical_ntk_fn(f, implementation=number, **kwargs)

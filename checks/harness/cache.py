"""On-disk cache for expensive sweeps shared between claims.

Keyed by the function's qualified name, its arguments, the tier, and a *code
version*: the hash of the source files the result depends on (the function's own
module plus the modules listed in ``depends_on``). Editing any of them invalidates
the entry. Disable with ``NNK_CACHE=0``; location ``NNK_CACHE_DIR`` (default
``<repo>/.cache/sweeps``, git-ignored).

    @disk_cache(depends_on=("numeric.kernels", "empirical.mlp"))
    def dispersion_sweep(activation, sigma_w2_grid, depths, width, n_inits, seed): ...
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import os
import pathlib
import pickle
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_ROOT = pathlib.Path(__file__).resolve().parents[2]


def code_version(modules: Iterable[str]) -> str:
    h = hashlib.sha256()
    for name in sorted(set(modules)):
        mod = importlib.import_module(name)
        h.update(name.encode())
        h.update(pathlib.Path(inspect.getfile(mod)).read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("NNK_CACHE_DIR", _ROOT / ".cache" / "sweeps"))


def disk_cache(depends_on: Iterable[str] = ()) -> Callable[[F], F]:
    deps = tuple(depends_on)

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if os.environ.get("NNK_CACHE", "1") == "0":
                return fn(*args, **kwargs)
            version = code_version((fn.__module__, *deps))
            key_src = repr((fn.__module__, fn.__qualname__, args, sorted(kwargs.items()), version))
            key = hashlib.sha256(key_src.encode()).hexdigest()[:24]
            path = cache_dir() / f"{fn.__qualname__}-{key}.pkl"
            if path.exists():
                with path.open("rb") as fh:
                    return pickle.load(fh)
            value = fn(*args, **kwargs)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            with tmp.open("wb") as fh:
                pickle.dump(value, fh)
            tmp.replace(path)
            return value

        return inner  # type: ignore[return-value]

    return wrap

"""Plot helpers for the NTK-blog report figures (log-log width plots with fitted slopes)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from numeric.power_law_fit import ExponentFit  # noqa: E402


def new(ncols: int = 1, width: float = 4.6, height: float = 3.6):
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False)
    return fig, list(axes[0])


def loglog_fit(
    ax,
    sizes: Sequence[float],
    samples: Sequence[np.ndarray],
    fit: ExponentFit,
    label: str,
    *,
    xlabel: str = "width m",
    color: str | None = None,
    reference: float | None = None,
) -> None:
    """Means ± 2 SE over seeds, the fitted power law and its bootstrap CI in the legend."""
    sizes = np.asarray(sizes, dtype=float)
    means = np.array([np.mean(s) for s in samples])
    ses = np.array([np.std(s, ddof=1) / np.sqrt(len(s)) for s in samples])
    line = ax.errorbar(sizes, means, yerr=2 * ses, fmt="o", color=color, ms=4, capsize=2)
    col = line[0].get_color()
    grid = np.geomspace(sizes.min(), sizes.max(), 50)
    ls = np.log(sizes)
    intercept = np.mean(np.log(means)) - fit.slope * np.mean(ls)
    ax.plot(grid, np.exp(intercept) * grid**fit.slope, "-", color=col,
            label=f"{label}: slope {fit.slope:.3f} [{fit.lo:.3f}, {fit.hi:.3f}]")
    if reference is not None:
        ax.plot(grid, means[0] * (grid / sizes[0]) ** reference, ":", color="gray",
                label=f"slope {reference:g} (claimed)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=7)

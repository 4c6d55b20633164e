"""Dwaraknath 2019: statements that only cite other work (recorded as citations, not as passes)."""

from __future__ import annotations

from checks.harness import Claim

SRC = "004_99a4d7a2f16c5da0.txt"

PRACTICAL = Claim(
    id="ntkblog/practical-nets-not-kernel-regime",
    source=f"{SRC}, introduction ('empirical results show that neural networks in this regime perform "
    "worse than practical over-parameterized networks') and Concluding Remarks ('practically successful "
    "neural networks definitely do not operate in the kernel regime')",
    statement="Networks used in practice do not operate in the kernel regime, and kernel-regime "
    "networks perform worse.",
    expect="citation",
    reason="an empirical statement about practical benchmarks reported elsewhere (Arora et al. 2019; "
    "Chizat et al. 2019), needing CIFAR-scale training; the suite's related, checkable facts are "
    "ntkblog/rich-regime-converges (small-α nets fit with NTK changes ≫ 1) and "
    "ntkblog/kernel-regime-constant-ntk",
)


@PRACTICAL.check
def test_practical_nets_not_kernel_regime(check):
    check.note("citation only")


GAP = Claim(
    id="ntkblog/ntk-gap-7-percent",
    source=f"{SRC}, Concluding Remarks ('even the best linearized neural networks (exactly computed NTKs "
    "for infinite width) actually perform worse on standard benchmarks like MNIST and CIFAR by around ~7%')",
    statement="Exactly computed infinite-width NTK predictors are about 7% worse than standard networks "
    "on MNIST and CIFAR.",
    expect="citation",
    reason="cited result (Arora et al., 'On Exact Computation with an Infinitely Wide Neural Net', "
    "NeurIPS 2019, arXiv:1904.11955). Its abstract says the CNTK is 'only 6% lower than the "
    "performance of the corresponding finite deep net architecture (once batch normalization, etc. "
    "are turned off)' on CIFAR-10 and reports no MNIST gap: the blog's '~7%' and 'MNIST' do not match "
    "the source (catalog E8 confirmed against the abstract); not computable here (CIFAR-10 CNTK)",
)


@GAP.check
def test_ntk_gap_7_percent(check):
    check.note("citation only")


ENHANCED = Claim(
    id="ntkblog/enhanced-cntk-cited",
    source=f"{SRC}, Concluding Remarks ('recent developments might have bridged this gap, see this paper "
    "on Enhanced Convolutional NTKs')",
    statement="Enhanced convolutional NTKs (Li et al. 2019) may close the gap.",
    expect="citation",
    reason="pointer to Li et al., 'Enhanced Convolutional Neural Tangent Kernels' (arXiv:1911.00809); "
    "no claim of this document to check",
)


@ENHANCED.check
def test_enhanced_cntk_cited(check):
    check.note("citation only")

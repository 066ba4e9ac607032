"""The paper, claim by claim: every quantitative or causal claim of the paper, what the book did about it,
and a verdict, as one table that the book's "claims" page and its tests share.

Szegedy, Vanhoucke, Ioffe, Shlens, Wojna, "Rethinking the Inception Architecture for Computer Vision",
CVPR 2016 (arXiv:1512.00567).

* ``SECTIONS``: the paper's sections, in order; every claim belongs to one.
* ``CLAIMS``: the table, one frozen :class:`Claim` per claim.
* ``VERDICTS``: the four verdicts and how the page writes them.
* ``CHECKS``: for every claim marked reproduced or measured whose check is a function here, that
  function (no arguments). It recomputes the claim's number with the library and returns a
  :class:`Finding`: whether what the verdict says holds, and the measured values the page quotes.
  A check may instead name a pytest node (``tests/...::test_...``) that must exist and pass.
* ``run_check`` and ``verdict_counts``: what tools/claims_page.py and tests/test_claims.py call.

Every number the page states is computed: the paper's from :mod:`inception_lib.paper` (or
:data:`inception_lib.recipe.PAPER_RECIPE`) where they are kept there, the book's by the checks below.
Measurements are exact counts (parameters, multiply-accumulates, shapes), so they are the same on
every machine; checks of float results quote no digits.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "VERDICTS",
    "PaperSection",
    "SECTIONS",
    "Claim",
    "CLAIMS",
    "Finding",
    "CHECKS",
    "run_check",
    "is_pytest_node",
    "verdict_counts",
    "paper_values",
]

# Verdict key -> how the page writes it. Keys are what a Claim stores.
VERDICTS: dict[str, str] = {
    "reproduced": "reproduced exactly",
    "measured": "measured here",
    "miniature": "shown in miniature",
    "untestable": "not testable here",
}
NEEDS_CHECK = ("reproduced", "measured")


@dataclass(frozen=True)
class PaperSection:
    """One section of the paper, as the page groups the claims."""

    key: str
    title: str


SECTIONS: tuple[PaperSection, ...] = (
    PaperSection("abstract", "Abstract"),
    PaperSection("2", "Section 2: general design principles"),
    PaperSection("3", "Section 3: factorizing convolutions with large filters"),
    PaperSection("4", "Section 4: auxiliary classifiers"),
    PaperSection("5", "Section 5: efficient grid size reduction"),
    PaperSection("6", "Section 6: Inception-v2 and Table 1"),
    PaperSection("7", "Section 7: label smoothing"),
    PaperSection("8", "Section 8: training methodology"),
    PaperSection("9", "Section 9: lower-resolution input (Table 2)"),
    PaperSection("10", "Section 10: Table 3, the ladder to Inception-v3"),
    PaperSection("10-crops", "Section 10: multi-crop and ensemble results (Tables 4 and 5)"),
    PaperSection("11", "Section 11: conclusions"),
)


@dataclass(frozen=True)
class Claim:
    """One claim of the paper and what the book did about it.

    ``target`` is where the book does it: a ``(label)=`` target of a chapter (``"ch02-principles"``) or a
    document (``"chapters/05_recipe"``). ``heading`` names the section of that document (its heading
    text, exactly) where a document alone would be too coarse; empty for a label or a whole document.
    ``book`` is what the book did and ``note`` the verdict's detail (how the measurement differs, on
    what data the miniature runs, why the claim is not testable here). Both may quote the check's values
    and the paper's numbers as ``{name}`` fields (:func:`paper_values`, :attr:`Finding.values`).
    ``check`` is required for the verdicts "reproduced" and "measured": the name of a function in
    :data:`CHECKS` or a pytest node id.
    """

    key: str
    section: str
    where: str  # in the paper: "sec. 3.1", "Table 3", "Figure 8 caption"
    claim: str  # in the book's words
    paper: str  # the paper's number(s), "" if the claim has none
    verdict: str
    target: str
    book: str
    note: str
    heading: str = ""
    check: str = ""


@dataclass(frozen=True)
class Finding:
    """What a check found: whether the claim's verdict holds, and the values the page quotes."""

    holds: bool
    values: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------------
# The paper's numbers, read from inception_lib.paper and inception_lib.recipe


def _g(x: float) -> str:
    return f"{x:g}"


def _table3(network: str):  # -> paper.Table3Row
    from .paper import TABLE3

    return next(row for row in TABLE3 if row.network == network)


def _crop(crops: int, models: int):  # -> paper.MultiCropRow
    from .paper import MULTI_CROP

    return next(row for row in MULTI_CROP if (row.crops, row.models) == (crops, models))


@functools.cache
def paper_values() -> dict[str, str]:
    """The paper's numbers the table quotes, formatted, by name (``{name}`` fields of the text)."""
    from .paper import PAPER_NUMBERS, TABLE1
    from .recipe import PAPER_RECIPE

    pn = {name: number.value for name, number in PAPER_NUMBERS.items()}
    v2 = _table3("Inception-v2")
    steps = {
        "rmsprop": _table3("Inception-v2 + RMSProp"),
        "smoothing": _table3("Inception-v2 + Label Smoothing"),
        "stem": _table3("Inception-v2 + Factorized 7×7"),
        "bnaux": _table3("Inception-v2 + BN-auxiliary (= Inception-v3)"),
    }
    values = {
        "p_v3_params": f"{pn['v3_params_upper_bound'] / 1e6:g} million",
        "p_v3_madds": f"{pn['v3_multiply_adds'] / 1e9:g} billion",
        "p_v3_top1": _g(pn["v3_top1_error"]),
        "p_v3_top5": _g(pn["v3_top5_error"]),
        "p_v2_over_googlenet": _g(pn["v2_cost_over_googlenet"]),
        "p_v3_over_bn_inception": _g(pn["v3_cost_over_bn_inception"]),
        "p_grid_caption": _g(pn["grid_reduction_cost_ratio_caption"]),
        "p_grid_text": _g(pn["grid_reduction_cost_ratio_text"]),
        "p_bn_aux_gain": _g(pn["bn_aux_gain_top1"]),
        "p_ls_gain": _g(pn["label_smoothing_gain"]),
        "p_modules_35": _g(pn["v2_modules_35"]),
        "p_modules_17": _g(pn["v2_modules_17"]),
        "p_modules_8": _g(pn["v2_modules_8"]),
        "p_filters_35": _g(pn["v2_filters_35"]),
        "p_googlenet_cost": _g(_table3("GoogLeNet").cost_bn_ops),
        "p_v2_cost": _g(v2.cost_bn_ops),
        "p_v3_cost": _g(steps["bnaux"].cost_bn_ops),
        "p_stem_cost_step": _g(round(steps["stem"].cost_bn_ops - steps["smoothing"].cost_bn_ops, 3)),
        "p_v2_top1": _g(v2.top1),
        "p_lr": _g(PAPER_RECIPE["lr"]),
        "p_lr_decay": _g(PAPER_RECIPE["lr_decay"]),
        "p_epochs_per_decay": _g(PAPER_RECIPE["epochs_per_decay"]),
        "p_rms_decay": _g(PAPER_RECIPE["rmsprop_decay"]),
        "p_rms_eps": f"{PAPER_RECIPE['rmsprop_eps']:.1f}",
        "p_clip": f"{PAPER_RECIPE['clip_grad_norm']:.1f}",
        "p_smoothing": _g(PAPER_RECIPE["label_smoothing"]),
        "p_batch": _g(PAPER_RECIPE["batch_size_per_replica"]),
        "p_epochs": _g(PAPER_RECIPE["epochs"]),
        "p_replicas": "50",  # sec. 8: "50 replicas", not kept in PAPER_RECIPE
        "p_table1_rows": str(len(TABLE1)),
    }
    previous = v2
    for name, row in steps.items():
        values[f"p_{name}_top1"] = _g(row.top1)
        values[f"p_{name}_from"] = _g(previous.top1)
        values[f"p_{name}_gain"] = _g(round(previous.top1 - row.top1, 3))
        previous = row
    for key, (crops, models) in {"c12": (12, 1), "c144": (144, 1), "ens": (144, 4)}.items():
        row = _crop(crops, models)
        values[f"p_{key}_top1"], values[f"p_{key}_top5"] = _g(row.top1), _g(row.top5)
    return values


# --------------------------------------------------------------------------------------------------------
# Checks: zero-argument functions that recompute a claim's number with the library

CHECKS: dict[str, Callable[[], Finding]] = {}
# The bounds chapters 1 and 5 check as claims.
_RELU_RESIDUAL = 0.1  # the best single convolution leaves at least this relative residual
_FRESH_NORM = 100.0  # a fresh network's global gradient norm exceeds this


def _check(fn: Callable[[], Finding]) -> Callable[[], Finding]:
    CHECKS[fn.__name__] = fn
    return fn


def _pct(saving: float) -> str:
    return f"{100 * saving:.0f}%"


def _per_pair(full_kernel: int, factorized) -> tuple[int, int]:  # noqa: ANN001 (an nn.Module)
    from .counting import count_conv_weights
    from .layers import ConvBNReLU

    return count_conv_weights(ConvBNReLU(1, 1, full_kernel, padding="same")), count_conv_weights(factorized)


@_check
def check_two_3x3_weights() -> Finding:
    """Sec. 3.1: two 3×3 instead of a 5×5 keep 18 of 25 weights per channel pair, a 28% saving."""
    from .layers import StackedConv3x3

    full, fact = _per_pair(5, StackedConv3x3(1, 1, kernel_size=5))
    saving = 1 - fact / full
    return Finding(round(100 * saving) == 28, {"w5": str(full), "w33": str(fact), "s33": _pct(saving)})


@_check
def check_two_3x3_window() -> Finding:
    """Figure 1: two stacked 3×3 see exactly a 5×5 window (three see a 7×7), measured with gradients."""
    from .kernels import receptive_field, support_shape
    from .layers import StackedConv3x3

    two = support_shape(receptive_field(StackedConv3x3(1, 1, kernel_size=5), 1, 11))
    three = support_shape(receptive_field(StackedConv3x3(1, 1, kernel_size=7), 1, 11))
    return Finding(
        two == (5, 5) and three == (7, 7), {"win2": f"{two[0]}×{two[1]}", "win3": f"{three[0]}×{three[1]}"}
    )


@_check
def check_relu_between() -> Finding:
    """Sec. 3.1: without a ReLU between them two 3×3 are one 5×5 convolution; with it, no single
    convolution up to 9×9 fits the layer (the bounds chapter 1 checks)."""
    import torch

    from .kernels import fit_single_conv, pre_activation
    from .layers import StackedConv3x3
    from .notebook import seed_everything

    seed_everything(0)
    linear = StackedConv3x3(1, 1, kernel_size=5, relu_between=False).eval()
    with_relu = StackedConv3x3(1, 1, kernel_size=5, relu_between=True).eval()
    x = torch.randn(16, 1, 24, 24)
    with torch.no_grad():
        y_linear, y_relu = pre_activation(linear)(x), pre_activation(with_relu)(x)
    linear_fits = fit_single_conv(x, y_linear, 5) < 1e-4
    relu_misses = min(fit_single_conv(x, y_relu, k) for k in (5, 7, 9)) > _RELU_RESIDUAL
    return Finding(linear_fits and relu_misses, {"relu_bound": f"{_RELU_RESIDUAL:g}"})


@_check
def check_asymmetric_3x3() -> Finding:
    """Sec. 3.2: a 3×1 then a 1×3 is 33% cheaper than a 3×3."""
    from .layers import AsymmetricConv

    full, fact = _per_pair(3, AsymmetricConv(1, 1, n=3))
    saving = 1 - fact / full
    return Finding(round(100 * saving) == 33, {"w3": str(full), "w13": str(fact), "s13": _pct(saving)})


@_check
def check_two_2x2() -> Finding:
    """Sec. 3.2: two 2×2 instead of a 3×3 would save only 11%."""
    from torch import nn

    from .counting import count_conv_weights

    full = count_conv_weights(nn.Conv2d(1, 1, 3, bias=False))
    fact = count_conv_weights(nn.Sequential(nn.Conv2d(1, 1, 2, bias=False), nn.Conv2d(1, 1, 2, bias=False)))
    saving = 1 - fact / full
    return Finding(round(100 * saving) == 11, {"w22": str(fact), "w3": str(full), "s22": _pct(saving)})


@_check
def check_asymmetric_grows_with_n() -> Finding:
    """Sec. 3.2: the saving of a 1×n then n×1 grows with n (2n weights against n²)."""
    from .layers import AsymmetricConv

    ns = range(3, 17, 2)
    pairs = [_per_pair(n, AsymmetricConv(1, 1, n=n)) for n in ns]
    savings = [1 - fact / full for full, fact in pairs]
    exact = all(pair == (n * n, 2 * n) for n, pair in zip(ns, pairs, strict=True))
    rising = all(a < b for a, b in zip(savings, savings[1:], strict=False))
    w7 = pairs[list(ns).index(7)]
    return Finding(exact and rising, {"w77": str(w7[0]), "w17": str(w7[1]), "s17": _pct(1 - w7[1] / w7[0])})


@functools.cache
def _strategies():  # -> list[representation.StrategyMeasurement], chapter 3's real-size setting
    from .representation import measure_strategies

    return measure_strategies(288, 768, 35)


@functools.cache
def _plain_strategies() -> dict[str, int]:
    from .counting import mac_report
    from .representation import plain_conv_strategies

    return {
        name: mac_report(b, (288, 34, 34)).conv_linear for name, b in plain_conv_strategies(288, 576).items()
    }


@_check
def check_pool_first_bottleneck() -> Finding:
    """Sec. 5, Figure 9: pooling first leaves a waist of (d/2)²k numbers, smaller than input and output;
    the other two strategies pass nothing smaller than their output."""
    pool_first, inception_first, parallel = _strategies()
    waist = pool_first.smallest
    inp, out = pool_first.trace[0].size, pool_first.trace[-1].size
    holds = (
        pool_first.trace[1].shape == (288, 17, 17)
        and waist == 288 * 17 * 17 < min(inp, out)
        and inception_first.smallest >= out
        and parallel.smallest >= out
    )
    return Finding(holds, {"waist": f"{waist:,}", "waist_in": f"{inp:,}", "waist_out": f"{out:,}"})


@_check
def check_inception_first_cost() -> Finding:
    """Sec. 5: Inception-first against pool-first, exactly 4× for a single convolution on a grid that
    halves exactly, and (35/17)² for the real module; the caption's 3× fits only as "3× more"."""
    pool_first, inception_first, _ = _strategies()
    plain = _plain_strategies()
    ratio_plain = plain["conv → pool"] / plain["pool → conv"]
    ratio_real = inception_first.macs / pool_first.macs
    holds = ratio_plain == 4 and abs(ratio_real - (35 / 17) ** 2) < 1e-9
    return Finding(holds, {"ratio_plain": f"{ratio_plain:g}", "ratio_real": f"{ratio_real:.2f}"})


@_check
def check_parallel_reduction_cost() -> Finding:
    """Sec. 5, Figure 10: the idealised parallel block costs half of pool-first; the released Mixed_6a a
    little more than pool-first, far less than Inception-first."""
    pool_first, inception_first, parallel = _strategies()
    plain = _plain_strategies()
    ratio_plain = plain["parallel"] / plain["pool → conv"]
    ratio_real = parallel.macs / pool_first.macs
    holds = ratio_plain == 0.5 and 1 < ratio_real < 1.5 and parallel.macs < inception_first.macs / 3
    return Finding(holds, {"par_plain": f"{ratio_plain:g}", "par_real": f"{ratio_real:.2f}"})


@functools.cache
def _trace():  # -> list[network.TraceRow] of the released network at 299
    from .network import inception_v3, shape_trace

    return shape_trace(inception_v3(), 299)


@functools.cache
def _table1():  # -> list[paper.Table1Comparison]
    from .paper import compare_with_table1

    return compare_with_table1(_trace())


@_check
def check_table1() -> Finding:
    """Table 1 against the released network: how many of its rows the released blocks match."""
    rows = [row for row in _table1() if row.table_row is not None]
    matches = sum(row.matches for row in rows)
    extra = [row.blocks[0] for row in _table1() if row.table_row is None]
    return Finding(
        0 < matches < len(rows),
        {"t1_match": str(matches), "t1_rows": str(len(rows)), "t1_extra": str(len(extra))},
    )


@_check
def check_factorized_stem() -> Finding:
    """Sec. 6, Table 1's first three rows: the released stem starts 3×3/2, 3×3/1, padded 3×3/1, and the
    three see an 11×11 window where one 7×7/2 sees 7×7."""
    from .network import inception_v3, receptive_fields

    first_three = _table1()[:3]
    fields = {row.block: row.size for row in receptive_fields(inception_v3(aux_logits=False), 299)}
    stem_7x7 = {
        row.block: row.size for row in receptive_fields(inception_v3(aux_logits=False, stem="7x7"), 299)
    }
    window = fields["conv_2b_3x3"][0]
    holds = all(row.matches for row in first_three) and window == 11 and stem_7x7["conv_1a_7x7"][0] == 7
    return Finding(holds, {"stem_window": f"{window}×{window}"})


def _outputs(prefix: str) -> list[int]:
    return [row.output_shape[0] for row in _trace() if row.block.startswith(prefix) and row.block != prefix]


@_check
def check_modules_35() -> Finding:
    """Sec. 6: three 35×35 modules "with 288 filters each"; released: outputs 256, 288, 288, fed 192."""
    outs = _outputs("mixed_5")
    first_in = next(row.input_shape[0] for row in _trace() if row.block == "mixed_5b")
    holds = len(outs) == 3 and outs[1:] == [288, 288] and outs[0] != 288
    return Finding(holds, {"outs_35": ", ".join(map(str, outs)), "in_35": str(first_in)})


@_check
def check_modules_17() -> Finding:
    """Table 1: five Figure 6 modules at 17×17; released: four after the reduction, five 17×17 blocks
    in Google's graph counting the reduction (mixed_17x17x768a-e)."""
    from .paper import GOOGLE_2015_NAMES

    modules = [row.block for row in _trace() if row.layer.startswith("Figure 6 module")]
    google = [b for b, g in GOOGLE_2015_NAMES.items() if g.startswith("mixed_17x17x768")]
    holds = len(modules) == 4 and len(google) == 5 and google[0] == "mixed_6a"
    return Finding(holds, {"n17": str(len(modules)), "n17_google": str(len(google))})


@_check
def check_modules_8() -> Finding:
    """Table 1 / Figure 7: two expanded-filter-bank modules on the 8×8 grid, ending at 2048 channels."""
    rows = [row for row in _trace() if row.layer == "Figure 7 module"]
    t1_row = next(row for row in _table1() if row.table_row is not None and row.table_row.repeat == 2)
    holds = len(rows) == 2 and rows[-1].output_shape == (2048, 8, 8) and t1_row.matches
    return Finding(holds, {"n8": str(len(rows)), "c8": str(rows[-1].output_shape[0])})


@_check
def check_aux_position() -> Finding:
    """Figure 8: Inception-v3 keeps one auxiliary classifier, on top of the last 17×17 layer."""
    names = [row.block for row in _trace()]
    aux = [row for row in _trace() if row.layer == "auxiliary classifier"]
    holds = (
        len(aux) == 1 and aux[0].input_shape == (768, 17, 17) and names.index("aux") > names.index("mixed_6e")
    )
    return Finding(
        holds, {"aux_in": "×".join(map(str, aux[0].input_shape[1:])) + f"×{aux[0].input_shape[0]}"}
    )


@functools.cache
def _params() -> tuple[int, int]:
    from .counting import count_params
    from .network import inception_v3

    return count_params(inception_v3(aux_logits=False)), count_params(inception_v3())


@_check
def check_params_bound() -> Finding:
    """Abstract: "less than 25 million parameters": true without the auxiliary head, not with it."""
    from .paper import PAPER_NUMBERS

    bound = PAPER_NUMBERS["v3_params_upper_bound"].value
    no_aux, with_aux = _params()
    return Finding(no_aux < bound < with_aux, {"params_no_aux": f"{no_aux:,}", "params_aux": f"{with_aux:,}"})


@functools.cache
def _conv_macs(network: str) -> int:
    """Conv + linear MACs of one forward pass (eval): 'v3', 'v2' (7×7 stem) at 299, 'googlenet' at 224."""
    from .counting import mac_report
    from .network import inception_v3

    if network == "googlenet":
        import torchvision

        model = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
        return mac_report(model, 224).conv_linear
    stem = {"v3": "3x3", "v2": "7x7"}[network]
    return mac_report(inception_v3(aux_logits=False, stem=stem), 299).conv_linear


def _gmacs(macs: float) -> str:
    return f"{macs / 1e9:.2f}"


@_check
def check_v3_multiply_adds() -> Finding:
    """Abstract: "5 billion multiply-adds": the released graph's conv + linear MACs are within 20%."""
    from .paper import PAPER_NUMBERS

    macs = _conv_macs("v3")
    paper = PAPER_NUMBERS["v3_multiply_adds"].value
    return Finding(
        paper < macs < 1.2 * paper, {"v3_g": _gmacs(macs), "v3_over_abstract": _pct(macs / paper - 1)}
    )


@_check
def check_googlenet_cost() -> Finding:
    """Table 3: GoogLeNet 1.5 Bn ops; torchvision's GoogLeNet at 224 rounds to the same."""
    macs = _conv_macs("googlenet")
    return Finding(round(macs / 1e9, 1) == _table3("GoogLeNet").cost_bn_ops, {"googlenet_g": _gmacs(macs)})


@_check
def check_v2_cost() -> Finding:
    """Table 3: Inception-v2 3.8 Bn ops; the book's reconstruction (7×7/2 stem) costs more."""
    macs = _conv_macs("v2")
    return Finding(macs / 1e9 > _table3("Inception-v2").cost_bn_ops, {"v2_g": _gmacs(macs)})


@_check
def check_v3_cost() -> Finding:
    """Table 3: Inception-v3 4.8 Bn ops; the released graph costs more, in MACs already."""
    macs = _conv_macs("v3")
    row = _table3("Inception-v2 + BN-auxiliary (= Inception-v3)")
    return Finding(macs / 1e9 > row.cost_bn_ops, {"v3_g": _gmacs(macs)})


@_check
def check_v2_over_googlenet() -> Finding:
    """Sec. 6: Inception-v2 costs "about 2.5" times GoogLeNet; measured (reconstructed v2), more."""
    from .paper import PAPER_NUMBERS

    ratio = _conv_macs("v2") / _conv_macs("googlenet")
    return Finding(ratio > PAPER_NUMBERS["v2_cost_over_googlenet"].value, {"v2_over_g": f"{ratio:.1f}"})


@_check
def check_stem_cost_step() -> Finding:
    """Table 3: "Factorized 7×7" adds 1.0 Bn ops; measured: it adds cost, but less."""
    delta = _conv_macs("v3") - _conv_macs("v2")
    step = _table3("Inception-v2 + Factorized 7×7").cost_bn_ops - _table3("Inception-v2").cost_bn_ops
    return Finding(0 < delta / 1e9 < step, {"stem_delta_g": _gmacs(delta)})


@_check
def check_smoothed_target() -> Finding:
    """Sec. 7: q'(k) = (1 − ε)δ + ε/K; the true class keeps 0.9001 for K = 1000, ε = 0.1."""
    import torch

    from .recipe import smooth_targets

    q = smooth_targets(torch.tensor([7]), 1000, 0.1).double()[0]
    kept = 1 - 0.1 + 0.1 / 1000  # the formula: 1 − ε + ε/K
    holds = abs(q.sum().item() - 1) < 1e-6 and abs(q[7].item() - kept) < 1e-6 and round(kept, 4) == 0.9001
    return Finding(holds, {"kept": f"{kept:.4f}"})


@_check
def check_smoothing_is_a_mixture() -> Finding:
    """Sec. 7: H(q', p) = (1 − ε)H(q, p) + εH(u, p); the library's loss is that mixture."""
    import torch
    import torch.nn.functional as F

    from .recipe import label_smoothing_loss

    gen = torch.Generator().manual_seed(0)
    logits = 3 * torch.randn(64, 10, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, 10, (64,), generator=gen)
    ok = True
    for eps in (0.0, 0.1, 0.3):
        hard = F.cross_entropy(logits, labels)
        uniform = -F.log_softmax(logits, dim=1).mean(dim=1).mean()
        ok &= torch.allclose(label_smoothing_loss(logits, labels, eps), (1 - eps) * hard + eps * uniform)
    return Finding(bool(ok))


@_check
def check_smoothing_bounds_the_gap() -> Finding:
    """Sec. 7: with one-hot targets the loss keeps falling as the true logit's lead grows; with smoothing
    it is smallest at a finite gap, log(1 + K(1 − ε)/ε)."""
    import torch

    from .calibration import optimal_logit_gap
    from .recipe import PAPER_RECIPE, label_smoothing_loss

    def loss(gap: float, k: int, eps: float) -> float:
        logits = torch.zeros(1, k, dtype=torch.float64)
        logits[0, 0] = gap
        return label_smoothing_loss(logits, torch.tensor([0]), eps).item()

    eps = PAPER_RECIPE["label_smoothing"]
    ok = True
    for k in (10, 1000):
        best = optimal_logit_gap(k, eps)
        ok &= loss(best, k, eps) < min(loss(best - 0.05, k, eps), loss(best + 0.05, k, eps))
        ok &= all(loss(g + 1, k, 0.0) < loss(g, k, 0.0) for g in range(0, 40, 5))
    return Finding(bool(ok), {"gap_1000": f"{optimal_logit_gap(1000, eps):.2f}"})


@_check
def check_lr_schedule() -> Finding:
    """Sec. 8: learning rate 0.045, times 0.94 every two epochs, over the 100 epochs."""
    import math

    from .recipe import PAPER_RECIPE, inception_lr

    lr, decay = PAPER_RECIPE["lr"], PAPER_RECIPE["lr_decay"]
    epochs = int(PAPER_RECIPE["epochs"])
    holds = all(math.isclose(inception_lr(e), lr * decay ** (e // 2), rel_tol=1e-12) for e in range(epochs))
    holds &= inception_lr(1.5) == inception_lr(0) and inception_lr(2) < inception_lr(1)
    return Finding(holds, {"lr_end": f"{100 * inception_lr(epochs - 1) / lr:.1f}%"})


@_check
def check_global_clipping_scale() -> Finding:
    """Sec. 8, clipping at 2.0: a fresh network's global gradient norm is over 100 (chapter 5's set-up),
    so clipping that norm to 2.0 shrinks its first steps more than fiftyfold."""
    import math

    import torch

    from .network import inception_v3
    from .notebook import seed_everything
    from .recipe import PAPER_RECIPE, label_smoothing_loss

    seed_everything(0)
    net = inception_v3(num_classes=10).train()
    images, targets = torch.randn(8, 3, 75, 75), torch.randint(0, 10, (8,))
    out = net(images)
    loss = label_smoothing_loss(out.logits, targets) + 0.4 * label_smoothing_loss(out.aux_logits, targets)
    loss.backward()
    norm = math.sqrt(sum(p.grad.double().pow(2).sum().item() for p in net.parameters() if p.grad is not None))
    clip = PAPER_RECIPE["clip_grad_norm"]
    values = {"norm_bound": f"{_FRESH_NORM:g}", "shrink": f"{_FRESH_NORM / clip:g}"}
    return Finding(norm > _FRESH_NORM, values)


# --------------------------------------------------------------------------------------------------------
# The table

CH1, CH2, CH3 = "chapters/01_factorizing", "chapters/02_modules", "chapters/03_grid_reduction"
CH4, CH5, CH6 = "chapters/04_network", "chapters/05_recipe", "chapters/06_training"
IMAGENET = (
    "It needs ImageNet training runs the size of the paper's (section 8), far beyond the book's compute."
)

CLAIMS: tuple[Claim, ...] = (
    # Abstract
    Claim(
        key="params-below-25m",
        section="abstract",
        where="abstract",
        claim="Inception-v3 has fewer than {p_v3_params} parameters.",
        paper="< {p_v3_params} parameters",
        verdict="measured",
        target=CH4,
        heading="Parameters",
        book="Counts the parameters of the released network with and without its auxiliary head.",
        note="True of the network used at inference ({params_no_aux}), not of the one trained: with the "
        "auxiliary head it has {params_aux}.",
        check="check_params_bound",
    ),
    Claim(
        key="five-billion-madds",
        section="abstract",
        where="abstract",
        claim="Inception-v3 costs {p_v3_madds} multiply-adds per inference.",
        paper="{p_v3_madds} multiply-adds",
        verdict="measured",
        target=CH4,
        heading="Multiply-accumulates and FLOPs",
        book="Counts the multiply-accumulates of convolutions and linear layers with fvcore, and checks "
        "them against torch's own FLOP counter.",
        note="{v3_g} G multiply-accumulates at 299×299, {v3_over_abstract} above the abstract's round "
        "figure: close, but not Table 3's {p_v3_cost} (see section 10 below).",
        check="check_v3_multiply_adds",
    ),
    Claim(
        key="single-crop-error",
        section="abstract",
        where="abstract; Table 3",
        claim="Inception-v3 reaches {p_v3_top1}% top-1 and {p_v3_top5}% top-5 error on ILSVRC-2012 "
        "validation with a single crop.",
        paper="{p_v3_top1}% / {p_v3_top5}%",
        verdict="untestable",
        target=CH4,
        heading="Google's ImageNet weights in our network",
        book="Shows that the book's network is torchvision's tensor for tensor and loads the ImageNet "
        "weights Google published (ported by torchvision) into it.",
        note=IMAGENET
        + (
            " The book also does not evaluate the published weights on the ImageNet validation "
            "set, which it cannot download offline."
        ),
    ),
    # Section 2: general design principles
    Claim(
        key="principle-bottleneck",
        section="2",
        where="sec. 2, principle 1",
        claim="Avoid representational bottlenecks, especially early: the representation should shrink "
        "gently from input to output.",
        paper="",
        verdict="miniature",
        target=CH3,
        heading="Measuring the bottleneck",
        book="Measures how well a linear decoder rebuilds a block's input from its output, for the three "
        "grid-reduction strategies of section 5.",
        note="On a toy size, with random weights, and white or smooth noise as inputs: pool-first keeps "
        "the least linearly recoverable information for every seed and input kind tried. Whether a trained "
        "network loses accuracy through the waist is not tested.",
    ),
    Claim(
        key="principle-high-dim",
        section="2",
        where="sec. 2, principle 2",
        claim="Higher-dimensional representations are easier to process locally; more activations per tile "
        "disentangle features and make networks train faster.",
        paper="",
        verdict="untestable",
        target="ch02-principles",
        book="States the principle and builds where the paper applies it: the expanded filter banks of the "
        "8×8 modules (Figure 7).",
        note="A claim about training speed and learned features across architectures; the paper gives no "
        "experiment for it, and a fair test would need many ImageNet runs.",
    ),
    Claim(
        key="principle-low-dim-aggregation",
        section="2",
        where="sec. 2, principle 3",
        claim="Spatial aggregation can be done over lower-dimensional embeddings (a 1×1 reduction before a "
        "3×3) without much loss, because neighbouring units are strongly correlated.",
        paper="",
        verdict="untestable",
        target="ch02-principles",
        book="States the principle and points to the 1×1 reductions in every module (chapter 2).",
        note="The claim is about the activations of trained ImageNet networks; the book trains none at "
        "that scale and measures no such correlation.",
    ),
    Claim(
        key="principle-balance",
        section="2",
        where="sec. 2, principle 4",
        claim="Balance width and depth: performance is best when filters per stage and depth grow together.",
        paper="",
        verdict="untestable",
        target="ch02-principles",
        book="States the principle; chapter 2 shows that the three module types cost about the same each.",
        note="Testing it means training many networks of equal cost and different shapes on ImageNet.",
    ),
    # Section 3: factorizing convolutions with large filters
    Claim(
        key="two-3x3-save-28",
        section="3",
        where="sec. 3.1, Figure 1",
        claim="Replacing a 5×5 convolution by two 3×3 saves 28% of the weights (and computation) for the "
        "same window.",
        paper="28%",
        verdict="reproduced",
        target=CH1,
        heading="Small kernels instead of large ones",
        book="Counts the weights per channel pair of the library's layers, then with 192 channels on 35×35.",
        note="{w5} weights against {w33}: {s33} fewer. With BatchNorm counted the network-size layers save "
        "slightly less.",
        check="check_two_3x3_weights",
    ),
    Claim(
        key="two-3x3-window",
        section="3",
        where="sec. 3.1, Figure 1",
        claim="Two stacked 3×3 convolutions cover the 5×5 window of the convolution they replace.",
        paper="",
        verdict="reproduced",
        target=CH1,
        heading="Receptive fields: the same window, weighted differently",
        book="Measures each stack's receptive field with gradients and draws it as paths per input pixel.",
        note="Two 3×3 see {win2}, three see {win3}; the stacks weight the centre of the window more than "
        "its border.",
        check="check_two_3x3_window",
    ),
    Claim(
        key="relu-between-accuracy",
        section="3",
        where="sec. 3.1, Figure 2",
        claim="A ReLU after the first factor beats a linear first factor: 77.2% against 76.2% top-1.",
        paper="77.2% vs 76.2% top-1",
        verdict="untestable",
        target=CH1,
        heading="Why a ReLU between the factors",
        book="Shows why the two differ: the linear stack collapses into one 5×5 convolution, the stack "
        "with a ReLU fits no single convolution (the next claim).",
        note=IMAGENET + " The paper compares only the two finished networks.",
    ),
    Claim(
        key="relu-between-expressive",
        section="3",
        where="sec. 3.1",
        claim="The ReLU between the factors enlarges the space of functions the factorized layer can "
        "represent.",
        paper="",
        verdict="measured",
        target=CH1,
        heading="Why a ReLU between the factors",
        book="Fits the best single convolution to the output of a two-3×3 stack with and without the ReLU.",
        note="Without it the stack is a 5×5 convolution to float precision; with it no convolution up to "
        "9×9 fits (relative residual above {relu_bound} for each). How much this explains of the accuracy "
        "gap is open.",
        check="check_relu_between",
    ),
    Claim(
        key="asymmetric-save-33",
        section="3",
        where="sec. 3.2, Figure 3",
        claim="A 3×1 followed by a 1×3 is 33% cheaper than the 3×3 it replaces.",
        paper="33%",
        verdict="reproduced",
        target=CH1,
        heading="Small kernels instead of large ones",
        book="Counts the weights per channel pair of `AsymmetricConv` against a 3×3.",
        note="{w3} weights against {w13}: {s13} fewer, with the same 3×3 window.",
        check="check_asymmetric_3x3",
    ),
    Claim(
        key="two-2x2-save-11",
        section="3",
        where="sec. 3.2",
        claim="Two 2×2 convolutions in place of a 3×3 would save only 11%.",
        paper="11%",
        verdict="reproduced",
        target=CH1,
        heading="Why not 2×2?",
        book="Counts two stacked 2×2 and measures their window.",
        note="{w22} weights against {w3}: {s22} fewer; they see a 3×3 window too.",
        check="check_two_2x2",
    ),
    Claim(
        key="asymmetric-grows-with-n",
        section="3",
        where="sec. 3.2",
        claim="The saving of a 1×n followed by an n×1 grows with n.",
        paper="",
        verdict="reproduced",
        target=CH1,
        heading="Costs over the window size n",
        book="Counts the three ways to see an n×n window for n from 3 to 15 and plots them.",
        note="2n weights against n²: for n = 7, {w17} against {w77} ({s17} fewer), and more as n grows.",
        check="check_asymmetric_grows_with_n",
    ),
    Claim(
        key="asymmetric-medium-grids",
        section="3",
        where="sec. 3.2",
        claim="Asymmetric factorization works poorly on early layers and well on medium grids (12 to 20).",
        paper="grids of 12 to 20",
        verdict="untestable",
        target=CH2,
        heading="The paper's Figure 6: the 17×17 module with 1×7 and 7×1",
        book="Builds the 17×17 modules where the paper uses 1×7 and 7×1, and shows that the relative "
        "saving does not depend on the grid.",
        note=IMAGENET + " The claim is about accuracy, and the paper gives no numbers for it.",
    ),
    # Section 4: auxiliary classifiers
    Claim(
        key="aux-no-early-speedup",
        section="4",
        where="sec. 4",
        claim="Auxiliary classifiers do not speed up early training; the network with the side head pulls "
        "ahead only near the end.",
        paper="",
        verdict="untestable",
        target=CH6,
        book="The training engine (chapter 6) trains the network with its auxiliary head and logs the main "
        "head's loss beside the total.",
        note=IMAGENET + " Small runs on small data cannot show an effect that appears late in a long run.",
    ),
    Claim(
        key="aux-lower-removed",
        section="4",
        where="sec. 4",
        claim="Removing GoogLeNet's lower auxiliary branch has no adverse effect on the final quality.",
        paper="",
        verdict="untestable",
        target=CH5,
        heading='The auxiliary head and "BN-auxiliary"',
        book="Builds the one auxiliary head Inception-v3 keeps.",
        note="It would need GoogLeNet trained on ImageNet with and without the lower head.",
    ),
    Claim(
        key="aux-regulariser",
        section="4",
        where="sec. 4",
        claim="The auxiliary classifier acts as a regularizer: the main classifier does better when the "
        "side branch is batch-normalized or has dropout.",
        paper="",
        verdict="untestable",
        target=CH5,
        heading='The auxiliary head and "BN-auxiliary"',
        book="Builds the head with and without BatchNorm on its classifier (`bn_aux`) and counts what it "
        "costs.",
        note=IMAGENET
        + (
            " The paper's evidence is one number (the BN-auxiliary row of Table 3), without "
            "run-to-run variation."
        ),
    ),
    Claim(
        key="aux-position",
        section="4",
        where="Figure 8 caption",
        claim="Inception-v3 keeps a single auxiliary classifier, on top of the last 17×17 layer.",
        paper="",
        verdict="reproduced",
        target=CH4,
        heading="Assembling the network",
        book="Builds the network and traces the head's input shape.",
        note="One head, fed the {aux_in} output of Mixed_6e, the last 17×17 module.",
        check="check_aux_position",
    ),
    # Section 5: efficient grid size reduction
    Claim(
        key="pool-first-bottleneck",
        section="5",
        where="sec. 5, Figure 9",
        claim="Pooling before the Inception module creates a representational bottleneck of (d/2)²k numbers.",
        paper="(d/2)²k",
        verdict="reproduced",
        target=CH3,
        heading="The problem: halving the grid",
        book="Traces the tensor's size through each of the three strategies at 35×35×288 → 17×17×768.",
        note="Right after pooling first the tensor holds {waist} numbers, against {waist_in} in and "
        "{waist_out} out; the other two strategies never go below their output.",
        check="check_pool_first_bottleneck",
    ),
    Claim(
        key="inception-first-3x",
        section="5",
        where="Figure 9 caption; sec. 5",
        claim="Running the Inception module before pooling is {p_grid_caption} times more expensive "
        "(caption); the text's arithmetic, 2d²k² against 2(d/2)²k², gives a factor of {p_grid_text}.",
        paper="{p_grid_caption}× (caption), {p_grid_text}× (text)",
        verdict="measured",
        target=CH3,
        heading="What Inception-first costs: 3× or 4×?",
        book="Counts both orders with the real module and with single convolutions.",
        note="{ratio_plain}× for one convolution on a grid that halves exactly, {ratio_real}× for the "
        "module at 35 → 17 (the ratio of the grid areas). The caption fits only read as "
        '"{p_grid_caption} times more" on top of pool-first\'s cost.',
        check="check_inception_first_cost",
    ),
    Claim(
        key="parallel-reduction-cheap",
        section="5",
        where="sec. 5, Figure 10",
        claim="Stride-2 convolutions beside a stride-2 pooling reduce the grid more cheaply still, without "
        "the bottleneck.",
        paper="",
        verdict="measured",
        target=CH3,
        heading="What Inception-first costs: 3× or 4×?",
        book="Counts the idealised parallel block and the released Mixed_6a against pool-first.",
        note="The idealised block costs {par_plain}× pool-first; the released Mixed_6a costs {par_real}× "
        "pool-first, because one of its branches works at full resolution. Neither has a waist.",
        check="check_parallel_reduction_cost",
    ),
    # Section 6: Inception-v2 and Table 1
    Claim(
        key="table1-outline",
        section="6",
        where="Table 1",
        claim="Table 1 is the outline of Inception-v2 (and of v3, which changes only the stem and the "
        "auxiliary head).",
        paper="{p_table1_rows} rows",
        verdict="measured",
        target=CH4,
        heading="Table 1 beside the released network",
        book="Pairs each row of Table 1 with the released blocks that stand in its place and compares "
        "layer and input size.",
        note="Only {t1_match} of the {t1_rows} rows match the released network; {t1_extra} released blocks "
        "have no row. It differs in the stem after the first pooling, the width entering the first module, "
        "and the number of 17×17 modules.",
        check="check_table1",
    ),
    Claim(
        key="stem-three-3x3",
        section="6",
        where="sec. 6; Table 1, first three rows",
        claim="The first 7×7 convolution is factorized into three 3×3 convolutions.",
        paper="",
        verdict="reproduced",
        target=CH1,
        heading="The network's first layers: a factorized 7×7 that sees more",
        book="Builds the released stem and a reconstructed 7×7/2 stem and measures their windows.",
        note="The first three rows of Table 1 are exactly the released stem. Because the first 3×3 has "
        "stride 2 the three see {stem_window}, more than the 7×7 they replace.",
        check="check_factorized_stem",
    ),
    Claim(
        key="modules-35-288",
        section="6",
        where="sec. 6; Table 1",
        claim="Three Inception modules at 35×35, with 288 filters each.",
        paper="{p_modules_35} × {p_filters_35}",
        verdict="measured",
        target=CH4,
        heading="Table 1 beside the released network",
        book="Traces the released network's blocks.",
        note="Three modules, producing {outs_35} channels; the first is fed {in_35}, not the "
        "{p_filters_35} Table 1 prints as its input.",
        check="check_modules_35",
    ),
    Claim(
        key="modules-17-five",
        section="6",
        where="sec. 6; Table 1",
        claim="Five Inception modules (Figure 6) on the 17×17 grid.",
        paper="{p_modules_17}",
        verdict="measured",
        target=CH4,
        heading="Table 1 beside the released network",
        book="Traces the released network's blocks and lists Google's names for them.",
        note="The released network has {n17} Figure 6 modules after the 35 → 17 reduction; Google's graph "
        "names {n17_google} 17×17 blocks, counting the reduction, which is one way to read the five.",
        check="check_modules_17",
    ),
    Claim(
        key="modules-8-expanded",
        section="6",
        where="sec. 6; Table 1; Figure 7",
        claim="Two modules with expanded filter banks on the 8×8 grid, for high-dimensional representations.",
        paper="{p_modules_8}",
        verdict="reproduced",
        target=CH2,
        heading="The paper's Figure 7: expanded filter banks on the 8×8 grid",
        book="Builds the Figure 7 module, draws it from the code and counts the split 1×3 ‖ 3×1 pair.",
        note="{n8} modules at 8×8, the last ending at {c8} channels; the Table 1 row matches.",
        check="check_modules_8",
    ),
    Claim(
        key="v2-cost-2.5x-googlenet",
        section="6",
        where="sec. 6",
        claim="Inception-v2 costs only about {p_v2_over_googlenet} times as much as GoogLeNet.",
        paper="{p_v2_over_googlenet}×",
        verdict="measured",
        target=CH4,
        heading="Table 3's cost column, measured",
        book="Counts torchvision's GoogLeNet at 224×224 and the book's reconstructed Inception-v2 (a 7×7/2 "
        "stem) at 299×299.",
        note="{v2_over_g}× in conv + linear multiply-accumulates. The unfactorized stem is the book's "
        "reconstruction, since the paper never spells it out.",
        check="check_v2_over_googlenet",
    ),
    # Section 7: label smoothing
    Claim(
        key="smoothed-target",
        section="7",
        where="sec. 7",
        claim="Label smoothing replaces the one-hot target by (1 − ε)δ + ε/K, with ε = {p_smoothing} and a "
        "uniform prior.",
        paper="ε = {p_smoothing}",
        verdict="reproduced",
        target=CH5,
        heading="Label smoothing",
        book="Implements the target and the loss and compares them with PyTorch's built-in smoothing.",
        note="With K = 1000 the true class keeps {kept}, not 0.9: the uniform share lands on it too.",
        check="check_smoothed_target",
    ),
    Claim(
        key="smoothing-mixture",
        section="7",
        where="sec. 7",
        claim="The smoothed loss is a mixture: (1 − ε) times the usual cross-entropy plus ε times the "
        "cross-entropy with the uniform prior.",
        paper="",
        verdict="reproduced",
        target=CH5,
        heading="Label smoothing",
        book="Spells the loss out in the library and shows that it equals PyTorch's `label_smoothing`.",
        note="The library's loss equals the mixture to float64 precision for several ε.",
        check="check_smoothing_is_a_mixture",
    ),
    Claim(
        key="smoothing-finite-gap",
        section="7",
        where="sec. 7",
        claim="With one-hot targets the largest logit is driven to become much larger than all others; "
        "smoothing gives the loss a finite optimum.",
        paper="",
        verdict="reproduced",
        target=CH5,
        heading="Label smoothing",
        book="Derives where the smoothed loss is smallest and lets the reader move ε and K in an explorer.",
        note="Without smoothing the loss falls for ever as the gap grows; with ε = {p_smoothing} it is "
        "smallest at a gap of log(1 + K(1 − ε)/ε), {gap_1000} for K = 1000.",
        check="check_smoothing_bounds_the_gap",
    ),
    Claim(
        key="smoothing-confidence",
        section="7",
        where="sec. 7",
        claim="Label smoothing keeps the model from becoming too confident about its predictions.",
        paper="",
        verdict="miniature",
        target=CH5,
        heading="Measuring the effect: several seeds, confidence and calibration",
        book="Trains a small convolutional network with and without smoothing and measures confidence, "
        "logit gap and calibration.",
        note="On the book's generated shapes, with a training set small enough for the network to fit "
        "completely, over several seeds: smoothing lowers the mean top probability and the logit gap on "
        "every seed; the chapter checks these as claims.",
    ),
    Claim(
        key="smoothing-gain",
        section="7",
        where="sec. 7",
        claim="Label smoothing improves top-1 and top-5 error by about {p_ls_gain}% absolute on ImageNet.",
        paper="≈ {p_ls_gain}%",
        verdict="untestable",
        target=CH5,
        heading="Measuring the effect: several seeds, confidence and calibration",
        book="Measures confidence and calibration on a small problem, not accuracy.",
        note=IMAGENET + " On the small problem the accuracy moves from seed to seed by more than this gain.",
    ),
    # Section 8: training methodology
    Claim(
        key="rmsprop-eps-1",
        section="8",
        where="sec. 8",
        claim="The best models were trained with RMSProp with decay {p_rms_decay} and ε = {p_rms_eps}.",
        paper="decay {p_rms_decay}, ε = {p_rms_eps}",
        verdict="reproduced",
        target=CH5,
        heading="RMSProp, TensorFlow's way",
        book="Implements TensorFlow 1's RMSProp (`TFRMSprop`: ε inside the square root, mean square "
        "starting at 1) and shows that `torch.optim.RMSprop` with the same numbers is another optimizer.",
        note="The optimizer is reproduced step by step against a NumPy transcription of TensorFlow's "
        "update; that these settings give the best models is the Table 3 claim in section 10 below.",
        check="tests/test_recipe.py::test_tf_rmsprop_matches_numpy_reference_step_by_step",
    ),
    Claim(
        key="lr-schedule",
        section="8",
        where="sec. 8",
        claim="Learning rate {p_lr}, decayed every {p_epochs_per_decay} epochs by an exponential rate of "
        "{p_lr_decay}.",
        paper="{p_lr}, × {p_lr_decay} every {p_epochs_per_decay} epochs",
        verdict="reproduced",
        target=CH5,
        heading="Learning rate, clipping and averaged weights",
        book="Implements the staircase schedule and plots it over the paper's {p_epochs} epochs.",
        note="Every epoch's rate equals the formula; in the last epoch it is {lr_end} of where it starts.",
        check="check_lr_schedule",
    ),
    Claim(
        key="clipping-2",
        section="8",
        where="sec. 8",
        claim="Gradient clipping with threshold {p_clip} was useful to stabilize training.",
        paper="{p_clip}",
        verdict="measured",
        target=CH5,
        heading="Learning rate, clipping and averaged weights",
        book="Measures a fresh network's gradients and implements both readings of the threshold (global "
        "norm, per tensor).",
        note="The paper names no norm. Read as the global norm, clipping shrinks a fresh network's first "
        "steps more than {shrink}-fold (its global gradient norm is over {norm_bound}); the book clips "
        "each tensor, as TF-slim does when asked.",
        check="check_global_clipping_scale",
    ),
    Claim(
        key="running-average",
        section="8",
        where="sec. 8",
        claim="Models are evaluated with a running average of the parameters computed over time.",
        paper="",
        verdict="miniature",
        target=CH6,
        book="Implements the average with the decay and warm-up of Google's code (`ModelEMA`, chapter 5); "
        "chapter 6 evaluates every recorded Fashion-MNIST run with raw and averaged weights.",
        note="On Fashion-MNIST at 75×75, in short CPU runs of three networks with two seeds each, the "
        "averaged weights score higher on the test set in every run; the paper gives no number for what "
        "the averaging buys at ImageNet scale.",
    ),
    Claim(
        key="training-scale",
        section="8",
        where="sec. 8",
        claim="Training used batch {p_batch} on each of {p_replicas} replicas for {p_epochs} epochs.",
        paper="{p_batch} × {p_replicas} replicas, {p_epochs} epochs",
        verdict="untestable",
        target=CH6,
        book="Runs the same training engine, on one CPU or GPU, at a small scale.",
        note="Compute: the paper's run passes every ImageNet training image through the network "
        "{p_epochs} times, on {p_replicas} GPUs.",
    ),
    # Section 9: lower-resolution input (Table 2)
    Claim(
        key="low-resolution",
        section="9",
        where="sec. 9, Table 2",
        claim="At equal computational cost, networks with receptive fields of 79×79, 151×151 and 299×299 "
        "reach similar accuracy, though lower resolution trains longer.",
        paper="",
        verdict="untestable",
        target=CH4,
        heading="Assembling the network",
        book="Builds the network, which accepts inputs far smaller than 299×299; chapter 4's exercises "
        "count its cost at the smallest.",
        note=IMAGENET + " The experiment needs three ImageNet-trained networks, one per resolution.",
    ),
    # Section 10: Table 3, the ladder to Inception-v3
    Claim(
        key="table3-googlenet-cost",
        section="10",
        where="Table 3",
        claim="GoogLeNet costs {p_googlenet_cost} billion operations.",
        paper="{p_googlenet_cost} Bn ops",
        verdict="measured",
        target=CH4,
        heading="Table 3's cost column, measured",
        book="Counts torchvision's GoogLeNet at 224×224.",
        note="It matches: {googlenet_g} G multiply-accumulates of convolutions and linear layers at 224×224.",
        check="check_googlenet_cost",
    ),
    Claim(
        key="table3-v2-cost",
        section="10",
        where="Table 3",
        claim="Inception-v2 costs {p_v2_cost} billion operations.",
        paper="{p_v2_cost} Bn ops",
        verdict="measured",
        target=CH4,
        heading="Table 3's cost column, measured",
        book="Counts the book's reconstruction of Inception-v2: the released network with a 7×7/2 stem.",
        note="{v2_g} G multiply-accumulates, more than the column; the reconstruction is the weakest of "
        "the three counts.",
        check="check_v2_cost",
    ),
    Claim(
        key="table3-v3-cost",
        section="10",
        where="Table 3",
        claim="Inception-v3 costs {p_v3_cost} billion operations.",
        paper="{p_v3_cost} Bn ops",
        verdict="measured",
        target=CH4,
        heading="Table 3's cost column, measured",
        book="Counts the released network.",
        note="{v3_g} G multiply-accumulates: whatever Table 3 counted, it was not this graph.",
        check="check_v3_cost",
    ),
    Claim(
        key="table3-stem-cost",
        section="10",
        where="Table 3",
        claim="Factorizing the 7×7 adds {p_stem_cost_step} billion operations.",
        paper="+{p_stem_cost_step} Bn ops",
        verdict="measured",
        target=CH5,
        heading="The factorized 7×7 stem",
        book="Counts both stems and the whole network with each.",
        note="The direction is right, the size is not: +{stem_delta_g} G multiply-accumulates.",
        check="check_stem_cost_step",
    ),
    Claim(
        key="table3-rmsprop",
        section="10",
        where="Table 3",
        claim="Switching Inception-v2 to RMSProp lowers top-1 error from {p_rmsprop_from}% to "
        "{p_rmsprop_top1}%.",
        paper="−{p_rmsprop_gain} points",
        verdict="untestable",
        target=CH6,
        book="Implements the paper's RMSProp; chapter 6 sets it beside the Adam optimizer the book's "
        "engine uses by default.",
        note=IMAGENET + " The book's small runs compare optimizers on small data only.",
    ),
    Claim(
        key="table3-smoothing",
        section="10",
        where="Table 3",
        claim="Adding label smoothing lowers top-1 error from {p_smoothing_from}% to {p_smoothing_top1}%.",
        paper="−{p_smoothing_gain} points",
        verdict="untestable",
        target=CH5,
        heading="Label smoothing",
        book="Implements label smoothing and measures its effect on confidence in miniature (section 7 "
        "above).",
        note=IMAGENET,
    ),
    Claim(
        key="table3-factorized-stem",
        section="10",
        where="Table 3",
        claim="Factorizing the first 7×7 lowers top-1 error from {p_stem_from}% to {p_stem_top1}%.",
        paper="−{p_stem_gain} points",
        verdict="untestable",
        target=CH5,
        heading="The factorized 7×7 stem",
        book="Builds both stems and counts what the factorization adds; notes that section 6 already gives "
        "Inception-v2 the factorized stem.",
        note=IMAGENET
        + (" The paper also does not separate the deeper stem from the extra computation it brings."),
    ),
    Claim(
        key="table3-bn-auxiliary",
        section="10",
        where="Table 3; Figure 8 caption",
        claim="Batch-normalizing the auxiliary classifier lowers top-1 error from {p_bnaux_from}% to "
        "{p_bnaux_top1}% (the caption: {p_bn_aux_gain}% absolute).",
        paper="−{p_bnaux_gain} points",
        verdict="untestable",
        target=CH5,
        heading='The auxiliary head and "BN-auxiliary"',
        book="Builds the released head (its 5×5 convolution, a fully connected layer on the 5×5 map, is "
        "batch-normalized) and the book's reading of BN-auxiliary (`bn_aux=True`).",
        note=IMAGENET,
    ),
    # Section 10: multi-crop and ensemble results (Tables 4 and 5)
    Claim(
        key="crops-12",
        section="10-crops",
        where="Table 4",
        claim="With 12 crops Inception-v3 reaches {p_c12_top1}% top-1 and {p_c12_top5}% top-5 error.",
        paper="{p_c12_top1}% / {p_c12_top5}%",
        verdict="untestable",
        target=CH4,
        heading="What the study note gets wrong about the architecture",
        book="Quotes Tables 4 and 5 with the column names Table 4 swaps, to correct the study note.",
        note=IMAGENET + " Evaluating published weights would also need the ImageNet validation set.",
    ),
    Claim(
        key="crops-144",
        section="10-crops",
        where="Table 4",
        claim="With 144 crops Inception-v3 reaches {p_c144_top1}% top-1 and {p_c144_top5}% top-5 error.",
        paper="{p_c144_top1}% / {p_c144_top5}%",
        verdict="untestable",
        target=CH4,
        heading="What the study note gets wrong about the architecture",
        book='Shows that the study note\'s "4.1% top-1" is not in the paper.',
        note=IMAGENET + " Evaluating published weights would also need the ImageNet validation set.",
    ),
    Claim(
        key="ensemble",
        section="10-crops",
        where="Table 5",
        claim="An ensemble of four Inception-v3 models with 144 crops reaches {p_ens_top1}% top-1 and "
        "{p_ens_top5}% top-5 error.",
        paper="{p_ens_top1}% / {p_ens_top5}%",
        verdict="untestable",
        target=CH4,
        heading="What the study note gets wrong about the architecture",
        book="Quotes the result from the paper's table.",
        note=IMAGENET + " Four such models only multiply the cost.",
    ),
    # Section 11: conclusions
    Claim(
        key="v3-cost-over-bn-inception",
        section="11",
        where="sec. 11",
        claim="Inception-v3 costs only about {p_v3_over_bn_inception} times as much as BN-Inception.",
        paper="{p_v3_over_bn_inception}×",
        verdict="untestable",
        target=CH4,
        heading="Table 3's cost column, measured",
        book="Counts GoogLeNet, the reconstructed Inception-v2 and Inception-v3, and leaves BN-Inception "
        "uncounted.",
        note="Neither the book nor torchvision builds BN-Inception, so there is no graph to count.",
    ),
)


# --------------------------------------------------------------------------------------------------------
# What the page and the tests call


def is_pytest_node(check: str) -> bool:
    """True when a check names a pytest node ("tests/test_x.py::test_y") rather than a function here."""
    return "::" in check


def run_check(claim: Claim) -> Finding:
    """Run a claim's check function and return what it found (pytest nodes are run by the tests)."""
    if not claim.check:
        raise ValueError(f"claim {claim.key!r} has no check")
    if is_pytest_node(claim.check):
        raise ValueError(f"claim {claim.key!r} names a pytest node; run it with pytest")
    if claim.check not in CHECKS:
        raise KeyError(f"claim {claim.key!r}: no check function {claim.check!r} in inception_lib.claims")
    return CHECKS[claim.check]()


def verdict_counts(claims: tuple[Claim, ...] = CLAIMS) -> dict[str, int]:
    """Verdict key -> number of claims, in ``VERDICTS`` order."""
    counts = Counter(c.verdict for c in claims)
    return {verdict: counts.get(verdict, 0) for verdict in VERDICTS}

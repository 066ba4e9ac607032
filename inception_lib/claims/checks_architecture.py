"""The checks of the claims about the network's shape and cost (sections 4 to 6 and Table 3; chapters 2
to 4): grid reduction, Table 1 against the released network, parameters and multiply-accumulates. Each
recomputes its claim's number with the library; exact counts, the same on every machine."""

from __future__ import annotations

import functools

from .paper_numbers import table3_row
from .table import Finding, percent, register_check

__all__ = [
    "check_pool_first_bottleneck",
    "check_inception_first_cost",
    "check_parallel_reduction_cost",
    "check_table1",
    "check_factorized_stem",
    "check_modules_35",
    "check_modules_17",
    "check_modules_8",
    "check_aux_position",
    "check_params_bound",
    "check_v3_multiply_adds",
    "check_googlenet_cost",
    "check_v2_cost",
    "check_v3_cost",
    "check_v2_over_googlenet",
    "check_stem_cost_step",
]


@functools.cache
def _strategies():  # -> list[representation.StrategyMeasurement], chapter 3's real-size setting
    from ..representation import measure_strategies

    return measure_strategies(288, 768, 35)


@functools.cache
def _plain_strategies() -> dict[str, int]:
    from ..counting import mac_report
    from ..representation import plain_conv_strategies

    return {
        name: mac_report(b, (288, 34, 34)).conv_linear for name, b in plain_conv_strategies(288, 576).items()
    }


@register_check
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


@register_check
def check_inception_first_cost() -> Finding:
    """Sec. 5: Inception-first against pool-first, exactly 4× for a single convolution on a grid that
    halves exactly, and (35/17)² for the real module; the caption's 3× fits only as "3× more"."""
    pool_first, inception_first, _ = _strategies()
    plain = _plain_strategies()
    ratio_plain = plain["conv → pool"] / plain["pool → conv"]
    ratio_real = inception_first.macs / pool_first.macs
    holds = ratio_plain == 4 and abs(ratio_real - (35 / 17) ** 2) < 1e-9
    return Finding(holds, {"ratio_plain": f"{ratio_plain:g}", "ratio_real": f"{ratio_real:.2f}"})


@register_check
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
def _trace():  # -> list[counting.TraceRow] of the released network at 299
    from ..counting import shape_trace
    from ..network import inception_v3

    return shape_trace(inception_v3(), 299)


@functools.cache
def _table1():  # -> list[paper.Table1Comparison]
    from ..paper import compare_with_table1

    return compare_with_table1(_trace())


@register_check
def check_table1() -> Finding:
    """Table 1 against the released network: how many of its rows the released blocks match."""
    rows = [row for row in _table1() if row.table_row is not None]
    matches = sum(row.matches for row in rows)
    extra = [row.blocks[0] for row in _table1() if row.table_row is None]
    return Finding(
        0 < matches < len(rows),
        {"t1_match": str(matches), "t1_rows": str(len(rows)), "t1_extra": str(len(extra))},
    )


@register_check
def check_factorized_stem() -> Finding:
    """Sec. 6, Table 1's first three rows: the released stem starts 3×3/2, 3×3/1, padded 3×3/1, and the
    three see an 11×11 window where one 7×7/2 sees 7×7."""
    from ..counting import receptive_fields
    from ..network import inception_v3

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


@register_check
def check_modules_35() -> Finding:
    """Sec. 6: three 35×35 modules "with 288 filters each"; released: outputs 256, 288, 288, fed 192."""
    outs = _outputs("mixed_5")
    first_in = next(row.input_shape[0] for row in _trace() if row.block == "mixed_5b")
    holds = len(outs) == 3 and outs[1:] == [288, 288] and outs[0] != 288
    return Finding(holds, {"outs_35": ", ".join(map(str, outs)), "in_35": str(first_in)})


@register_check
def check_modules_17() -> Finding:
    """Table 1: five Figure 6 modules at 17×17; released: four after the reduction, five 17×17 blocks
    in Google's graph counting the reduction (mixed_17x17x768a-e)."""
    from ..paper import GOOGLE_2015_NAMES

    modules = [row.block for row in _trace() if row.layer.startswith("Figure 6 module")]
    google = [b for b, g in GOOGLE_2015_NAMES.items() if g.startswith("mixed_17x17x768")]
    holds = len(modules) == 4 and len(google) == 5 and google[0] == "mixed_6a"
    return Finding(holds, {"n17": str(len(modules)), "n17_google": str(len(google))})


@register_check
def check_modules_8() -> Finding:
    """Table 1 / Figure 7: two expanded-filter-bank modules on the 8×8 grid, ending at 2048 channels."""
    rows = [row for row in _trace() if row.layer == "Figure 7 module"]
    t1_row = next(row for row in _table1() if row.table_row is not None and row.table_row.repeat == 2)
    holds = len(rows) == 2 and rows[-1].output_shape == (2048, 8, 8) and t1_row.matches
    return Finding(holds, {"n8": str(len(rows)), "c8": str(rows[-1].output_shape[0])})


@register_check
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
    from ..counting import count_params
    from ..network import inception_v3

    return count_params(inception_v3(aux_logits=False)), count_params(inception_v3())


@register_check
def check_params_bound() -> Finding:
    """Abstract: "less than 25 million parameters": true without the auxiliary head, not with it."""
    from ..paper import PAPER_NUMBERS

    bound = PAPER_NUMBERS["v3_params_upper_bound"].value
    no_aux, with_aux = _params()
    return Finding(no_aux < bound < with_aux, {"params_no_aux": f"{no_aux:,}", "params_aux": f"{with_aux:,}"})


@functools.cache
def _conv_macs(network: str) -> int:
    """Conv + linear MACs of one forward pass (eval): 'v3', 'v2' (7×7 stem) at 299, 'googlenet' at 224."""
    from ..counting import mac_report
    from ..network import inception_v3

    if network == "googlenet":
        import torchvision

        model = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
        return mac_report(model, 224).conv_linear
    stem = {"v3": "3x3", "v2": "7x7"}[network]
    return mac_report(inception_v3(aux_logits=False, stem=stem), 299).conv_linear


def _gmacs(macs: float) -> str:
    return f"{macs / 1e9:.2f}"


@register_check
def check_v3_multiply_adds() -> Finding:
    """Abstract: "5 billion multiply-adds": the released graph's conv + linear MACs are within 20%."""
    from ..paper import PAPER_NUMBERS

    macs = _conv_macs("v3")
    paper = PAPER_NUMBERS["v3_multiply_adds"].value
    return Finding(
        paper < macs < 1.2 * paper, {"v3_g": _gmacs(macs), "v3_over_abstract": percent(macs / paper - 1)}
    )


@register_check
def check_googlenet_cost() -> Finding:
    """Table 3: GoogLeNet 1.5 Bn ops; torchvision's GoogLeNet at 224 rounds to the same."""
    macs = _conv_macs("googlenet")
    return Finding(round(macs / 1e9, 1) == table3_row("GoogLeNet").cost_bn_ops, {"googlenet_g": _gmacs(macs)})


@register_check
def check_v2_cost() -> Finding:
    """Table 3: Inception-v2 3.8 Bn ops; the book's reconstruction (7×7/2 stem) costs more."""
    macs = _conv_macs("v2")
    return Finding(macs / 1e9 > table3_row("Inception-v2").cost_bn_ops, {"v2_g": _gmacs(macs)})


@register_check
def check_v3_cost() -> Finding:
    """Table 3: Inception-v3 4.8 Bn ops; the released graph costs more, in MACs already."""
    macs = _conv_macs("v3")
    row = table3_row("Inception-v2 + BN-auxiliary (= Inception-v3)")
    return Finding(macs / 1e9 > row.cost_bn_ops, {"v3_g": _gmacs(macs)})


@register_check
def check_v2_over_googlenet() -> Finding:
    """Sec. 6: Inception-v2 costs "about 2.5" times GoogLeNet; measured (reconstructed v2), more."""
    from ..paper import PAPER_NUMBERS

    ratio = _conv_macs("v2") / _conv_macs("googlenet")
    return Finding(ratio > PAPER_NUMBERS["v2_cost_over_googlenet"].value, {"v2_over_g": f"{ratio:.1f}"})


@register_check
def check_stem_cost_step() -> Finding:
    """Table 3: "Factorized 7×7" adds 1.0 Bn ops; measured: it adds cost, but less."""
    delta = _conv_macs("v3") - _conv_macs("v2")
    step = table3_row("Inception-v2 + Factorized 7×7").cost_bn_ops - table3_row("Inception-v2").cost_bn_ops
    return Finding(0 < delta / 1e9 < step, {"stem_delta_g": _gmacs(delta)})

"""The paper's numbers that the claims quote, formatted, read from :mod:`inception_lib.paper` and
:data:`inception_lib.recipe.PAPER_RECIPE` (never typed again here)."""

from __future__ import annotations

import functools

__all__ = ["paper_values", "table3_row"]


def _g(x: float) -> str:
    return f"{x:g}"


def table3_row(network: str):  # -> paper.Table3Row
    """The row of the paper's Table 3 for ``network`` (its name as the table prints it)."""
    from ..paper import TABLE3

    return next(row for row in TABLE3 if row.network == network)


def _crop(crops: int, models: int):  # -> paper.MultiCropRow
    from ..paper import MULTI_CROP

    return next(row for row in MULTI_CROP if (row.crops, row.models) == (crops, models))


@functools.cache
def paper_values() -> dict[str, str]:
    """The paper's numbers the table quotes, formatted, by name (``{name}`` fields of the text)."""
    from ..paper import PAPER_NUMBERS, TABLE1
    from ..recipe import PAPER_RECIPE

    pn = {name: number.value for name, number in PAPER_NUMBERS.items()}
    v2 = table3_row("Inception-v2")
    steps = {
        "rmsprop": table3_row("Inception-v2 + RMSProp"),
        "smoothing": table3_row("Inception-v2 + Label Smoothing"),
        "stem": table3_row("Inception-v2 + Factorized 7×7"),
        "bnaux": table3_row("Inception-v2 + BN-auxiliary (= Inception-v3)"),
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
        "p_googlenet_cost": _g(table3_row("GoogLeNet").cost_bn_ops),
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

"""The paper's tables and quoted numbers as data, and the released network set beside them.

Szegedy, Vanhoucke, Ioffe, Shlens, Wojna, "Rethinking the Inception Architecture for Computer Vision",
CVPR 2016 (arXiv:1512.00567). Every entry says where in the paper it comes from. Chapters quote these
instead of typing paper numbers by hand, and compare them with what the library measures.

* ``TABLE1``: the network outline of Table 1, row by row as printed (13 rows).
* ``TABLE3``: the cumulative single-crop results of Table 3 (top-1, top-5, cost in billions of ops).
* ``MULTI_CROP``: Table 4 / Table 5 results the book quotes.
* ``PAPER_NUMBERS``: single numbers from the text and captions.
* ``compare_with_table1``: pairs Table 1's rows with the released network's blocks (a shape trace) and
  flags where they disagree; ``TABLE1_NOTES`` names each disagreement.
* ``stage_of`` / ``stage_totals``: group the blocks of the network by grid size, as Table 1 does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "Table1Row",
    "TABLE1",
    "Table3Row",
    "TABLE3",
    "MultiCropRow",
    "MULTI_CROP",
    "PaperNumber",
    "PAPER_NUMBERS",
    "TABLE1_RELEASED",
    "TABLE1_NOTES",
    "number_notes",
    "GOOGLE_2015_NAMES",
    "Table1Comparison",
    "compare_with_table1",
    "STAGES",
    "stage_of",
    "StageTotal",
    "stage_totals",
    "format_size",
]


@dataclass(frozen=True)
class Table1Row:
    """One row of Table 1 as printed: type, patch size/stride, and the input size (H, W, C) of the row."""

    type: str
    patch: str  # "3×3/2", "as in figure 5", "logits", ...
    input_size: tuple[int, int, int]  # (H, W, C), as Table 1 writes "299×299×3"
    repeat: int = 1  # "3×Inception" -> 3
    expected_layer: str = ""  # the row in the shape trace's words, if the released network matched it


# Table 1 ("The outline of the proposed network architecture"), sec. 6. Rows in printed order.
TABLE1: tuple[Table1Row, ...] = (
    Table1Row("conv", "3×3/2", (299, 299, 3), expected_layer="conv 3×3/2"),
    Table1Row("conv", "3×3/1", (149, 149, 32), expected_layer="conv 3×3/1"),
    Table1Row("conv padded", "3×3/1", (147, 147, 32), expected_layer="conv 3×3/1 padded"),
    Table1Row("pool", "3×3/2", (147, 147, 64), expected_layer="max pool 3×3/2"),
    Table1Row("conv", "3×3/1", (73, 73, 64), expected_layer="conv 3×3/1"),
    Table1Row("conv", "3×3/2", (71, 71, 80), expected_layer="conv 3×3/2"),
    Table1Row("conv", "3×3/1", (35, 35, 192), expected_layer="conv 3×3/1"),
    Table1Row("3×Inception", "as in figure 5", (35, 35, 288), 3, "Figure 5 module ×3"),
    Table1Row("5×Inception", "as in figure 6", (17, 17, 768), 5, "Figure 6 module (n=7) ×5"),
    Table1Row("2×Inception", "as in figure 7", (8, 8, 1280), 2, "Figure 7 module ×2"),
    Table1Row("pool", "8×8", (8, 8, 2048), expected_layer="global avg pool"),
    Table1Row("linear", "logits", (1, 1, 2048), expected_layer="fc"),
    Table1Row("softmax", "classifier", (1, 1, 1000), expected_layer="softmax"),
)


@dataclass(frozen=True)
class Table3Row:
    """One row of Table 3: single-crop ILSVRC-2012 validation errors (%) and cost (billions of ops)."""

    network: str
    top1: float
    top5: float | None  # Table 3 leaves some top-5 cells empty
    cost_bn_ops: float
    cumulative: bool  # an "Inception-v2 + ..." row: includes every change of the rows above it


# Table 3, sec. 10. The "Inception-v2" rows are cumulative; the last one is what the paper calls
# Inception-v3. GoogLeNet, BN-GoogLeNet and BN-Inception are earlier networks, for comparison.
TABLE3: tuple[Table3Row, ...] = (
    Table3Row("GoogLeNet", 29.0, 9.2, 1.5, False),
    Table3Row("BN-GoogLeNet", 26.8, None, 1.5, False),
    Table3Row("BN-Inception", 25.2, 7.8, 2.0, False),
    Table3Row("Inception-v2", 23.4, None, 3.8, True),
    Table3Row("Inception-v2 + RMSProp", 23.1, 6.3, 3.8, True),
    Table3Row("Inception-v2 + Label Smoothing", 22.8, 6.1, 3.8, True),
    Table3Row("Inception-v2 + Factorized 7×7", 21.6, 5.8, 4.8, True),
    Table3Row("Inception-v2 + BN-auxiliary (= Inception-v3)", 21.2, 5.6, 4.8, True),
)


@dataclass(frozen=True)
class MultiCropRow:
    """A multi-crop or ensemble result of Inception-v3 (errors in %)."""

    setting: str
    crops: int
    models: int
    top1: float
    top5: float
    source: str


# Table 4 prints its two error columns under swapped headers; these are the values with the right names.
MULTI_CROP: tuple[MultiCropRow, ...] = (
    MultiCropRow("Inception-v3, 12 crops", 12, 1, 19.47, 4.48, "Table 4"),
    MultiCropRow("Inception-v3, 144 crops", 144, 1, 18.77, 4.2, "Table 4"),
    # Test set top-5; 3.46% on the validation set (Table 5 caption).
    MultiCropRow("4 × Inception-v3, 144 crops", 144, 4, 17.2, 3.58, "Table 5"),
)


@dataclass(frozen=True)
class PaperNumber:
    """A number stated in the paper's text or captions."""

    value: float
    unit: str
    source: str  # where in the paper


PAPER_NUMBERS: dict[str, PaperNumber] = {
    # Abstract: "a computational cost of 5 billion multiply-adds per inference", "less than 25 million
    # parameters".
    "v3_multiply_adds": PaperNumber(5e9, "multiply-adds", "abstract"),
    "v3_params_upper_bound": PaperNumber(25e6, "parameters", "abstract"),
    # Abstract and Table 3, last row.
    "v3_top1_error": PaperNumber(21.2, "%", "abstract; Table 3"),
    "v3_top5_error": PaperNumber(5.6, "%", "abstract; Table 3"),
    # Sec. 6: "our network is 42 layers deep", "computation cost is only about 2.5 higher than that of
    # GoogLeNet".
    "v2_depth": PaperNumber(42, "layers", "sec. 6"),
    "v2_cost_over_googlenet": PaperNumber(2.5, "×", "sec. 6"),
    # Sec. 6 text: 3 modules at 35×35 "with 288 filters each", 5 at 17×17 (768), 2 at 8×8 (2048).
    "v2_modules_35": PaperNumber(3, "modules", "sec. 6; Table 1"),
    "v2_modules_17": PaperNumber(5, "modules", "sec. 6; Table 1"),
    "v2_modules_8": PaperNumber(2, "modules", "sec. 6; Table 1"),
    "v2_filters_35": PaperNumber(288, "channels", "sec. 6; Table 1"),
    # Sec. 11: "relatively modest (2.5×) increase in computational cost compared to" BN-Inception.
    "v3_cost_over_bn_inception": PaperNumber(2.5, "×", "sec. 11"),
    # Figure 9 caption: "The version on the right is 3 times more expensive computationally."
    "grid_reduction_cost_ratio_caption": PaperNumber(3.0, "×", "Figure 9 caption"),
    # Sec. 5: the stride-1 conv on the large grid costs 2d²k², pool-first 2(d/2)²k²: a factor of 4.
    "grid_reduction_cost_ratio_text": PaperNumber(4.0, "×", "sec. 5"),
    # Figure 8 caption: batch-normalising the side head gives 0.4% absolute top-1.
    "bn_aux_gain_top1": PaperNumber(0.4, "% absolute", "Figure 8 caption"),
    # Sec. 7: label smoothing, about 0.2% absolute on top-1 and top-5.
    "label_smoothing_gain": PaperNumber(0.2, "% absolute", "sec. 7"),
    # Sec. 1: GoogLeNet "employed only 5 million parameters".
    "googlenet_params": PaperNumber(5e6, "parameters", "sec. 1"),
}


class _TraceRowLike(Protocol):
    block: str
    layer: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    macs: int


# Which blocks of the released network (``counting.shape_trace`` names) stand where Table 1 has a row.
# ``None``: a block with no row in Table 1; ``()``: a Table 1 row with no block in the released network.
TABLE1_RELEASED: tuple[tuple[int | None, tuple[str, ...]], ...] = (
    (0, ("conv_1a_3x3",)),
    (1, ("conv_2a_3x3",)),
    (2, ("conv_2b_3x3",)),
    (3, ("maxpool_1",)),
    (4, ("conv_3b_1x1",)),
    (5, ("conv_4a_3x3", "maxpool_2")),
    (6, ()),
    (7, ("mixed_5b", "mixed_5c", "mixed_5d")),
    (None, ("mixed_6a",)),
    (8, ("mixed_6b", "mixed_6c", "mixed_6d", "mixed_6e")),
    (None, ("aux",)),
    (None, ("mixed_7a",)),
    (9, ("mixed_7b", "mixed_7c")),
    (10, ("avgpool",)),
    (None, ("dropout",)),
    (11, ("fc",)),
    (12, ()),
)

# The names of the released blocks in Google's 2015 graph (inception_v3 of TF's first Inception code;
# TF-slim's docstring maps them to Mixed_5b ... Mixed_7c). Its 17×17 blocks are mixed_17x17x768a-e: five,
# counting the 35→17 reduction, which is one way to read Table 1's "5×Inception" at 17×17.
GOOGLE_2015_NAMES: dict[str, str] = {
    "mixed_5b": "mixed_35x35x256a",
    "mixed_5c": "mixed_35x35x288a",
    "mixed_5d": "mixed_35x35x288b",
    "mixed_6a": "mixed_17x17x768a",
    "mixed_6b": "mixed_17x17x768b",
    "mixed_6c": "mixed_17x17x768c",
    "mixed_6d": "mixed_17x17x768d",
    "mixed_6e": "mixed_17x17x768e",
    "mixed_7a": "mixed_8x8x1280a",
    "mixed_7b": "mixed_8x8x2048a",
    "mixed_7c": "mixed_8x8x2048b",
}

# What each disagreement is, keyed like TABLE1_RELEASED (Table 1 row index, or the block for rows that
# Table 1 lacks). Sources: Table 1, sec. 6 text, and the released code (torchvision, TF-slim).
TABLE1_NOTES: dict[int | str, str] = {
    4: "Table 1: 3×3/1 conv at 73×73×64; released: a 1×1 conv 64→80 (no 3×3 here).",
    5: "Table 1: 3×3/2 conv at 71×71×80; released: 3×3/1 conv 80→192 at 73×73, then a 3×3/2 max-pool "
    "to 35×35.",
    6: "Table 1: a 3×3/1 conv at 35×35×192 (to 288; unpadded, it would give 33×33, yet the next row is "
    "35×35); released: no such layer, 192 channels go straight into the first module.",
    7: "Table 1: 3 modules fed 35×35×288; released: 3 modules, but the first is fed 192 channels "
    "(outputs 256, 288, 288).",
    8: "Table 1: 5 Figure 6 modules; released: 4, after the 35→17 reduction. Google's graph names five "
    "17×17×768 blocks, mixed_17x17x768a–e, the first being that reduction (Mixed_6a).",
    12: "Softmax: the released network returns logits; the softmax lives in the loss.",
    "mixed_6a": "Grid reduction 35→17 (Figure 10 style): no row in Table 1, whose caption says "
    "reductions happen between the Inception blocks.",
    "mixed_7a": "Grid reduction 17→8 (Figure 10 style): no row in Table 1.",
    "aux": "Auxiliary classifier (Figure 8), training only: not in Table 1.",
    "dropout": "Dropout before the classifier: not in Table 1.",
}


@dataclass(frozen=True)
class Table1Comparison:
    """One Table 1 row (or one released block Table 1 lacks) beside the released network."""

    table_row: Table1Row | None
    blocks: tuple[str, ...]
    released_layer: str  # "" where the released network has nothing
    released_input: tuple[int, int, int] | None  # (H, W, C) of the first block, like Table 1
    same_layer: bool
    same_input: bool
    note: str

    @property
    def matches(self) -> bool:
        return self.same_layer and self.same_input

    @property
    def table_label(self) -> str:
        """Table 1's type and patch size/stride ('conv 3×3/2'); '' for a block Table 1 lacks."""
        return "" if self.table_row is None else f"{self.table_row.type} {self.table_row.patch}"

    @property
    def table_input(self) -> str:
        """Table 1's input size as printed ('299×299×3'); '' for a block Table 1 lacks."""
        return "" if self.table_row is None else format_size(self.table_row.input_size)


def format_size(shape: Sequence[int]) -> str:
    """A size written the way Table 1 writes it: (35, 35, 288) -> '35×35×288' (order kept as given)."""
    if len(shape) == 0:
        raise ValueError("format_size needs at least one dimension")
    return "×".join(str(int(s)) for s in shape)


def _hwc(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(C, H, W) or (C,) from a shape trace -> Table 1's (H, W, C)."""
    if len(shape) == 3:
        return (shape[1], shape[2], shape[0])
    if len(shape) == 1:
        return (1, 1, shape[0])
    raise ValueError(f"expected a (C, H, W) or (C,) shape, got {shape!r}")


def _describe_group(layers: Sequence[str]) -> str:
    """['conv 3×3/1', 'max pool 3×3/2'] -> 'conv 3×3/1; max pool 3×3/2'; 3 equal ones -> 'X ×3'."""
    if not layers:
        return ""
    if len(layers) > 1 and len(set(layers)) == 1:
        return f"{layers[0]} ×{len(layers)}"
    return "; ".join(layers)


def compare_with_table1(trace: Sequence[_TraceRowLike]) -> list[Table1Comparison]:
    """Pair Table 1's rows with the blocks of a shape trace of the released network (``shape_trace``).

    For each pair: does the released layer match what Table 1 prints (kind, kernel, stride, module count),
    and does its input have Table 1's size? Blocks that Table 1 has no row for appear with
    ``table_row=None``. The trace must come from the default network (``stem="3x3"``) at 299×299.
    """
    by_block = {row.block: row for row in trace}
    missing = [b for _, blocks in TABLE1_RELEASED for b in blocks if b not in by_block and b != "aux"]
    if missing:
        raise ValueError(f"the trace lacks blocks {missing}; trace the default inception_v3() at 299")
    result = []
    for index, blocks in TABLE1_RELEASED:
        present = tuple(b for b in blocks if b in by_block)
        if not present and blocks:
            continue  # e.g. no aux head in this network
        released_layer = _describe_group([by_block[b].layer for b in present])
        released_input = _hwc(by_block[present[0]].input_shape) if present else None
        row = TABLE1[index] if index is not None else None
        if row is None:
            same_layer = same_input = False
            note = TABLE1_NOTES.get(present[0], "")
        else:
            same_layer = released_layer == row.expected_layer
            same_input = released_input == row.input_size
            note = TABLE1_NOTES.get(index, "")
        result.append(
            Table1Comparison(row, present, released_layer, released_input, same_layer, same_input, note)
        )
    return result


def number_notes(comparison: Sequence[Table1Comparison]) -> tuple[list[str], list[str]]:
    """Footnotes for a Table 1 comparison, so the table itself stays narrow.

    Returns one marker per row (``""`` for a row without a note, otherwise ``"1"``, ``"2"``, ... in the
    order the notes first appear; rows that share a note share its number) and the notes in that order,
    each once.
    """
    markers: list[str] = []
    notes: list[str] = []
    for row in comparison:
        if not row.note:
            markers.append("")
            continue
        if row.note not in notes:
            notes.append(row.note)
        markers.append(str(notes.index(row.note) + 1))
    return markers, notes


# Stages of the network by grid size, in forward order (Table 1 groups its rows the same way).
STAGES = (
    "stem",
    "35×35 modules",
    "reduction 35→17",
    "17×17 modules",
    "reduction 17→8",
    "8×8 modules",
    "head",
    "auxiliary head",
)

_STAGE_OF_BLOCK = {
    "mixed_5b": "35×35 modules",
    "mixed_5c": "35×35 modules",
    "mixed_5d": "35×35 modules",
    "mixed_6a": "reduction 35→17",
    "mixed_6b": "17×17 modules",
    "mixed_6c": "17×17 modules",
    "mixed_6d": "17×17 modules",
    "mixed_6e": "17×17 modules",
    "mixed_7a": "reduction 17→8",
    "mixed_7b": "8×8 modules",
    "mixed_7c": "8×8 modules",
    "avgpool": "head",
    "dropout": "head",
    "fc": "head",
    "aux": "auxiliary head",
}


def stage_of(block_name: str) -> str:
    """The stage (one of ``STAGES``) a top-level block of ``InceptionV3`` belongs to.

    Stem: every ``conv_*`` and ``maxpool_*`` before the first module (both stems, 3×3 and 7×7).
    """
    if block_name in _STAGE_OF_BLOCK:
        return _STAGE_OF_BLOCK[block_name]
    if block_name.startswith(("conv_", "maxpool_")):
        return "stem"
    raise ValueError(f"unknown block {block_name!r}: expected a top-level block name of InceptionV3")


@dataclass(frozen=True)
class StageTotal:
    """Parameters and MACs summed over the blocks of one stage."""

    stage: str
    blocks: tuple[str, ...]
    params: int
    macs: int


def stage_totals(trace: Sequence[_TraceRowLike]) -> list[StageTotal]:
    """Sum a shape trace's parameters and MACs by stage, in ``STAGES`` order (absent stages left out).

    The auxiliary head's MACs are those of a training-mode pass; in evaluation it does not run.
    """
    groups: dict[str, list[_TraceRowLike]] = {}
    for row in trace:
        groups.setdefault(stage_of(row.block), []).append(row)
    return [
        StageTotal(
            stage,
            tuple(r.block for r in groups[stage]),
            sum(r.params for r in groups[stage]),
            sum(r.macs for r in groups[stage]),
        )
        for stage in STAGES
        if stage in groups
    ]

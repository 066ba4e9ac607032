"""The paper's tables as data (paper.py), Table 1 against the released network, stage totals."""

from types import SimpleNamespace

import pytest

from inception_lib.counting import shape_trace
from inception_lib.network import inception_v3
from inception_lib.paper import (
    MULTI_CROP,
    PAPER_NUMBERS,
    STAGES,
    TABLE1,
    TABLE1_NOTES,
    TABLE1_RELEASED,
    TABLE3,
    compare_with_table1,
    format_size,
    stage_of,
    stage_totals,
)


@pytest.fixture(scope="module")
def trace():
    return shape_trace(inception_v3(), 299)


def test_table1_has_the_13_printed_rows():
    assert len(TABLE1) == 13
    assert TABLE1[0].input_size == (299, 299, 3) and TABLE1[0].patch == "3×3/2"
    assert TABLE1[-1].type == "softmax" and TABLE1[-1].input_size == (1, 1, 1000)
    assert [r.repeat for r in TABLE1 if r.repeat > 1] == [3, 5, 2]
    assert [r.input_size[:2] for r in TABLE1 if "Inception" in r.type] == [(35, 35), (17, 17), (8, 8)]
    assert all(r.expected_layer for r in TABLE1)


def test_table3_rows_are_cumulative_and_end_in_inception_v3():
    assert len(TABLE3) == 8
    assert TABLE3[0].network == "GoogLeNet" and TABLE3[0].cost_bn_ops == 1.5
    assert "Inception-v3" in TABLE3[-1].network
    assert (TABLE3[-1].top1, TABLE3[-1].top5, TABLE3[-1].cost_bn_ops) == (21.2, 5.6, 4.8)
    v2 = [r for r in TABLE3 if r.cumulative]
    assert v2[0].network == "Inception-v2" and len(v2) == 5
    assert all(a.top1 > b.top1 for a, b in zip(v2, v2[1:], strict=False))
    assert all(a.cost_bn_ops <= b.cost_bn_ops for a, b in zip(TABLE3, TABLE3[1:], strict=False))
    assert [r.cost_bn_ops for r in v2] == [3.8, 3.8, 3.8, 4.8, 4.8]


def test_multi_crop_numbers_correct_the_study_note():
    by_crops = {(r.crops, r.models): r for r in MULTI_CROP}
    assert by_crops[(144, 1)].top5 == 4.2 and by_crops[(144, 1)].top1 == 18.77
    assert not any(r.top1 == 4.1 or r.top5 == 4.1 for r in MULTI_CROP)
    assert by_crops[(144, 4)].top5 == 3.58


def test_paper_numbers_name_their_source():
    assert PAPER_NUMBERS["v3_multiply_adds"].value == 5e9
    assert PAPER_NUMBERS["grid_reduction_cost_ratio_caption"].value == 3.0
    assert PAPER_NUMBERS["grid_reduction_cost_ratio_text"].value == 4.0
    assert all(n.source and n.unit for n in PAPER_NUMBERS.values())


def test_released_network_against_table1(trace):
    rows = compare_with_table1(trace)
    table_rows = [r for r in rows if r.table_row is not None]
    assert [r.table_row for r in table_rows] == list(TABLE1)
    matching = [TABLE1.index(r.table_row) for r in table_rows if r.matches]
    assert matching == [0, 1, 2, 3, 9, 10, 11]  # the first four stem rows, 8×8 modules, pool, linear
    by_index = {TABLE1.index(r.table_row): r for r in table_rows}
    assert by_index[4].released_layer == "conv 1×1/1" and by_index[4].same_input
    assert by_index[5].released_layer == "conv 3×3/1; max pool 3×3/2"
    assert by_index[5].released_input == (73, 73, 80)
    assert by_index[6].blocks == () and by_index[6].released_input is None
    assert by_index[7].same_layer and by_index[7].released_input == (35, 35, 192)
    assert by_index[8].released_layer == "Figure 6 module (n=7) ×4" and by_index[8].same_input
    assert (by_index[0].table_label, by_index[0].table_input) == ("conv 3×3/2", "299×299×3")
    assert by_index[7].table_label == "3×Inception as in figure 5"
    extra = [r.blocks[0] for r in rows if r.table_row is None]
    assert all(r.table_label == r.table_input == "" for r in rows if r.table_row is None)
    assert extra == ["mixed_6a", "aux", "mixed_7a", "dropout"]
    assert all(r.note for r in rows if not r.matches)


def test_table1_comparison_without_aux_and_bad_traces(trace):
    no_aux = [r for r in trace if r.block != "aux"]
    assert "aux" not in [b for r in compare_with_table1(no_aux) for b in r.blocks]
    with pytest.raises(ValueError, match="lacks blocks"):
        compare_with_table1(trace[:5])
    assert set(TABLE1_NOTES) <= {i for i, _ in TABLE1_RELEASED} | {b for _, bs in TABLE1_RELEASED for b in bs}


def test_stage_of_every_block():
    assert stage_of("conv_1a_3x3") == stage_of("conv_1a_7x7") == stage_of("maxpool_2") == "stem"
    assert stage_of("mixed_5d") == "35×35 modules"
    assert stage_of("mixed_6a") == "reduction 35→17"
    assert stage_of("mixed_6e") == "17×17 modules"
    assert stage_of("mixed_7a") == "reduction 17→8"
    assert stage_of("mixed_7c") == "8×8 modules"
    assert stage_of("fc") == "head" and stage_of("aux") == "auxiliary head"
    with pytest.raises(ValueError, match="unknown block"):
        stage_of("mixed_8a")


def test_stage_totals_sum_the_trace(trace):
    totals = stage_totals(trace)
    assert [t.stage for t in totals] == list(STAGES)
    assert sum(t.params for t in totals) == sum(r.params for r in trace) == 27_161_264
    assert sum(t.macs for t in totals if t.stage != "auxiliary head") == sum(
        r.macs for r in trace if r.block != "aux"
    )
    assert totals[1].blocks == ("mixed_5b", "mixed_5c", "mixed_5d")


def test_stage_totals_on_a_small_fake_trace():
    rows = [
        SimpleNamespace(block="fc", params=5, macs=7),
        SimpleNamespace(block="conv_1a_3x3", params=1, macs=2),
        SimpleNamespace(block="conv_2a_3x3", params=3, macs=4),
    ]
    totals = stage_totals(rows)
    assert [(t.stage, t.blocks, t.params, t.macs) for t in totals] == [
        ("stem", ("conv_1a_3x3", "conv_2a_3x3"), 4, 6),
        ("head", ("fc",), 5, 7),
    ]


def test_format_size_writes_sizes_like_table1():
    assert format_size((35, 35, 288)) == "35×35×288"
    assert format_size((1000,)) == "1000"
    with pytest.raises(ValueError):
        format_size(())


def test_google_2015_names_count_five_17x17_blocks_with_the_reduction():
    from inception_lib.paper import GOOGLE_2015_NAMES

    model_blocks = [name for name, _ in inception_v3().named_children() if name.startswith("mixed_")]
    assert list(GOOGLE_2015_NAMES) == model_blocks
    at_17 = [b for b, g in GOOGLE_2015_NAMES.items() if g.startswith("mixed_17x17x768")]
    assert at_17 == ["mixed_6a", "mixed_6b", "mixed_6c", "mixed_6d", "mixed_6e"]
    assert stage_of(at_17[0]) == "reduction 35→17"
    assert "mixed_17x17x768a" in TABLE1_NOTES[8]


def test_number_notes_numbers_each_note_once_in_order(trace):
    from inception_lib.paper import number_notes

    comparison = compare_with_table1(trace)
    markers, notes = number_notes(comparison)
    assert len(markers) == len(comparison)
    assert len(notes) == len(set(notes)) == len({row.note for row in comparison if row.note})
    for row, marker in zip(comparison, markers, strict=True):
        assert (marker == "") == (row.note == "")
        if marker:
            assert notes[int(marker) - 1] == row.note
    numbers = [int(m) for m in markers if m]
    assert numbers[0] == 1 and all(b <= max(numbers[:i + 1]) + 1 for i, b in enumerate(numbers[1:], 1))
    # a shared note keeps one number
    shared = SimpleNamespace(note="same")
    assert number_notes([shared, SimpleNamespace(note=""), shared]) == (["1", "", "1"], ["same"])

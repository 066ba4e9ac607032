"""tables.py: a deterministic table with an HTML and a text form."""

import pytest

from inception_lib.tables import Table


def test_text_form_aligns_numbers_right_and_formats_them():
    t = Table([["5×5", 921984, 0.25], ["2 × 3×3", 664320, 0.18]], ["layer", "params", "share"], title="T")
    lines = repr(t).splitlines()
    assert lines[0] == "T"
    assert lines[1].split() == ["layer", "params", "share"]
    assert lines[3].endswith("0.25") and "921,984" in lines[3]
    assert len({len(line) for line in lines[1:]}) == 1  # every line padded to the same width
    assert repr(t) == repr(Table(t.rows, t.columns, title="T"))


def test_html_form_escapes_and_has_one_row_per_entry():
    t = Table([["<b>", 1]], ["name", "n"], float_format=".1%")
    html = t._repr_html_()
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert html.count("<tr>") == 2 and "<caption>" not in html
    assert 'style="text-align: right">1</td>' in html


def test_float_format_and_booleans():
    t = Table([[0.123, True]], ["x", "ok"], float_format=".1%")
    assert t.cells() == [["12.3%", "True"]]


def test_rows_must_match_columns():
    with pytest.raises(ValueError, match="row 0"):
        Table([[1, 2]], ["only"])
    with pytest.raises(ValueError):
        Table([], [])


def test_numeric_column_with_missing_values_stays_right_aligned():
    t = Table(
        [["a", 1.5, "x"], ["b", "–", "y"], ["c", 22.25, 3]], ["name", "top-5", "mixed"], float_format=".2f"
    )
    assert t.numeric_columns() == [False, True, False]
    lines = repr(t).splitlines()
    assert (
        lines[2].endswith(" 1.50  x")
        and lines[3].split()[1] == "–"
        and lines[3].index("–") == lines[2].index("0")
    )
    assert '<td style="text-align: right">–</td>' in t._repr_html_()

"""A tiny table for notebooks: HTML in the page, aligned text in a terminal, identical on every run.

``Table(rows, columns)`` shows as an HTML table in Jupyter (``_repr_html_``) and as plain aligned text in
its ``repr``. Both are plain functions of the cells (no ids, no styles computed at random), so nbval can
compare a stored table with a fresh one. Integers are printed with thousands separators, floats with
``float_format``; strings as they are.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["Table", "MISSING"]

MISSING = (None, "", "-", "–", "—", "n/a")  # cells that stand for "no value" and do not make a column text


class Table:
    """Rows of cells under column headers; renders as HTML and as aligned text.

    Args:
        rows: one sequence of cells per row, each as long as ``columns``.
        columns: the header of each column.
        title: an optional caption (HTML ``<caption>``, first line of the text form).
        float_format: format spec for float cells, e.g. ".1f" or ".1%".
    """

    def __init__(
        self,
        rows: Sequence[Sequence[object]],
        columns: Sequence[str],
        title: str | None = None,
        float_format: str = ".3g",
    ) -> None:
        self.columns = [str(c) for c in columns]
        if not self.columns:
            raise ValueError("a table needs at least one column")
        self.rows = [list(r) for r in rows]
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"row {i} has {len(row)} cells for {len(self.columns)} columns: {row!r}")
        self.title = title
        self.float_format = float_format

    def format_cell(self, value: object) -> str:
        """The text of one cell: ints as 1,234,567, floats with ``float_format``, anything else via str."""
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            return format(value, self.float_format)
        return str(value)

    def cells(self) -> list[list[str]]:
        """All rows as formatted strings."""
        return [[self.format_cell(v) for v in row] for row in self.rows]

    @staticmethod
    def _numeric(value: object) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    def numeric_columns(self) -> list[bool]:
        """Which columns hold numbers (placeholders such as "–" allowed); they are right-aligned."""
        flags = []
        for i in range(len(self.columns)):
            values = [
                r[i] for r in self.rows if not (r[i] is None or (isinstance(r[i], str) and r[i] in MISSING))
            ]
            flags.append(bool(values) and all(self._numeric(v) for v in values))
        return flags

    def __repr__(self) -> str:
        cells = self.cells()
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(self.columns)]
        numeric = self.numeric_columns()

        def line(values: Sequence[str]) -> str:
            parts = [
                v.rjust(w) if right else v.ljust(w)
                for v, w, right in zip(values, widths, numeric, strict=True)
            ]
            return "  ".join(parts).rstrip()

        out = [self.title] if self.title else []
        out += [line(self.columns), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in cells]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        align = ["right" if right else "left" for right in self.numeric_columns()]
        parts = ["<table>"]
        if self.title:
            parts.append(f"<caption>{html.escape(self.title)}</caption>")
        header = "".join(
            f'<th style="text-align: {a}">{html.escape(c)}</th>'
            for c, a in zip(self.columns, align, strict=True)
        )
        parts.append(f"<thead><tr>{header}</tr></thead>")
        parts.append("<tbody>")
        for row in self.cells():
            body = "".join(
                f'<td style="text-align: {a}">{html.escape(v)}</td>' for v, a in zip(row, align, strict=True)
            )
            parts.append(f"<tr>{body}</tr>")
        parts.append("</tbody></table>")
        return "\n".join(parts)

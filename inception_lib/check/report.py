"""What ``check`` found: :class:`Finding` (one difference, in plain words) and :class:`CheckResult`, which
shows itself as a short report in a notebook (plain text and HTML).

The text holds no float digits, addresses or timings, so stored workbook outputs compare on every machine.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

__all__ = ["Finding", "CheckResult"]


@dataclass
class Finding:
    """One difference between the reader's module and the reference, in plain words."""

    what: str  # a short name of the mistake: "padding", "concatenation order", ...
    where: str  # "branch 2, layer 2 (your `b2.1`)"
    message: str
    hint: str = ""

    def text(self) -> str:
        lines = [f"{self.what} — {self.where}:" if self.where else f"{self.what}:", f"  {self.message}"]
        if self.hint:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)


_HEADLINES = {
    "passed": "PASSED: matches the reference (parameters, shapes, outputs).",
    "not written": "NOT WRITTEN YET: this exercise still raises NotImplementedError.",
    "failed": "NOT YET: the first difference from the reference is below.",
}
_COLOURS = {"passed": "#1a7f37", "failed": "#b35806", "not written": "#57606a"}
_RIGHT = 'style="text-align: right"'


@dataclass
class CheckResult:
    """What ``check`` found. ``passed`` is True when parameters, structure and outputs all match."""

    reference: str
    title: str
    reader: str
    status: str  # "passed", "failed", "not written"
    findings: list[Finding] = field(default_factory=list)
    facts: list[tuple[str, str, str]] = field(default_factory=list)  # (what, yours, reference)
    parts: list[tuple[str, str, str]] = field(default_factory=list)  # per branch/layer parameter counts
    parts_title: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def headline(self) -> str:
        return _HEADLINES[self.status]

    def intro(self) -> str:
        return f"Checking your {self.reader} against {self.reference!r}: {self.title}"

    def fact_lines(self) -> list[str]:
        return [f"{w}: {y} (reference: {r})" for w, y, r in self.facts]

    def __repr__(self) -> str:
        lines = [self.intro(), self.headline()]
        for f in self.findings:
            lines += ["", f.text()]
        for n in self.notes:
            lines += ["", n]
        if self.facts:
            lines += [""] + [f"- {line}" for line in self.fact_lines()]
        if self.parts:
            lines += ["", f"{self.parts_title}: parameters (yours / reference)"]
            width = max(len(p) for p, _, _ in self.parts)
            lines += [f"  {p:<{width}}  {y:>11} / {r:>11}" for p, y, r in self.parts]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        colour = _COLOURS[self.status]
        out = [
            f'<div class="inception-check" style="border-left: 4px solid {colour}; padding: 0.2em 0.8em">',
            f'<p>{e(self.intro())}<br><strong style="color: {colour}">{e(self.headline())}</strong></p>',
        ]
        for f in self.findings:
            title = f"{f.what} — {f.where}" if f.where else f.what
            out.append(f"<p><strong>{e(title)}</strong>: {e(f.message)}")
            if f.hint:
                out.append(f"<br><em>Hint:</em> {e(f.hint)}")
            out.append("</p>")
        for n in self.notes:
            out.append(f"<p>{e(n)}</p>")
        if self.facts:
            out.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in self.fact_lines()) + "</ul>")
        if self.parts:
            out.append(
                f"<table><caption>{e(self.parts_title)}: parameters</caption><thead><tr><th></th>"
                f"<th {_RIGHT}>yours</th><th {_RIGHT}>reference</th></tr></thead><tbody>"
            )
            out += [
                f"<tr><td>{e(p)}</td><td {_RIGHT}>{e(y)}</td><td {_RIGHT}>{e(r)}</td></tr>"
                for p, y, r in self.parts
            ]
            out.append("</tbody></table>")
        out.append("</div>")
        return "\n".join(out)

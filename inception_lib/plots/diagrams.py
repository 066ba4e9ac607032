"""Figures for diagrams (filled in with its chapters)."""

__all__: list[str] = []

"""Figures for factorizing (filled in with its chapters)."""

__all__: list[str] = []

"""Figures for network (filled in with its chapters)."""

__all__: list[str] = []

"""Figures for training (filled in with its chapters)."""

__all__: list[str] = []

"""Figures, drawn by code with matplotlib: one file per part of the book.

``common`` holds the shared style (every figure has a title, labelled axes and units); ``factorizing``
and ``diagrams`` serve chapters 1-2, ``network`` chapters 3-4, ``recipe`` chapter 5 and ``training``
chapter 6. All functions return the matplotlib Figure and never call ``plt.show()``.
"""

from .common import *  # noqa: F401,F403
from .diagrams import *  # noqa: F401,F403
from .factorizing import *  # noqa: F401,F403
from .network import *  # noqa: F401,F403
from .recipe import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403

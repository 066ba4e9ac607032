"""Figures, drawn by code with matplotlib: one file per chapter, named as the chapter is.

``common`` holds the shared style (every figure has a title, labelled axes and units); ``factorizing``
serves chapter 1, ``modules`` chapter 2 (with the diagram engine chapter 3 reuses), ``grid_reduction``
chapter 3, ``network`` chapter 4, ``recipe`` chapter 5 and ``training`` chapter 6. All functions return
the matplotlib Figure and never call ``plt.show()``.

Every figure follows the book's contract: at most 6.9 in wide, no text under 8 pt
(``figure_problems(fig)`` says what breaks it). Importing this package makes IPython show each figure as
a 2× PNG whose metadata gives its CSS size (inches × 100) and smallest font (``common.render_figure``).
"""

from .common import *  # noqa: F401,F403
from .factorizing import *  # noqa: F401,F403
from .grid_reduction import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from .network import *  # noqa: F401,F403
from .recipe import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403

"""Figures, drawn by code with matplotlib: one file per part of the book.

``common`` holds the shared style (every figure has a title, labelled axes and units); ``factorizing``
and ``diagrams`` serve chapters 1-2, ``grid_reduction`` chapter 3, ``architecture`` chapter 4,
``recipe`` chapter 5 and ``training`` chapter 6. All functions return the matplotlib Figure and never
call ``plt.show()``.

Every figure follows the book's contract: at most 6.9 in wide, no text under 8 pt
(``figure_problems(fig)`` says what breaks it). Importing this package makes IPython show each figure as
a 2× PNG whose metadata gives its CSS size (inches × 100) and smallest font (``common.render_figure``).
"""

from .architecture import *  # noqa: F401,F403
from .common import *  # noqa: F401,F403
from .diagrams import *  # noqa: F401,F403
from .factorizing import *  # noqa: F401,F403
from .grid_reduction import *  # noqa: F401,F403
from .recipe import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403

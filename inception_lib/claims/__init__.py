"""The paper, claim by claim: every quantitative or causal claim of the paper, what the book did about it,
and a verdict, as one table that the book's "claims" page and its tests share.

Szegedy, Vanhoucke, Ioffe, Shlens, Wojna, "Rethinking the Inception Architecture for Computer Vision",
CVPR 2016 (arXiv:1512.00567).

* ``SECTIONS``: the paper's sections, in order; every claim belongs to one.
* ``CLAIMS``: the table, one frozen :class:`Claim` per claim, read from ``claims.toml`` (the claims in
  the book's words, by section; :mod:`.table` reads it).
* ``VERDICTS``: the four verdicts and how the page writes them.
* ``CHECKS``: for every claim marked reproduced or measured whose check is a function here, that
  function (no arguments). It recomputes the claim's number with the library and returns a
  :class:`Finding`: whether what the verdict says holds, and the measured values the page quotes. The
  checks live by subject: :mod:`.checks_factorizing` (section 3), :mod:`.checks_architecture` (sections 4
  to 6 and Table 3's costs), :mod:`.checks_recipe` (sections 7 and 8); each is also reachable here by
  name, ``inception_lib.claims.check_two_3x3_weights()``, as the page writes it. A check may instead name
  a pytest node (``tests/...::test_...``) that must exist and pass.
* ``run_check`` and ``verdict_counts``: what tools/claims_page.py and tests/test_claims.py call.

Every number the page states is computed: the paper's from :mod:`inception_lib.paper` (or
:data:`inception_lib.recipe.PAPER_RECIPE`) where they are kept there (:func:`paper_values`), the book's by
the checks. Measurements are exact counts (parameters, multiply-accumulates, shapes), so they are the same
on every machine; checks of float results quote no digits.
"""

from .checks_architecture import *  # noqa: F403 (the check functions, by name)
from .checks_factorizing import *  # noqa: F403
from .checks_recipe import *  # noqa: F403
from .paper_numbers import paper_values
from .table import (
    CHECKS,
    CLAIMS,
    NEEDS_CHECK,
    SECTIONS,
    VERDICTS,
    Claim,
    Finding,
    PaperSection,
    is_pytest_node,
    run_check,
    verdict_counts,
)

__all__ = [
    "VERDICTS",
    "NEEDS_CHECK",
    "PaperSection",
    "SECTIONS",
    "Claim",
    "CLAIMS",
    "Finding",
    "CHECKS",
    "run_check",
    "is_pytest_node",
    "verdict_counts",
    "paper_values",
]

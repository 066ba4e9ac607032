"""Check a layer or block you wrote against the library's reference, and find the first thing that differs.

The workbooks (``chapters/exercises/``) ask the reader to write a layer or an Inception module from the
paper's figures and then run one line::

    check(MyInceptionC, "inception_c")

``check`` builds the reader's class with the reference's constructor arguments, runs it and the reference on
the same random batch, and compares them in four steps:

1. **Parameters**: the total, and per branch (for a module) or per layer (for a chain of layers).
2. **Structure, in forward order.** Every operation the forward pass runs is recorded with a
   ``TorchFunctionMode`` (it sees ``nn.Conv2d`` modules and ``F.conv2d`` / ``F.avg_pool2d`` / ``torch.cat``
   calls alike); forward hooks on the reader's submodules only name *where* each operation ran, so any
   attribute names and any definition order work. The operations are arranged by how tensors flow (a
   ``torch.cat`` of branches becomes a list of parallel branches, nested or flat concatenations alike) and
   compared layer by layer: kernel size, stride, padding, channels, bias, BatchNorm and its eps, activation,
   pooling type and padding, concatenation order.
3. **Outputs.** Where the structure matches, the reference's weights and BatchNorm statistics are copied
   into a copy of the reader's module (in the recorded order) and both run in float64 on the same input;
   the outputs must agree within ``TOLERANCE`` (relative to the largest output value). That catches what
   shapes alone cannot, such as a reshape that scrambles channels.
4. **The first difference** in forward order is reported in plain words, with a hint for the common
   mistakes (padding of 1×n / n×1, the 1×3 ‖ 3×1 outputs not concatenated, concatenation order, average
   versus max pooling and its padding, a missing 1×1 reduction, a conv bias before BatchNorm, a missing ReLU
   between factors, BatchNorm eps, a stride on the wrong convolution of a grid reduction).

The result is a :class:`CheckResult` that a notebook shows as a short report (plain text and HTML). Its
text holds no float digits, addresses or timings, so stored workbook outputs compare on every machine.
A reader's class that still raises ``NotImplementedError`` gets a friendly "not written yet" report.

The package, one idea a file:

* ``references``: the layers and blocks a reader can be checked against, one row each;
* ``recording``: recording a module's forward pass, operation by operation;
* ``structure``: the recorded operations as chains and branches, with labels and signatures;
* ``align``: the two structures walked together, to the first difference;
* ``mistakes``: the catalogue of mistakes, one small function per family, that words a difference;
* ``report``: :class:`Finding` and :class:`CheckResult`;
* ``pipeline``: :func:`check`, a short pipeline of steps that each return a finding or nothing.
"""

from .pipeline import TOLERANCE, check
from .references import REFERENCES, Reference, reference_names
from .report import CheckResult, Finding

__all__ = ["TOLERANCE", "CheckResult", "Finding", "Reference", "REFERENCES", "check", "reference_names"]

"""Chapter 1's explorer: how the window of a stack of convolutions grows with kernel size, depth and stride.

Each view is the measured receptive field (``kernels.receptive_field``) of one stack built by
``kernels.conv_stack``, drawn on the same 25×25 input so that windows compare across views, with the window
size and the weight count in the panel. Every view is precomputed (``widgets.explorer``), so the controls
respond on the rendered page without Python.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from ..kernels import conv_stack, receptive_field, support_shape, window_trace
from ..plots.factorizing import plot_window_view
from .explorer import Explorer, precomputed_explorer

__all__ = ["STACKS", "INPUT_SIZE", "window_figure", "window_alt", "window_explorer"]

# The stacks a reader can pick: (label, (kernel size, stride of the first layer)).
STACKS: tuple[tuple[str, tuple[int, int]], ...] = (
    ("3×3 convs", (3, 1)),
    ("5×5 convs", (5, 1)),
    ("3×3 convs, the first with stride 2", (3, 2)),
)
# 25 = 1 (mod 4): after a stride-2 first layer the centre output pixel still sits over the centre input
# pixel, and the largest window offered (five 5×5: 21×21) stays clear of the padding.
INPUT_SIZE = 25


def _describe(kernel: int, first_stride: int, depth: int) -> tuple[str, int, int]:
    stack = conv_stack(kernel, depth, first_stride)
    window = window_trace(stack)[-1].window[0]
    name = f"{depth} × {kernel}×{kernel}" + (", the first /2" if first_stride == 2 else "")
    return name, window, depth * kernel * kernel


def window_figure(kernel: int, first_stride: int, depth: int) -> Figure:
    """The receptive field of ``conv_stack(kernel, depth, first_stride)`` on a 25×25 input, framed."""
    stack = conv_stack(kernel, depth, first_stride)
    field = receptive_field(stack, 1, INPUT_SIZE)
    name, window, weights = _describe(kernel, first_stride, depth)
    measured = support_shape(field)
    if measured != (window, window):  # the analytic count and the measurement must agree
        raise AssertionError(f"{name}: measured window {measured}, counted {window}×{window}")
    return plot_window_view(
        field,
        title=f"{name}: the centre output pixel sees {window}×{window}",
        subtitle=f"{weights} weights per channel pair (one {window}×{window} kernel: {window * window})",
    )


def window_alt(kernel: int, first_stride: int, depth: int) -> str:
    """The alt text of one view: what the heat map shows, in words."""
    name, window, weights = _describe(kernel, first_stride, depth)
    stride = " The first layer's stride 2 doubles the step of every later layer." if first_stride == 2 else ""
    return (
        f"Heat map on a {INPUT_SIZE} by {INPUT_SIZE} input: the centre output pixel of {name} convolutions "
        f"depends on a {window} by {window} window, framed, with the most paths from its centre and the "
        f"fewest from its corners; the stack has {weights} weights per channel pair.{stride}"
    )


def window_explorer(depths: tuple[int, ...] = (1, 2, 3, 4, 5), stack: str = "3×3 convs", depth: int = 2
                    ) -> Explorer:
    """Sliders for the stack (3×3, 5×5, or 3×3 with a stride-2 first layer) and its depth; 15 views."""
    options = {label: value for label, value in STACKS}
    if stack not in options:
        raise ValueError(f"stack must be one of {list(options)}, got {stack!r}")

    def render(**values: object) -> Figure:
        kernel, first_stride = values["stack"]
        return window_figure(kernel, first_stride, values["depth"])

    def alt(**values: object) -> str:
        kernel, first_stride = values["stack"]
        return window_alt(kernel, first_stride, values["depth"])

    return precomputed_explorer(
        "receptive field of a stack",
        {"stack": list(STACKS), "depth": [(str(d), d) for d in depths]},
        render,
        alt=alt,
        initial={"stack": options[stack], "depth": depth},
    )

"""The full Inception-v3 network (paper sec. 6 and 10, Table 1), its Table 3 variants, and tools to check it.

The default build is the released architecture, layer for layer the same as torchvision's ``Inception3``
(and TF-slim's ``inception_v3``), which differs from the paper's Table 1 in its stem and module counts;
chapter 4 sets the two side by side. Layer names follow Google's checkpoints (Conv2d_1a_3x3 ->
``conv_1a_3x3``, Mixed_5b -> ``mixed_5b``), so they can be found in either code base.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from .blocks import AuxClassifier, InceptionA, InceptionC, InceptionE, Reduction17to8, Reduction35to17
from .layers import ConvBNReLU, check_channels

__all__ = [
    "MIN_INPUT_SIZE",
    "InceptionV3",
    "InceptionOutputs",
    "inception_v3",
    "load_torchvision_weights",
    "TraceRow",
    "shape_trace",
]

MIN_INPUT_SIZE = 75  # 74×74 leaves a 2×2 grid for the 17->8 reduction's 3×3/2 convolution: it fails
STEMS = ("3x3", "7x7")


class InceptionOutputs(NamedTuple):
    """What the network returns in training mode with the auxiliary head on."""

    logits: torch.Tensor
    aux_logits: torch.Tensor | None


def _stem(kind: str, in_channels: int) -> list[tuple[str, nn.Module]]:
    if kind == "3x3":  # Inception-v3: the first 7×7 factorized into three 3×3 (sec. 10, Table 1 rows 1-3)
        first = [
            ("conv_1a_3x3", ConvBNReLU(in_channels, 32, 3, stride=2)),
            ("conv_2a_3x3", ConvBNReLU(32, 32, 3)),
            ("conv_2b_3x3", ConvBNReLU(32, 64, 3, padding=1)),
        ]
    else:  # reconstructed Inception-v2 stem: one 7×7/2 to 64 channels, unpadded so 299 -> 147 as above
        first = [("conv_1a_7x7", ConvBNReLU(in_channels, 64, 7, stride=2))]
    return first + [
        ("maxpool_1", nn.MaxPool2d(3, stride=2)),
        ("conv_3b_1x1", ConvBNReLU(64, 80, 1)),
        ("conv_4a_3x3", ConvBNReLU(80, 192, 3)),
        ("maxpool_2", nn.MaxPool2d(3, stride=2)),
    ]


def _autocast_enabled(device_type: str) -> bool:
    try:
        return torch.is_autocast_enabled(device_type)
    except TypeError:  # torch < 2.4 takes no device type
        return torch.is_autocast_cpu_enabled() if device_type == "cpu" else torch.is_autocast_enabled()


def _check_dtype(x: torch.Tensor, weight_dtype: torch.dtype) -> None:
    """An image tensor must be floating point and, outside autocast, of the weights' dtype."""
    if not x.is_floating_point():
        raise TypeError(
            f"expected a floating-point image batch, got dtype {x.dtype}: convert an 8-bit image with "
            "x.float() / 255 and normalise it as the model was trained (e.g. to [-1, 1] with "
            "(x - 0.5) / 0.5), or use the book's transforms in inception_lib.data"
        )
    if x.dtype != weight_dtype and not _autocast_enabled(x.device.type):
        raise TypeError(
            f"input dtype {x.dtype} does not match the weights' {weight_dtype}: convert the input with "
            f"x.to({weight_dtype}) (or the model with model.to({x.dtype})), or run under torch.autocast"
        )


class InceptionV3(nn.Module):
    """Inception-v3 (Szegedy et al. 2016), built from the blocks of ``blocks.py``.

    299×299×3 -> stem (to 35×35×192) -> 3 × Figure 5 (35×35) -> reduction -> 4 × Figure 6 (17×17, n = 7)
    -> reduction -> 2 × Figure 7 (8×8) -> global average pool -> dropout -> fc. In training mode the
    auxiliary classifier on the last 17×17 layer returns a second set of logits.

    Args:
        num_classes: output classes (1000 for ImageNet; Google's checkpoints have 1001).
        aux_logits: build the auxiliary classifier (Figure 8).
        stem: "3x3" (v3: the first 7×7 factorized into three 3×3) or "7x7". The paper never spells out
            the unfactorized stem of Table 3's earlier rows; we reconstruct it as GoogLeNet's first layer,
            one 7×7/2 convolution to 64 channels, without padding so that 299 -> 147 and every later
            layer sees the same shapes as in v3.
        bn_aux: batch-normalise the auxiliary classifier's fully connected layer ("BN-auxiliary").
        dropout: dropout before the final fc (0.5 as in torchvision; TF-slim keeps 0.8, i.e. drops 0.2).
        in_channels: image channels.
    """

    def __init__(
        self,
        num_classes: int = 1000,
        aux_logits: bool = True,
        stem: str = "3x3",
        bn_aux: bool = False,
        dropout: float = 0.5,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if stem not in STEMS:
            raise ValueError(f"stem must be one of {STEMS}, got {stem!r}")
        check_channels("num_classes", num_classes)
        check_channels("in_channels", in_channels)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.in_channels = in_channels
        self.aux_logits = aux_logits
        for name, layer in _stem(stem, in_channels):
            self.add_module(name, layer)
        self.mixed_5b = InceptionA(192, pool_features=32)  # -> 256
        self.mixed_5c = InceptionA(256, pool_features=64)  # -> 288
        self.mixed_5d = InceptionA(288, pool_features=64)  # -> 288
        self.mixed_6a = Reduction35to17(288)  # 35 -> 17, -> 768
        self.mixed_6b = InceptionC(768, channels_7x7=128)
        self.mixed_6c = InceptionC(768, channels_7x7=160)
        self.mixed_6d = InceptionC(768, channels_7x7=160)
        self.mixed_6e = InceptionC(768, channels_7x7=192)
        self.aux = AuxClassifier(768, num_classes, bn_fc=bn_aux) if aux_logits else None
        self.mixed_7a = Reduction17to8(768)  # 17 -> 8, -> 1280
        self.mixed_7b = InceptionE(1280)  # -> 2048
        self.mixed_7c = InceptionE(2048)  # -> 2048
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(2048, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.01)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def feature_blocks(self) -> list[tuple[str, nn.Module]]:
        """The main path's blocks in order, up to the last 8×8 module (the auxiliary head excluded)."""
        return [(n, m) for n, m in self.named_children() if n not in ("aux", "avgpool", "dropout", "fc")]

    def check_input(self, x: torch.Tensor) -> None:
        """Raise a clear error naming the problem if ``x`` is not a batch this network can take.

        Checked before any layer runs, so a learner's first mistakes (a single image without a batch
        dimension, a ``uint8`` image straight from a file, a grey image, a thumbnail) get an answer that
        says what to change instead of a shape or dtype error from deep inside torch.
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"expected a torch.Tensor of shape (N, C, H, W), got {type(x).__name__}")
        if x.dim() != 4:
            raise ValueError(
                f"expected a 4-D batch (N, {self.in_channels}, H, W), got shape {tuple(x.shape)}; "
                "add a batch dimension with x.unsqueeze(0)"
            )
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"expected {self.in_channels} input channels, got {x.shape[1]} (shape {tuple(x.shape)})"
            )
        h, w = int(x.shape[2]), int(x.shape[3])
        if min(h, w) < MIN_INPUT_SIZE:
            raise ValueError(
                f"input {h}×{w} is too small: Inception-v3 needs at least {MIN_INPUT_SIZE}×{MIN_INPUT_SIZE} "
                "(smaller grids vanish in the last reduction); the paper uses 299×299"
            )
        _check_dtype(x, self.fc.weight.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor | InceptionOutputs:
        if not torch.jit.is_tracing():  # counting.mac_report checks the input before fvcore traces
            self.check_input(x)
        aux = None
        for name, block in self.feature_blocks():
            x = block(x)
            if name == "mixed_6e" and self.aux is not None and self.training:
                aux = self.aux(x)
        x = torch.flatten(self.dropout(self.avgpool(x)), 1)
        x = self.fc(x)
        if self.training and self.aux is not None:
            return InceptionOutputs(x, aux)
        return x


def inception_v3(
    num_classes: int = 1000,
    aux_logits: bool = True,
    stem: str = "3x3",
    bn_aux: bool = False,
    dropout: float = 0.5,
    in_channels: int = 3,
) -> InceptionV3:
    """Build Inception-v3. The defaults give torchvision's ``Inception3`` architecture exactly.

    Table 3 variants: ``stem="7x7"`` for the rows before "Factorized 7×7"; ``bn_aux=True`` for the last
    row ("BN-auxiliary"), which is the paper's full Inception-v3.
    """
    return InceptionV3(num_classes, aux_logits, stem, bn_aux, dropout, in_channels)


# Entries every torchvision Inception3 state_dict has (first conv, a Figure 5 module, the classifier).
_INCEPTION3_KEYS = ("Conv2d_1a_3x3.conv.weight", "Mixed_5b.branch1x1.conv.weight", "fc.weight")


def _check_inception3_state_dict(state_dict: object) -> None:
    """Say plainly when ``state_dict`` is not torchvision's Inception3 state_dict, before pairing entries."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"expected a state_dict (a mapping of names to tensors), got {type(state_dict).__name__}; "
            "pass torchvision.models.inception_v3(...).state_dict() or the dict torch.load returns"
        )
    if not state_dict:
        raise ValueError(
            "the state_dict is empty: expected torchvision's Inception3 state_dict "
            f"(entries such as {_INCEPTION3_KEYS[0]!r})"
        )
    missing = [k for k in _INCEPTION3_KEYS if k not in state_dict]
    if missing:
        keys = list(state_dict)
        hint = ""
        if any(k.startswith(("conv_1a_", "mixed_5b.")) for k in keys):
            hint = "; it looks like this library's own state_dict: use model.load_state_dict(state_dict)"
        raise ValueError(
            f"not a torchvision Inception3 state_dict: it has no {missing[0]!r} (its first entries are "
            f"{keys[:3]}){hint}"
        )


def load_torchvision_weights(model: InceptionV3, state_dict: Mapping[str, torch.Tensor]) -> InceptionV3:
    """Copy a torchvision ``Inception3`` state_dict into ``model`` (in place; returns it).

    Both networks register the same layers in the same order under different names, so we pair the
    entries in order and check that every pair has the same shape (and the same last name component:
    weight, bias, running_mean, ...). A torchvision model without the auxiliary head may be loaded into
    ours with or without it; a missing aux head on our side drops torchvision's.
    """
    if not isinstance(model, InceptionV3):
        raise TypeError(f"model must be an InceptionV3, got {type(model).__name__}")
    _check_inception3_state_dict(state_dict)
    classes = state_dict["fc.weight"].shape[0]
    if model.fc.weight.shape != state_dict["fc.weight"].shape:
        raise ValueError(
            f"the state_dict's classifier has {classes} classes, the model {model.fc.weight.shape[0]}: build "
            f"the model with num_classes={classes}, load the weights, then replace model.fc for your classes"
        )
    ours = model.state_dict()
    theirs = OrderedDict(state_dict)
    if model.aux is None:
        theirs = OrderedDict((k, v) for k, v in theirs.items() if not k.startswith("AuxLogits."))
    elif not any(k.startswith("AuxLogits.") for k in theirs):
        raise ValueError(
            "this Inception3 state_dict has no auxiliary head (no AuxLogits.* entries): build the model with "
            "aux_logits=False to load it"
        )
    # torchvision registers AuxLogits after Mixed_6e, as we register aux; both end with fc.
    if len(ours) != len(theirs):
        raise ValueError(
            f"state_dict has {len(theirs)} entries, the model expects {len(ours)}: is it an Inception3 "
            "state_dict for the default architecture (stem='3x3', bn_aux=False)?"
        )
    mapped = OrderedDict()
    for (our_key, our_value), (their_key, their_value) in zip(ours.items(), theirs.items(), strict=True):
        if our_key.rsplit(".", 1)[-1] != their_key.rsplit(".", 1)[-1] or our_value.shape != their_value.shape:
            raise ValueError(
                f"cannot map torchvision's {their_key} {tuple(their_value.shape)} onto "
                f"{our_key} {tuple(our_value.shape)}"
            )
        mapped[our_key] = their_value
    model.load_state_dict(mapped)
    return model


@dataclass(frozen=True)
class TraceRow:
    """One row of a shape trace: a block of the network and what it does to the tensor."""

    block: str
    layer: str  # e.g. "conv 3×3/2", "Figure 5 module"
    input_shape: tuple[int, ...]  # (C, H, W)
    output_shape: tuple[int, ...]
    params: int
    macs: int


def _describe(module: nn.Module) -> str:
    """A Table-1-style name for a block: 'conv 3×3/2', 'pool 3×3/2', 'Figure 5 module', ..."""
    if isinstance(module, ConvBNReLU):
        kh, kw = module.conv.kernel_size
        return f"conv {kh}×{kw}/{module.conv.stride[0]}" + (" padded" if module.conv.padding[0] else "")
    if isinstance(module, nn.MaxPool2d):
        return f"max pool {module.kernel_size}×{module.kernel_size}/{module.stride}"
    if isinstance(module, nn.AdaptiveAvgPool2d):
        return "global avg pool"
    names = {
        InceptionA: "Figure 5 module",
        InceptionC: "Figure 6 module (n=7)",
        InceptionE: "Figure 7 module",
        Reduction35to17: "grid reduction 35→17",
        Reduction17to8: "grid reduction 17→8",
        AuxClassifier: "auxiliary classifier",
        nn.Linear: "fc",
        nn.Dropout: "dropout",
    }
    return names.get(type(module), type(module).__name__)


def shape_trace(model: InceptionV3, input_size: int = 299) -> list[TraceRow]:
    """Run one eval-mode forward pass (batch 1) and return a row per block, as in the paper's Table 1.

    MACs per block come from one fvcore count of the whole network. The auxiliary head, which runs only
    in training, is traced separately on the last 17×17 output and listed after ``mixed_6e``.
    """
    from .counting import _eval_mode as _eval
    from .counting import count_macs_by_module, count_params

    captured: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    hooks = []
    for name, module in model.named_children():
        if module is None or name == "aux":
            continue

        def hook(mod: nn.Module, inputs: tuple, output: torch.Tensor, name: str = name) -> None:
            captured[name] = (tuple(inputs[0].shape[1:]), tuple(output.shape[1:]))

        hooks.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, model.in_channels, input_size, input_size))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    macs = count_macs_by_module(model, (model.in_channels, input_size, input_size))
    if model.aux is not None:
        aux_in = captured["mixed_6e"][1]
        with _eval(model.aux), torch.no_grad():
            aux_out = tuple(model.aux(torch.zeros(1, *aux_in)).shape[1:])
        captured["aux"] = (aux_in, aux_out)
        macs["aux"] = count_macs_by_module(model.aux, aux_in)[""]
    order = [n for n, _ in model.named_children() if n in captured]
    return [
        TraceRow(
            block=name,
            layer=_describe(getattr(model, name)),
            input_shape=captured[name][0],
            output_shape=captured[name][1],
            params=count_params(getattr(model, name)),
            macs=int(macs.get(name, 0)),
        )
        for name in order
    ]


# --- Receptive fields: how much of the input each block's output sees (chapter 4, tying back to chapter 1).
# An addition to the module; the functions above do not use it.

__all__ += ["ReceptiveField", "receptive_fields"]


@dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of one top-level block's output on the network's input.

    ``size`` is the (height, width) in input pixels that one output position depends on, from the kernel
    sizes, strides and dilations on the deepest path through the block (padding only moves the window);
    ``None`` after global pooling, where every output depends on the whole image. ``jump`` is the distance
    in input pixels between neighbouring output positions (the product of the strides so far).
    """

    block: str
    layer: str
    output_shape: tuple[int, ...]  # (C, H, W) or (C,)
    size: tuple[int, int] | None
    jump: tuple[int, int]


def _pair_of(value: int | tuple[int, ...]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _window(module: nn.Module) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]] | None:
    """(kernel, stride, dilation) of a sliding-window layer, or None for anything else."""
    if isinstance(module, nn.Conv2d):
        return _pair_of(module.kernel_size), _pair_of(module.stride), _pair_of(module.dilation)
    if isinstance(module, nn.MaxPool2d | nn.AvgPool2d):
        stride = module.stride if module.stride is not None else module.kernel_size
        dilation = getattr(module, "dilation", 1)
        return _pair_of(module.kernel_size), _pair_of(stride), _pair_of(dilation)
    return None


_Field = tuple[int, int, int, int]  # (rh, rw, jh, jw); None means the whole input


def _record_flow(model: nn.Module, x: torch.Tensor) -> dict[int, dict]:
    """One forward pass with hooks: each module's call order, input tensor and output tensor."""
    calls: dict[int, dict] = {}

    def before(m: nn.Module, args: tuple) -> None:
        calls.setdefault(id(m), {"order": len(calls), "input": args[0] if args else None})

    def after(m: nn.Module, args: tuple, output: object) -> None:
        calls[id(m)].setdefault("output", output)

    handles = [m.register_forward_pre_hook(before) for m in model.modules()]
    handles += [m.register_forward_hook(after) for m in model.modules()]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return calls


def _through(module: nn.Module, field: _Field | None, calls: dict[int, dict]) -> _Field | None:
    """The receptive field after ``module``, given the field of its input (None: already global)."""
    if field is None or isinstance(module, nn.AdaptiveAvgPool2d | nn.AdaptiveMaxPool2d):
        return None
    window = _window(module)
    if window is not None:
        (kh, kw), (sh, sw), (dh, dw) = window
        rh, rw, jh, jw = field
        return rh + (kh - 1) * dh * jh, rw + (kw - 1) * dw * jw, jh * sh, jw * sw
    called = sorted((c for c in module.children() if id(c) in calls), key=lambda c: calls[id(c)]["order"])
    if not called:
        return field  # BatchNorm, ReLU, dropout, identity: one output value per input value
    record, records = calls[id(module)], [calls[id(c)] for c in called]
    chained = records[0]["input"] is record["input"] and all(
        b["input"] is a["output"] for a, b in zip(records, records[1:], strict=False)
    )
    if chained and records[-1]["output"] is record["output"]:
        for child in called:
            field = _through(child, field, calls)
        return field
    if all(r["input"] is record["input"] for r in records):  # branches side by side, concatenated
        fields = [_through(child, field, calls) for child in called]
        if any(f is None for f in fields):
            return None
        return tuple(max(f[i] for f in fields) for i in range(4))  # type: ignore[return-value]
    raise ValueError(
        f"cannot follow the receptive field through {type(module).__name__}: its forward is neither a "
        "chain nor parallel branches of its child modules"
    )


def receptive_fields(model: InceptionV3, input_size: int = 299) -> list[ReceptiveField]:
    """The receptive field and output shape of every top-level block on the main path, in order.

    Computed from the modules themselves: one eval-mode forward pass (batch 1) records which child feeds
    which, then the field grows through each sliding window by (kernel - 1) × dilation × jump and the jump
    by the stride; parallel branches take the largest field. The stem gives 3, 7, 11 pixels (chapter 1's
    stacked 3×3 after a stride-2 first layer). Rows after global pooling have ``size=None``. The
    auxiliary head, which runs only in training, is left out.
    """
    if not isinstance(model, InceptionV3):
        raise ValueError(f"model must be an InceptionV3, got {type(model).__name__}")
    if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < MIN_INPUT_SIZE:
        raise ValueError(f"input_size must be an integer >= {MIN_INPUT_SIZE}, got {input_size!r}")
    was_training = model.training
    model.eval()
    try:
        calls = _record_flow(model, torch.zeros(1, model.in_channels, input_size, input_size))
    finally:
        model.train(was_training)
    field: _Field | None = (1, 1, 1, 1)
    rows = []
    for name, block in model.named_children():
        if name == "aux" or id(block) not in calls:
            continue
        field = _through(block, field, calls)
        rows.append(
            ReceptiveField(
                block=name,
                layer=_describe(block),
                output_shape=tuple(int(s) for s in calls[id(block)]["output"].shape[1:]),
                size=None if field is None else (field[0], field[1]),
                jump=(0, 0) if field is None else (field[2], field[3]),
            )
        )
    return rows


__all__ += ["block_macs"]


def block_macs(model: InceptionV3, input_size: int = 299) -> dict[str, int]:
    """Multiply-accumulates of convolutions and linear layers in each top-level block, by block name.

    The quantity torchvision publishes (and ``mac_report(...).conv_linear`` for the whole network);
    fvcore's per-block totals in ``shape_trace`` also count BatchNorm, as two operations per value. Counted
    by torch's ``FlopCounterMode`` (2 FLOPs per MAC) on a copy of the model on the meta device, which
    tracks shapes without computing, in training mode so that the auxiliary head is counted too (under
    "aux"; its MACs are spent only in training). Per image; blocks without convolutions count 0.
    """
    if not isinstance(model, InceptionV3):
        raise ValueError(f"model must be an InceptionV3, got {type(model).__name__}")
    if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < MIN_INPUT_SIZE:
        raise ValueError(f"input_size must be an integer >= {MIN_INPUT_SIZE}, got {input_size!r}")
    import copy

    from torch.utils.flop_counter import FlopCounterMode

    meta = copy.deepcopy(model).to("meta").train()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        # batch 2: training-mode BatchNorm needs more than one value per channel after the aux pooling
        meta(torch.empty(2, model.in_channels, input_size, input_size, device="meta"))
    counts = counter.get_flop_counts()
    root = type(model).__name__
    return {
        name: int(sum(counts.get(f"{root}.{name}", {}).values())) // 4  # 2 FLOPs per MAC, 2 images
        for name, module in model.named_children()
        if module is not None
    }


# --------------------------------------------------------------------------------------------------------
# Small models for tests


class TinyNet(nn.Module):
    """A four-convolution CNN with an auxiliary head like Inception-v3's, for tests and small experiments.

    ``batch_norm=False`` (model "tiny"): plain convolutions with bias. Without BatchNorm (whose batch
    statistics are per process) and with ``dropout=0`` (random masks are per process), data-parallel
    training on N processes computes exactly the gradients of one process on the whole batch, so the two
    runs must agree to rounding error. ``batch_norm=True`` (model "tiny_bn"): conv-BN-ReLU units as in
    Inception-v3, which train well with the paper's RMSProp settings. Returns
    :class:`~inception_lib.network.InceptionOutputs` in training mode when ``aux_logits``.
    """

    def __init__(
        self,
        num_classes: int = 10,
        aux_logits: bool = True,
        width: int = 16,
        dropout: float = 0.0,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()

        def unit(c_in: int, c_out: int, stride: int) -> list[nn.Module]:
            if batch_norm:
                conv = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
                return [conv, nn.BatchNorm2d(c_out, eps=0.001), nn.ReLU(inplace=True)]
            return [nn.Conv2d(c_in, c_out, 3, stride, 1), nn.ReLU(inplace=True)]

        w = width
        self.features1 = nn.Sequential(*unit(3, w, 2), *unit(w, 2 * w, 2))
        self.features2 = nn.Sequential(*unit(2 * w, 4 * w, 2), *unit(4 * w, 4 * w, 1))
        self.aux = nn.Linear(2 * w, num_classes) if aux_logits else None
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(4 * w, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor | InceptionOutputs:
        x = self.features1(x)
        aux = self.aux(x.mean((2, 3))) if self.aux is not None and self.training else None
        logits = self.fc(self.dropout(self.features2(x).mean((2, 3))))
        return InceptionOutputs(logits, aux) if aux is not None else logits

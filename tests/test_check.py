"""inception_lib.check: correct modules pass, each common mistake is named and located.

The modules below are written the way a reader might write them, not the way the library does: other
attribute names, other definition order, functional pooling and ReLU, a flat concatenation. Each planted
mistake is one keyword away from a correct module, so a test that fails points at the checker, not at the
planted module.
"""

from __future__ import annotations

import re

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from inception_lib.blocks import AuxClassifier, InceptionA, InceptionC
from inception_lib.check import REFERENCES, CheckResult, check, reference_names
from inception_lib.check.align import align
from inception_lib.check.mistakes import (
    ATTRIBUTE_MISTAKES,
    JOIN_MISTAKES,
    MISSING_MISTAKES,
    REPLACED_MISTAKES,
    Mismatch,
    attribute_mistake,
)
from inception_lib.check.pipeline import STEPS
from inception_lib.check.recording import Op, describe
from inception_lib.layers import AsymmetricConv, ConvBNReLU
from inception_lib.network import inception_v3

# Smaller channel counts than the network's (the checker builds the reference with the same arguments), so
# the planted-mistake tests stay fast; the reference defaults are checked by the first tests below.
SMALL = {"inception_c": (96, 16), "inception_e": (256,), "inception_a": (64, 32), "reduction_35to17": (64,)}


def check_small(reader, name: str) -> CheckResult:
    return check(reader, name, args=SMALL[name])


class Unit(nn.Module):
    """conv -> BN -> ReLU with the ReLU called functionally (torchvision's style)."""

    def __init__(self, cin, cout, k, stride=1, padding=0, *, bias=False, eps=1e-3, relu=True):
        super().__init__()
        self.norm = nn.BatchNorm2d(cout, eps=eps)  # defined before the conv on purpose
        self.c = nn.Conv2d(cin, cout, k, stride=stride, padding=padding, bias=bias)
        self.relu = relu

    def forward(self, x):
        x = self.norm(self.c(x))
        return F.relu(x, inplace=True) if self.relu else x


class MyInceptionC(nn.Module):
    """Figure 6, written independently; keywords plant one mistake each."""

    def __init__(self, cin, c7, *, pad=(0, 3), order=(0, 1, 2, 3), pool="avg", reduce=True, bias=False,
                 eps=1e-3, relu_between=True):
        super().__init__()
        self.order, self.pool = order, pool
        self.p_proj = Unit(cin, 192, 1, bias=bias, eps=eps)
        self.dbl = nn.Sequential(
            Unit(cin, c7, 1), Unit(c7, c7, (7, 1), padding=(3, 0)), Unit(c7, c7, (1, 7), padding=(0, 3)),
            Unit(c7, c7, (7, 1), padding=(3, 0)), Unit(c7, 192, (1, 7), padding=(0, 3)),
        )
        first = [Unit(cin, c7, 1)] if reduce else []
        self.b7 = nn.Sequential(
            *first, Unit(c7 if reduce else cin, c7, (1, 7), padding=pad, relu=relu_between),
            Unit(c7, 192, (7, 1), padding=(3, 0)),
        )
        self.one = Unit(cin, 192, 1, bias=bias, eps=eps)

    def forward(self, x):
        pooled = F.avg_pool2d(x, 3, 1, 1) if self.pool == "avg" else F.max_pool2d(x, 3, 1, 1)
        outs = [self.one(x), self.b7(x), self.dbl(x), self.p_proj(pooled)]
        return torch.cat([outs[i] for i in self.order], dim=1)


class MyInceptionE(nn.Module):
    """Figure 7 with one flat six-way concatenation; ``split`` = "cat" (right), "stack" or "add"."""

    def __init__(self, cin, split="cat"):
        super().__init__()
        self.split = split
        self.b1 = Unit(cin, 320, 1)
        self.b3_in = Unit(cin, 384, 1)
        self.b3_row, self.b3_col = (
            Unit(384, 384, (1, 3), padding=(0, 1)),
            Unit(384, 384, (3, 1), padding=(1, 0)),
        )
        self.d_in, self.d_mid = Unit(cin, 448, 1), Unit(448, 384, 3, padding=1)
        self.d_row, self.d_col = (
            Unit(384, 384, (1, 3), padding=(0, 1)),
            Unit(384, 384, (3, 1), padding=(1, 0)),
        )
        self.pool_proj = Unit(cin, 192, 1)

    def forward(self, x):
        a = self.b3_in(x)
        d = self.d_mid(self.d_in(x))
        pool = self.pool_proj(F.avg_pool2d(x, 3, stride=1, padding=1))
        if self.split == "cat":
            return torch.cat(
                [self.b1(x), self.b3_row(a), self.b3_col(a), self.d_row(d), self.d_col(d), pool], 1
            )
        if self.split == "stack":
            return torch.cat([self.b1(x), self.b3_col(self.b3_row(a)), self.d_col(self.d_row(d)), pool], 1)
        return torch.cat(
            [self.b1(x), self.b3_row(a) + self.b3_col(a), self.d_row(d) + self.d_col(d), pool], 1
        )


class MyInceptionA(nn.Module):
    def __init__(self, cin, pool_features, *, pool="avg", pool_padding=1, count_include_pad=True):
        super().__init__()
        self.pool = (nn.AvgPool2d(3, 1, pool_padding, count_include_pad=count_include_pad) if pool == "avg"
                     else nn.MaxPool2d(3, 1, pool_padding))
        self.proj = Unit(cin, pool_features, 1)
        self.b1 = Unit(cin, 64, 1)
        self.b5 = nn.Sequential(Unit(cin, 48, 1), Unit(48, 64, 5, padding=2))
        self.b3 = nn.Sequential(Unit(cin, 64, 1), Unit(64, 96, 3, padding=1), Unit(96, 96, 3, padding=1))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b5(x), self.b3(x), self.proj(self.pool(x))], 1)


class MyReduction(nn.Module):
    """35 -> 17; ``stride_first`` puts the stride-2 on the 1×1 of the double-3×3 branch."""

    def __init__(self, cin, stride_first=False):
        super().__init__()
        s1, s3 = (2, 1) if stride_first else (1, 2)
        self.wide = Unit(cin, 384, 3, stride=2)
        self.deep = nn.Sequential(
            Unit(cin, 64, 1, stride=s1), Unit(64, 96, 3, padding=1), Unit(96, 96, 3, stride=s3)
        )

    def forward(self, x):
        return torch.cat([self.wide(x), self.deep(x), F.max_pool2d(x, 3, 2)], 1)


def first(result: CheckResult):
    assert not result.passed, repr(result)
    assert result.findings, repr(result)
    return result.findings[0]


# ---- correct modules pass


@pytest.mark.parametrize("name", [n for n in reference_names() if n not in ("stem", "inception_v3")])
def test_the_library_reference_passes_itself(name: str) -> None:
    spec = REFERENCES[name]
    result = check(spec.build, name)
    assert result.passed, repr(result)
    assert "PASSED" in repr(result) and "PASSED" in result._repr_html_()


@pytest.mark.parametrize(
    ("reader", "name"),
    [(MyInceptionC, "inception_c"), (MyInceptionE, "inception_e"), (MyInceptionA, "inception_a"),
     (MyReduction, "reduction_35to17")],
)
def test_a_differently_written_correct_module_passes(reader, name: str) -> None:
    result = check_small(reader, name)
    assert result.passed, repr(result)
    assert "all " in repr(result) and "layers match" in repr(result)


def test_an_instance_and_other_arguments() -> None:
    assert check(MyInceptionC(96, 24), "inception_c", args=(96, 24)).passed
    assert not check(MyInceptionC(96, 24), "inception_c", args=(96, 16)).passed  # another inner width


def test_the_stem_passes_at_a_smaller_input() -> None:
    class Stem(nn.Module):
        def __init__(self, cin):
            super().__init__()
            self.convs = nn.ModuleList([Unit(cin, 32, 3, 2), Unit(32, 32, 3), Unit(32, 64, 3, padding=1)])
            self.later = nn.ModuleList([Unit(64, 80, 1), Unit(80, 192, 3)])

        def forward(self, x):
            for conv in self.convs:
                x = conv(x)
            x = F.max_pool2d(x, 3, 2)
            for conv in self.later:
                x = conv(x)
            return F.max_pool2d(x, 3, 2)

    assert check(Stem, "stem", input_shape=(3, 107, 107)).passed


def test_whole_network_library_and_torchvision() -> None:
    # The reference input (299×299) once, for the library's own model; torchvision's Inception3 (written
    # independently of ours) at a smaller input.
    assert check(inception_v3, "inception_v3").passed
    tv = torchvision.models.Inception3(aux_logits=True, init_weights=False)
    result = check(tv, "inception_v3", input_shape=(3, 75, 75))
    assert result.passed, repr(result)


# ---- each common mistake is named, at the right layer


def test_missing_padding_on_1xn() -> None:
    f = first(check_small(lambda c, c7: MyInceptionC(c, c7, pad=(0, 0)), "inception_c"))
    assert f.what == "1×n / n×1 padding"
    assert f.where.startswith("branch 2, layer 2") and "`b7.1.c`" in f.where
    assert "padding (0, 0)" in f.message and "(0, 3)" in f.message and "17×11" in f.message


def test_wrong_padding_on_a_single_factorized_layer() -> None:
    class Asym(nn.Module):
        def __init__(self, cin, cout, n):
            super().__init__()
            self.a, self.b = (
                Unit(cin, cout, (1, n), padding=(0, n // 2)),
                Unit(cout, cout, (n, 1), padding=(n // 2, 1)),
            )

        def forward(self, x):
            return self.b(self.a(x))

    f = first(check(Asym, "asymmetric"))
    assert f.what == "1×n / n×1 padding" and f.where.startswith("layer 2") and "`b.c`" in f.where
    assert "(3, 1)" in f.message and "(3, 0)" in f.message


@pytest.mark.parametrize("split", ["stack", "add"])
def test_1x3_and_3x1_not_concatenated(split: str) -> None:
    f = first(check_small(lambda c: MyInceptionE(c, split), "inception_e"))
    if split == "stack":
        assert f.what == "1×3 ‖ 3×1 outputs not concatenated"
        assert f.where.startswith("branch 2, module") or f.where.startswith("branch 2, layer 2"), f.where
        assert "`b3_row.c`" in f.where
    else:
        assert f.what == "branches added instead of concatenated" and "branch 2" in f.where


def test_concatenation_order() -> None:
    f = first(check_small(lambda c, c7: MyInceptionC(c, c7, order=(1, 0, 2, 3)), "inception_c"))
    assert f.what == "concatenation order"
    assert "[2, 1, 3, 4]" in f.message


def test_max_instead_of_average_pooling() -> None:
    f = first(check_small(lambda c, p: MyInceptionA(c, p, pool="max"), "inception_a"))
    assert f.what == "average vs max pooling"
    assert f.where.startswith("branch 4, layer 1") and "`pool`" in f.where


def test_pooling_without_padding() -> None:
    result = check_small(lambda c, p: MyInceptionA(c, p, pool_padding=0), "inception_a")
    f = first(result)
    assert f.what == "pooling padding" and f.where.startswith("branch 4, layer 1")
    assert "forward then stopped" in repr(result)  # the concatenation failed on the 33×33 branch


def test_average_pooling_that_excludes_padding() -> None:
    f = first(check_small(lambda c, p: MyInceptionA(c, p, count_include_pad=False), "inception_a"))
    assert f.what == "average pooling padding" and "count_include_pad=False" in f.message


def test_missing_1x1_reduction() -> None:
    f = first(check_small(lambda c, c7: MyInceptionC(c, c7, reduce=False), "inception_c"))
    assert f.what == "missing 1×1 reduction"
    assert f.where.startswith("branch 2, layer 1")
    assert "96 → 16" in f.message


def test_conv_bias_before_batchnorm() -> None:
    f = first(check_small(lambda c, c7: MyInceptionC(c, c7, bias=True), "inception_c"))
    assert f.what == "conv bias before BatchNorm"
    assert f.where.startswith("branch 1, layer 1") and "`one.c`" in f.where
    assert "bias=False" in f.hint


def test_relu_missing_between_factors() -> None:
    f = first(check(lambda c, o, n: AsymmetricConv(c, o, n, relu_between=False), "asymmetric"))
    assert f.what == "ReLU missing between factors"
    assert f.where.startswith("after layer 1") and "`first" in f.where
    f = first(check_small(lambda c, c7: MyInceptionC(c, c7, relu_between=False), "inception_c"))
    assert f.what == "ReLU missing between factors" and f.where.startswith("branch 2, after layer 2")


def test_batchnorm_eps_default() -> None:
    f = first(check_small(lambda c, c7: MyInceptionC(c, c7, eps=1e-5), "inception_c"))
    assert f.what == "BatchNorm eps"
    assert f.where.startswith("branch 1, after layer 1") and "`one.norm`" in f.where
    assert "eps=1e-05" in f.message and "eps=0.001" in f.message


def test_stride_on_the_wrong_convolution() -> None:
    f = first(check_small(lambda c: MyReduction(c, stride_first=True), "reduction_35to17"))
    assert f.what == "stride on the wrong convolution"
    assert f.where.startswith("branch 2, layer 1") and "`deep.0.c`" in f.where
    assert "3×3 convolution" in f.message


def test_missing_batchnorm_on_the_auxiliary_fc() -> None:
    f = first(check(lambda c, n: AuxClassifier(c, n, bn_fc=False), "aux_classifier_bn"))
    assert f.what in ("fully connected layer", "BatchNorm missing"), f
    assert "layer 4" in f.where


def test_a_layer_used_twice() -> None:
    class Shared(MyInceptionE):
        def forward(self, x):  # the 1×3 of branch 2 reused in branch 3
            a, d = self.b3_in(x), self.d_mid(self.d_in(x))
            pool = self.pool_proj(F.avg_pool2d(x, 3, stride=1, padding=1))
            return torch.cat(
                [self.b1(x), self.b3_row(a), self.b3_col(a), self.b3_row(d), self.d_col(d), pool], 1
            )

    f = first(check_small(Shared, "inception_e"))
    assert f.what == "layer used twice" and "b3_row" in f.where


def test_output_difference_found_when_every_layer_matches() -> None:
    class Scrambled(MyInceptionC):
        def forward(self, x):
            return super().forward(x).flip(1).contiguous()  # same layers, channels reversed

    result = check_small(Scrambled, "inception_c")
    assert first(result).what in ("different layer", "extra layer", "outputs differ")


# ---- not written yet, bad input, stable text


def test_not_written_yet_is_friendly() -> None:
    class Stub(nn.Module):
        def __init__(self, in_channels, channels_7x7):
            super().__init__()
            raise NotImplementedError("Write the module of Figure 6 here")

    class StubForward(nn.Module):
        def __init__(self, in_channels, channels_7x7):
            super().__init__()

        def forward(self, x):
            raise NotImplementedError

    for reader in (Stub, StubForward):
        result = check(reader, "inception_c")
        text = repr(result)
        assert result.status == "not written" and not result.passed
        assert "NOT WRITTEN YET" in text and "Traceback" not in text and "1,297,408" in text
    assert "Write the module of Figure 6 here" in repr(check(Stub, "inception_c"))


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match=r"'inception_x'.*inception_c"):
        check(InceptionC, "inception_x")
    with pytest.raises(TypeError, match="int"):
        check_small(3, "inception_c")
    with pytest.raises(TypeError, match="expected an nn.Module"):
        check(lambda c, c7: "not a module", "inception_c")
    with pytest.raises(ValueError, match="in_channels, channels_7x7"):
        check(InceptionC, "inception_c", args=(768,))
    result = check_small(lambda c, c7, extra: None, "inception_c")
    assert "in this order: (in_channels, channels_7x7)" in repr(result)


def test_report_text_is_stable() -> None:
    texts = [
        repr(check_small(lambda c, c7: MyInceptionC(c, c7, pad=(0, 0)), "inception_c")) for _ in range(2)
    ]
    assert texts[0] == texts[1]
    for text in texts + [
        repr(check_small(InceptionA, "inception_a")),
        check_small(InceptionA, "inception_a")._repr_html_(),
    ]:
        assert not re.search(r"0x[0-9a-f]{6,}", text)
        assert not re.search(r"\d\.\d{5,}", text), text  # no float digits that vary between machines


def test_checker_leaves_the_readers_module_alone() -> None:
    model = ConvBNReLU(64, 96, 3, padding=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert check(model, "conv_bn_relu").passed
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert model.conv.weight.dtype == torch.float32


# ---- other mistakes readers make


def test_missing_batchnorm() -> None:
    class NoBN(nn.Module):
        def __init__(self, cin, cout, k, stride, padding):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, k, stride, padding, bias=False)

        def forward(self, x):
            return F.relu(self.conv(x))

    f = first(check(NoBN, "conv_bn_relu", args=(16, 24, 3, 1, 1)))
    assert f.what == "BatchNorm missing" and f.where.startswith("after layer 1")


def test_factors_in_the_wrong_order() -> None:
    f = first(check(lambda c, o, n: AsymmetricConv(c, o, n, first="nx1"), "asymmetric", args=(16, 24, 7)))
    assert f.what == "kernel size" and f.where.startswith("layer 1")
    assert "7×1" in f.message and "1×7" in f.message


def test_forward_error_names_the_layer() -> None:
    class WrongChannels(nn.Module):
        def __init__(self, cin, cout, n):
            super().__init__()
            self.a = ConvBNReLU(cin, cout, (1, n), padding=(0, n // 2))
            self.b = ConvBNReLU(cin, cout, (n, 1), padding=(n // 2, 0))  # should read cout channels

        def forward(self, x):
            return self.b(self.a(x))

    result = check(WrongChannels, "asymmetric", args=(16, 24, 7))
    f = first(result)
    assert f.what == "your forward raised an error" and "`b.conv`" in f.where
    assert "(24, 17, 17)" in f.hint and "16 → 24" in f.hint and "Traceback" not in repr(result)


def test_output_not_computed_from_the_input() -> None:
    class Zeros(nn.Module):
        def __init__(self, cin, cout, n):
            super().__init__()
            self.a = ConvBNReLU(cin, cout, (1, n), padding=(0, n // 2))

        def forward(self, x):
            return torch.zeros(x.shape[0], 2 * self.a.conv.out_channels, *x.shape[2:], dtype=x.dtype)

    f = first(check(Zeros, "split_asymmetric", args=(16, 8, 3)))
    assert f.what == "output" and "not computed from its input" in f.message


# ---- the catalogue: every family of mistakes and every step of the pipeline is planted once


class Chain(nn.Module):
    """A 1×n then n×1 chain (the "asymmetric" reference), with keywords that plant one mistake each."""

    def __init__(self, cin, cout, n, *, drop_first=False, only_first=False, extra_relu=False, affine=True,
                 act="relu", dilation=1, split=False, dropout=False):
        super().__init__()
        self.a = Unit(cin, cout, (1, n), padding=(0, n // 2))
        self.b = Unit(cin if drop_first else cout, cout, (n, 1), padding=(n // 2, 0))
        if not affine:
            self.b.norm = nn.BatchNorm2d(cout, eps=1e-3, affine=False)
        if dilation != 1:
            self.a.c = nn.Conv2d(cin, cout, (1, n), padding=(0, n // 2), dilation=dilation, bias=False)
        self.drop_first, self.only_first, self.extra_relu = drop_first, only_first, extra_relu
        self.act, self.split, self.dropout = act, split, dropout

    def forward(self, x):
        if self.split:
            return torch.cat([self.a(x), self.b(x)], 1)
        if self.act != "relu":
            self.a.relu = False
            x = torch.sigmoid(self.a(x))
        elif not self.drop_first:
            x = self.a(x)
        if self.only_first:
            return x
        x = self.b(x)
        x = F.dropout(x, 0.5, training=True) if self.dropout else x  # not a layer: the outputs change
        return F.relu(x) if self.extra_relu else x


class Split(nn.Module):
    """1×n ‖ n×1 (the "split_asymmetric" reference), joined as ``join`` says."""

    def __init__(self, cin, cout, n, join="cat"):
        super().__init__()
        self.a = Unit(cin, cout, (1, n), padding=(0, n // 2))
        self.b = Unit(cin, cout, (n, 1), padding=(n // 2, 0))
        self.join = join

    def forward(self, x):
        if self.join == "dim0":
            return torch.cat([self.a(x), self.b(x)], 0)
        if self.join == "stack":
            return torch.stack([self.a(x), self.b(x)], 1).flatten(1, 2)
        if self.join == "pool":
            return torch.cat([self.a(x), F.max_pool2d(x, 3, 1, 1)[:, : self.a.c.out_channels]], 1)
        return {"out": torch.cat([self.a(x), self.b(x)], 1)}  # "dict": not a tensor


class BranchesOfA(MyInceptionA):
    """Figure 5 with a branch left out, only one branch, or an unused layer."""

    def __init__(self, cin, pool_features, mode):
        super().__init__(cin, pool_features)
        self.mode, self.unused = mode, nn.Linear(3, 3)

    def forward(self, x):
        if self.mode == "three":
            return torch.cat([self.b1(x), self.b5(x), self.b3(x)], 1)
        if self.mode == "chain":
            return self.b3(x)
        return super().forward(x)


class ConvUnit(nn.Module):
    """The conv-BN-ReLU unit with one more output channel, or without its BatchNorm."""

    def __init__(self, cin, cout, k, stride, padding, *, wider=False, batchnorm=True):
        super().__init__()
        self.c = Unit(cin, cout + wider, k, stride, padding)
        self.batchnorm = batchnorm

    def forward(self, x):
        return self.c(x) if self.batchnorm else F.relu(self.c.c(x))


SC, SA, SE, SR = (SMALL[n] for n in ("inception_c", "inception_a", "inception_e", "reduction_35to17"))

# family: (its name in the report, reference, args, the reader that makes the mistake). Adding a mistake to
# the catalogue adds a row here.
PLANTED = {
    "conv_padding": ("1×n / n×1 padding", "inception_c", SC, lambda c, c7: MyInceptionC(c, c7, pad=(0, 0))),
    "conv_bias": ("conv bias before BatchNorm", "inception_c", SC,
                  lambda c, c7: MyInceptionC(c, c7, bias=True)),
    "conv_stride": ("stride on the wrong convolution", "reduction_35to17", SR,
                    lambda c: MyReduction(c, stride_first=True)),
    "conv_kernel": ("kernel size", "asymmetric", (16, 24, 7),
                    lambda c, o, n: AsymmetricConv(c, o, n, first="nx1")),
    "conv_channels": ("channels", "conv_bn_relu", (8, 8, 3, 1, 1), lambda *a: ConvUnit(*a, wider=True)),
    "batchnorm_eps": ("BatchNorm eps", "inception_c", SC, lambda c, c7: MyInceptionC(c, c7, eps=1e-5)),
    "batchnorm_other": ("BatchNorm", "asymmetric", (16, 24, 7), lambda c, o, n: Chain(c, o, n, affine=False)),
    "pooling_type": ("average vs max pooling", "inception_a", SA,
                     lambda c, p: MyInceptionA(c, p, pool="max")),
    "pooling_padding_counted": ("average pooling padding", "inception_a", SA,
                                lambda c, p: MyInceptionA(c, p, count_include_pad=False)),
    "pooling_other": ("pooling padding", "inception_a", SA, lambda c, p: MyInceptionA(c, p, pool_padding=0)),
    "activation": ("activation", "asymmetric", (16, 24, 7), lambda c, o, n: Chain(c, o, n, act="sigmoid")),
    "fully_connected": ("fully connected layer", "aux_classifier_bn", (64, 10),
                        lambda c, n: AuxClassifier(c, n)),
    "different_operation": ("different operation", "asymmetric", (16, 24, 7),
                            lambda c, o, n: Chain(c, o, n, dilation=2)),
    "missing_reduction": ("missing 1×1 reduction", "inception_c", SC,
                          lambda c, c7: MyInceptionC(c, c7, reduce=False)),
    "missing_relu": ("ReLU missing between factors", "asymmetric", (16, 24, 7),
                     lambda c, o, n: AsymmetricConv(c, o, n, relu_between=False)),
    "missing_batchnorm": ("BatchNorm missing", "conv_bn_relu", (16, 24, 3, 1, 1),
                          lambda *a: ConvUnit(*a, batchnorm=False)),
    "missing_at_the_end": ("missing layers at the end", "asymmetric", (16, 24, 7),
                           lambda c, o, n: Chain(c, o, n, only_first=True)),
    "missing_layer": ("missing layer", "asymmetric", (16, 24, 7),
                      lambda c, o, n: Chain(c, o, n, drop_first=True)),
    "extra_mistake": ("extra layer", "asymmetric", (16, 24, 7),
                      lambda c, o, n: Chain(c, o, n, extra_relu=True)),
    "split_not_concatenated": ("1×3 ‖ 3×1 outputs not concatenated", "inception_e", SE,
                               lambda c: MyInceptionE(c, "stack")),
    "missing_branches": ("missing branches", "inception_a", SA, lambda c, p: BranchesOfA(c, p, "chain")),
    "extra_branches": ("extra branches", "asymmetric", (16, 16, 3),
                       lambda c, o, n: Chain(c, o, n, split=True)),
    "different_layer": ("different layer", "split_asymmetric", (16, 8, 3),
                        lambda c, o, n: Split(c, o, n, "pool")),
    "combined_differently": ("branches combined differently", "split_asymmetric", (16, 8, 3),
                             lambda c, o, n: Split(c, o, n, "stack")),
    "added_instead_of_concatenated": ("branches added instead of concatenated", "inception_e", SE,
                                      lambda c: MyInceptionE(c, "add")),
    "concatenation_dimension": ("concatenation dimension", "split_asymmetric", (16, 8, 3),
                                lambda c, o, n: Split(c, o, n, "dim0")),
    "number_of_branches": ("number of branches", "inception_a", SA, lambda c, p: BranchesOfA(c, p, "three")),
    "concatenation_order": ("concatenation order", "inception_c", SC,
                            lambda c, c7: MyInceptionC(c, c7, order=(1, 0, 2, 3))),
    # the pipeline's steps after the structure (the others: STEPS_PLANTED_ABOVE)
    "_not_a_tensor": ("output", "split_asymmetric", (16, 8, 3), lambda c, o, n: Split(c, o, n, "dict")),
    "_parameter_count": ("parameter count", "inception_a", SA, lambda c, p: BranchesOfA(c, p, "all")),
    "_outputs_differ": ("outputs differ", "asymmetric", (16, 24, 7),
                        lambda c, o, n: Chain(c, o, n, dropout=True)),
}
# Steps planted by the tests above (test_forward_error_names_the_layer, test_a_layer_used_twice,
# test_output_not_computed_from_the_input); the structure step by every family of the catalogue.
STEPS_PLANTED_ABOVE = {"_structure_differs", "_forward_failed", "_not_from_input", "_layer_used_twice"}


@pytest.mark.parametrize("family", sorted(PLANTED))
def test_each_mistake_of_the_catalogue_is_named(family: str) -> None:
    what, name, args, reader = PLANTED[family]
    result = check(reader, name, args=args)
    f = first(result)
    assert f.what == what, repr(result)
    assert f.message.endswith(".") and (not f.hint or f.hint.endswith(".")), repr(result)
    assert "Traceback" not in repr(result) and "0x" not in repr(result)


def test_every_family_and_step_is_planted() -> None:
    catalogue = [*ATTRIBUTE_MISTAKES.values(), *MISSING_MISTAKES, *REPLACED_MISTAKES, *JOIN_MISTAKES]
    names = {f.__name__ for f in catalogue} | {"extra_mistake", "different_operation"}
    steps = {s.__name__ for s in STEPS} - STEPS_PLANTED_ABOVE
    assert set(PLANTED) == names | steps


def test_a_family_is_chosen_by_kind_and_attribute() -> None:
    conv = Op(0, "conv", {"kernel": (1, 7), "stride": (1, 1), "padding": (0, 3), "in": 8, "out": 8}, [], "")
    other = Op(1, "conv", {**conv.attrs, "padding": (0, 0)}, [], "c")
    assert attribute_mistake(Mismatch("padding", conv, other, "layer 1")).what == "1×n / n×1 padding"
    assert attribute_mistake(Mismatch("in", conv, other, "layer 1")).what == "channels"
    assert attribute_mistake(Mismatch("dilation", conv, other, "layer 1")).what == "different operation"
    bn = Op(2, "bn", {"channels": 8, "eps": 1e-3, "affine": True}, [], "")
    assert attribute_mistake(Mismatch("affine", bn, bn, "here")).what == "BatchNorm"  # by kind alone


def test_alignment_pairs_layers_of_a_kind_and_names_the_gaps() -> None:
    def conv(k):
        return Op(0, "conv", {"kernel": k}, [], "")

    relu = Op(0, "act", {"name": "relu"}, [], "")
    # the 1×7 pairs with the 7×1 (reported as a kernel size), not a deletion and an insertion
    assert align([conv((1, 7)), relu], [conv((7, 1)), relu]) == [("pair", 0, 0), ("pair", 1, 1)]
    # a missing layer is a deletion before the layer that follows it
    assert align([conv((1, 1)), conv((3, 3))], [conv((3, 3))]) == [("delete", 0, 0), ("pair", 1, 0)]
    # layers of different kinds never pair
    pool = Op(0, "pool", {"kernel": (3, 3), "type": "max"}, [], "")
    assert [s[0] for s in align([conv((3, 3))], [pool])] == ["delete", "insert"]


def test_the_reference_table() -> None:
    for name, spec in REFERENCES.items():
        assert spec.name == name and len(spec.arg_names) == len(spec.args)
        channels = spec.input_shape(spec.args)[0]
        assert channels == (spec.args[0] if spec.args else 3)
    assert REFERENCES["inception_c"].call((768, 128)) == "in_channels=768, channels_7x7=128"
    assert REFERENCES["inception_v3"].input_shape(()) == (3, 299, 299)


def test_functional_calls_are_recorded_like_modules() -> None:
    x = torch.randn(1, 4, 9, 9)
    weight = torch.randn(6, 4, 3, 3)
    _, attrs, _ = describe("conv2d", (x, weight), {"padding": "same"}, x)
    assert attrs["padding"] == (1, 1) and attrs["kernel"] == (3, 3) and attrs["bias"] is False
    assert describe("adaptive_avg_pool2d", (x, 9), {}, x) is None  # pooling a map to its own size
    assert describe("adaptive_avg_pool2d", (x, 1), {}, x)[0] == "gpool"
    assert describe("mean", (x, (2, 3)), {}, x)[0] == "gpool"
    assert describe("reshape", (x, (1, -1)), {}, x) is None

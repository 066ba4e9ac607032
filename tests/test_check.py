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
                 eps=1e-3, relu_between=True):  # fmt: skip
        super().__init__()
        self.order, self.pool = order, pool
        self.p_proj = Unit(cin, 192, 1, bias=bias, eps=eps)
        self.dbl = nn.Sequential(
            Unit(cin, c7, 1), Unit(c7, c7, (7, 1), padding=(3, 0)), Unit(c7, c7, (1, 7), padding=(0, 3)),
            Unit(c7, c7, (7, 1), padding=(3, 0)), Unit(c7, 192, (1, 7), padding=(0, 3)),
        )  # fmt: skip
        first = [Unit(cin, c7, 1)] if reduce else []
        self.b7 = nn.Sequential(
            *first, Unit(c7 if reduce else cin, c7, (1, 7), padding=pad, relu=relu_between),
            Unit(c7, 192, (7, 1), padding=(3, 0)),
        )  # fmt: skip
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
                     else nn.MaxPool2d(3, 1, pool_padding))  # fmt: skip
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
)  # fmt: skip
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

"""check_claim and show_source: the helpers every chapter uses for claims and code listings."""

import numpy as np
import pytest
import torch

from inception_lib.blocks import InceptionA
from inception_lib.notebook import ClaimFailed, check_claim, show_source


def test_claim_that_holds_prints_one_line_without_the_value(capsys):
    check_claim("accuracy rises above 0.9", 0.9731, above=0.9)
    assert capsys.readouterr().out == "claim holds: accuracy rises above 0.9 (value > 0.9)\n"


def test_claim_with_tolerance_and_numpy_or_tensor_values(capsys):
    check_claim("close to one", np.float32(1.02), near=1.0, tol=0.05)
    check_claim("negative", torch.tensor(-0.5), below=0)
    out = capsys.readouterr().out.splitlines()
    assert out == ["claim holds: close to one (value within 0.05 of 1)", "claim holds: negative (value < 0)"]


def test_failing_claim_names_value_and_bound():
    with pytest.raises(ClaimFailed, match=r"accuracy rises above 0.9: got 0.5, required value > 0.9"):
        check_claim("accuracy rises above 0.9", 0.5, above=0.9)
    with pytest.raises(ClaimFailed, match="within 0.1 of 2"):
        check_claim("near two", 2.5, near=2, tol=0.1)


def test_nan_never_satisfies_a_claim():
    with pytest.raises(ClaimFailed, match="nan"):
        check_claim("loss falls", float("nan"), below=1.0)


def test_bool_claims(capsys):
    check_claim("every seed agrees", True)
    assert capsys.readouterr().out == "claim holds: every seed agrees\n"
    with pytest.raises(ClaimFailed, match="every seed agrees"):
        check_claim("every seed agrees", False)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "needs a bound"),
        ({"near": 1.0}, "near and tol go together"),
        ({"near": 1.0, "tol": -1}, "tol must be >= 0"),
    ],
)
def test_claim_misuse_is_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_claim("x", 1.0, **kwargs)


def test_claim_rejects_non_numbers():
    with pytest.raises(TypeError, match="number or a bool"):
        check_claim("x", "0.9", above=0.5)


def test_show_source_is_the_library_code():
    listing = show_source(InceptionA).data
    assert listing.startswith("```python\n# inception_lib.blocks.InceptionA\nclass InceptionA(")
    assert listing.endswith("\n```")
    methods = show_source(InceptionA, members=["forward"]).data
    assert "def forward(self" in methods and "def __init__" not in methods


def test_show_source_rejects_unknown_members():
    with pytest.raises(ValueError, match="defines no"):
        show_source(InceptionA, members=["backward"])

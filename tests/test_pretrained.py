"""pretrained.py: preprocessing equal to torchvision's, top-k names, and the offline guard (no network)."""

import time

import numpy as np
import pytest
import torch
from torchvision.models import Inception_V3_Weights
from torchvision.models import inception_v3 as torchvision_inception_v3

from inception_lib import pretrained
from inception_lib.network import inception_v3
from inception_lib.pretrained import (
    OFFLINE_ENV,
    categories,
    classify_sample,
    load_state_dict,
    load_torchvision_weights,
    preprocess,
    pretrained_inception_v3,
    top_k,
    weights_available,
)


def _photo(h: int = 240, w: int = 320) -> np.ndarray:
    """A synthetic 8-bit RGB 'photo': smooth gradients plus noise."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx / w, yy / h, (xx + yy) / (h + w)], axis=-1) * 200
    return np.clip(base + rng.normal(0, 20, (h, w, 3)), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def reference():
    """torchvision's Inception3 as the ImageNet weights configure it (transform_input on), random weights."""
    torch.manual_seed(0)
    model = torchvision_inception_v3(weights=None, aux_logits=True, init_weights=False, transform_input=True)
    return model.eval()


@pytest.fixture(scope="module")
def saved_state_dict(reference, tmp_path_factory):
    """A state dict in torchvision's format, saved locally the way torch hub stores the real one."""
    path = tmp_path_factory.mktemp("hub") / "inception_v3_google.pth"
    torch.save(reference.state_dict(), path)
    return path


def test_preprocess_feeds_the_same_numbers_as_torchvisions_transform_and_transform_input(
    reference, saved_state_dict
):
    photo = _photo()
    ours = pretrained_inception_v3(load_state_dict(saved_state_dict))
    assert not ours.training
    x = preprocess(photo)
    assert x.shape == (1, 3, 299, 299) and x.dtype == torch.float32
    assert -1.0 <= float(x.min()) and float(x.max()) <= 1.0
    theirs = Inception_V3_Weights.IMAGENET1K_V1.transforms()(torch.from_numpy(photo).permute(2, 0, 1))[None]
    seen = []
    handle = reference.Conv2d_1a_3x3.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    try:
        with torch.no_grad():
            expected = reference(theirs)
    finally:
        handle.remove()
    # The same numbers reach the first convolution: torchvision's transform_input undoes its
    # normalisation into [-1, 1], which preprocess produces directly.
    assert torch.allclose(x, seen[0], atol=1e-5)
    assert not torch.allclose(theirs, seen[0], atol=1e-2)
    with torch.no_grad():
        assert torch.allclose(ours(x), expected, rtol=1e-4, atol=1e-5 * float(expected.abs().max()))


def test_preprocess_accepts_tensors_and_pil_and_rejects_bad_images():
    photo = _photo(300, 200)
    from_tensor = preprocess(torch.from_numpy(photo).permute(2, 0, 1))
    assert torch.equal(from_tensor, preprocess(photo))
    from PIL import Image

    assert torch.equal(preprocess(Image.fromarray(photo)), preprocess(photo))
    with pytest.raises(ValueError, match="uint8"):
        preprocess(photo.astype(np.float32))
    with pytest.raises(ValueError, match="H, W, 3"):
        preprocess(photo[..., 0])
    with pytest.raises(ValueError, match="PIL image"):
        preprocess([1, 2, 3])
    with pytest.raises(ValueError, match="crop"):
        preprocess(photo, resize=200, crop=299)


def test_top_k_names_and_orders_classes(saved_state_dict):
    names = categories()
    assert len(names) == 1000 and names[281] == "tabby"
    model = pretrained_inception_v3(load_state_dict(saved_state_dict))
    predictions = top_k(model, preprocess(_photo()), k=3)
    assert len(predictions) == 3
    probs = [p.probability for p in predictions]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1
    assert all(p.name == names[p.index] for p in predictions)
    with pytest.raises(ValueError, match="k must be"):
        top_k(model, preprocess(_photo()), k=0)
    with pytest.raises(ValueError, match="batch of one image"):
        top_k(model, torch.zeros(2, 3, 299, 299))
    with pytest.raises(ValueError, match="1000 classes"):
        top_k(inception_v3(num_classes=10), preprocess(_photo()))


def test_offline_guard_is_quick_and_silent(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))  # no cached checkpoint
    monkeypatch.setenv(OFFLINE_ENV, "1")

    def no_network(*args, **kwargs):
        raise AssertionError("the offline guard must not touch the network")

    monkeypatch.setattr(pretrained.socket, "create_connection", no_network)
    start = time.monotonic()
    available, reason = weights_available()
    assert not available and OFFLINE_ENV in reason
    assert classify_sample() is None
    assert time.monotonic() - start < 1.0
    out = capsys.readouterr()
    assert out.err == ""
    assert "Run online, e.g. in Colab" in out.out and "load_torchvision_weights" in out.out


def test_guard_gives_up_on_an_unreachable_host_within_its_timeout(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.delenv(OFFLINE_ENV, raising=False)

    def hangs(*args, **kwargs):
        time.sleep(5)
        raise OSError("unreachable")

    monkeypatch.setattr(pretrained.socket, "create_connection", hangs)
    start = time.monotonic()
    assert weights_available(timeout=0.3) == (False, pretrained.weights_available(timeout=0.0)[1])
    assert time.monotonic() - start < 2.0


def test_a_cached_checkpoint_counts_as_available_without_network(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.delenv(OFFLINE_ENV, raising=False)
    monkeypatch.setattr(pretrained.socket, "create_connection", lambda *a, **k: pytest.fail("network used"))
    path = pretrained.cached_weights_path()
    assert path.name.endswith(".pth") and path.parent == tmp_path / "checkpoints"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    assert weights_available()[0]


def test_classify_sample_with_a_local_state_dict_and_a_photo(monkeypatch, capsys, saved_state_dict):
    monkeypatch.setattr(pretrained, "sample_photo", lambda: (_photo(), "synthetic photo"))
    predictions = classify_sample(k=2, state_dict=load_state_dict(saved_state_dict))
    assert len(predictions) == 2
    out = capsys.readouterr()
    assert out.err == "" and "synthetic photo, top 2 ImageNet classes:" in out.out
    assert predictions[0].name in out.out


def test_classify_sample_explains_a_missing_photo(monkeypatch, capsys, saved_state_dict):
    monkeypatch.setattr(pretrained, "sample_photo", lambda: (None, "scikit-image is not installed"))
    assert classify_sample(state_dict=load_state_dict(saved_state_dict)) is None
    assert "scikit-image is not installed" in capsys.readouterr().out


def test_loaded_weights_are_torchvisions(saved_state_dict, reference):
    ours = load_torchvision_weights(inception_v3(), load_state_dict(saved_state_dict))
    assert torch.equal(ours.conv_1a_3x3.conv.weight, reference.Conv2d_1a_3x3.conv.weight)
    assert torch.equal(ours.fc.bias, reference.fc.bias)

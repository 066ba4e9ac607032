"""torchvision's ImageNet weights in the book's own network, and a photo classified with them (chapter 4).

The weights are Google's, ported by torchvision (``Inception_V3_Weights.IMAGENET1K_V1``: 77.29% top-1).
``load_torchvision_weights`` copies them (or any torchvision ``Inception3`` state_dict) into
``inception_v3()`` tensor by tensor; this module adds what a photo needs on the way in and the class names
on the way out:

* ``preprocess``: resize the shorter side to 342, centre-crop 299 (torchvision's evaluation transform
  for these weights), scale to [-1, 1]. torchvision normalises with ImageNet's mean and std and then, with
  these weights, its model's ``transform_input`` maps the result back to (x - 0.5) / 0.5, the [-1, 1]
  convention Google trained with. Our network has no ``transform_input``, so we feed [-1, 1] directly:
  the same numbers reach the first convolution.
* ``top_k``: the k most probable ImageNet classes with their names (from the weights' metadata, which
  ships inside torchvision: no download).
* ``classify_sample``: the chapter's demo. It needs the weights (about 104 MB, downloaded once into
  torch hub's cache) and a photo from scikit-image's bundled samples.

Offline policy (what CI and an offline reader get): nothing here blocks or raises when the weights cannot
be had. ``weights_available`` answers, quickly and silently, in this order: the environment variable
``INCEPTION_BOOK_OFFLINE`` (any value but "" or "0") means offline, nothing is tried; a checkpoint already
in torch hub's cache is used; otherwise a TCP connection to the download host is attempted in a
background thread that is given ``timeout`` seconds (2 by default; name resolution included), so a
machine without network answers in at most that long instead of hanging on a download.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import torch

from .anatomy import eval_mode
from .network import InceptionV3, inception_v3

__all__ = [
    "OFFLINE_ENV",
    "RESIZE",
    "CROP",
    "Prediction",
    "load_torchvision_weights",
    "weights_url",
    "categories",
    "cached_weights_path",
    "weights_available",
    "preprocess",
    "top_k",
    "load_state_dict",
    "pretrained_inception_v3",
    "sample_photo",
    "classify_sample",
]

OFFLINE_ENV = "INCEPTION_BOOK_OFFLINE"
RESIZE, CROP = 342, 299  # torchvision's evaluation transform for Inception_V3_Weights.IMAGENET1K_V1


def _weights():
    from torchvision.models import Inception_V3_Weights

    return Inception_V3_Weights.IMAGENET1K_V1


def weights_url() -> str:
    """Where torchvision downloads the ImageNet weights of Inception-v3 from."""
    return _weights().url


def categories() -> list[str]:
    """The 1,000 ImageNet class names, in the order of the network's outputs (from torchvision's metadata)."""
    return list(_weights().meta["categories"])


def cached_weights_path() -> Path:
    """Where torch hub keeps the downloaded checkpoint (it may not exist)."""
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(weights_url()).path).name


def _offline_by_env() -> bool:
    return os.environ.get(OFFLINE_ENV, "") not in ("", "0")


def _can_connect(host: str, port: int, timeout: float) -> bool:
    """Try a TCP connection in a daemon thread; give up after ``timeout`` s, DNS lookup included."""
    result: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def weights_available(timeout: float = 2.0) -> tuple[bool, str]:
    """Can the weights be had here? Returns (answer, reason in words). Never raises, never downloads."""
    if _offline_by_env():
        return False, f"{OFFLINE_ENV} is set, so nothing is downloaded"
    if cached_weights_path().is_file():
        return True, "the checkpoint is in torch hub's cache"
    host = urlparse(weights_url()).hostname or ""
    if _can_connect(host, 443, timeout):
        return True, f"{host} is reachable"
    return False, f"no connection to {host} and no cached checkpoint"


def _as_uint8_chw(image: Any) -> torch.Tensor:
    """A photo as a (3, H, W) uint8 tensor: from a PIL image, an (H, W, 3) array or a (3, H, W) tensor."""
    if hasattr(image, "convert") and hasattr(image, "size"):  # a PIL image
        image = np.asarray(image.convert("RGB"))
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an (H, W, 3) RGB array, got shape {image.shape}")
        if image.dtype != np.uint8:
            raise ValueError(f"expected an 8-bit image (dtype uint8), got {image.dtype}")
        return torch.from_numpy(np.array(image, copy=True)).permute(2, 0, 1)  # a writable copy
    if isinstance(image, torch.Tensor):
        if image.dim() != 3 or image.shape[0] != 3:
            raise ValueError(f"expected a (3, H, W) image tensor, got shape {tuple(image.shape)}")
        if image.dtype != torch.uint8:
            raise ValueError(f"expected an 8-bit image tensor (torch.uint8), got {image.dtype}")
        return image
    raise ValueError(
        "expected a PIL image, an (H, W, 3) uint8 array or a (3, H, W) uint8 tensor, "
        f"got {type(image).__name__}"
    )


def preprocess(image: Any, resize: int = RESIZE, crop: int = CROP) -> torch.Tensor:
    """An 8-bit RGB photo -> a (1, 3, crop, crop) float32 batch in [-1, 1], ready for the network.

    Shorter side resized to ``resize`` (bilinear, antialiased, with torchvision's own resize so the pixels
    are the ones its transform makes), centre crop ``crop``×``crop``, then (x / 255 - 0.5) / 0.5: what
    torchvision's transform plus its model's ``transform_input`` feed the first convolution.
    """
    if not 0 < crop <= resize:
        raise ValueError(f"need 0 < crop <= resize, got crop={crop}, resize={resize}")
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms import functional as TF

    x = _as_uint8_chw(image)
    x = TF.resize(x, [resize], interpolation=InterpolationMode.BILINEAR, antialias=True)
    x = TF.center_crop(x, [crop, crop])
    return ((x.float() / 255.0 - 0.5) / 0.5).unsqueeze(0)


@dataclass(frozen=True)
class Prediction:
    """One of the network's top classes for an image."""

    index: int
    name: str
    probability: float


def top_k(model: torch.nn.Module, batch: torch.Tensor, k: int = 5) -> list[Prediction]:
    """The ``k`` most probable ImageNet classes for the single image in ``batch`` (eval mode, no grad)."""
    if batch.dim() != 4 or batch.shape[0] != 1:
        raise ValueError(f"expected a batch of one image (1, 3, H, W), got shape {tuple(batch.shape)}")
    names = categories()
    if not 1 <= k <= len(names):
        raise ValueError(f"k must be between 1 and {len(names)}, got {k}")
    with eval_mode(model), torch.no_grad():
        probabilities = torch.softmax(model(batch).double(), dim=1)[0]
    if probabilities.numel() != len(names):
        raise ValueError(f"the model has {probabilities.numel()} outputs, ImageNet has {len(names)} classes")
    values, indices = probabilities.topk(k)
    return [Prediction(int(i), names[int(i)], float(v)) for v, i in zip(values, indices, strict=True)]


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


def load_state_dict(path: str | os.PathLike | None = None) -> Mapping[str, torch.Tensor]:
    """torchvision's Inception3 ImageNet state dict: from ``path`` if given, else torch hub (downloads once).

    Call ``weights_available()`` first when the network may be missing. The download's progress lines are
    kept off stderr.
    """
    if path is not None:
        return torch.load(path, map_location="cpu", weights_only=True)
    with contextlib.redirect_stderr(io.StringIO()):
        return _weights().get_state_dict(progress=False, check_hash=False)


def pretrained_inception_v3(state_dict: Mapping[str, torch.Tensor] | None = None) -> InceptionV3:
    """The book's ``inception_v3()`` with torchvision's ImageNet weights (or ``state_dict``), in eval mode."""
    weights = load_state_dict() if state_dict is None else state_dict
    return load_torchvision_weights(inception_v3(), weights).eval()


def sample_photo() -> tuple[np.ndarray | None, str]:
    """scikit-image's bundled photo of Chelsea the cat, as (H, W, 3) uint8, and its name.

    Returns ``(None, reason)`` where scikit-image is not installed (Colab has it).
    """
    try:
        from skimage import data
    except ImportError:
        return None, "scikit-image is not installed (pip install scikit-image)"
    return data.chelsea(), "skimage.data.chelsea()"


def classify_sample(
    k: int = 5, state_dict: Mapping[str, torch.Tensor] | None = None, timeout: float = 2.0
) -> list[Prediction] | None:
    """The chapter's demo: classify a sample photo with ImageNet weights in the book's own network.

    Prints the top ``k`` classes and returns them. Where the weights or the photo cannot be had (offline,
    as in CI, or without scikit-image), prints what it would do and returns None: no traceback, nothing
    on stderr. ``state_dict`` skips the download (tests pass a local one).
    """
    photo, photo_name = sample_photo()
    if state_dict is None:
        available, reason = weights_available(timeout)
    else:
        available, reason = True, "a state dict was given"
    if photo is None or not available:
        missing = reason if not available else photo_name
        print(
            f"Skipped here ({missing}). Run online, e.g. in Colab, to see the predictions: this cell then "
            f"downloads torchvision's Inception_V3_Weights.IMAGENET1K_V1 once, copies every tensor into "
            f"inception_v3() with load_torchvision_weights, resizes a photo from scikit-image's samples "
            f"to {RESIZE} px, crops {CROP}×{CROP}, scales it to [-1, 1] and prints the top {k} ImageNet "
            f"classes."
        )
        return None
    try:
        model = pretrained_inception_v3(state_dict)
    except Exception as error:  # a failed download must not end the chapter
        print(f"Skipped: the weights could not be loaded ({type(error).__name__}: {error}).")
        return None
    predictions = top_k(model, preprocess(photo), k)
    print(f"{photo_name}, top {k} ImageNet classes:")
    for p in predictions:
        print(f"  {p.probability:6.1%}  {p.name} (class {p.index})")
    return predictions

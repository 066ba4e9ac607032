"""Every setting of a training run, defined once: the dataclass, its validation and the command line.

Each field of :class:`TrainConfig` carries in its metadata its help text, choices, command-line group, its
check (what values are allowed, in code and in words) and whether a resumed run must keep it (``_key``
fields: :data:`TRAJECTORY_KEYS`). :meth:`TrainConfig.validate` is one loop over the checks (then the few
rules that join two fields); :func:`build_parser` builds ``python -m inception_lib.train``'s options from
the fields and :func:`config_from_args` maps parsed options back, refusing any name that is not a field
(so a flag can neither be forgotten nor silently dropped).

Defaults are the book's recipe (``recipe.BOOK_RECIPE``): the paper's (``recipe.PAPER_RECIPE``: label
smoothing 0.1, auxiliary loss 0.4, lr decay 0.94 every two epochs, clipping threshold 2.0, weight decay
4e-5) with the three changes that make a freshly initialised network learn in a short run: Adam at lr 1e-3
instead of RMSProp(eps 1.0) at 0.045, clipping per tensor (TF-slim's meaning) instead of the global norm,
and TF-slim's dropout 0.2 (keep 0.8). Why: ``inception_lib.recipe``, "Gradient clipping: the paper, the
released code, the book's choice". The paper's settings are one command line away:
``--optimizer rmsprop-tf --lr 0.045 --clip-scope global --dropout 0.5``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from ..data import DATASETS
from ..network import MIN_INPUT_SIZE
from ..recipe import BOOK_RECIPE, CLIP_SCOPES, PAPER_RECIPE

__all__ = ["MODELS", "OPTIMIZERS", "TrainConfig", "TRAJECTORY_KEYS", "ConfigError", "build_parser",
           "config_from_args"]

MODELS = ("inception_v3", "tiny", "tiny_bn", "googlenet")
OPTIMIZERS = ("adam", "rmsprop-tf", "rmsprop-torch", "sgd")
DEVICES = ("auto", "cpu", "cuda")
AMP_MODES = ("auto", "off", "bf16", "fp16")
SWITCHES = ("auto", "on", "off")
MIN_IMAGE_SIZE = {"inception_v3": MIN_INPUT_SIZE, "tiny": 16, "tiny_bn": 16, "googlenet": 32}
LOG_EVERY_AUTO = {"cpu": 1, "cuda": 50}  # the CPU reads every step anyway; a GPU should not wait for it


class ConfigError(ValueError):
    """A bad setting; ``field`` names it (the command line turns it into ``--field-name``)."""

    def __init__(self, name: str, value: Any, allowed: str) -> None:
        super().__init__(f"{name}={value!r} is not allowed: {allowed}")
        self.field = name


Check = tuple[Callable[[Any], bool], str]  # (is a value allowed?, what is allowed, in words)


def _is_int(value: Any, minimum: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and value >= minimum


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def _int_from(minimum: int) -> Check:
    return (lambda v: _is_int(v, minimum)), f"must be an integer >= {minimum}"


def _auto_or_int_from(minimum: int) -> Check:
    return (lambda v: v == "auto" or _is_int(v, minimum)), f"must be 'auto' or an integer >= {minimum}"


def _number(ok: Callable[[float], bool], allowed: str) -> Check:
    return (lambda v: _is_number(v) and ok(v)), allowed


_COUNT, _COUNT0 = _int_from(1), _int_from(0)
_STEP_LIMIT: Check = (lambda v: v is None or _is_int(v, 1)), "must be an integer >= 1, or None for no limit"
_TIME_LIMIT: Check = (
    (lambda v: v is None or (_is_number(v) and v > 0)), "must be a positive number, or None for no limit"
)
_FRACTION = _number(lambda v: 0 <= v < 1, "must be in [0, 1)")
_NON_NEGATIVE = _number(lambda v: v >= 0, "must be >= 0")


def _opt(default: Any, help: str, group: str, check: Check | None = None, **meta: Any) -> Any:
    """A dataclass field whose metadata describes its command-line option and its ``check`` (choices give
    their own): :meth:`TrainConfig.validate` applies every field's check."""
    if check is None and "choices" in meta:
        choices = meta["choices"]
        check = (lambda v: v in choices), f"choose one of {', '.join(choices)}"
    return field(default=default, metadata={"help": help, "group": group, "check": check, **meta})


def _key(default: Any, help: str, group: str, check: Check | None = None, **meta: Any) -> Any:
    """A field that shapes the training trajectory: a resumed run must keep it (:data:`TRAJECTORY_KEYS`)."""
    return _opt(default, help, group, check, trajectory=True, **meta)


@dataclass
class TrainConfig:
    """Everything a training run depends on.

    ``batch_size`` is global (split across processes). ``max_steps`` stops the run early (counted from
    the start of training, not from a resume). ``workers``: DataLoader processes, "auto" = one per CPU core
    up to 8 on CUDA and none on the CPU. ``cache_images``: render the generated dataset once into memory as
    uint8 ("auto": on CUDA, where rendering would otherwise starve the GPU). ``amp``: "auto" (bf16 on CUDA
    where supported, else fp16 with loss scaling; off on CPU). ``threads``: CPU threads for torch during the
    run (0: leave torch's setting). ``debug_nan_step`` makes the loss NaN at that step (1-based), to test
    the failure path.
    """

    # data
    dataset: str = _key("synthetic", "synthetic: generated offline; fashion-mnist: Zalando's photographs "
                        "(Debian's dataset-fashion-mnist, --data-dir or --download); imagenette, cifar10: "
                        "torchvision", "data", choices=DATASETS)
    data_dir: str = _opt("data", "where real datasets live", "data")
    download: bool = _opt(False, "download the dataset if it is missing", "data")
    image_size: int = _key(299, f"square input size; >= {MIN_INPUT_SIZE} for inception_v3", "data",
                           check=_COUNT)
    synthetic_train_size: int = _key(2000, "training images of the generated dataset", "data", check=_COUNT)
    synthetic_val_size: int = _opt(500, "validation images of the generated dataset", "data", check=_COUNT)
    holdout: int = _key(5000, "fashion-mnist: training images held out (always the same) for validation",
                        "data", check=_COUNT)
    train_limit: int | None = _key(None, "fashion-mnist: train on the first N remaining training images only",
                                   "data", check=_STEP_LIMIT, kind="optional_int")
    val_limit: int | None = _opt(None, "fashion-mnist: validate on the first N held-out images only", "data",
                                 check=_STEP_LIMIT, kind="optional_int")
    test_eval: bool = _opt(True, "evaluate the official test set once, at the end (fashion-mnist)", "data",
                           flag="boolean")
    cache_images: str = _opt("auto", "keep rendered generated images in memory (auto: on CUDA)", "data",
                             choices=SWITCHES)
    workers: int | str = _opt("auto", "DataLoader worker processes (auto: up to 8 on CUDA, 0 on CPU)", "data",
                              check=_auto_or_int_from(0), kind="workers")
    threads: int = _opt(0, "CPU threads for torch (0: torch's default)", "data", check=_COUNT0)
    # model
    model: str = _key("inception_v3", "tiny / tiny_bn: a small CNN without / with BatchNorm; googlenet: "
                      "torchvision's GoogLeNet (Inception-v1, no auxiliary heads), a baseline", "model",
                      choices=MODELS)
    no_aux: bool = _key(False, "build no auxiliary classifier", "model")
    bn_aux: bool = _key(False, "batch-normalise the aux FC (Table 3, last row)", "model")
    dropout: float = _key(BOOK_RECIPE["dropout"], "dropout before the final layer", "model", check=_FRACTION)
    sync_bn: bool = _key(False, "SyncBatchNorm across processes (CUDA under torchrun)", "model")
    # recipe (paper sec. 7-8)
    epochs: int = _opt(1, "epochs to train", "recipe", check=_COUNT)
    batch_size: int = _key(32, "GLOBAL batch size, split across processes", "recipe", check=_COUNT)
    max_steps: int | None = _opt(None, "stop after this many steps in total", "recipe", check=_STEP_LIMIT,
                                 kind="optional_int")
    max_minutes: float | None = _opt(None, "stop (evaluate, checkpoint) after this much training time",
                                     "run", check=_TIME_LIMIT, kind="optional_float")
    max_cpu_minutes: float | None = _opt(None, "stop after this much CPU time of this process (fair "
                                         "comparisons on a shared machine)", "run", check=_TIME_LIMIT,
                                         kind="optional_float")
    lr: float = _key(BOOK_RECIPE["lr"], "initial learning rate (the paper's, with rmsprop-tf: 0.045)",
                     "recipe",
                     check=_number(lambda v: math.isfinite(v) and v > 0, "must be a positive number"))
    lr_decay: float = _key(PAPER_RECIPE["lr_decay"], "learning-rate factor per decay period", "recipe",
                           check=_number(lambda v: 0 < v <= 1, "must be in (0, 1]"))
    epochs_per_decay: float = _key(PAPER_RECIPE["epochs_per_decay"], "epochs per decay period", "recipe",
                                   check=_number(lambda v: v > 0, "must be positive"))
    optimizer: str = _key(BOOK_RECIPE["optimizer"], "adam: the book's default (trains from scratch in "
                          "hundreds of steps); rmsprop-tf: the paper's (eps inside the sqrt); rmsprop-torch: "
                          "torch.optim.RMSprop; sgd: momentum SGD", "recipe", choices=OPTIMIZERS)
    momentum: float = _key(PAPER_RECIPE["rmsprop_momentum"], "momentum (Adam's beta1)", "recipe",
                           check=_FRACTION)
    weight_decay: float = _key(PAPER_RECIPE["weight_decay"], "L2 on conv and fc weights", "recipe",
                               check=_NON_NEGATIVE)
    clip_grad_norm: float = _key(PAPER_RECIPE["clip_grad_norm"], "gradient clipping threshold (0: off)",
                                 "recipe",
                                 check=_number(lambda v: v >= 0, "must be >= 0 (0 turns clipping off)"))
    clip_scope: str = _key(BOOK_RECIPE["clip_scope"], "clip each tensor's gradient (TF-slim's "
                           "clip_gradient_norm) or their global norm", "recipe",
                           choices=CLIP_SCOPES)
    label_smoothing: float = _key(PAPER_RECIPE["label_smoothing"], "label smoothing epsilon", "recipe",
                                  check=_FRACTION)
    aux_weight: float = _key(PAPER_RECIPE["aux_weight"], "weight of the auxiliary loss (0: no aux head)",
                             "recipe", check=_NON_NEGATIVE)
    ema: bool = _key(False, "keep a moving average of the weights for evaluation", "recipe")
    ema_decay: float = _key(PAPER_RECIPE["ema_decay"], "decay of the moving average", "recipe",
                            check=_number(lambda v: 0 < v < 1, "must be in (0, 1)"))
    # run
    device: str = _opt("auto", "where to train", "run", choices=DEVICES)
    amp: str = _opt("auto", "mixed precision: auto = bf16 (or fp16 + loss scaling) on CUDA, off on CPU",
                    "run", choices=AMP_MODES)
    channels_last: str = _opt("auto", "channels_last memory format (auto: on CUDA)", "run", choices=SWITCHES)
    compile: bool = _opt(False, "torch.compile the model", "run")
    seed: int = _key(0, "seed of the run (initialisation, data order, augmentation)", "run", check=_COUNT0)
    out: str = _opt("runs/train", "output folder", "run")
    resume: bool = _opt(False, "continue the run in --out from its checkpoint", "run")
    overwrite: bool = _opt(False, "replace a run already in --out", "run")
    checkpoint_every: int = _opt(
        0, "also checkpoint every N steps (0: at epoch ends and the end only)", "run", check=_COUNT0
    )
    log_every: int | str = _opt("auto", "write a training record every N steps (auto: every step on the "
                                f"CPU, every {LOG_EVERY_AUTO['cuda']} on CUDA)", "run",
                                check=_auto_or_int_from(1), kind="auto_int")
    eval_every_epoch: bool = _opt(True, "evaluate at the end of every epoch", "run", flag="boolean")
    verbose: bool = _opt(True, "console lines (metrics.jsonl is written either way)", "run", flag="quiet")
    debug_nan_step: int | None = _opt(None, argparse.SUPPRESS, "run", check=_STEP_LIMIT, kind="optional_int")

    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first bad setting and what is allowed (before any work):
        each field's own check (its metadata), then the rules that join two fields."""
        for f in fields(self):
            check, value = f.metadata["check"], getattr(self, f.name)
            if check is not None and not check[0](value):
                raise ConfigError(f.name, value, check[1])
        if self.dataset != "fashion-mnist":
            for name in ("train_limit", "val_limit"):
                if getattr(self, name) is not None:
                    raise ConfigError(name, getattr(self, name), "only dataset='fashion-mnist' takes it")
        minimum = MIN_IMAGE_SIZE[self.model]
        if self.image_size < minimum:
            allowed = f"{self.model} needs at least {minimum}×{minimum} pixels (the paper trains at 299)"
            raise ConfigError("image_size", self.image_size, allowed)
        if self.model != "inception_v3" and self.bn_aux:
            raise ConfigError(
                "bn_aux", self.bn_aux, "only model='inception_v3' has a BatchNorm-auxiliary option"
            )
        if self.resume and self.overwrite:
            allowed = "resume and overwrite exclude each other: continue a run or start it afresh"
            raise ConfigError("overwrite", self.overwrite, allowed)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """A config from a dict (e.g. a checkpoint's), refusing names that are not fields."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig fields: {', '.join(unknown)}")
        return cls(**values)


# The settings a resumed run must keep, declared on the fields themselves (``trajectory=True``).
TRAJECTORY_KEYS = tuple(f.name for f in fields(TrainConfig) if f.metadata.get("trajectory"))


# --------------------------------------------------------------------------------------------------------
# The command line, built from the fields


def _workers(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or an integer, got {text!r}") from None


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_option(group: argparse._ArgumentGroup, f: Any) -> None:
    meta, default = f.metadata, f.default
    help_text = meta["help"]
    if help_text is not argparse.SUPPRESS and default not in (None, False, True):
        help_text += " (default: %(default)s)"
    if meta.get("flag") == "quiet":  # the field is `verbose`; the option turns it off
        group.add_argument("--quiet", dest=f.name, action="store_false", help=help_text)
    elif meta.get("flag") == "boolean":
        group.add_argument(
            _flag(f.name), action=argparse.BooleanOptionalAction, default=default, help=help_text
        )
    elif isinstance(default, bool):
        group.add_argument(_flag(f.name), action="store_true", help=help_text)
    else:
        kind = meta.get("kind")
        if kind in ("workers", "auto_int"):
            convert: Any = _workers
        elif kind == "optional_int":
            convert = int
        elif kind == "optional_float":
            convert = float
        else:
            convert = type(default)
        group.add_argument(_flag(f.name), type=convert, default=default, choices=meta.get("choices"),
                           help=help_text)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m inception_lib.train``: one option per :class:`TrainConfig` field."""
    p = argparse.ArgumentParser(
        prog="python -m inception_lib.train",
        description="Train Inception-v3 with the recipe of Szegedy et al. (2016), sec. 7-8. Under torchrun "
        "the same command uses DistributedDataParallel (--batch-size stays global).",
    )
    titles = {"data": "data", "model": "model", "recipe": "recipe (paper sec. 7-8; see inception_lib.recipe)",
              "run": "run"}
    groups = {key: p.add_argument_group(title) for key, title in titles.items()}
    for f in fields(TrainConfig):
        if f.default is MISSING:  # pragma: no cover - every field has a default
            raise TypeError(f"TrainConfig.{f.name} needs a default")
        _add_option(groups[f.metadata["group"]], f)
    return p


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The config of parsed options: every field must be present and nothing else (no silent skips)."""
    values = vars(args)
    names = {f.name for f in fields(TrainConfig)}
    missing, extra = sorted(names - set(values)), sorted(set(values) - names)
    if missing or extra:
        raise ValueError(f"options and TrainConfig disagree: missing {missing}, unknown {extra}")
    return TrainConfig(**values)

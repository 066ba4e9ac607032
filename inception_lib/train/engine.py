"""The training engine: the recipe of chapter 5 applied step by step, and the loop around it.

:func:`train_step` is the whole recipe in one short function: the learning rate from
:func:`~inception_lib.recipe.inception_lr`, the label-smoothed loss of both heads from
:func:`~inception_lib.recipe.label_smoothing_loss`, backward, :func:`~inception_lib.recipe.clip_gradients`,
the optimizer step and the moving average. :func:`train` builds what the step needs, loops over the
data, logs, evaluates and checkpoints.

Nothing in a step waits for the device: the step's statistics stay on the device until a logging
boundary (every ``log_every`` steps, before each checkpoint and evaluation), where they are read at once.
On the CPU, where reading costs nothing, a non-finite loss is caught before the weights change; on a GPU
it is caught at the next boundary, before anything is saved.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from ..data import DataBundle, EpochBatchSampler, TensorImages, build_datasets
from ..network import TinyNet, inception_v3
from ..recipe import (
    PAPER_RECIPE,
    ModelEMA,
    TFRMSprop,
    clip_gradients,
    global_grad_norm,
    inception_lr,
    label_smoothing_loss,
    weight_decay_groups,
)
from .checkpoint import MetricsLog, RunFiles, atomic_write_text, check_resume, git_commit, load_checkpoint
from .checkpoint import save_checkpoint as write_checkpoint
from .config import TrainConfig
from .inference import evaluate, split_outputs
from .runtime import Runtime, resolve_log_every

__all__ = [
    "NonFiniteLossError",
    "TrainState",
    "build_model",
    "make_optimizer",
    "train_step",
    "train",
    "load_trained_model",
]


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite; the run stopped, and the checkpoint on disk is the last
    good one."""


# --------------------------------------------------------------------------------------------------------
# What a step needs


def build_model(config: TrainConfig, num_classes: int) -> nn.Module:
    """The network ``config.model`` describes (seeded by the caller); no auxiliary head if its weight is 0.

    ``googlenet`` is torchvision's GoogLeNet (Inception-v1, Szegedy et al., 2015), the network this book
    starts from, as a baseline: built without its two auxiliary heads (their losses would not be the
    recipe's single weighted auxiliary loss) and with torchvision's own truncated-normal initialisation.
    """
    aux = not config.no_aux and config.aux_weight > 0
    if config.model == "googlenet":
        from torchvision.models import GoogLeNet

        return GoogLeNet(num_classes, aux_logits=False, init_weights=True, dropout=config.dropout)
    if config.model in ("tiny", "tiny_bn"):
        return TinyNet(
            num_classes, aux_logits=aux, dropout=config.dropout, batch_norm=config.model == "tiny_bn"
        )
    return inception_v3(num_classes, aux_logits=aux, bn_aux=config.bn_aux, dropout=config.dropout)


def make_optimizer(config: TrainConfig, model: nn.Module, device: torch.device) -> torch.optim.Optimizer:
    """The optimizer ``config.optimizer`` names, with weight decay on conv and fc weights only."""
    groups = weight_decay_groups(model, config.weight_decay)
    decay, eps = PAPER_RECIPE["rmsprop_decay"], PAPER_RECIPE["rmsprop_eps"]
    if config.optimizer == "rmsprop-tf":
        return TFRMSprop(groups, lr=config.lr, decay=decay, momentum=config.momentum, eps=eps,
                         foreach=device.type == "cuda")
    if config.optimizer == "adam":  # L2 in the gradient, as TF's regulariser (the book's default)
        return torch.optim.Adam(groups, lr=config.lr, betas=(config.momentum, 0.999),
                                fused=device.type == "cuda")
    if config.optimizer == "rmsprop-torch":  # what a literal reading of the paper gives in PyTorch
        return torch.optim.RMSprop(groups, lr=config.lr, alpha=decay, eps=eps, momentum=config.momentum)
    return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum)


@dataclass
class TrainState:
    """What :func:`train_step` reads and updates. ``model`` holds the weights (saved, averaged);
    ``net`` is what runs the forward pass (``model`` itself, or wrapped by DDP / ``torch.compile``)."""

    config: TrainConfig
    runtime: Runtime
    model: nn.Module
    net: nn.Module
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    ema: ModelEMA | None
    steps_per_epoch: int
    check_each_step: bool = False  # read the loss every step (free on the CPU) and stop before a bad update
    params: list[nn.Parameter] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.params = [p for p in self.model.parameters() if p.requires_grad]


# --------------------------------------------------------------------------------------------------------
# One step of the recipe


def train_step(state: TrainState, images: torch.Tensor, labels: torch.Tensor, step: int) -> torch.Tensor:
    """One step of the paper's recipe (sec. 7-8) on one batch; ``step`` counts from 0.

    Returns, on the device, [loss·n, main loss·n, top-1 hits, top-5 hits, n, gradient norm before clipping].
    """
    cfg = state.config
    lr = inception_lr(step // state.steps_per_epoch, cfg.lr, cfg.lr_decay, cfg.epochs_per_decay)
    for group in state.optimizer.param_groups:
        group["lr"] = lr
    with state.runtime.autocast():
        logits, aux = split_outputs(state.net(images))
    main_loss = label_smoothing_loss(logits.float(), labels, cfg.label_smoothing)
    loss = main_loss
    if aux is not None:  # the auxiliary head (Figure 8) adds its own smoothed loss, weighted
        loss = loss + cfg.aux_weight * label_smoothing_loss(aux.float(), labels, cfg.label_smoothing)
    stats = _batch_stats(loss, main_loss, logits, labels)
    if state.check_each_step:
        _raise_if_nonfinite(state.runtime.all_reduce(stats.clone()), step)
    state.optimizer.zero_grad(set_to_none=True)
    state.scaler.scale(loss).backward()
    state.scaler.unscale_(state.optimizer)  # clip the true gradients, not the loss-scaled ones
    if cfg.clip_grad_norm > 0:
        grad_norm = clip_gradients(state.params, cfg.clip_grad_norm, cfg.clip_scope)
    else:
        grad_norm = global_grad_norm(state.params)
    state.scaler.step(state.optimizer)
    state.scaler.update()
    if state.ema is not None:
        state.ema.update(state.model)
    return torch.cat([stats, grad_norm.reshape(1).to(stats)])


def _batch_stats(loss: torch.Tensor, main_loss: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor):
    n = labels.numel()
    top5 = logits.detach().float().topk(min(5, logits.shape[1]), dim=1).indices
    return torch.stack([
        loss.detach().double() * n,
        main_loss.detach().double() * n,
        (top5[:, 0] == labels).sum().double(),
        (top5 == labels[:, None]).any(dim=1).sum().double(),
        torch.full((), float(n), dtype=torch.float64, device=labels.device),
    ])


def _raise_if_nonfinite(stats: torch.Tensor, step: int) -> None:
    """``stats``: rows (or one row) of summed batch statistics; ``step``: the step of the first row."""
    rows = stats.detach().cpu().reshape(-1, stats.shape[-1])
    for i, row in enumerate(rows):
        if not math.isfinite(float(row[0])):
            raise NonFiniteLossError(
                f"the training loss became {float(row[0] / row[4])} at step {step + i + 1}"
            )


# --------------------------------------------------------------------------------------------------------
# A trained model, back from its checkpoint


def load_trained_model(run_dir: str | Path, weights: str = "raw") -> nn.Module:
    """Rebuild the network of a run and load its final weights (``"raw"`` or the moving average ``"ema"``),
    in eval mode, on the CPU."""
    if weights not in ("raw", "ema"):
        raise ValueError(f"weights must be 'raw' or 'ema', got {weights!r}")
    ckpt = load_checkpoint(run_dir)
    model = build_model(TrainConfig.from_dict(ckpt["config"]), int(ckpt["num_classes"]))
    if weights == "ema":
        if ckpt.get("ema") is None:
            raise ValueError(f"the run in {run_dir} kept no moving average (train with ema=True / --ema)")
        model.load_state_dict(ckpt["ema"]["module"])
    else:
        model.load_state_dict(ckpt["model"])
    return model.eval()


# --------------------------------------------------------------------------------------------------------
# The run


def train(config: TrainConfig | dict[str, Any]) -> dict[str, Any]:
    """Train as ``config`` says and return the summary (also written to ``config.out/summary.json``).

    Raises ValueError for bad settings (before any work), DatasetNotFoundError for a dataset that is not
    on disk, NonFiniteLossError if the loss becomes NaN/inf (the last good checkpoint stays on disk).
    Under ``torchrun`` it joins the process group, trains with DistributedDataParallel and writes files
    from rank 0 only.
    """
    if isinstance(config, dict):
        config = TrainConfig.from_dict(config)
    config.validate()
    files = RunFiles(config.out)
    files.check_start(config)
    rt = Runtime.start(config)
    threads_before = torch.get_num_threads()
    try:
        if config.sync_bn and rt.distributed and rt.device.type != "cuda":
            raise ValueError("sync_bn=True needs CUDA (SyncBatchNorm does not run over gloo on the CPU)")
        if config.threads:
            torch.set_num_threads(config.threads)
        return _Run(config, rt, files, _load_data(config, rt)).run()
    finally:
        torch.set_num_threads(threads_before)
        rt.close()


def _load_data(config: TrainConfig, rt: Runtime) -> DataBundle:
    """The datasets; with ``download`` under several processes rank 0 fetches while the others wait."""
    cache = config.cache_images == "on" or (config.cache_images == "auto" and rt.device.type == "cuda")

    def load(download: bool) -> DataBundle:
        sizes = (config.synthetic_train_size, config.synthetic_val_size)
        return build_datasets(config.dataset, config.image_size, config.data_dir, download, config.seed,
                              *sizes, cache, rt.workers, config.holdout, config.train_limit, config.val_limit,
                              rt.device)

    if not (rt.distributed and config.download):
        return load(config.download)
    data = load(True) if rt.is_main else None
    rt.barrier()
    return data if data is not None else load(False)


class _Run:
    """One training run: builds the state, loops, logs, evaluates, checkpoints, summarises."""

    def __init__(self, config: TrainConfig, rt: Runtime, files: RunFiles, data: DataBundle) -> None:
        self.config, self.rt, self.files, self.data = config, rt, files, data
        self.log_every = resolve_log_every(config.log_every, rt.device)
        self.sampler = EpochBatchSampler(
            len(data.train), config.batch_size, config.seed, rt.rank, rt.world_size
        )
        spe = self.sampler.steps_per_epoch
        self.total_steps = config.epochs * spe
        if config.max_steps is not None:
            self.total_steps = min(self.total_steps, config.max_steps)
        self.state = self._build_state(spe)
        self.start_step = self._resume_or_clear()
        self.state.net = self._wrap(self.state.model)
        self.log = MetricsLog(files.metrics if rt.is_main else None, config.verbose,
                              self.start_step if config.resume else None)
        self.saved_step: int | None = self.start_step if config.resume else None
        self.last_train: dict[str, Any] | None = None
        self.last_eval: dict[str, Any] | None = None
        self.rates: list[float] = []
        self.commit = git_commit()  # the code that starts the run
        self.test: dict[str, Any] | None = None

    def _build_state(self, steps_per_epoch: int) -> TrainState:
        cfg, rt = self.config, self.rt
        torch.manual_seed(cfg.seed)
        model = build_model(cfg, self.data.num_classes)
        if cfg.sync_bn and rt.distributed:
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        model = rt.prepare(model)
        state = TrainState(cfg, rt, model, model, make_optimizer(cfg, model, rt.device), rt.grad_scaler(),
                           ModelEMA(model, cfg.ema_decay) if cfg.ema else None, steps_per_epoch,
                           check_each_step=rt.device.type == "cpu")
        torch.manual_seed(cfg.seed + rt.rank)  # dropout masks differ between processes, as they should
        return state

    def _resume_or_clear(self) -> int:
        """Load the checkpoint of a resumed run (returns its step), or clear the folder of a new one."""
        cfg, rt, st = self.config, self.rt, self.state
        if rt.is_main:
            self.files.out.mkdir(parents=True, exist_ok=True)
        step = 0
        if cfg.resume:
            ckpt = load_checkpoint(self.files.checkpoint)
            check_resume(ckpt["config"], cfg, self.files.out)
            st.model.load_state_dict(ckpt["model"])
            st.optimizer.load_state_dict(ckpt["optimizer"])
            if st.ema is not None:
                st.ema.load_state_dict(ckpt["ema"])
            if ckpt.get("scaler"):
                st.scaler.load_state_dict(ckpt["scaler"])
            step = int(ckpt["step"])
            rng = ckpt["rng"]
            if len(rng) == rt.world_size:
                _set_rng_state(rng[rt.rank], rt.device)
            else:  # another number of processes: reseed deterministically
                torch.manual_seed(cfg.seed + 7919 * step + rt.rank)
        elif rt.is_main:
            self.files.clear()
        rt.barrier()
        return step

    def _wrap(self, model: nn.Module) -> nn.Module:
        net = self.rt.wrap(model)
        return torch.compile(net) if self.config.compile else net

    def run(self) -> dict[str, Any]:
        cfg, st = self.config, self.state
        loader = DataLoader(
            self.data.train, batch_sampler=self.sampler, num_workers=self.rt.workers,
            pin_memory=self.rt.device.type == "cuda", persistent_workers=self.rt.workers > 0,
            generator=torch.Generator().manual_seed(cfg.seed),  # keeps the global RNG untouched
        )
        progress = _progress(self.total_steps, self.start_step, self.rt.is_main)
        step, started, cpu_started = self.start_step, time.perf_counter(), time.process_time()
        window = _Window(step)
        st.net.train()
        try:
            while step < self.total_steps:
                epoch, spe = step // st.steps_per_epoch, st.steps_per_epoch
                self.sampler.set_epoch(epoch, start_batch=step % spe)
                for images, labels in self._epoch_batches(loader, epoch):
                    images, labels = self.rt.to_device(images, labels)
                    if cfg.debug_nan_step is not None and step + 1 == cfg.debug_nan_step:
                        images = images * float("nan")  # the failure path, on demand (tests)
                    window.add(self._step(images, labels, step), images.shape[0] * self.rt.world_size)
                    step += 1
                    progress.update(1)
                    if self._out_of_time(started, cpu_started):
                        self.total_steps = step  # out of time: this step is the last (evaluate, checkpoint)
                    window = self._boundaries(step, window, progress)
                    if step >= self.total_steps:
                        break
            if self.last_eval is None or self.last_eval["step"] != step:
                self.last_eval = self._evaluate(step)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            self.test = self._test(step)
        finally:
            progress.close()
            self.log.close()
        return self._summary(step, wall, cpu)

    def _out_of_time(self, started: float, cpu_started: float) -> bool:
        cfg = self.config
        if cfg.max_minutes is not None and time.perf_counter() - started > 60 * cfg.max_minutes:
            return True
        cpu_limit = cfg.max_cpu_minutes
        return cpu_limit is not None and time.process_time() - cpu_started > 60 * cpu_limit

    def _epoch_batches(self, loader: DataLoader, epoch: int):
        """The batches of ``epoch`` from the sampler's position on: made on the device for
        :class:`~inception_lib.data.TensorImages` (the epoch's order crosses to the device once), else
        loaded by the DataLoader."""
        train = self.data.train
        if not isinstance(train, TensorImages):
            yield from loader
            return
        s = self.sampler
        order = torch.tensor(s.global_order(epoch), device=train.device)
        g = s.global_batch_size
        for b in range(s.start_batch, s.steps_per_epoch):
            yield train.batch(order[b * g : (b + 1) * g][s.rank :: s.world_size], epoch)

    def _test(self, step: int) -> dict[str, Any] | None:
        """The official test set, evaluated once at the end of the run (raw and averaged weights)."""
        if self.data.test is None or not self.config.test_eval:
            return None
        predicted: dict[str, list[int]] = {"predictions": [], "ema_predictions": []}
        record = self._evaluate(step, self.data.test, kind="test", predicted=predicted)
        test = self.data.test
        if self.rt.world_size == 1 and self.data.num_classes <= 10 and isinstance(test, TensorImages):
            digits = {key: "".join(map(str, values)) for key, values in predicted.items() if values}
            labels = "".join(map(str, test.labels.tolist()))  # one digit per image
            atomic_write_text(json.dumps({"step": step, "labels": labels, **digits}) + "\n",
                              self.files.out / "test_predictions.json")
        ev = record
        self.log.say(f"test (evaluated once, at the end): loss {ev['loss']:.3f}  top-1 {ev['top1']:.3f}  "
                     f"top-5 {ev['top5']:.3f}")
        return record

    def _step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> torch.Tensor:
        try:
            return train_step(self.state, images, labels, step)
        except NonFiniteLossError as err:
            raise self._nonfinite(err, step, before_update=True) from None

    def _nonfinite(self, err: NonFiniteLossError, step: int, before_update: bool) -> NonFiniteLossError:
        epoch, lr = step // self.state.steps_per_epoch, self.state.optimizer.param_groups[0]["lr"]
        where = "stopped before updating the weights" if before_update else "stopped before saving anything"
        kept = (
            f"The last good checkpoint is {self.files.checkpoint} (step {self.saved_step}); resume it with "
            "--resume after fixing the cause"
            if self.saved_step is not None
            else "No checkpoint was written yet (--checkpoint-every N keeps one); fix the cause"
        )
        return NonFiniteLossError(f"{err} (epoch {epoch + 1}, lr {lr:g}); {where}. {kept}: a lower --lr, "
                                  "--amp off, or gradient clipping (--clip-grad-norm).")

    def _boundaries(self, step: int, window: _Window, progress: Any) -> _Window:
        """Log, evaluate and checkpoint where ``step`` calls for it; returns the (new) window."""
        cfg, spe = self.config, self.state.steps_per_epoch
        epoch_done = step % spe == 0
        checkpoint = (
            epoch_done
            or step == self.total_steps
            or (cfg.checkpoint_every and step % cfg.checkpoint_every == 0)
        )
        evaluate = epoch_done and cfg.eval_every_epoch
        if step % self.log_every == 0 or step == self.total_steps or checkpoint or evaluate:
            self._flush(window, step, progress)
            window = _Window(step)
        if evaluate:
            self.last_eval = self._evaluate(step)
            ev = self.last_eval
            self.log.say(f"epoch {step // spe}/{cfg.epochs}  step {step}  val loss {ev['loss']:.3f}  "
                         f"top-1 {ev['top1']:.3f}  top-5 {ev['top5']:.3f}")
        if checkpoint:
            self._save(step)
        if evaluate or checkpoint:
            window.restart()  # the throughput counts training time only
        return window

    def _flush(self, window: _Window, step: int, progress: Any) -> None:
        """Read the window's statistics (the one wait for the device), check them, write a record."""
        if not window.rows:
            return
        rows = torch.stack(window.rows)
        sums = self.rt.all_reduce(rows[:, :5].contiguous())
        try:
            _raise_if_nonfinite(sums, window.first_step)
        except NonFiniteLossError as err:
            raise self._nonfinite(err, step, before_update=False) from None
        s, grad_norm = sums.sum(0).tolist(), float(rows[-1, 5])
        rate = window.images / max(time.perf_counter() - window.start, 1e-9)
        self.rates.append(rate)
        self.last_train = {
            "kind": "train", "step": step, "epoch": step / self.state.steps_per_epoch,
            "loss": s[0] / s[4], "loss_main": s[1] / s[4], "top1": s[2] / s[4], "top5": s[3] / s[4],
            "lr": self.state.optimizer.param_groups[0]["lr"], "grad_norm": grad_norm, "images_per_s": rate,
        }
        self.log.write(self.last_train)
        progress.set_postfix(loss=f"{self.last_train['loss']:.3f}", top1=f"{self.last_train['top1']:.3f}")

    def _evaluate(
        self, step: int, dataset: Any = None, kind: str = "eval", predicted: dict[str, list] | None = None
    ) -> dict[str, Any]:
        rt, st = self.rt, self.state
        record: dict[str, Any] = {"kind": kind, "step": step, "epoch": step / st.steps_per_epoch}
        batch = max(1, 2 * self.sampler.local_batch_size)
        dataset = self.data.val if dataset is None else dataset
        predicted = predicted or {}
        record.update(evaluate(st.model, dataset, rt, batch, predictions=predicted.get("predictions")))
        if st.ema is not None:
            ema = evaluate(st.ema.module, dataset, rt, batch, predictions=predicted.get("ema_predictions"))
            record.update({f"ema_{k}": v for k, v in ema.items()})
        self.log.write(record)
        return record

    def _save(self, step: int) -> None:
        st = self.state
        rng = self.rt.gather(_rng_state(self.rt.device))
        if not self.rt.is_main:
            return
        write_checkpoint({
            "step": step, "epoch": step // st.steps_per_epoch, "steps_per_epoch": st.steps_per_epoch,
            "num_classes": self.data.num_classes, "config": asdict(self.config),
            "model": st.model.state_dict(), "optimizer": st.optimizer.state_dict(),
            "ema": st.ema.state_dict() if st.ema is not None else None,
            "scaler": st.scaler.state_dict() if st.scaler.is_enabled() else None, "rng": rng,
        }, self.files.checkpoint)
        self.saved_step = step

    def _summary(self, step: int, wall_time: float, cpu_time: float) -> dict[str, Any]:
        rt, st = self.rt, self.state
        device = rt.device
        summary = {
            "config": asdict(self.config), "steps": step, "steps_per_epoch": st.steps_per_epoch,
            "epochs_completed": step / st.steps_per_epoch, "num_classes": self.data.num_classes,
            "classes": list(self.data.classes), "final_train": self.last_train, "final_eval": self.last_eval,
            "test": self.test, "images_per_s_median": _median(self.rates[1:] or self.rates),
            "wall_time_s": wall_time, "cpu_time_s": cpu_time, "data_on_device": isinstance(self.data.train,
                                                                                          TensorImages),
            "world_size": rt.world_size, "distributed": rt.distributed, "device": device.type,
            "device_name": torch.cuda.get_device_name(device) if device.type == "cuda"
            else _cpu_name(),
            "amp_dtype": str(rt.amp_dtype).replace("torch.", "") if rt.amp_dtype else None,
            "channels_last": rt.channels_last, "workers": rt.workers, "threads": torch.get_num_threads(),
            "torch_version": torch.__version__, "python_version": platform.python_version(),
            "git_commit": self.commit, "parameters": sum(p.numel() for p in st.model.parameters()),
        }
        try:  # the installed version, without importing torchvision (seconds)
            summary["torchvision_version"] = importlib.metadata.version("torchvision")
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            summary["torchvision_version"] = None
        if rt.is_main:
            atomic_write_text(json.dumps(summary, indent=2) + "\n", self.files.summary)
        return summary


class _Window:
    """The per-step statistics since the last record, kept on the device until :meth:`_Run._flush`."""

    def __init__(self, step: int) -> None:
        self.first_step, self.rows, self.images = step, [], 0
        self.start = time.perf_counter()

    def add(self, row: torch.Tensor, images: int) -> None:
        self.rows.append(row)
        self.images += images

    def restart(self) -> None:
        self.start = time.perf_counter()


def _rng_state(device: torch.device) -> dict[str, torch.Tensor]:
    state = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device).cpu()
    return state


def _set_rng_state(state: dict[str, torch.Tensor], device: torch.device) -> None:
    torch.set_rng_state(state["torch"].cpu())
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"].cpu(), device)


def _cpu_name() -> str:
    """The processor's model name (Linux: /proc/cpuinfo), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else 0.5 * (s[mid - 1] + s[mid])


class _NoBar:
    """Stands in for tqdm where it is not installed (a bare GPU image): the run needs no bar."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **values: Any) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, start: int, is_main: bool) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _NoBar()

    # tqdm reads TQDM_DISABLE itself, except its notebook bar (tqdm.auto in Jupyter), which resets
    # ``disable`` to False; so we read the variable here too. Only the main process shows a bar.
    env_off = os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false", "no")
    return tqdm(total=total, initial=start, desc="training", unit="step", dynamic_ncols=True,
                disable=env_off or not is_main)

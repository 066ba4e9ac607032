"""Confusion matrices, the most confused pairs, seed spreads; the record loader; chapter 6's new figures
(each within the book's figure contract: at most 6.9 in wide, no text under 8 pt)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from inception_lib import plots
from inception_lib.data import FASHION_MNIST_CLASSES, FASHION_MNIST_PUBLISHED
from inception_lib.evaluation import confusion_matrix, digits, most_confused_pairs, seed_spread
from inception_lib.plots.common import figure_problems
from inception_lib.records import load_record, recorded_run


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    m = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 0], 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [2, 0, 1]]
    assert m.sum() == 6 and m.sum(axis=1).tolist() == [2, 1, 3]
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        confusion_matrix([3], [0], 3)
    with pytest.raises(ValueError, match="2 labels but 1 predictions"):
        confusion_matrix([0, 1], [0], 3)


def test_most_confused_pairs_count_both_directions_and_break_ties_by_order():
    m = np.array([[5, 2, 0], [3, 5, 1], [0, 1, 5]])
    pairs = most_confused_pairs(m, ["a", "b", "c"], k=2)
    found = [(p.a, p.b, p.a_as_b, p.b_as_a, p.total) for p in pairs]
    assert found == [("a", "b", 2, 3, 5), ("b", "c", 1, 1, 2)]
    with pytest.raises(ValueError, match="3 × 3"):
        most_confused_pairs(np.zeros((2, 2)), ["a", "b", "c"])


def test_digits_and_seed_spread():
    assert digits("0915").tolist() == [0, 9, 1, 5]
    with pytest.raises(ValueError, match="digits"):
        digits("1a")
    a, b = seed_spread([0.9, 0.92]), seed_spread([0.85, 0.89])
    assert a.beats(b) and not b.beats(a) and a.low == 0.9 and abs(a.mean - 0.91) < 1e-12
    assert not seed_spread([0.88, 0.95]).beats(b)  # overlapping spreads: no claim


def test_records_by_nested_name_and_wrong_names():
    assert (recorded_run("gpu_smoke") / "gpu_run" / "summary.json").is_file()
    for bad in ("cpu", "../records", "fashion_cpu/nothing"):
        with pytest.raises(ValueError, match="no recorded run"):
            recorded_run(bad)
    record = load_record("cpu_run")
    assert record.config["dataset"] == "synthetic" and record.kind("train")[0]["step"] == 1
    assert record.predictions is None


def _fake_run(steps, top1_end, seed=0):
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 0.05, steps)
    train = [{"kind": "train", "step": s, "epoch": s / 100,
              "top1": min(1, top1_end * s / steps + noise[s - 1]),
              "loss": 2.0 - s / steps, "loss_main": 1.8 - s / steps, "lr": 1e-3, "images_per_s": 30.0}
             for s in range(1, steps + 1)]
    return train + [{"kind": "eval", "step": steps, "epoch": steps / 100, "top1": top1_end, "top5": 1.0,
                     "loss": 0.5, "ema_top1": top1_end, "ema_loss": 0.5}]


def test_chapter6_figures_fit_the_page():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    labels = np.arange(40) % 10
    preds = (labels + (np.arange(40) % 3 == 0)) % 10
    matrix = confusion_matrix(labels, preds, 10)
    runs = {"Inception-v3": [_fake_run(300, 0.8), _fake_run(290, 0.82, 1)],
            "TinyNet": [_fake_run(3000, 0.88), _fake_run(3000, 0.87, 1)]}
    figures = [
        plots.plot_class_samples(images, labels, FASHION_MNIST_CLASSES),
        plots.plot_model_comparison(runs, batch_size=32),
        plots.plot_test_accuracies({"Inception-v3 (ours)": [0.8, 0.82]}, FASHION_MNIST_PUBLISHED),
        plots.plot_confusion_matrix(matrix, FASHION_MNIST_CLASSES, "Confusion"),
        plots.plot_misclassified(images, labels, preds, FASHION_MNIST_CLASSES, count=10),
        plots.plot_optimizer_comparison({"Adam": _fake_run(200, 0.8), "RMSProp": _fake_run(150, 0.1)}),
        plots.plot_training_curves(_fake_run(50, 0.5)),
        plots.plot_raw_vs_ema(_fake_run(50, 0.5)),
        plots.plot_lr_schedules(_fake_run(50, 0.5)),
        plots.plot_head_losses(_fake_run(50, 0.5)),
    ]
    for fig in figures:
        assert not figure_problems(fig), (fig.texts, figure_problems(fig))
        titled = fig._suptitle is not None or any(ax.get_title() for ax in fig.axes)
        assert titled
    misclassified = figures[4]
    shown = [ax.get_title() for ax in misclassified.axes if ax.get_title()]
    assert len(shown) == 10 and shown[0] == "T-shirt/top\n→ trouser"
    plt.close("all")

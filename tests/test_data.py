"""Tests for inception_lib.data: the generated dataset, augmentation, sampling, real-dataset errors."""

import pytest
import torch

from inception_lib.data import (
    SYNTHETIC_CLASSES,
    AugmentedView,
    DatasetNotFoundError,
    EpochBatchSampler,
    SyntheticShapes,
    build_datasets,
    imagenette_variant,
    sample_seed,
)


def test_synthetic_sample_is_a_pure_function_of_seed_split_and_index():
    a = SyntheticShapes(50, 48, seed=3)
    b = SyntheticShapes(50, 48, seed=3)
    for i in (0, 7, 49):
        xa, ya = a[i]
        xb, yb = b[i]
        assert torch.equal(xa, xb) and ya == yb
    _ = a[5]  # reading other samples first changes nothing
    assert torch.equal(a[7][0], SyntheticShapes(50, 48, seed=3)[7][0])
    assert not torch.equal(a[7][0], SyntheticShapes(50, 48, seed=4)[7][0])
    assert not torch.equal(a[7][0], SyntheticShapes(50, 48, seed=3, split="val")[7][0])
    assert sample_seed(1, 2, 3) == sample_seed(1, 2, 3) != sample_seed(1, 2, 4)


@pytest.mark.parametrize("size", [32, 75, 131])
def test_synthetic_shapes_any_resolution_in_unit_range(size):
    ds = SyntheticShapes(20, size)
    x, y = ds[3]
    assert x.shape == (3, size, size) and x.dtype == torch.float32
    assert -1.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert y == 3 and ds.num_classes == 10 == len(SYNTHETIC_CLASSES)
    assert sorted(ds[i][1] for i in range(20)) == sorted(list(range(10)) * 2)  # balanced


def test_synthetic_classes_are_flip_invariant_in_distribution_and_distinct():
    # every class's mean mask image is (nearly) left-right symmetric, and the classes differ from each other
    ds = SyntheticShapes(400, 40, noise=0.0)
    means = torch.zeros(10, 40, 40)
    for i in range(len(ds)):
        x, y = ds[i]
        means[y] += x.std(0) / 40  # colour-independent "where is there structure" map
    asym = (means - means.flip(-1)).abs().mean() / means.abs().mean()
    assert asym < 0.2
    stripes_h, stripes_v = ds[7][0], ds[8][0]
    assert not torch.equal(stripes_h, stripes_v)


def test_colour_statistics_alone_do_not_tell_the_classes_apart():
    """Nearest class-mean on per-channel colour histograms (+ mean, std) stays near chance (10%)."""

    def features(ds):
        feats, labels = [], []
        for i in range(len(ds)):
            x, y = ds[i]
            x = (x + 1) / 2
            bins = (x * 8).clamp(max=7).long().flatten(1)
            hist = [torch.bincount(bins[c], minlength=8) / bins.shape[1] for c in range(3)]
            feats.append(torch.cat([*hist, x.mean((1, 2)), x.std((1, 2))]))
            labels.append(y)
        return torch.stack(feats), torch.tensor(labels)

    xtr, ytr = features(SyntheticShapes(300, 32, split="train"))
    xva, yva = features(SyntheticShapes(200, 32, split="val"))
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    xtr, xva = (xtr - mu) / sd, (xva - mu) / sd
    centroids = torch.stack([xtr[ytr == k].mean(0) for k in range(10)])
    pred = torch.cdist(xva, centroids).argmin(1)
    accuracy = (pred == yva).float().mean().item()
    assert accuracy < 0.3


def test_synthetic_rejects_bad_arguments():
    with pytest.raises(ValueError, match="split"):
        SyntheticShapes(10, 32, split="test")
    with pytest.raises(ValueError, match="image_size"):
        SyntheticShapes(10, 4)
    with pytest.raises(IndexError):
        SyntheticShapes(10, 32)[10]


def test_augmentation_is_a_pure_function_of_seed_epoch_index():
    base = SyntheticShapes(10, 32)
    view = AugmentedView(base, 32, seed=0, pad=4)
    a, la = view[(3, 1)]
    b, lb = view[(3, 1)]
    assert torch.equal(a, b) and la == lb == 3 and a.shape == (3, 32, 32)
    others = [view[(3, e)][0] for e in range(2, 8)]
    assert any(not torch.equal(a, o) for o in others)  # another epoch, another crop/flip
    assert view[3][0].shape == (3, 32, 32)  # a plain index means epoch 0


def test_epoch_batch_sampler_order_depends_only_on_seed_and_epoch():
    s = EpochBatchSampler(20, 4, seed=1)
    s.set_epoch(2)
    first = list(s)
    assert len(first) == 5 == s.steps_per_epoch
    assert all(len(b) == 4 and all(e == 2 for _, e in b) for b in first)
    assert sorted(i for b in first for i, _ in b) == list(range(20))
    s2 = EpochBatchSampler(20, 4, seed=1)
    s2.set_epoch(2, start_batch=3)
    assert list(s2) == first[3:] and len(s2) == 2
    s2.set_epoch(3)
    assert list(s2) != first


def test_epoch_batch_sampler_ranks_split_each_global_batch():
    single = EpochBatchSampler(23, 6, seed=0)
    ranks = [EpochBatchSampler(23, 6, seed=0, rank=r, world_size=3) for r in range(3)]
    assert single.steps_per_epoch == 3 and all(r.steps_per_epoch == 3 for r in ranks)
    assert ranks[0].local_batch_size == 2
    for step, batch in enumerate(single):
        parts = [list(r)[step] for r in ranks]
        assert sorted(k for p in parts for k in p) == sorted(batch)
    with pytest.raises(ValueError, match="divisible"):
        EpochBatchSampler(23, 5, world_size=2)
    with pytest.raises(ValueError, match="fewer than one global batch"):
        EpochBatchSampler(3, 4)


def test_build_synthetic_bundle():
    bundle = build_datasets("synthetic", 40, synthetic_train_size=30, synthetic_val_size=10)
    assert bundle.num_classes == 10 and len(bundle.train) == 30 and len(bundle.val) == 10
    x, y = bundle.train[(0, 0)]
    assert x.shape == (3, 40, 40)
    assert bundle.val[0][0].shape == (3, 40, 40)
    with pytest.raises(ValueError, match="unknown dataset"):
        build_datasets("mnist", 40)


@pytest.mark.parametrize("name, label", [("imagenette", "Imagenette"), ("cifar10", "CIFAR-10")])
def test_missing_real_dataset_error_names_dataset_folder_and_offline_alternative(tmp_path, name, label):
    with pytest.raises(DatasetNotFoundError) as info:
        build_datasets(name, 96, data_dir=tmp_path)
    message = str(info.value)
    assert label in message
    assert str(tmp_path.resolve()) in message
    assert "--dataset synthetic" in message and "--download" in message
    assert list(tmp_path.iterdir()) == []  # nothing was downloaded or created


def test_imagenette_variant_prefers_what_is_on_disk(tmp_path):
    assert imagenette_variant(128, tmp_path) == "160px"
    assert imagenette_variant(299, tmp_path) == "320px"
    (tmp_path / "imagenette2-320").mkdir()
    assert imagenette_variant(128, tmp_path) == "320px"


def test_cached_images_equal_the_rendered_ones_to_within_rounding():
    from inception_lib.data import CachedImages, SyntheticShapes, build_datasets

    base = SyntheticShapes(12, 24, seed=3)
    cached = CachedImages(base)
    assert len(cached) == 12 and cached.images.dtype == torch.uint8
    for i in (0, 5, 11):
        (x, y), (cx, cy) = base[i], cached[i]
        assert y == cy and cx.dtype == torch.float32
        assert (x - cx).abs().max().item() <= 1 / 127.5 / 2 + 1e-6  # rounded to the nearest 1/255
    bundle = build_datasets("synthetic", 24, seed=3, synthetic_train_size=12, synthetic_val_size=4,
                            cache=True)
    assert isinstance(bundle.val, CachedImages) and len(bundle.train) == 12

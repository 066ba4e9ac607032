"""Real datasets from fabricated miniature copies in their exact on-disk layouts: Fashion-MNIST (idx files,
found under --data-dir, in torchvision's layout or Debian's folder, or downloaded on request), Imagenette
and CIFAR-10 (torchvision's folders); the tensor-batched images; clear errors for missing or damaged data."""

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

import inception_lib.data.fashion_mnist as fashion_module
from inception_lib.data import (
    FASHION_MNIST_CLASSES,
    CorruptDataError,
    DatasetNotFoundError,
    TensorImages,
    build_datasets,
    fashion_mnist_split,
    find_fashion_mnist,
    hashed_uniform,
    load_fashion_mnist,
    read_idx,
    write_idx,
)

FILES = {
    "train-images-idx3-ubyte.gz": (60, 28, 28),
    "train-labels-idx1-ubyte.gz": (60,),
    "t10k-images-idx3-ubyte.gz": (20, 28, 28),
    "t10k-labels-idx1-ubyte.gz": (20,),
}


def fabricate_fashion_mnist(folder, gz=True):
    """Four idx files of the real names with 60 training and 20 test images; image i is filled with i."""
    for name, shape in FILES.items():
        if "labels" in name:
            array = (np.arange(shape[0]) % 10).astype(np.uint8)
        else:
            array = np.broadcast_to(np.arange(shape[0], dtype=np.uint8)[:, None, None], shape)
        write_idx(folder / (name if gz else name[:-3]), array)
    return folder


@pytest.fixture
def no_debian(monkeypatch, tmp_path):
    """Hide Debian's copy, so that only what a test fabricates can be found."""
    monkeypatch.setattr(fashion_module, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian-package")


def test_idx_round_trip_gz_and_plain(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    for name in ("a.gz", "a"):
        assert np.array_equal(read_idx(write_idx(tmp_path / name, array)), array)
    with pytest.raises(ValueError, match="uint8 or int8"):
        write_idx(tmp_path / "b", np.zeros(3, dtype=np.float32))


def test_truncated_or_corrupt_file_error_names_the_file(tmp_path):
    path = write_idx(tmp_path / "x.gz", np.zeros((4, 28, 28), np.uint8))
    raw = gzip.decompress(path.read_bytes())
    cases = {
        "truncated": gzip.compress(raw[:-10]),
        "not gzip": b"definitely not gzip",
        "bad header": gzip.compress(b"\x01\x02" + raw[2:]),
    }
    for content in cases.values():
        path.write_bytes(content)
        with pytest.raises(CorruptDataError, match=str(path).replace(".", r"\.")) as err:
            read_idx(path)
        assert "truncated" in str(err.value) or "damaged" in str(err.value) or "not an idx" in str(err.value)


def test_fashion_mnist_found_in_data_dir_and_torchvision_layout(tmp_path, no_debian):
    fabricate_fashion_mnist(tmp_path / "a")
    assert find_fashion_mnist(tmp_path / "a") == tmp_path / "a"
    fabricate_fashion_mnist(tmp_path / "b" / "fashion-mnist")
    assert find_fashion_mnist(tmp_path / "b") == tmp_path / "b" / "fashion-mnist"
    (tmp_path / "c" / "FashionMNIST" / "raw").mkdir(parents=True)
    fabricate_fashion_mnist(tmp_path / "c" / "FashionMNIST" / "raw", gz=False)  # torchvision unpacks them
    splits = load_fashion_mnist(tmp_path / "c")
    assert splits["train"][0].shape == (60, 28, 28) and splits["test"][1].tolist()[:3] == [0, 1, 2]


def test_fashion_mnist_found_in_the_debian_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_module, "DEBIAN_FASHION_MNIST", fabricate_fashion_mnist(tmp_path / "deb"))
    assert find_fashion_mnist(tmp_path / "empty") == tmp_path / "deb"


def test_missing_fashion_mnist_names_the_three_ways_and_downloads_nothing(tmp_path, no_debian, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("nothing may be downloaded unless asked")

    monkeypatch.setattr("torchvision.datasets.mnist.download_and_extract_archive", no_network)
    with pytest.raises(DatasetNotFoundError) as err:
        build_datasets("fashion-mnist", 32, data_dir=tmp_path / "nothing")
    message = str(err.value)
    for words in ("apt-get install dataset-fashion-mnist", "--download", "--data-dir", str(tmp_path)):
        assert words in message


def test_download_branch_goes_through_torchvision(tmp_path, no_debian, monkeypatch):
    """The download, substituted at torchvision's boundary: the archives it would fetch are fabricated."""
    source = fabricate_fashion_mnist(tmp_path / "server")
    fetched = []

    def fake_download(url, download_root, filename=None, md5=None, **kwargs):
        fetched.append(filename)
        (tmp_path / "x").mkdir(exist_ok=True)
        payload = (source / filename).read_bytes()
        (Path(download_root) / filename).write_bytes(payload)
        (Path(download_root) / filename[:-3]).write_bytes(gzip.decompress(payload))

    monkeypatch.setattr("torchvision.datasets.mnist.download_and_extract_archive", fake_download)
    bundle = build_datasets("fashion-mnist", 32, data_dir=tmp_path / "data", download=True, holdout=10)
    assert sorted(set(fetched)) == sorted(FILES)
    assert (len(bundle.train), len(bundle.val), len(bundle.test)) == (50, 10, 20)
    assert find_fashion_mnist(tmp_path / "data") == tmp_path / "data" / "FashionMNIST" / "raw"


def test_fashion_mnist_bundle_protocol(tmp_path, no_debian):
    fabricate_fashion_mnist(tmp_path)
    b = build_datasets("fashion-mnist", 40, data_dir=tmp_path, holdout=12, train_limit=30, val_limit=5)
    assert (len(b.train), len(b.val), len(b.test)) == (30, 5, 20)
    assert b.classes == FASHION_MNIST_CLASSES and b.num_classes == 10
    train_idx, val_idx = fashion_mnist_split(60, 12)
    assert not set(train_idx) & set(val_idx) and len(train_idx) + len(val_idx) == 60
    assert np.array_equal(fashion_mnist_split(60, 12)[1], val_idx)  # the same held-out images every time
    x, y = b.val.batch(torch.arange(5))
    assert x.shape == (5, 3, 40, 40) and x.dtype == torch.float32
    # image i is filled with the value i: held-out image k has value val_idx[k] everywhere after resizing
    expected = torch.tensor(val_idx[:5], dtype=torch.float32) / 127.5 - 1
    assert torch.allclose(x.mean(dim=(1, 2, 3)), expected, atol=1e-6)
    assert y.tolist() == [int(i) % 10 for i in val_idx[:5]]
    with pytest.raises(ValueError, match="holdout"):
        build_datasets("fashion-mnist", 40, data_dir=tmp_path, holdout=0)
    with pytest.raises(ValueError, match="train_limit"):
        build_datasets("fashion-mnist", 40, data_dir=tmp_path, holdout=12, train_limit=0)


def test_tensor_images_augmentation_is_a_pure_function_of_seed_epoch_index():
    images = torch.randint(0, 256, (16, 1, 28, 28), dtype=torch.uint8)
    ds = TensorImages(images, torch.arange(16) % 10, 32, FASHION_MNIST_CLASSES, augment=True, seed=3, shift=2)
    idx = torch.tensor([4, 9, 1])
    a, _ = ds.batch(idx, epoch=2)
    b, _ = ds.batch(torch.tensor([9]), epoch=2)  # alone, or in another batch: the same view
    assert torch.equal(a[1], b[0]) and torch.equal(a[0], ds[(4, 2)][0])
    assert not torch.equal(a, ds.batch(idx, epoch=3)[0])
    other_seed = TensorImages(images, torch.arange(16) % 10, 32, FASHION_MNIST_CLASSES, True, seed=4, shift=2)
    assert not torch.equal(a, other_seed.batch(idx, epoch=2)[0])
    plain = TensorImages(images, torch.arange(16) % 10, 32, FASHION_MNIST_CLASSES)
    assert torch.equal(plain.batch(idx, epoch=2)[0], plain.batch(idx, epoch=5)[0])  # evaluation: fixed


def test_tensor_images_shift_and_flip_move_pixels_as_drawn():
    image = torch.zeros(1, 1, 8, 8, dtype=torch.uint8)
    image[0, 0, 3, 2] = 255
    ds = TensorImages(image, torch.zeros(1), 8, ("a",), augment=True, seed=0, shift=2)
    index = torch.zeros(1, dtype=torch.int64)
    for epoch in range(12):
        x, _ = ds.batch(index, epoch)
        u = [float(hashed_uniform(0, epoch, index, s)[0]) for s in range(3)]
        dy, dx = int(u[0] * 5) - 2, int(u[1] * 5) - 2
        row, col = 3 - dy, 2 - dx
        if u[2] < 0.5:
            col = 7 - col
        bright = (x[0, 0] > 0).nonzero().tolist()
        assert bright == ([[row, col]] if 0 <= row < 8 and 0 <= col < 8 else [])
    draws = hashed_uniform(0, 0, torch.arange(4000), 2)
    assert 0.45 < float((draws < 0.5).float().mean()) < 0.55
    assert 0 <= float(draws.min()) < float(draws.max()) < 1


def test_tensor_images_rejects_bad_input():
    with pytest.raises(ValueError, match="uint8"):
        TensorImages(torch.zeros(2, 1, 8, 8), torch.zeros(2), 8, ("a",))
    with pytest.raises(ValueError, match="labels"):
        TensorImages(torch.zeros(2, 1, 8, 8, dtype=torch.uint8), torch.zeros(3), 8, ("a",))
    with pytest.raises(ValueError, match="shift"):
        TensorImages(torch.zeros(2, 1, 8, 8, dtype=torch.uint8), torch.zeros(2), 8, ("a",), shift=8)


# ---------------------------------------------------------------------------------------------------------
# Imagenette and CIFAR-10 in torchvision's on-disk layouts


IMAGENETTE_WNIDS = ("n01440764", "n02102040", "n02979186")


def fabricate_imagenette(root, variant="160"):
    from PIL import Image

    for split, count in (("train", 3), ("val", 2)):
        for k, wnid in enumerate(IMAGENETTE_WNIDS):
            folder = root / f"imagenette2-{variant}" / split / wnid
            folder.mkdir(parents=True)
            for i in range(count):
                pixels = np.full((50, 70, 3), 40 * k + i, np.uint8)
                Image.fromarray(pixels).save(folder / f"{wnid}_{i}.JPEG")


def test_imagenette_from_its_folder_layout(tmp_path):
    fabricate_imagenette(tmp_path)
    b = build_datasets("imagenette", 32, data_dir=tmp_path)
    assert (len(b.train), len(b.val)) == (9, 6)
    assert b.classes == ("tench", "English springer", "cassette player")
    x, y = b.train[(4, 1)]
    assert x.shape == (3, 32, 32) and y == 1 and -1 <= float(x.min()) <= float(x.max()) <= 1
    assert b.val[0][0].shape == (3, 32, 32)


def test_imagenette_rerun_with_download_does_not_fetch_again(tmp_path, monkeypatch):
    """A second run with download=True in the same runtime (e.g. Colab) uses the copy on disk."""
    fabricate_imagenette(tmp_path)

    def no_network(*args, **kwargs):
        raise AssertionError("the folder exists: nothing to download")

    # torchvision < 0.21 raised from _download when the folder existed: it must not be called at all
    monkeypatch.setattr("torchvision.datasets.Imagenette._download", no_network)
    assert len(build_datasets("imagenette", 32, data_dir=tmp_path, download=True).train) == 9


def test_imagenette_download_branch_fetches_the_archive(tmp_path, monkeypatch):
    fetched = []

    def fake_download(url, download_root, md5=None, **kwargs):
        fetched.append(url)
        fabricate_imagenette(Path(download_root))

    monkeypatch.setattr("torchvision.datasets.imagenette.download_and_extract_archive", fake_download)
    b = build_datasets("imagenette", 32, data_dir=tmp_path / "data", download=True)
    assert len(fetched) == 1 and fetched[0].endswith("imagenette2-160.tgz") and len(b.train) == 9


def fabricate_cifar10(root):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": np.full((4, 3072), 7, np.uint8), "labels": [0, 3, 5, 9]}
        (folder / name).write_bytes(pickle.dumps(batch))
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": names}))


def test_cifar10_from_its_folder_layout(tmp_path, monkeypatch):
    """torchvision checks each file's MD5, which a fabricated copy cannot match: that check is substituted."""
    import torchvision.datasets as tvd

    fabricate_cifar10(tmp_path)
    monkeypatch.setattr(tvd.CIFAR10, "_check_integrity", lambda self: True)
    monkeypatch.setattr("torchvision.datasets.cifar.check_integrity", lambda *a, **k: True)
    b = build_datasets("cifar10", 36, data_dir=tmp_path)
    assert (len(b.train), len(b.val)) == (20, 4) and b.classes[3] == "cat"
    x, y = b.train[(1, 0)]
    assert x.shape == (3, 36, 36) and y == 3


def test_damaged_cifar10_is_reported_with_the_ways_to_get_it(tmp_path):
    fabricate_cifar10(tmp_path)  # the real MD5 check runs: these files are not CIFAR-10's
    with pytest.raises(DatasetNotFoundError, match="CIFAR-10"):
        build_datasets("cifar10", 36, data_dir=tmp_path)

"""Fixtures shared by the unit tests."""

import pytest
import torch


@pytest.fixture(scope="module")
def one_cpu_thread():
    """Run a test module's training on one torch thread.

    Small models run fastest on one thread (and shared CI machines punish thread hand-offs). Module scope,
    so that it also covers module-scoped runs: training results depend on the number of threads.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

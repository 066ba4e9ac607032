"""pytest configuration shared by the unit tests and nbval (which collects chapters/*.ipynb)."""

import os

os.environ.setdefault("TQDM_DISABLE", "1")


def pytest_collectstart(collector):
    # glue(..., display=False) stores PNGs under a papermill mime type; nbval would compare their bytes,
    # which differ between matplotlib builds. Text outputs are still compared.
    if hasattr(collector, "skip_compare"):
        collector.skip_compare += (
            "application/papermill.record/image/png",
            "image/png",
            "application/vnd.jupyter.widget-view+json",
        )

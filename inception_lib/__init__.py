"""inception_lib: Inception-v2/v3 ("Rethinking the Inception Architecture", Szegedy et al. 2016) rebuilt
step by step in PyTorch. The book's chapters import it; every number they state is computed here.

Modules, one concern each: ``layers`` (conv-BN-ReLU, factorized convolutions), ``blocks`` (Inception
modules, grid reductions, auxiliary head), ``network`` (Inception-v3), ``counting`` (parameters, MACs).
"""

from .counting import count_conv_weights, count_flops_torch, count_macs, count_params, mac_report
from .network import InceptionV3, inception_v3, load_torchvision_weights, shape_trace

__all__ = [
    "InceptionV3",
    "inception_v3",
    "load_torchvision_weights",
    "shape_trace",
    "count_params",
    "count_conv_weights",
    "count_macs",
    "mac_report",
    "count_flops_torch",
]
__version__ = "0.1.0"

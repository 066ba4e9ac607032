"""inception_lib: Inception-v2/v3 ("Rethinking the Inception Architecture", Szegedy et al. 2016) rebuilt
step by step in PyTorch. The book's chapters import it; every number they state is computed here.

One module per concern, read them in this order:

* ``layers``          the conv-BN-ReLU unit and the factorized convolutions (sec. 3)
* ``blocks``          the Figure 5/6/7 modules, grid reductions (sec. 5), the auxiliary head (Figure 8)
* ``network``         Inception-v3 and its Table 3 variants
* ``anatomy``         what a module is made of, read off one forward pass: its tree of chains and
                      branches with every output shape, receptive fields, ``eval_mode``
* ``counting``        parameters and multiply-accumulates (fvcore, cross-checked with FlopCounterMode);
                      the network block by block (shape trace, MACs and receptive field per block)
* ``kernels``         what a factorization can represent (chapter 1)
* ``representation``  the representational bottleneck, measured (chapter 3)
* ``paper``           the paper's tables as data
* ``pretrained``      torchvision's ImageNet weights in the book's model (``load_torchvision_weights``),
                      classifying a photo (online)
* ``recipe``          what the engine runs: label smoothing, TensorFlow-style RMSProp, the learning-rate
                      schedule, gradient clipping, EMA (sec. 7-8)
* ``calibration``     confidence and calibration: what label smoothing changes (chapter 5)
* ``optimizer_demos`` chapter 5's RMSProp comparisons (step sizes, the optimizer race)
* ``data``            the datasets: generated shapes, Fashion-MNIST, torchvision's; device-side batches
* ``evaluation``      confusion matrices and seed spreads of recorded runs (chapter 6)
* ``roofline``        what limits a training step on a GPU (chapter 6)
* ``train``           the training engine (config, runtime, checkpoint, engine, inference), ``python -m
                      inception_lib.train`` (not imported here, so that running it stays warning-free)
* ``records``         the recorded runs chapter 6 reads (package data)
* ``claims``          the paper, claim by claim: the table (claims.toml) and the checks behind the claims page
* ``check``           compares a reader's layer or block with the reference (the workbooks)
* ``plots``, ``tables``, ``widgets``, ``notebook``   figures, tables, explorers and notebook helpers
* ``doctor``          the environment check every setup cell runs (``python -m inception_lib.doctor``)
"""

from .anatomy import eval_mode
from .counting import count_conv_weights, count_flops_torch, count_macs, count_params, mac_report, shape_trace
from .doctor import doctor
from .network import InceptionV3, inception_v3
from .pretrained import load_torchvision_weights
from .recipe import TFRMSprop, label_smoothing_loss, smooth_targets

__all__ = [
    "doctor",
    "eval_mode",
    "InceptionV3",
    "inception_v3",
    "load_torchvision_weights",
    "shape_trace",
    "count_params",
    "count_conv_weights",
    "count_macs",
    "mac_report",
    "count_flops_torch",
    "TFRMSprop",
    "label_smoothing_loss",
    "smooth_targets",
]
__version__ = "0.1.0"

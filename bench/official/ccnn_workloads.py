"""CCNN workloads of bench/compare_official.sh, built from the official david-knigge/ccnn code, imported from the
directory given: cfg/config.yaml merged (OmegaConf) with a paper command of experiments/README.md, read from that
file at run time, then model_constructor.construct_model() (the network in its ClassificationWrapper),
optim.construct_optimizer() and ClassificationWrapper.training_step() for the loss, as main.py / Lightning run them.

Each function takes the directory and returns a time_official.Built whose step() is one step. Inputs are random
N(0, 1) signals of the shape the official datamodule delivers ([B, C, L] for sequences, [B, C, H, W] for images),
labels random."""
import os
import re

import torch

from time_official import Built, import_official, infer_step, log, train_step

REPO = "david-knigge/ccnn"
# Imported by model_constructor.py, models/ and ckconv/ for the Lightning trainer, metrics, logging, plots and point
# clouds; a step never runs them, so they are stand-ins (Debian's python has none of them).
STAND_INS = ("pytorch_lightning", "torchmetrics", "wandb", "hydra", "pandas", "plotly", "torch_geometric")


class _LightningModule(torch.nn.Module):
    """Stand-in for pl.LightningModule: an nn.Module whose log() (metrics to the Trainer's loggers) does nothing."""

    global_rank = 0

    def log(self, *args, **kwargs):
        pass


STAND_IN_ATTRS = {"pytorch_lightning": {"LightningModule": _LightningModule, "LightningDataModule": object}}


class _DataModule:
    """Stand-in for the datamodule main.py builds: the four facts construct_model() reads from it."""

    def __init__(self, data_dim, input_channels, output_channels, data_type, what):
        self.data_dim, self.input_channels, self.output_channels = data_dim, input_channels, output_channels
        self.data_type, self.what = data_type, what


# As the official datamodules set them for the configs used here.
MNIST_SEQUENCE = _DataModule(1, 1, 10, "sequence", "datamodules/mnist.py, data_type sequence")
CIFAR10_IMAGE = _DataModule(2, 3, 10, "image", "datamodules/cifar10.py, data_type default, not grayscale")
CIFAR10_SEQUENCE = _DataModule(1, 3, 10, "sequence", "datamodules/cifar10.py, data_type sequence, not grayscale")
SPEECH_RAW = _DataModule(1, 1, 10, "sequence", "datamodules/speech_commands.py, mfcc False")


def paper_command(ref, heading):
    """The overrides of the command under **heading** in experiments/README.md (without `python main.py`)."""
    path = os.path.join(ref, "experiments", "README.md")
    with open(path) as f:
        text = f.read()
    m = re.search(r"\*\*" + re.escape(heading) + r"\*\*:\s*```\s*\n(.*?)```", text, re.S)
    if not m:
        raise RuntimeError(f"no command '{heading}' in {path}")
    words = m.group(1).split()
    if words[:2] == ["python", "main.py"]:
        words = words[2:]
    return words


def paper_config(ref, overrides):
    """cfg/config.yaml with the command's overrides, as Hydra composes it for main.py (every key must exist)."""
    from omegaconf import OmegaConf

    cfg = OmegaConf.load(os.path.join(ref, "cfg", "config.yaml"))
    for word in overrides:
        key = word.split("=", 1)[0]
        if OmegaConf.select(cfg, key, default="<missing>") == "<missing>":
            raise RuntimeError(f"override {word}: no such key in cfg/config.yaml")
    cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist(overrides))
    OmegaConf.set_struct(cfg, False)  # as main.py
    cfg.train.avail_gpus = torch.cuda.device_count()
    return cfg


def _ccnn(ref, heading, datamodule, shape, batch, infer=False):
    model_constructor = import_official(ref, REPO, "model_constructor", STAND_INS, STAND_IN_ATTRS)
    optim = import_official(ref, REPO, "optim")

    overrides = paper_command(ref, heading) + ["device=cpu"]  # the README's way to run on CPU
    log(f"{heading}: {' '.join(overrides)}")
    cfg = paper_config(ref, overrides)
    wrapper = model_constructor.construct_model(cfg, datamodule)
    network = wrapper.network
    params = sum(p.numel() for p in network.parameters() if p.requires_grad)  # ckconv.utils.no_params
    log(f"{heading} parameters: {params}")
    x = torch.randn(batch, datamodule.input_channels, *shape)
    note = (f"official model_constructor.construct_model, cfg/config.yaml + experiments/README.md '{heading}' "
            f"(+ device=cpu); datamodule stand-in ({datamodule.what}); {params} params; random N(0,1) inputs "
            f"{list(x.shape)}")
    if infer:
        return Built(infer_step(wrapper, lambda: wrapper(x)), batch, note + "; eval forward, no_grad")
    y = torch.randint(0, datamodule.output_channels, (batch,))
    optimizer = optim.construct_optimizer(model=wrapper, optim_cfg=cfg.optimizer)  # as configure_optimizers()
    wd = cfg.optimizer.weight_decay
    reg = " (weight_decay 0: no LnLoss)"
    if wrapper.weight_regularizer is not None:
        reg = f" + LnLoss(weight_loss {wd}, L2)"
    note += (f", random labels; training step: ClassificationWrapper.training_step loss (cross entropy{reg}), "
             f"{cfg.optimizer.name} lr {cfg.optimizer.lr} from optim.construct_optimizer (its weight_decay is 0)")
    return Built(train_step(wrapper, optimizer, lambda: wrapper.training_step((x, y), 0)["loss"]), batch, note)


def ccnn_smnist(ref):
    return _ccnn(ref, "sMNIST CCNN-4,140", MNIST_SEQUENCE, (784,), 100)


def ccnn_smnist_infer(ref):
    return _ccnn(ref, "sMNIST CCNN-4,140", MNIST_SEQUENCE, (784,), 100, infer=True)


def ccnn_cifar10_2d(ref):
    return _ccnn(ref, "CIFAR10 CCNN-4,140", CIFAR10_IMAGE, (32, 32), 64)


def ccnn_speech_raw(ref):
    return _ccnn(ref, "Raw CCNN-4,140", SPEECH_RAW, (16000,), 20)


def ccnn_scifar_6_380(ref):
    return _ccnn(ref, "sCIFAR10 CCNN-6,380", CIFAR10_SEQUENCE, (1024,), 50)

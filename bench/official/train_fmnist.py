#!/usr/bin/python3
"""Time to accuracy of the OFFICIAL MultiresNet or CCNN on sequential Fashion-MNIST, under a fixed protocol.

    /usr/bin/python3 bench/official/train_fmnist.py {multires|ccnn} --ref DIR --steps 450 --seed S \
        [--threads N] [--data /usr/share/datasets/fashion-mnist]

DIR is a checkout of github.com/thjashin/multires-conv (multires) or github.com/david-knigge/ccnn (ccnn); the model,
optimizer and loss come from it, imported at run time (nothing of it is copied here). Trains for --steps optimizer
steps, evaluates on the 10k test images, and prints ONE line of JSON on stdout; logs go to stderr.

Protocol (identical for the official code and the C++ reimplementation it is compared with):
  data      gzip IDX files of Debian's dataset-fashion-mnist; pixels / 255, normalised with mean 0.2860, std 0.3530,
            as 784-step sequences of 1 channel in raster order, [B, 1, 784] (what classification.MultiresNet and
            CCNN's ResNet_sequence take: [B, C, L]).
  split     randperm(60000) of a torch.Generator seeded 42; the first 54000 train, the other 6000 validation (not
            used). This is what multires-conv's utils.split_train_val(val_split=0.1) does (random_split, seed 42).
  batches   50, reshuffled every epoch by randperm(54000) of a torch.Generator seeded with --seed (as
            DataLoader(shuffle=True, generator=...) draws it), drop_last false; --steps batches in all.
  optimizer AdamW; CosineAnnealingLR(T_max=--steps) stepped after every optimizer step: cosine to 0, no warm-up.
  model     torch.manual_seed(--seed) right before it is built.
    multires  classification.MultiresNet(d_input 1, d_output 10, d_model 64, n_layers 4, LayerNorm, dropout 0.1,
              kernel_size 2, tree_select fading, max_length 784, encoder linear, the argparse defaults otherwise);
              classification.setup_optimizer (AdamW lr 0.0045, weight_decay 0.01; warmup 0 -> CosineAnnealingLR);
              cross entropy, as classification.train().
    ccnn      cfg/config.yaml + the 'sMNIST CCNN-4,140' command of experiments/README.md + net.no_hidden=64
              optimizer.weight_decay=0 device=cpu, via model_constructor.construct_model (ResNet_sequence in its
              ClassificationWrapper; a stand-in datamodule for MNIST sequence: 1 in, 10 out); AdamW lr 0.01 from
              optim.construct_optimizer; the loss of ClassificationWrapper.training_step (cross entropy + the
              LnLoss(L2) weight regularizer, which weight_decay 0 switches off).
  timing    train_seconds: from the first batch to the last optimizer step (data already in memory, no test);
            eval_seconds: the test pass, eval mode, no grad, batch 500.
"""
import argparse
import contextlib
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# Shared with time_official.py: the import of an official checkout with stand-ins for the packages it imports for
# datasets, logging and its trainer (Debian's python has none of them; training here never runs them).
from time_official import count_params, import_official, log  # noqa: E402

MEAN, STD = 0.2860, 0.3530
SPLIT_SEED, N_TRAIN = 42, 54000
BATCH, EVAL_BATCH = 50, 500
SEQ_LEN, CLASSES = 784, 10

MULTIRES = dict(d_model=64, n_layers=4, batchnorm=False, dropout=0.1, kernel_size=2, tree_select="fading",
                lr=0.0045, weight_decay=0.01)
CCNN_COMMAND = "sMNIST CCNN-4,140"
CCNN_EXTRA = ["net.no_hidden=64", "net.no_blocks=4", "net.dropout=0.1", "optimizer.lr=0.01",
              "optimizer.name=AdamW", "optimizer.weight_decay=0", "device=cpu"]


# ---------------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------------
def _idx(path, magic, header):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    got = int.from_bytes(raw[:4], "big")
    if got != magic:
        raise ValueError(f"{path}: IDX magic {got:#x}, expected {magic:#x}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header)


def load_split(data_dir, name):
    images = _idx(os.path.join(data_dir, f"{name}-images-idx3-ubyte.gz"), 0x803, 16).reshape(-1, SEQ_LEN)
    labels = _idx(os.path.join(data_dir, f"{name}-labels-idx1-ubyte.gz"), 0x801, 8)
    if len(images) != len(labels):
        raise ValueError(f"{data_dir}/{name}: {len(images)} images, {len(labels)} labels")
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - MEAN) / STD
    return x.view(-1, 1, SEQ_LEN).contiguous(), torch.from_numpy(labels.astype(np.int64))


def batches(n, steps, seed):
    """Index batches of `steps` training steps: each epoch randperm(n) from one generator seeded `seed`."""
    g = torch.Generator().manual_seed(seed)
    done = 0
    while done < steps:
        perm = torch.randperm(n, generator=g)
        for start in range(0, n, BATCH):  # drop_last false
            if done == steps:
                return
            yield perm[start:start + BATCH]
            done += 1


# ---------------------------------------------------------------------------------------------------------------
# Models: each returns (module to train, eval forward, loss(x, y), optimizer, params, note)
# ---------------------------------------------------------------------------------------------------------------
def build_multires(ref, seed, steps):
    try:
        from multires_workloads import STAND_INS
    except ImportError:
        STAND_INS = ("torchvision", "tqdm", "sklearn", "torchtext", "datasets", "pandas", "wfdb", "transformers")
    classification = import_official(ref, "thjashin/multires-conv", "classification", STAND_INS)
    a = MULTIRES
    torch.manual_seed(seed)
    # As classification.main() builds it (argparse defaults for the rest: layer multires, hinit None, depth None,
    # d_mem None, indep_res_init False), without DDP (one process).
    model = classification.MultiresNet(
        d_input=1, d_output=CLASSES, d_model=a["d_model"], n_layers=a["n_layers"], dropout=a["dropout"],
        batchnorm=a["batchnorm"], encoder="linear", n_tokens=None, layer_type="multires", max_length=SEQ_LEN,
        hinit=None, depth=None, tree_select=a["tree_select"], d_mem=None, kernel_size=a["kernel_size"],
        indep_res_init=False)
    # epochs * iters_per_epoch = steps total; warmup 0 -> CosineAnnealingLR(optimizer, steps).
    optimizer, scheduler = classification.setup_optimizer(model, lr=a["lr"], weight_decay=a["weight_decay"],
                                                          epochs=1, iters_per_epoch=steps, warmup=0)
    criterion = torch.nn.CrossEntropyLoss()

    def loss_fn(x, y, i):
        num_pad = model.max_length - x.shape[-1]  # as classification.train(): 0 here
        if num_pad > 0:
            x = torch.nn.functional.pad(x, (0, num_pad), "constant", 0)
        return criterion(model(x), y)

    note = (f"official classification.MultiresNet: d_model {a['d_model']}, {a['n_layers']} layers, LayerNorm, "
            f"dropout {a['dropout']}, kernel {a['kernel_size']}, {a['tree_select']}, depth "
            f"{model.seq_layers[0].depth}; setup_optimizer: AdamW lr {a['lr']} wd {a['weight_decay']}, "
            f"CosineAnnealingLR({steps}); cross entropy")
    return model, model, loss_fn, optimizer, scheduler, count_params(model), note


def build_ccnn(ref, seed, steps):
    from omegaconf import OmegaConf
    from ccnn_workloads import MNIST_SEQUENCE, STAND_IN_ATTRS, STAND_INS, paper_command, paper_config

    model_constructor = import_official(ref, "david-knigge/ccnn", "model_constructor", STAND_INS, STAND_IN_ATTRS)
    optim = import_official(ref, "david-knigge/ccnn", "optim")

    overrides = paper_command(ref, CCNN_COMMAND) + CCNN_EXTRA  # later overrides win
    cfg = paper_config(ref, overrides)
    cfg.seed = seed
    log("CCNN config: " + " ".join(f"{k}={OmegaConf.select(cfg, k)}" for k in (
        "net.type", "net.block.type", "net.no_hidden", "net.no_blocks", "net.dropout", "net.norm", "conv.type",
        "kernel.type", "kernel.no_hidden", "mask.type", "optimizer.name", "optimizer.lr", "optimizer.weight_decay")))

    torch.manual_seed(seed)
    wrapper = model_constructor.construct_model(cfg, MNIST_SEQUENCE)
    if wrapper.weight_regularizer is not None:
        raise RuntimeError("protocol has weight_decay 0, but the wrapper built an LnLoss regularizer")
    # optim.construct_optimizer: AdamW(lr) over two groups (mask params at lr * mask_lr_ratio = lr), torch
    # weight_decay 0 (the official decay is the LnLoss term, off here).
    optimizer = optim.construct_optimizer(model=wrapper, optim_cfg=cfg.optimizer)
    # Not optim.construct_scheduler: without warm-up it cannot build a plain cosine (see README); its cosine part
    # is this same CosineAnnealingLR, stepped per step as configure_optimizers() asks Lightning to.
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)

    def loss_fn(x, y, i):
        return wrapper.training_step((x, y), i)["loss"]

    params = count_params(wrapper.network)  # ckconv.utils.no_params(network)
    note = (f"official model_constructor.construct_model, cfg/config.yaml + experiments/README.md '{CCNN_COMMAND}' + "
            f"{' '.join(CCNN_EXTRA)}; datamodule stand-in ({MNIST_SEQUENCE.what}); optim.construct_optimizer "
            f"AdamW lr {cfg.optimizer.lr}, CosineAnnealingLR({steps}); ClassificationWrapper.training_step loss "
            f"(cross entropy; LnLoss off: weight_decay 0)")
    return wrapper, wrapper, loss_fn, optimizer, scheduler, params, note


BUILDERS = {"multires": build_multires, "ccnn": build_ccnn}


# ---------------------------------------------------------------------------------------------------------------
def evaluate(module, x, y):
    module.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), EVAL_BATCH):
            logits = module(x[start:start + EVAL_BATCH])
            correct += (logits.argmax(1) == y[start:start + EVAL_BATCH]).sum().item()
    return 100.0 * correct / len(x)


def main(argv=None):
    # The official code prints to stdout (model_constructor's "Automatic Parameters", "Block i/n", MultiresLayer's
    # "depth:"); stdout is for the JSON line only.
    with contextlib.redirect_stdout(sys.stderr):
        out = run(argv)
    print(json.dumps(out), flush=True)


def run(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", choices=sorted(BUILDERS))
    p.add_argument("--ref", required=True, help="official checkout (thjashin/multires-conv or david-knigge/ccnn)")
    p.add_argument("--steps", type=int, default=450)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--log-every", type=int, default=25)
    args = p.parse_args(argv)
    if args.steps < 1 or args.threads < 1:
        p.error("--steps and --threads must be positive")
    torch.set_num_threads(args.threads)  # Debian's torch defaults to 1 thread

    train_x, train_y = load_split(args.data, "train")
    test_x, test_y = load_split(args.data, "t10k")
    order = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(SPLIT_SEED))
    train_idx = order[:N_TRAIN]
    train_x, train_y = train_x[train_idx].contiguous(), train_y[train_idx].contiguous()
    log(f"data: train {tuple(train_x.shape)} (of 60000; 6000 validation unused), test {tuple(test_x.shape)}")

    module, forward, loss_fn, optimizer, scheduler, params, note = BUILDERS[args.model](
        os.path.abspath(args.ref), args.seed, args.steps)
    log(f"{note}; {params} params; {args.threads} threads")

    losses = []
    module.train()
    t0 = time.perf_counter()
    for i, idx in enumerate(batches(N_TRAIN, args.steps, args.seed)):
        x, y = train_x[idx], train_y[idx]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(x, y, i)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            raise RuntimeError(f"step {i}: loss {losses[-1]}")
        if (i + 1) % args.log_every == 0 or i == 0 or i + 1 == args.steps:
            recent = losses[-args.log_every:]
            log(f"step {i + 1}/{args.steps}  loss {losses[-1]:.4f}  mean(last {len(recent)}) "
                f"{sum(recent) / len(recent):.4f}  lr {scheduler.get_last_lr()[0]:.6f}  "
                f"{time.perf_counter() - t0:.1f} s")
    train_seconds = time.perf_counter() - t0

    t1 = time.perf_counter()
    acc = evaluate(forward, test_x, test_y)
    eval_seconds = time.perf_counter() - t1
    k = min(10, len(losses))
    out = {"model": args.model, "impl": "official", "steps": args.steps, "seed": args.seed, "threads": args.threads,
           "train_seconds": round(train_seconds, 3), "eval_seconds": round(eval_seconds, 3),
           "test_accuracy": round(acc, 2), "params": params,
           "loss_first10": round(sum(losses[:k]) / k, 4), "loss_last10": round(sum(losses[-k:]) / k, 4),
           "note": note}
    log(f"test accuracy {acc:.2f}%  train {train_seconds:.1f} s  eval {eval_seconds:.1f} s")
    return out


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Times one workload of bench/compare_official.sh in the OFFICIAL code of MultiresNet or CCNN.

    /usr/bin/python3 bench/official/time_official.py WORKLOAD --ref-multires DIR --ref-ccnn DIR \
        [--threads N] [--steps K] [--warmup W]

The official repository a workload needs (thjashin/multires-conv or david-knigge/ccnn) is imported at run time from
the directory given; nothing of it is copied here. W untimed steps, then K timed ones; stdout gets ONE line of JSON
(seconds_per_step is the median of the K), everything else goes to stderr. See bench/official/README.md.

This file also holds what both workload modules share: the import of an official repository (with stand-ins for
the data/logging packages it imports but a step never uses) and the train/inference step helpers.
"""
import argparse
import contextlib
import importlib.abc
import importlib.machinery
import json
import os
import statistics
import sys
import time
import types

EXIT_USAGE, EXIT_IMPORT = 2, 3


class OfficialImportError(Exception):
    """The official repository is missing or could not be imported."""


# ---------------------------------------------------------------------------------------------------------------
# Import of an official repository
# ---------------------------------------------------------------------------------------------------------------
class _StandInMeta(type):
    def __getattr__(cls, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _StandInMeta(attr, (_StandIn,), {"__module__": cls.__module__})


class _StandIn(metaclass=_StandInMeta):
    """Whatever a stand-in package hands out: a class that can be called, subclassed and asked for attributes
    (which are such classes again)."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return None


class _StandInModule(types.ModuleType):
    def __init__(self, name, attrs):
        super().__init__(name)
        self.__path__ = []  # a package, so `import name.sub` works
        self.__dict__.update(attrs)

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        value = _StandInMeta(attr, (_StandIn,), {"__module__": self.__name__})
        setattr(self, attr, value)
        return value


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the named top-level packages (and their submodules) as stand-ins, whether or not they are installed."""

    def __init__(self, names, attrs):
        self.names, self.attrs = set(names), attrs

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return _StandInModule(spec.name, self.attrs.get(spec.name, {}))

    def exec_module(self, module):
        pass


def import_official(ref_dir, repo_name, probe, stand_ins=(), stand_in_attrs=None):
    """Puts the official checkout `ref_dir` first on sys.path, serves `stand_ins` (packages the repository imports
    for datasets, logging or its trainer, which a timed step never runs) as stand-ins, and imports `probe` (a module
    of the repository) to check it works. Raises OfficialImportError with a clear message otherwise."""
    if not ref_dir:
        raise OfficialImportError(f"this workload needs the official {repo_name} checkout: pass its directory")
    ref_dir = os.path.abspath(ref_dir)
    if not os.path.isdir(ref_dir):
        raise OfficialImportError(f"official {repo_name} checkout not found: {ref_dir} is not a directory")
    if not os.path.isfile(os.path.join(ref_dir, probe.replace(".", "/") + ".py")):
        raise OfficialImportError(f"{ref_dir} does not look like {repo_name}: no {probe.replace('.', '/')}.py")
    if ref_dir not in sys.path:
        sys.path.insert(0, ref_dir)
    if stand_ins:
        sys.meta_path.insert(0, _StandInFinder(stand_ins, stand_in_attrs or {}))
    try:
        return importlib.import_module(probe)
    except Exception as e:  # an ImportError, or anything the module raises at import
        raise OfficialImportError(f"cannot import {probe} of {repo_name} from {ref_dir}: {type(e).__name__}: {e}")


# ---------------------------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------------------------
class Built:
    """A workload ready to time: `step()` runs one step; `batch` and `note` go into the JSON line. If
    `positions_total` is set, a step is one of that many identical positions and the total is extrapolated."""

    def __init__(self, step, batch, note, positions_total=None):
        self.step, self.batch, self.note, self.positions_total = step, batch, note, positions_total


def count_params(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def train_step(module, optimizer, loss_fn):
    """One training step as the official loops run it: train mode, zero_grad, forward + loss (`loss_fn()`),
    backward, optimizer step. The learning-rate scheduler's step (a few scalar ops) is not part of it."""

    def step():
        module.train()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def infer_step(module, forward_fn):
    """One inference forward: eval mode, no gradients."""
    import torch

    def step():
        module.eval()
        with torch.no_grad():
            return forward_fn().sum().item()

    return step


# ---------------------------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------------------------
# name -> (workload module, repository option, default timed steps): 2 (the least) where a step takes 10 s or more
# on a 2-core machine, so most paper-size workloads cannot stay under a minute; see the README's measured times.
WORKLOADS = {
    "multires_layer": ("multires_workloads", "ref_multires", 2),
    "multires_net_small": ("multires_workloads", "ref_multires", 2),
    "multires_scifar": ("multires_workloads", "ref_multires", 2),
    "multires_listops": ("multires_workloads", "ref_multires", 2),
    "multires_scifar_infer": ("multires_workloads", "ref_multires", 2),
    "multires_ar_sample": ("multires_workloads", "ref_multires", 2),
    "ccnn_smnist": ("ccnn_workloads", "ref_ccnn", 2),
    "ccnn_smnist_infer": ("ccnn_workloads", "ref_ccnn", 5),
    "ccnn_cifar10_2d": ("ccnn_workloads", "ref_ccnn", 2),
    "ccnn_speech_raw": ("ccnn_workloads", "ref_ccnn", 2),
    "ccnn_scifar_6_380": ("ccnn_workloads", "ref_ccnn", 2),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--ref-multires", help="checkout of github.com/thjashin/multires-conv")
    parser.add_argument("--ref-ccnn", help="checkout of github.com/david-knigge/ccnn")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all CPUs)")
    parser.add_argument("--steps", type=int, help="timed steps (default: per workload)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps first (default 1)")
    args = parser.parse_args(argv)
    module_name, repo_option, default_steps = WORKLOADS[args.workload]
    steps = default_steps if args.steps is None else args.steps
    if steps < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("--steps and --threads must be >= 1, --warmup >= 0")

    import torch

    torch.set_num_threads(args.threads)  # Debian's torch defaults to 1 thread
    torch.manual_seed(0)
    # The workload modules import this file's helpers as `time_official`: the running script, not a second copy.
    sys.modules.setdefault("time_official", sys.modules[__name__])
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree or the checkouts
    workloads = importlib.import_module(module_name)

    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # the official code prints (depths, blocks, parameters)
        try:
            built = getattr(workloads, args.workload)(getattr(args, repo_option))
        except OfficialImportError as e:
            log(f"time_official.py: {args.workload}: {e}")
            return EXIT_IMPORT
        log(f"{args.workload}: {built.note}")
        log(f"{args.workload}: threads={torch.get_num_threads()} warmup={args.warmup} steps={steps}")
        times = []
        for i in range(args.warmup + steps):
            t0, c0 = time.perf_counter(), time.process_time()
            built.step()
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            if i >= args.warmup:
                times.append(seconds)
            what = f"warm-up {i + 1}/{args.warmup}" if i < args.warmup else f"step {i - args.warmup + 1}/{steps}"
            # CPU seconds too: on a loaded machine the wall time says more about the other load than the step.
            log(f"  {what}: {seconds:.4f} s wall, {cpu:.4f} s CPU")

    result = {
        "workload": args.workload,
        "impl": "official",
        "seconds_per_step": statistics.median(times),
        "steps": steps,
        "threads": torch.get_num_threads(),
        "batch": built.batch,
        "note": built.note,
    }
    if built.positions_total:
        result["extrapolated_seconds"] = result["seconds_per_step"] * built.positions_total
    print(json.dumps(result), file=real_stdout, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

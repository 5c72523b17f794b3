"""MultiresNet workloads of bench/compare_official.sh, built from the official thjashin/multires-conv modules
(layers/multireslayer.py, classification.py, autoregressive.py, utils.py), imported from the directory given.

Each function takes that directory and returns a time_official.Built whose step() is one step. Inputs are random
(N(0, 1) signals, uniform tokens and labels) of the shapes the official dataloaders deliver."""
import torch

from time_official import Built, count_params, import_official, infer_step, log, train_step

REPO = "thjashin/multires-conv"
# Imported by classification.py / autoregressive.py / dataloaders/ for datasets, metrics, progress bars and the
# transformers LR schedule; a step never runs them, so they are stand-ins (Debian's python has none of them).
STAND_INS = ("torchvision", "tqdm", "sklearn", "torchtext", "datasets", "pandas", "wfdb", "transformers")

# classification.py's argparse defaults, and the paper commands over them.
CLASSIFICATION_ARGS = dict(lr=0.01, weight_decay=0.01, epochs=100, warmup=0, n_layers=4, d_model=128, d_mem=None,
                           dropout=0.1, batchnorm=False, hinit=None, depth=None, tree_select="fading", kernel_size=2,
                           indep_res_init=False)
# scripts/seq_cifar.sh
SEQ_CIFAR_ARGS = dict(CLASSIFICATION_ARGS, d_model=256, lr=0.0045, epochs=250, dropout=0.25, n_layers=10,
                      tree_select="fading")
# scripts/listops.sh
LISTOPS_ARGS = dict(CLASSIFICATION_ARGS, d_model=128, lr=0.003, epochs=100, dropout=0.1, n_layers=10,
                    batchnorm=True, warmup=1, tree_select="fading", weight_decay=0.03, indep_res_init=True,
                    kernel_size=4)
# scripts/autoregressive.sh over autoregressive.py's defaults. The script passes --layer=mutlires, which
# autoregressive.py's argparse (choices=['multires']) rejects: the only layer there is, multires, is meant.
AR_CIFAR_ARGS = dict(CLASSIFICATION_ARGS, lr=0.001, epochs=250, d_model=512, dropout=0.1, n_layers=48,
                     tree_select="fading", indep_res_init=True, kernel_size=4)

# What classification.main() takes from the dataset. CIFAR-10: image2seq gives [3, 1024] per image ([B, C, L]).
CIFAR_DATA = dict(d_input=3, d_output=10, encoder="linear", n_tokens=None, max_length=1024)
# ListOps (dataloaders/lra.py): d_output 10, l_max 2048, tokens [B, L] padded with <pad> = 0 up to l_max; the vocab
# is torchtext's over the training tokens plus specials <pad>, <unk>, <eos>: 10 digits, [MIN [MAX [MED [SM, X (the
# renamed ']') and the 3 specials = 18 ("Actual size 18" in lra.py).
LISTOPS_DATA = dict(d_input=1, d_output=10, encoder="embedding", n_tokens=18, max_length=2048)


def _net(cls, args, data, **extra):
    """MultiresNet / MultiresAR as classification.main() / autoregressive.main() build them from args and the
    dataset, without the DDP wrapper and SyncBatchNorm (identical in one process)."""
    return cls(d_input=data["d_input"], d_model=args["d_model"], n_layers=args["n_layers"], dropout=args["dropout"],
               batchnorm=args["batchnorm"], encoder=data["encoder"], n_tokens=data["n_tokens"],
               layer_type="multires", max_length=data["max_length"], hinit=args["hinit"], depth=args["depth"],
               tree_select=args["tree_select"], d_mem=args["d_mem"], kernel_size=args["kernel_size"],
               indep_res_init=args["indep_res_init"], **extra)


def _describe(args):
    norm = "batchnorm" if args["batchnorm"] else "layernorm"
    return (f"d_model {args['d_model']}, {args['n_layers']} layers, kernel {args['kernel_size']}, "
            f"{args['tree_select']}, {norm}, dropout {args['dropout']}"
            + (", indep_res_init" if args["indep_res_init"] else ""))


def _classification(ref, args, data, batch, what, infer=False):
    classification = import_official(ref, REPO, "classification", STAND_INS)
    model = _net(classification.MultiresNet, args, data, d_output=data["d_output"])
    params = count_params(model)
    log(f"MultiresNet parameters: {params}")
    if data["n_tokens"]:
        x = torch.randint(0, data["n_tokens"], (batch, data["max_length"]))
        kwargs = {"lengths": torch.full((batch,), data["max_length"])}  # the ListOps collate passes lengths
        shape = f"int64 tokens [{batch}, {data['max_length']}] (vocab {data['n_tokens']}), lengths"
    else:
        x = torch.randn(batch, data["d_input"], data["max_length"])
        kwargs = {}
        shape = f"N(0,1) inputs [{batch}, {data['d_input']}, {data['max_length']}]"
    note = f"official classification.MultiresNet, {what}: {_describe(args)}; {params} params; random {shape}"
    if infer:
        return Built(infer_step(model, lambda: model(x, **kwargs)), batch, note + "; eval forward, no_grad")
    y = torch.randint(0, data["d_output"], (batch,))
    # The official optimizer: AdamW(lr, weight_decay); the scheduler it also returns is not stepped in the timing.
    optimizer, _ = classification.setup_optimizer(model, lr=args["lr"], weight_decay=args["weight_decay"],
                                                  epochs=args["epochs"], iters_per_epoch=1000,
                                                  warmup=args["warmup"])
    criterion = torch.nn.CrossEntropyLoss()
    note += f", random labels; training step, AdamW lr {args['lr']} wd {args['weight_decay']}; no DDP"
    return Built(train_step(model, optimizer, lambda: criterion(model(x, **kwargs), y)), batch, note)


def multires_layer(ref):
    multireslayer = import_official(ref, REPO, "layers.multireslayer")
    batch, d_model, length = 50, 256, 1024
    # As classification.py builds it (depth=None, seq_len=max_length, so depth = ceil(log2((L - 1) / (k - 1) + 1))
    # = 10), without dropout: forward is gelu(multires conv), as bench_multires_layer.cpp times it.
    layer = multireslayer.MultiresLayer(d_model, kernel_size=2, depth=None, wavelet_init=None, tree_select="fading",
                                        seq_len=length, dropout=0.0, memory_size=None, indep_res_init=False)
    x = torch.randn(batch, d_model, length, requires_grad=True)

    def step():
        layer.zero_grad(set_to_none=True)
        x.grad = None
        y = layer(x)  # dropout(gelu(forward_fading(x, ...))), dropout 0 -> Identity
        y.sum().backward()
        return x.grad.sum().item()

    note = (f"official layers.multireslayer.MultiresLayer(d_model {d_model}, kernel 2, fading, depth {layer.depth}, "
            f"dropout 0): forward (its GELU included) + sum().backward(), N(0,1) input [{batch}, {d_model}, "
            f"{length}] requires_grad")
    return Built(step, batch, note)


def multires_net_small(ref):
    args = dict(SEQ_CIFAR_ARGS, d_model=128, n_layers=4, dropout=0.1, lr=1e-3, weight_decay=0.01)
    return _classification(ref, args, CIFAR_DATA, 32, "seq_cifar.sh shape at small size")


def multires_scifar(ref):
    return _classification(ref, SEQ_CIFAR_ARGS, CIFAR_DATA, 50, "scripts/seq_cifar.sh")


def multires_listops(ref):
    return _classification(ref, LISTOPS_ARGS, LISTOPS_DATA, 50, "scripts/listops.sh")


def multires_scifar_infer(ref):
    return _classification(ref, SEQ_CIFAR_ARGS, CIFAR_DATA, 50, "scripts/seq_cifar.sh", infer=True)


def multires_ar_sample(ref):
    autoregressive = import_official(ref, REPO, "autoregressive", STAND_INS)
    utils = import_official(ref, REPO, "utils")
    n, data_shape = 64, (3, 32, 32)
    model = _net(autoregressive.MultiresAR, AR_CIFAR_ARGS, CIFAR_DATA, nr_logistic_mix=10)
    params = count_params(model)
    log(f"MultiresAR parameters: {params}")
    positions = data_shape[1] * data_shape[2]
    samples = torch.zeros(n, data_shape[0], positions)
    state = {"pos": 0}

    def step():
        # One iteration of autoregressive_eval.sample(): a full forward over the whole [64, 3, 1024] canvas, a draw
        # of all 3 channels of one pixel from the mixture of logistics, written into the canvas.
        i, j = divmod(state["pos"], data_shape[2])
        model.eval()
        with torch.no_grad():
            out = model(samples)
            out = utils.sample_from_discretized_mix_logistic(out.reshape(*out.shape[:2], *data_shape[1:]),
                                                             model.nr_logistic_mix)
            samples[:, :, state["pos"]] = out[:, :, i, j]
        state["pos"] = (state["pos"] + 1) % positions
        return samples.sum().item()

    note = (f"official autoregressive.MultiresAR, scripts/autoregressive.sh: {_describe(AR_CIFAR_ARGS)}, 10 logistics; "
            f"{params} params; sampling {n} images 3x32x32 as autoregressive_eval.sample() does: {positions} "
            f"positions (pixels; each draws its 3 channels), each a full forward over the whole canvas, so every "
            f"position costs the same: seconds_per_step is per position, extrapolated_seconds = x {positions}")
    return Built(step, n, note, positions_total=positions)

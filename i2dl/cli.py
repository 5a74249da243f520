"""The ``i2dl`` command: info | check | bench | train."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="i2dl", description="i2dl: the Introduction to Deep Learning system")
    parser.add_argument("--threads", type=int, default=None, help="threads of every kernel, GEMMs included (default: all cores)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="version, compiler, ISA clone, BLAS, threads, CUDA")
    p_check = sub.add_parser("check", help="cross-check every kernel and backend against the reference")
    p_check.add_argument("--seed", type=int, default=None)
    p_bench = sub.add_parser("bench", help="microbenchmarks: reference vs cpu vs torch")
    p_bench.add_argument("--json", metavar="FILE", default=None, help="also write the table as JSON")
    p_bench.add_argument("--filter", default=None, help="only rows whose op or shape contains this text")
    p_bench.add_argument("--no-reference", action="store_true", help="skip timing the NumPy reference")
    p_bench.add_argument("--quick", action="store_true", help="shorter timing budgets")
    p_bench.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                         help="cpu: reference vs cpu vs torch; cuda: the cuda backend vs torch on the GPU")
    p_train = sub.add_parser("train", help="train an image classifier (default: a LeNet-style CNN on the bundled digits)")
    p_train.add_argument("--dataset", default="digits",
                         help="digits (bundled 8x8, default) | mnist:DIR | fashion-mnist:DIR | cifar10:DIR: the IDX files "
                              "or CIFAR-10's binary batches in DIR (the model adapts to the image shape and classes)")
    p_train.add_argument("--epochs", type=int, default=None, help="epochs in all (with --resume: to this many)")
    p_train.add_argument("--batch-size", type=int, default=None)
    p_train.add_argument("--lr", type=float, default=None)
    p_train.add_argument("--weight-decay", type=float, default=None, help="L2 penalty (default 1e-4 for sgd)")
    p_train.add_argument("--seed", type=int, default=0)
    p_train.add_argument("--augment", action="store_true",
                         help="online augmentation: crops and flips for colour images, small affine maps and noise for grey")
    p_train.add_argument("--early-stopping", type=int, default=None, metavar="PATIENCE",
                         help="stop after PATIENCE epochs without a better --monitor; the best weights are kept")
    p_train.add_argument("--monitor", default="val_acc", choices=["val_acc", "val_loss"],
                         help="what picks the best epoch (and early stopping watches)")
    p_train.add_argument("--resume", default=None, metavar="PATH",
                         help="continue the run whose --out PATH wrote the checkpoint (bit for bit), to --epochs in all")
    p_train.add_argument("--plot", action="store_true", help="write the learning curves as <OUT>.png (needs matplotlib)")
    p_train.add_argument("--label-smoothing", type=float, default=None, help="cross-entropy label smoothing in [0, 1]")
    p_train.add_argument("--max-norm", type=float, default=None,
                         help="max-norm constraint: each unit's weight vector projected into ||w|| <= MAX_NORM after each step")
    p_train.add_argument("--search", default=None, choices=["grid", "random"],
                         help="hyper-parameter search on the validation split (lr, batch size; random: weight decay too), "
                              "then the best retrained and tested once")
    p_train.add_argument("--trials", type=int, default=8, help="random search trials")
    p_train.add_argument("--distributed", action="store_true",
                         help="data-parallel over the ranks of an MPI launch (mpirun -n N i2dl train --distributed): "
                              "--batch-size is the global batch, shared out; only rank 0 prints and writes")
    p_train.add_argument("--model", default="lenet", choices=["lenet", "lenet-bn", "mlp", "lstm", "resnet20", "unet"],
                         help="lenet: the digits CNN; lenet-bn: with batch norm after each conv; mlp; lstm: an LSTM "
                              "reading each image row by row (8 steps of 8 pixels; Adam, gradients clipped at norm 1); "
                              "resnet20: the CIFAR ResNet-20 (SGD with momentum); "
                              "unet: a U-Net segmenting generated shapes on noise (reports the test mean IoU)")
    p_train.add_argument("--optimizer", default=None, choices=["sgd", "adam", "adamw", "rmsprop", "adagrad"],
                         help="default sgd (adam for lstm). sgd: momentum 0.9, weight decay 1e-4; adam, adamw (weight decay 1e-2): lr 2e-3; "
                              "rmsprop: lr 1e-3; adagrad: lr 2e-2")
    p_train.add_argument("--scheduler", default=None, choices=["none", "step", "exponential", "cosine", "plateau"],
                         help="default none. Per epoch: step (x0.5 every third of the epochs), exponential (x0.9), cosine (to 0), "
                              "plateau (x0.5 after 2 epochs without a better val accuracy)")
    p_train.add_argument("--out", default="runs/digits", help="where the run is saved: <OUT>.safetensors (model and config), <OUT>.npz (weights), "
                              "<OUT>.checkpoint.safetensors (resumable, after every epoch), <OUT>.history.json/.csv")
    p_train.add_argument("--backend", default="cpu", choices=["cpu", "reference"],
                         help="which CPU kernels run the model on the CPU")
    p_train.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                         help="cuda: model and batches on the GPU (the cuda kernels)")
    args = parser.parse_args(argv)

    import i2dl
    if args.threads is not None:
        i2dl.set_num_threads(args.threads)
    if args.command == "info":
        from .info import info_lines
        print("\n".join(info_lines()))
        return 0
    if args.command == "check":
        from .check import run_check
        return 0 if run_check(seed=args.seed) else 1
    if args.command == "bench":
        if args.device == "cuda":
            from .bench.gpu import run as run_gpu
            run_gpu(filter_text=args.filter, json_path=args.json, quick=args.quick)
            return 0
        from .bench import run
        run(filter_text=args.filter, json_path=args.json, with_reference=not args.no_reference, quick=args.quick)
        return 0
    if args.command == "train":
        from .train.classify import main as train_main
        return train_main(args)
    return 2


def entry() -> int:
    """The console script: like main(), quiet when its output pipe closes early (`i2dl info | head`)."""
    try:
        return main()
    except BrokenPipeError:
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


if __name__ == "__main__":
    sys.exit(entry())

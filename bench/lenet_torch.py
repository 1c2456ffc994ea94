"""PyTorch baseline for bench/lenet.ts: LeNet-5 on Fashion-MNIST, training and inference samples/s per thread count.

Usage: /usr/bin/python3 bench/lenet_torch.py --data /usr/share/datasets/fashion-mnist --threads 1,2 --iters 100 [--epochs 0]
Prints one JSON object: {"train": {"1": samples_per_s, ...}, "infer": {...}, "accuracy": acc or null}.
The model, batch (128), optimizer (SGD lr 0.05 momentum 0.9), per-epoch shuffling and data are the same as Flint's.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        data = f.read()
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def load(data_dir, prefix):
    x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x).reshape(-1, 1, 28, 28), torch.from_numpy(y)


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.MaxPool2d(2),
        nn.Conv2d(6, 12, 5), nn.Tanh(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(192, 100), nn.Tanh(), nn.Linear(100, 10))


def train(model, x, y, iters, batch, gen, epochs=None):
    """Runs `iters` iterations (or `epochs` full epochs) of shuffled minibatch SGD; returns (samples, seconds)."""
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[0]
    done = 0
    samples = 0
    t0 = time.perf_counter()
    epoch = 0
    while True:
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            done += 1
            samples += idx.shape[0]
            if epochs is None and done >= iters:
                return samples, time.perf_counter() - t0
        epoch += 1
        if epochs is not None and epoch >= epochs:
            return samples, time.perf_counter() - t0


def infer(model, x, batch):
    model.eval()
    with torch.no_grad():
        model(x[:batch])
        t0 = time.perf_counter()
        for start in range(0, x.shape[0], batch):
            model(x[start:start + batch])
        return x.shape[0] / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=0, help="also train this many epochs on one thread-count and report test accuracy")
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    torch.set_num_interop_threads(1)
    xtr, ytr = load(args.data, "train")
    xte, yte = load(args.data, "t10k")
    out = {"torch": torch.__version__, "train": {}, "infer": {}, "accuracy": None}
    for t in [int(v) for v in args.threads.split(",")]:
        torch.set_num_threads(t)
        torch.manual_seed(0)
        gen = torch.Generator().manual_seed(0)
        model = lenet()
        train(model, xtr, ytr, 5, args.batch, gen)  # warm-up
        samples, secs = train(model, xtr, ytr, args.iters, args.batch, gen)
        out["train"][str(t)] = samples / secs
        out["infer"][str(t)] = infer(model, xte, args.batch)
    if args.epochs > 0:
        torch.set_num_threads(max(int(v) for v in args.threads.split(",")))
        torch.manual_seed(0)
        model = lenet()
        train(model, xtr, ytr, 0, args.batch, torch.Generator().manual_seed(0), epochs=args.epochs)
        model.eval()
        with torch.no_grad():
            out["accuracy"] = float((model(xte).argmax(1) == yte).float().mean())
    print(json.dumps(out))


if __name__ == "__main__":
    main()

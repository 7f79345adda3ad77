#!/usr/bin/python3
"""Reference for bench/step_bench: the same optimisation step written the usual way in Python
with Debian's python3-torch (as neural-style-pt and the PyTorch tutorial do it).

usage: reference_step.py VGG19_PTH SIZES [REPS]

Same network (VGG-19 conv part from the same torchvision-layout .pth file, max pooling,
truncated after relu5_1), same layers (content relu4_2; style relu1_1..relu5_1), same losses
(content MSE; style MSE of Gram matrices normalised by C*H*W), same input size, same threads
(torch.set_num_threads(os.cpu_count())). Prints one line per size: "size fwd_ms step_ms".
Only for benchmarks: the project never runs Python at run time.
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

CONVS = [2, 2, 4, 4, 4]


def build(path):
    sd = torch.load(path, map_location="cpu")
    layers, idx = [], 0
    for block, n in enumerate(CONVS, 1):
        for c in range(1, n + 1):
            w = sd["features.%d.weight" % idx].float()
            b = sd["features.%d.bias" % idx].float()
            layers.append(("conv%d_%d" % (block, c), w, b))
            layers.append(("relu%d_%d" % (block, c), None, None))
            idx += 2
        layers.append(("pool%d" % block, None, None))
        idx += 1
    return layers


def features(layers, x, wanted):
    out, deepest = {}, max(i for i, (n, _, _) in enumerate(layers) if n in wanted)
    for i, (name, w, b) in enumerate(layers[: deepest + 1]):
        if name.startswith("conv"):
            x = F.conv2d(x, w, b, padding=1)
        elif name.startswith("relu"):
            x = F.relu(x)
        else:
            x = F.max_pool2d(x, 2, 2)
        if name in wanted:
            out[name] = x
    return [out[n] for n in wanted]


def gram(f):
    c = f.shape[1]
    m = f.reshape(c, -1)
    return m @ m.t() / m.numel()


def main():
    path, sizes = sys.argv[1], [int(s) for s in sys.argv[2].split(",")]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    torch.set_num_threads(os.cpu_count())
    layers = build(path)
    wanted = ["relu4_2", "relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    for size in sizes:
        torch.manual_seed(0)
        with torch.no_grad():
            targets = features(layers, torch.rand(1, 3, size, size), wanted)
        grams = [gram(t) for t in targets[1:]]
        x = torch.rand(1, 3, size, size, requires_grad=True)
        fwd = step = 0.0
        for r in range(reps + 1):
            t0 = time.perf_counter()
            with torch.no_grad():
                features(layers, x, wanted)
            t1 = time.perf_counter()
            f = features(layers, x, wanted)
            loss = F.mse_loss(f[0], targets[0])
            for fi, g in zip(f[1:], grams):
                loss = loss + F.mse_loss(gram(fi), g)
            loss.backward()
            t2 = time.perf_counter()
            if r:
                fwd += (t1 - t0) * 1000
                step += (t2 - t1) * 1000
        print("%d %.1f %.1f" % (size, fwd / reps, step / reps), flush=True)


if __name__ == "__main__":
    main()

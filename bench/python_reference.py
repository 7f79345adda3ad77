#!/usr/bin/python3
"""The same transform network run by Debian's python3-torch, written the way a
PyTorch user would (torch.nn.functional ops), for bench/run.sh.

  python_reference.py --model DIR|random --size PX [--precision fp32|bf16]
                      [--layout nchw|nhwc] [--runs N] [--threads N]

DIR: an ml5 fast-style folder (TF "same" padding, transposed convolutions,
150*tanh output); random: a pytorch/examples TransformerNet (reflection
padding, nearest upsampling) with random weights. Prints one JSON line.
"""
import argparse
import json
import os
import resource
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F


def load_ml5(folder):
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)

    def var(i):
        spec = manifest["Variable" if i == 0 else "Variable_%d" % i]
        data = np.fromfile(os.path.join(folder, spec["filename"]), dtype="<f4").reshape(spec["shape"])
        return torch.from_numpy(data.copy())

    layers = []
    for i in range(16):
        w = var(3 * i)
        layers.append({"w": w.permute(3, 2, 0, 1).contiguous(), "shift": var(3 * i + 1), "scale": var(3 * i + 2)})
    return layers


def ml5_forward(layers, x):
    def norm(y, l, relu):
        y = F.instance_norm(y, weight=l["scale"].to(y.dtype), bias=l["shift"].to(y.dtype), eps=1e-3)
        return F.relu(y) if relu else y

    def conv(x, l, stride, relu):
        k = l["w"].shape[-1]
        if stride == 1:
            y = F.conv2d(x, l["w"], padding=k // 2)
        else:
            y = F.conv2d(F.pad(x, (0, 1, 0, 1)), l["w"], stride=2)
        return norm(y, l, relu)

    def deconv(x, l):
        h, w = x.shape[2], x.shape[3]
        if x.dtype == torch.bfloat16:
            # torch 1.13's bfloat16 transposed conv fails on the CPU ("expected input ... to have 64
            # channels, but got 128"): run it in float32.
            y = F.conv_transpose2d(x.float(), l["w"].float(), stride=2)[:, :, : 2 * h, : 2 * w].to(x.dtype)
        else:
            y = F.conv_transpose2d(x, l["w"], stride=2)[:, :, : 2 * h, : 2 * w]
        return norm(y, l, True)

    x = conv(x, layers[0], 1, True)
    x = conv(x, layers[1], 2, True)
    x = conv(x, layers[2], 2, True)
    for r in range(5):
        y = conv(x, layers[3 + 2 * r], 1, True)
        x = x + conv(y, layers[4 + 2 * r], 1, False)
    x = deconv(x, layers[13])
    x = deconv(x, layers[14])
    x = conv(x, layers[15], 1, False)
    return torch.tanh(x) * 150 + 127.5


def random_transformer_net():
    g = torch.Generator().manual_seed(1)
    specs = [(3, 32, 9, 1, False, True), (32, 64, 3, 2, False, True), (64, 128, 3, 2, False, True)]
    for _ in range(5):
        specs += [(128, 128, 3, 1, False, True), (128, 128, 3, 1, False, False)]
    specs += [(128, 64, 3, 1, True, True), (64, 32, 3, 1, True, True), (32, 3, 9, 1, False, None)]
    layers = []
    for cin, cout, k, stride, up, relu in specs:
        bound = 1 / (cin * k * k) ** 0.5
        layers.append({"w": (torch.rand(cout, cin, k, k, generator=g) * 2 - 1) * bound,
                       "b": (torch.rand(cout, generator=g) * 2 - 1) * bound,
                       "g": torch.ones(cout), "beta": torch.zeros(cout),
                       "k": k, "stride": stride, "up": up, "relu": relu})
    return layers


def tn_forward(layers, x):
    def layer(l, x):
        if l["up"]:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        if x.dtype == torch.bfloat16:  # torch 1.13 has no bfloat16 reflection_pad2d: pad in float32
            x = F.pad(x.float(), (l["k"] // 2,) * 4, mode="reflect").to(torch.bfloat16)
        else:
            x = F.pad(x, (l["k"] // 2,) * 4, mode="reflect")
        x = F.conv2d(x, l["w"], l["b"], stride=l["stride"])
        if l["relu"] is not None:
            x = F.instance_norm(x, weight=l["g"].to(x.dtype), bias=l["beta"].to(x.dtype), eps=1e-5)
            if l["relu"]:
                x = F.relu(x)
        return x

    for l in layers[:3]:
        x = layer(l, x)
    for r in range(5):
        x = x + layer(layers[4 + 2 * r], layer(layers[3 + 2 * r], x))
    for l in layers[13:]:
        x = layer(l, x)
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="random")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--layout", default="nchw")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if a.model == "random":
        layers, forward = random_transformer_net(), tn_forward
    else:
        layers, forward = load_ml5(a.model), ml5_forward
    dtype = torch.bfloat16 if a.precision == "bf16" else torch.float32
    fmt = torch.channels_last if a.layout == "nhwc" else torch.contiguous_format
    for l in layers:
        for k in ("w", "b"):
            if k in l:
                l[k] = l[k].to(dtype).contiguous(memory_format=fmt) if l[k].dim() == 4 else l[k].to(dtype)
    x = torch.rand(1, 3, a.size, a.size) * 255
    times = []
    with torch.inference_mode():
        for r in range(a.runs + 1):
            t = time.perf_counter()
            y = forward(layers, x.to(dtype).contiguous(memory_format=fmt)).float().contiguous()
            if r:
                times.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"impl": "python", "model": a.model, "size": a.size, "precision": a.precision, "layout": a.layout,
                      "api": False, "ms_median": round(statistics.median(times), 1), "ms_min": round(min(times), 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      "start_rss_mb": round(start_rss)}))


if __name__ == "__main__":
    main()

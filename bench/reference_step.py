#!/usr/bin/python3
"""Reference for bench/step_bench: the same optimisation written the usual way in Python with
Debian's python3-torch (as neural-style-pt and the PyTorch tutorial do it).

usage:
  reference_step.py step MODEL SIZE [REPS]
      one optimisation step (forward to the deepest loss layer + backward to the image) on random
      images; prints one JSON line: size, fwd_ms, step_ms (fastest and median of REPS after one
      warm-up), step GFLOP counted from the layer shapes, peak RSS of this process.
  reference_step.py transfer MODEL CONTENT STYLE ITERATIONS [TRACE_EVERY [STATE_FILE CHUNK]]
      Gatys transfer with L-BFGS exactly as core/engine.cpp runs it (start from the content,
      L-BFGS lr 1, history 100, one evaluation per iteration, no tolerances); CONTENT and STYLE are
      taken at their own size (bench/run_step_bench.sh writes them at the working size). Prints
      one JSON line with the final loss, the seconds and the loss every TRACE_EVERY iterations.

MODEL is a VGG-19 torchvision-layout .pth (conv part, max pooling; content relu4_2, style
relu1_1..relu5_1, weights content 1, style 1e6, tv 1, ImageNet mean/std input) or a Darknet-tiny
TF.js folder (batch norm folded, leaky 0.1, TF "same" max pooling; content leaky10, style
leaky1,2,4,6,8,10,12,14, weights 1, 1e5, 1, input in [0,1]). Losses: content MSE; style MSE of
Gram matrices normalised by C*H*W; total variation = mean squared horizontal + vertical
differences. Threads: torch.set_num_threads(os.cpu_count()).
Only for benchmarks: the project never runs Python at run time.
"""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

VGG19_CONVS = [2, 2, 4, 4, 4]


def vgg19(path):
    sd = torch.load(path, map_location="cpu")
    layers, idx = [], 0
    for block, n in enumerate(VGG19_CONVS, 1):
        for c in range(1, n + 1):
            w = sd["features.%d.weight" % idx].float()
            b = sd["features.%d.bias" % idx].float()
            layers.append(("conv%d_%d" % (block, c), w, b))
            layers.append(("relu%d_%d" % (block, c), None, None))
            idx += 2
        layers.append(("pool%d" % block, None, None))
        idx += 1
    net = {"layers": layers, "content": ["relu4_2"], "style": ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"],
           "weights": (1.0, 1e6, 1.0), "ceil": False,
           "mean": torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1),
           "std": torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)}
    return net


def darknet(folder):
    manifest = json.load(open(os.path.join(folder, "model.json")))["weightsManifest"]
    t = {}
    for group in manifest:
        raw = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            n = 1
            for s in w["shape"]:
                n *= s
            t[w["name"]] = torch.frombuffer(bytearray(raw[off:off + 4 * n]), dtype=torch.float32).view(w["shape"])
            off += 4 * n
    layers = []
    for k in range(1, 16):
        bn = "batch_normalization_%d/" % k
        scale = t[bn + "gamma"] / torch.sqrt(t[bn + "moving_variance"] + 1e-3)
        w = t["conv2d_%d/kernel" % k].permute(3, 2, 0, 1).contiguous() * scale.view(-1, 1, 1, 1)
        b = t[bn + "beta"] - t[bn + "moving_mean"] * scale
        layers.append(("conv%d" % k, w, b))
        layers.append(("leaky%d" % k, None, None))
        if k in (1, 2, 6, 10):
            layers.append(("pool%d" % (len([l for l in layers if l[0].startswith("pool")]) + 1), None, None))
    return {"layers": layers, "content": ["leaky10"], "style": ["leaky%d" % i for i in (1, 2, 4, 6, 8, 10, 12, 14)],
            "weights": (1.0, 1e5, 1.0), "ceil": True, "mean": None, "std": None}


def load(path):
    return darknet(path) if os.path.isdir(path) else vgg19(path)


def features(net, x, wanted):
    if net["mean"] is not None:
        x = (x - net["mean"]) / net["std"]
    layers = net["layers"]
    out, deepest = {}, max(i for i, (n, _, _) in enumerate(layers) if n in wanted)
    for i, (name, w, b) in enumerate(layers[: deepest + 1]):
        if name.startswith("conv"):
            x = F.conv2d(x, w, b, padding=w.shape[-1] // 2)
        elif name.startswith("relu"):
            x = F.relu(x)
        elif name.startswith("leaky"):
            x = F.leaky_relu(x, 0.1)
        else:
            x = F.max_pool2d(x, 2, 2, ceil_mode=net["ceil"])
        if name in wanted:
            out[name] = x
    return [out[n] for n in wanted]


def gram(f):
    c = f.shape[1]
    m = f.reshape(c, -1)
    return m @ m.t() / m.numel()


def tv(x):
    return (x[..., :, 1:] - x[..., :, :-1]).pow(2).mean() + (x[..., 1:, :] - x[..., :-1, :]).pow(2).mean()


def conv_gflop(net, size):
    """GFLOP (2 x multiply-adds) of the convolutions of one forward pass to the deepest loss layer.
    A step is a forward pass plus the backward pass to the image (data gradient only, about as
    many FLOPs; no weight gradients), so ~2x this."""
    wanted = net["content"] + net["style"]
    layers = net["layers"]
    deepest = max(i for i, (n, _, _) in enumerate(layers) if n in wanted)
    h = w = size
    total = 0.0
    for name, wt, _ in layers[: deepest + 1]:
        if wt is not None:
            total += 2.0 * h * w * wt.shape[0] * wt.shape[1] * wt.shape[2] * wt.shape[3]
        elif name.startswith("pool"):
            h, w = (-(-h // 2), -(-w // 2)) if net["ceil"] else (h // 2, w // 2)
    return total / 1e9


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def losses(net, x, content_targets, style_grams):
    cw, sw, tvw = net["weights"]
    f = features(net, x, net["content"] + net["style"])
    nc = len(net["content"])
    lc = sum(F.mse_loss(a, t) for a, t in zip(f[:nc], content_targets))
    ls = sum(F.mse_loss(gram(a), g) for a, g in zip(f[nc:], style_grams))
    return cw * lc + sw * ls + tvw * tv(x)


def targets(net, content, style):
    with torch.no_grad():
        ct = features(net, content, net["content"])
        sg = [gram(a) for a in features(net, style, net["style"])]
    return ct, sg


def cmd_step(path, size, reps):
    net = load(path)
    torch.manual_seed(0)
    ct, sg = targets(net, torch.rand(1, 3, size, size), torch.rand(1, 3, size, size))
    x = torch.rand(1, 3, size, size, requires_grad=True)
    fwd, step = [], []
    for r in range(reps + 1):
        t0 = time.perf_counter()
        with torch.no_grad():
            features(net, x, net["content"] + net["style"])
        t1 = time.perf_counter()
        x.grad = None
        losses(net, x, ct, sg).backward()
        t2 = time.perf_counter()
        if r:
            fwd.append((t1 - t0) * 1000)
            step.append((t2 - t1) * 1000)
    print(json.dumps({"size": size, "threads": torch.get_num_threads(), "fwd_ms": min(fwd), "step_ms": min(step),
                      "step_ms_median": statistics.median(step), "conv_gflop_fwd": conv_gflop(net, size),
                      "peak_rss_mb": peak_rss_mb()}), flush=True)


def read_png(path):
    from PIL import Image
    import numpy as np
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(a).permute(2, 0, 1).unsqueeze(0).contiguous()


def cmd_transfer(path, content_png, style_png, iterations, trace_every, state_file=None, chunk=0):
    """With STATE_FILE and CHUNK > 0, runs at most CHUNK iterations per call and keeps the image, the
    L-BFGS state and the time spent so far in STATE_FILE, so that a long run can be timed in pieces
    (bench/run_step_bench.sh holds the build lock for one piece at a time). Only the time inside
    the calls counts (one python3 start-up and target computation are counted, in the first)."""
    net = load(path)
    t_start = time.perf_counter()
    content, style = read_png(content_png), read_png(style_png)
    ct, sg = targets(net, content, style)
    state = torch.load(state_file) if state_file and os.path.exists(state_file) else None
    x = (state["x"] if state else content.clone()).requires_grad_(True)
    opt = torch.optim.LBFGS([x], lr=1, max_iter=1, history_size=100, tolerance_grad=-1, tolerance_change=-1)
    if state:
        opt.load_state_dict(state["opt"])
        t_start = time.perf_counter() - state["seconds"]  # the targets were counted in the first piece
    done, trace = (state["done"], state["trace"]) if state else (0, [])
    last = [0.0]

    def closure():
        opt.zero_grad()
        loss = losses(net, x, ct, sg)
        loss.backward()
        last[0] = loss.item()
        return loss

    end = min(iterations, done + chunk) if chunk > 0 else iterations
    for it in range(done + 1, end + 1):
        opt.step(closure)
        if it % trace_every == 0 or it == iterations:
            trace.append([it, round(time.perf_counter() - t_start, 3), last[0]])
    seconds = time.perf_counter() - t_start
    if end < iterations:
        torch.save({"x": x.detach(), "opt": opt.state_dict(), "seconds": seconds, "done": end, "trace": trace},
                   state_file)
        print(json.dumps({"done": end, "seconds": seconds, "loss": last[0]}), flush=True)
        return
    print(json.dumps({"iterations": iterations, "seconds": seconds, "loss": last[0],
                      "threads": torch.get_num_threads(), "work_width": content.shape[3],
                      "work_height": content.shape[2], "peak_rss_mb": peak_rss_mb(), "trace": trace}), flush=True)


def main():
    torch.set_num_threads(os.cpu_count())
    a = sys.argv[1:]
    if a and a[0] == "step":
        cmd_step(a[1], int(a[2]), int(a[3]) if len(a) > 3 else 3)
    elif a and a[0] == "transfer":
        cmd_transfer(a[1], a[2], a[3], int(a[4]), int(a[5]) if len(a) > 5 else 10, a[6] if len(a) > 6 else None,
                     int(a[7]) if len(a) > 7 else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

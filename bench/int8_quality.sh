#!/usr/bin/env bash
# bench/int8_quality.sh BUILD_DIR: how far the int8 fast-style path (the
# default on CPUs with AVX-512 VNNI) is from float32, on every ml5 style and
# photo in ../shared: PSNR, mean / 99th percentile / max absolute difference
# in 8-bit levels, and the time of each `nst fast` run. Prints a Markdown table.
#   bash bench/int8_quality.sh build      # ~2 minutes
# Environment: ML5_DIR (default ../shared/models/fast-style-ml5), PHOTOS (default: the
# content photos of ../shared/testdata), SIZE (working size, default 0 = the photo's own).
set -euo pipefail
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: bench/int8_quality.sh BUILD_DIR}
ml5=${ML5_DIR:-$here/../../shared/models/fast-style-ml5}
photos=${PHOTOS:-$(ls "$here"/../../shared/testdata/content/*.jpg 2>/dev/null || true)}
size=${SIZE:-0}
nst=$build/cli/nst
[[ -x "$nst" ]] || { echo "int8_quality.sh: $nst not built" >&2; exit 1; }
[[ -d "$ml5" && -n "$photos" ]] || { echo "int8_quality.sh: needs ../shared (ml5 styles and photos)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| style | photo | size | PSNR int8 vs fp32 | mean abs diff | p99 | max | fp32 s | int8 s |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
for style in "$ml5"/*/; do
    style=$(basename "$style")
    for photo in $photos; do
        name=$(basename "$photo" .jpg)
        opts=(--quiet --model "$ml5/$style" --content "$photo")
        [[ $size -gt 0 ]] && opts+=(--size "$size")
        t0=$(date +%s.%N)
        flock /tmp/nst-build.lock "$nst" fast "${opts[@]}" --precision fp32 --output "$tmp/f.png"
        t1=$(date +%s.%N)
        flock /tmp/nst-build.lock "$nst" fast "${opts[@]}" --precision int8 --output "$tmp/q.png"
        t2=$(date +%s.%N)
        /usr/bin/python3 - "$tmp/f.png" "$tmp/q.png" "$style" "$name" "$t0" "$t1" "$t2" <<'PY'
import sys
import numpy as np
from PIL import Image
a = np.asarray(Image.open(sys.argv[1])).astype(float)
b = np.asarray(Image.open(sys.argv[2])).astype(float)
d = np.abs(a - b)
psnr = 10 * np.log10(255 ** 2 / max((d ** 2).mean(), 1e-12))
t0, t1, t2 = map(float, sys.argv[5:8])
print(f"| {sys.argv[3]} | {sys.argv[4]} | {a.shape[1]}x{a.shape[0]} | {psnr:.1f} dB | {d.mean():.2f} | "
      f"{np.percentile(d, 99):.0f} | {d.max():.0f} | {t1 - t0:.2f} | {t2 - t1:.2f} |")
PY
    done
done

#!/usr/bin/env bash
# bench/run.sh BUILD_DIR [SIZES...]: times the fast-style transform network at
# each size (default 512 1024) in every variant, ours (C++) and the same
# network in Debian's python3-torch, one process per measurement (so the
# peak memory is that run's own), and prints a Markdown table.
# Runs under the shared build lock so concurrent builds do not distort it.
#   bash bench/run.sh build            # ~15 minutes on 2 cores
# Environment: ML5_MODEL (default ../shared/models/fast-style-ml5/wave), RUNS (default 5).
# The machine is shared: the table gives the fastest and the median of the timed runs, and the
# ratio uses the fastest (the least disturbed by other processes).
set -euo pipefail
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: bench/run.sh BUILD_DIR [SIZES...]}
shift
sizes=("${@:-512}")
[[ $# -gt 0 ]] || sizes=(512 1024)
ml5=${ML5_MODEL:-$here/../../shared/models/fast-style-ml5/wave}
runs=${RUNS:-5}
bench=$build/bench/fast_bench
py=/usr/bin/python3
lock=/tmp/nst-build.lock
[[ -x "$bench" ]] || { echo "run.sh: $bench not built" >&2; exit 1; }
[[ -f "$ml5/manifest.json" ]] || { echo "run.sh: no ml5 model at $ml5 (set ML5_MODEL)" >&2; exit 1; }
# What --precision auto runs on this CPU (core/fast.cpp: int8 with AVX-512 VNNI, bf16 with AMX).
if grep -qw avx512_vnni /proc/cpuinfo; then auto=int8; elif grep -qw amx_bf16 /proc/cpuinfo; then auto=bf16; else auto=fp32; fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT

measure() {  # label, command...
    local label=$1; shift
    local line
    if line=$(flock "$lock" "$@" 2>/dev/null | tail -1) && [[ "$line" == "{"* ]]; then
        printf '%s\t%s\n' "$label" "$line" >>"$out"
    else
        printf '%s\t{"failed": true}\n' "$label" >>"$out"
    fi
}

for size in "${sizes[@]}"; do
    for net in ml5 tn; do
        model=$ml5; [[ $net == tn ]] && model=random
        common=(--model "$model" --size "$size" --runs "$runs")
        measure "$net|$size|C++ nst::FastModel::stylize, default (auto: $auto)" "$bench" "${common[@]}" --api --precision auto
        measure "$net|$size|C++ nst::FastModel::stylize, oneDNN fp32 NHWC" "$bench" "${common[@]}" --api --precision fp32
        measure "$net|$size|C++ network, oneDNN int8 NHWC" "$bench" "${common[@]}" --precision int8 --layout nhwc
        measure "$net|$size|C++ network, oneDNN fp32 NHWC" "$bench" "${common[@]}" --precision fp32 --layout nhwc
        measure "$net|$size|C++ network, ATen fp32 NHWC" env NST_FAST_ATEN=1 "$bench" "${common[@]}" --precision fp32 --layout nhwc
        measure "$net|$size|C++ network, ATen bf16 NHWC" "$bench" "${common[@]}" --precision bf16 --layout nhwc
        measure "$net|$size|Python torch fp32 NCHW (reference)" "$py" "$here/python_reference.py" "${common[@]}" --precision fp32 --layout nchw
        measure "$net|$size|Python torch fp32 NHWC" "$py" "$here/python_reference.py" "${common[@]}" --precision fp32 --layout nhwc
        measure "$net|$size|Python torch bf16 NHWC" "$py" "$here/python_reference.py" "${common[@]}" --precision bf16 --layout nhwc
    done
done

"$py" - "$out" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1])]
ref = {}
for label, js in rows:
    net, size, what = label.split("|")
    d = json.loads(js)
    if what.startswith("Python torch fp32 NCHW") and "ms_min" in d:
        ref[(net, size)] = d["ms_min"]
names = {"ml5": "ml5 wave (transposed convs)", "tn": "TransformerNet (nearest upsampling)"}
print("| network | size | variant | ms / image, fastest | median | peak RSS MB | Python fp32 / this |")
print("|---|---|---|---:|---:|---:|---:|")
for label, js in rows:
    net, size, what = label.split("|")
    d = json.loads(js)
    if "ms_median" not in d:
        print(f"| {names[net]} | {size} | {what} | failed | | | |")
        continue
    r = ref.get((net, size))
    ratio = f"{r / d['ms_min']:.2f}x" if r else ""
    print(f"| {names[net]} | {size} | {what} | {d['ms_min']:.0f} | {d['ms_median']:.0f} | {d['peak_rss_mb']:.0f} | {ratio} |")
PY

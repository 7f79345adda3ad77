#!/usr/bin/env bash
# The optimisation benchmark of issue #5, in one run on one machine: the engine against the
# Python reference (bench/reference_step.py: same weight file, layers, losses, threads).
#   bench/run_step_bench.sh [BUILD_DIR]                  # default BUILD_DIR: build
# 1. the CPU's measured peak: a 2048^3 fp32 and bf16 matmul through oneDNN (step_bench --peak);
# 2. for VGG-19 (random torchvision-layout weights written by the tests) and Darknet-tiny, at
#    each size: one step (forward to the deepest loss layer + backward to the image), fastest of
#    REPS after a warm-up, one process per variant so that peak RSS (VmHWM) is that variant's
#    own; GFLOP/s from the convolution FLOPs counted from the layer shapes (reference_step.py);
#    with ROUNDS=N all of it N times over, the reference and the engine alternating, and each
#    row the median of the N rounds (with the range of the per-round speed-ups): this VM's speed
#    drifts by up to 1.5x within minutes, so a reference measured minutes before the engine can
#    flatter or wrong it;
# 3. with TTL=1, time to loss at 512 px: the reference's 300 L-BFGS iterations (astronaut in the
#    style of The Starry Night from ../shared/testdata, both written at 512 px first so both
#    sides start from the same pixels), then the engine (`nst transfer --stats --target-loss`)
#    until it reaches the reference's final loss.
# Every measurement holds /tmp/nst-build.lock (no build runs meanwhile); the reference's 300
# iterations are timed in pieces of 60 (reference_step.py keeps the L-BFGS state in between) so
# that the lock is never held for more than ~4 minutes.
# The reference runs with the environment as it is; the engine's step_bench with
# OMP_WAIT_POLICY=PASSIVE, OPENBLAS_THREAD_TIMEOUT=4 and OPENBLAS_CORETYPE=SKYLAKEX (AVX-512) unless
# set, as `nst transfer` runs itself.
# Environment: SIZES (256 512 1024), REPS (3; 1024 px: 1), ROUNDS (1), VARIANTS (engine variants of step_bench),
# VGG (weights), DARKNET (folder), NETS (vgg darknet), TTL (0), TTL_ITERATIONS (300),
# TTL_VARIANTS (nst transfer option sets, ';'-separated), REF_TTL (a reference result JSON to reuse;
# each reference run saves its own as BUILD_DIR/ref_ttl.json).
set -euo pipefail
top=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
vgg=${VGG:-$build/tests/vgg19-zip.pth}
darknet=${DARKNET:-$top/../shared/models/darknet-tiny}
testdata=${TESTDATA:-$top/../shared/testdata}
read -r -a sizes <<<"${SIZES:-256 512 1024}"
read -r -a variants <<<"${VARIANTS:-aten-fp32 direct-fp32 direct-bf16}"
read -r -a nets <<<"${NETS:-vgg darknet}"
reps=${REPS:-3}
rounds=${ROUNDS:-1}
py=/usr/bin/python3
lock=/tmp/nst-build.lock
bench=$build/bench/step_bench
nst=$build/cli/nst
[[ -x $bench && -x $nst ]] || { echo "build first: ninja -C $build bench/step_bench cli/nst" >&2; exit 1; }
[[ -f $vgg ]] || { echo "no weight file $vgg (ninja -C $build tests/vgg19-zip.pth)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/results
: >"$out"

locked() { flock "$lock" "$@"; }
# As core/process.cpp: OpenBLAS's Skylake-X kernels on AVX-512 CPUs, its Haswell ones under
# an AVX2 cap (ONEDNN_MAX_CPU_ISA=AVX2 runs the engine and the reference as on an AVX2 CPU).
coretype=
grep -q -w avx512bw /proc/cpuinfo && coretype=SKYLAKEX
refenv=()
case ${ONEDNN_MAX_CPU_ISA:-} in AVX2*|AVX|SSE41) coretype=HASWELL; refenv=(OPENBLAS_CORETYPE=HASWELL) ;; esac

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs," \
     "$(grep -o -w 'avx512_bf16\|amx_bf16\|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')" \
     "$(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo)"
peak=$(locked "$bench" --peak)
echo "peak: $peak"

for round in $(seq "$rounds"); do
for net in "${nets[@]}"; do
  model=$vgg; [[ $net == darknet ]] && model=$darknet
  [[ -e $model ]] || { echo "skipping $net: $model absent" >&2; continue; }
  for size in "${sizes[@]}"; do
    r=$reps; (( size >= 1024 )) && r=1
    printf '%s\t%s\t%s\treference\t%s\n' "$round" "$net" "$size" \
      "$(locked env "${refenv[@]}" "$py" "$top/bench/reference_step.py" step "$model" "$size" "$r")" >>"$out"
    for v in "${variants[@]}"; do
      # The engine as `nst transfer` runs it: OMP_WAIT_POLICY=PASSIVE, OpenBLAS's threads
      # sleeping when idle, its Skylake-X kernels on AVX-512 CPUs (see core/process.cpp).
      printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$net" "$size" "$v" \
        "$(env OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}" \
           ${coretype:+OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-$coretype}"} \
           flock "$lock" "$bench" "$model" "$size" "$r" "$v")" >>"$out"
    done
  done
done
done

[[ -s $out ]] && "$py" - "$out" "$peak" <<'PY'
import json, sys
peak = json.loads(sys.argv[2])
# Per (network, size, variant) in the order first run: the rounds' results.
runs = {}
for line in open(sys.argv[1]):
    k, n, s, v, j = line.rstrip("\n").split("\t")
    runs.setdefault((n, s, v), {})[k] = json.loads(j)
def merged(results):  # the median round's step time, the largest peak RSS
    xs = sorted(results.values(), key=lambda x: x.get("step_ms", 0))
    d = dict(xs[(len(xs) - 1) // 2])
    d["peak_rss_mb"] = max(x.get("peak_rss_mb", 0) for x in results.values())
    return d
ref = {(n, s): merged(rs) for (n, s, v), rs in runs.items() if v == "reference"}
rounds = max(len(rs) for rs in runs.values())
names = {"vgg": "VGG-19", "darknet": "Darknet-tiny"}
print()
if rounds > 1:
    print("Median of %d rounds (reference and engine alternating); in brackets the range of the rounds' own speed-ups." % rounds)
    print()
print("| network | size | variant | step ms | GFLOP/s (% of matmul peak) | peak RSS MB | step speed-up vs reference | RSS vs reference |")
print("|---|---:|---|---:|---:|---:|---:|---:|")
for (n, s, v), rs in runs.items():
    d, r = merged(rs), ref[(n, s)]
    if d.get("unavailable"):
        continue
    spread = ""
    if v != "reference" and len(rs) > 1:
        own = [runs[(n, s, "reference")][k]["step_ms"] / x["step_ms"] for k, x in rs.items()
               if k in runs[(n, s, "reference")]]
        spread = " (%.2f-%.2fx)" % (min(own), max(own))
    gflop = 2 * r["conv_gflop_fwd"]  # forward + data gradient (about as many FLOPs); no weight gradients
    rate = gflop / (d["step_ms"] / 1000)
    bf16 = d.get("precision") == "bf16"
    pk = peak["bf16_gflops" if bf16 else "fp32_gflops"]
    label = "python3-torch fp32 (reference)" if v == "reference" else "engine " + v + (
        " (= %s%s)" % ("direct " if d.get("direct") else "ATen ", d["precision"]) if v == "auto" else "")
    print("| %s | %s | %s | %.0f | %.0f (%.0f %% of %s) | %.0f | %.2fx%s | %.0f %% |" % (
        names[n], s, label, d["step_ms"], rate, 100 * rate / pk, "bf16" if bf16 else "fp32", d["peak_rss_mb"],
        r["step_ms"] / d["step_ms"], spread, 100 * d["peak_rss_mb"] / r["peak_rss_mb"]))
PY

[[ ${TTL:-0} == 1 ]] || exit 0
iters=${TTL_ITERATIONS:-300}
"$py" - "$testdata/content/astronaut.jpg" "$testdata/style/starry_night.jpg" "$work" <<'PY'
import sys
from PIL import Image
for src, name in ((sys.argv[1], "content"), (sys.argv[2], "style")):
    im = Image.open(src).convert("RGB")
    s = 512 / max(im.size)
    im.resize((round(im.size[0] * s), round(im.size[1] * s)), Image.LANCZOS).save("%s/%s512.png" % (sys.argv[3], name))
PY
if [[ -n ${REF_TTL:-} ]]; then
  cp "$REF_TTL" "$work/ref_ttl.json"
else
  while :; do
    line=$(locked "$py" "$top/bench/reference_step.py" transfer "$vgg" "$work/content512.png" "$work/style512.png" \
           "$iters" 10 "$work/ref_state.pt" 60)
    echo "reference: ${line:0:120}" >&2
    [[ $line == *'"iterations"'* ]] && { echo "$line" >"$work/ref_ttl.json"; break; }
  done
  cp "$work/ref_ttl.json" "$build/ref_ttl.json"
  echo "reference result saved as $build/ref_ttl.json (REF_TTL=$build/ref_ttl.json reuses it)" >&2
fi
target=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["loss"])' "$work/ref_ttl.json")
ref_s=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$work/ref_ttl.json")
echo
echo "Time to the reference's loss after $iters L-BFGS iterations at 512 px (loss $target in $ref_s s):"
echo
echo "| run | iterations | seconds | final loss | peak RSS MB | time vs reference |"
echo "|---|---:|---:|---:|---:|---:|"
printf '| python3-torch reference, %s L-BFGS iterations | %s | %.0f | %.5g | %.0f | 1.00 |\n' "$iters" "$iters" "$ref_s" "$target" \
  "$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["peak_rss_mb"])' "$work/ref_ttl.json")"
IFS=';' read -r -a ttl_variants <<<"${TTL_VARIANTS:---precision auto --coarse-to-fine 0 --lbfgs-history 100;--precision auto --coarse-to-fine 0;--precision auto}"
for opts in "${ttl_variants[@]}"; do
  read -r -a o <<<"$opts"
  # The engine stops as soon as its loss is at or below the reference's (at most 3x the iterations;
  # the coarse levels as a run of $iters iterations has them by default, unless the variant sets them).
  js=$(locked "$nst" transfer --quiet --stats --model "$vgg" --content "$work/content512.png" --style "$work/style512.png" \
       --output "$work/out.png" --size 512 --iterations $((3 * iters)) --coarse-to-fine $((iters / 3)) \
       --target-loss "$target" "${o[@]}")
  "$py" - "$js" "$ref_s" "$opts" <<'PY'
import json, sys
d, ref_s = json.loads(sys.argv[1]), float(sys.argv[2])
print("| engine %s (%s) | %d | %.0f | %.5g | %.0f | %.2fx faster |" % (
    sys.argv[3], d["precision"], d["steps"], d["seconds"], d["loss"], d["peak_rss_mb"], ref_s / d["seconds"]))
PY
done

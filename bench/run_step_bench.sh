#!/usr/bin/env bash
# One run, same machine: the engine's step (fp32 and bf16) against the Python reference.
#   bench/run_step_bench.sh [VGG19_PTH] [SIZES] [REPS]
# Default weights: the random VGG-19 the tests write (build/tests/vgg19-zip.pth).
set -euo pipefail
top=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
model=${1:-$top/build/tests/vgg19-zip.pth}
sizes=${2:-256,512}
reps=${3:-3}
[[ -f $model ]] || { echo "no weight file $model (build the tests first: ninja -C build tests/vgg19-zip.pth)" >&2; exit 1; }
engine=$("$top/build/bench/step_bench" "$model" "$sizes" "$reps")
ref=$(/usr/bin/python3 "$top/bench/reference_step.py" "$model" "$sizes" "$reps")
echo "$engine" | head -1
echo "| size | variant | forward ms | step ms | speed vs Python fp32 (higher is faster) |"
echo "|---|---|---|---|---|"
while read -r size fwd step; do
  echo "| $size | python3-torch fp32 (reference) | $fwd | $step | 1.00 |"
  echo "$engine" | awk -v s="$size" -v ref="$step" '$1 == s { printf "| %s | engine %s | %s | %s | %.2f |\n", $1, $2, $3, $4, ref / $4 }'
done <<<"$ref"

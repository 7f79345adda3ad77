#!/usr/bin/env bash
# bench/run_full_size.sh [BUILD_DIR]: a photo stylised at full size against
# today's default (the working size enlarged), in one run.
#
# The photo (CONTENT, default ../shared/testdata/content/raccoon.jpg) is
# enlarged to SIZE (default 3000x2000) as a stand-in for a camera photo; then
#   work:  nst transfer --size 1024 (the "Best" quality), enlarged to SIZE;
#   full:  nst transfer --size 512 --output-size full (scales up to SIZE, tiled);
# each with its time and peak RSS (--stats: seconds, peak_rss_mb), then bench/detail_bench on both (variance
# of the Laplacian; style distance of 512 px crops). NET (default
# ../shared/models/darknet-tiny), STYLE, ITERATIONS (default 300) and EXTRA
# (more `nst transfer` options for both runs) change the set-up.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
shared=${NST_SHARED:-$here/../shared}
content=${CONTENT:-$shared/testdata/content/raccoon.jpg}
style=${STYLE:-$shared/testdata/style/starry_night.jpg}
net=${NET:-$shared/models/darknet-tiny}
size=${SIZE:-3000x2000}
iterations=${ITERATIONS:-300}
out=${OUT:-$build/full_size}
mkdir -p "$out"
grep -m1 'model name' /proc/cpuinfo
grep -m1 '^flags' /proc/cpuinfo | grep -o 'avx2\|avx512f\|avx512_bf16\|amx_bf16' | sort -u | tr '\n' ' '; echo
"$build/bench/detail_bench" --resize "$content" "${size%x*}" "${size#*x}" "$out/content.png"
run() {  # run NAME OPTIONS...
  local name=$1; shift
  echo "== $name: nst transfer $*"
  "$build/cli/nst" transfer --content "$out/content.png" --style "$style" --output "$out/$name.png" --model "$net" \
    --iterations "$iterations" "$@" ${EXTRA:-} --estimate 2>&1 | grep '^scales'
  "$build/cli/nst" transfer --content "$out/content.png" --style "$style" --output "$out/$name.png" --model "$net" \
    --iterations "$iterations" "$@" ${EXTRA:-} --quiet --stats
}
run work --size 1024
run full --size 512 --output-size full
"$build/bench/detail_bench" "$net" "$style" "$out/work.png" "$out/full.png"

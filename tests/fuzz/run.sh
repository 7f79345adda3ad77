#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD_DIR [SECONDS [HARNESS...]]: each libFuzzer harness
# (torch tfjs dljs image; BUILD_DIR configured with -Dfuzz=true) first on its
# kept crash inputs (regressions/HARNESS/: every crash found stays there as a
# regression test), then fuzzed for SECONDS (60) from its seed corpus
# (corpus/HARNESS/, copied: the repository's stays as it is), under ASan and
# UBSan when the build has them (-Db_sanitize=address,undefined). Prints per
# harness the executions and the coverage reached; on a crash the reason and
# the input (base64, to add to regressions/). Exits 1 when anything crashed.
set -uo pipefail
build=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS [HARNESS...]]}
secs=${2:-60}
shift $(($# >= 2 ? 2 : 1))
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(torch tfjs dljs image)
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp}  # a leak inside LibTorch (see there)
export OMP_NUM_THREADS=1
# Images of up to 16 megapixels (OpenCV's limit, which load_image also
# applies from PNG and JPEG headers): a few hundred bytes can claim a
# 258-megapixel JPEG, whose decoding (~4 GiB) is within what load_image lets
# a real run use but beyond -malloc_limit_mb below.
export OPENCV_IO_MAX_IMAGE_PIXELS=${OPENCV_IO_MAX_IMAGE_PIXELS:-16777216}
failed=0
for h in "${harnesses[@]}"; do
  exe=$build/tests/fuzz/fuzz_$h
  if [ ! -x "$exe" ]; then
    echo "fuzz_$h: $exe is not built (meson setup BUILD_DIR -Dfuzz=true with CXX=clang++)"
    failed=1
    continue
  fi
  kept=("$here/regressions/$h"/*)
  if [ -e "${kept[0]}" ]; then
    if "$exe" "${kept[@]}" >"$work/$h-kept.log" 2>&1; then
      echo "fuzz_$h: ${#kept[@]} kept crash inputs run cleanly"
    else
      echo "fuzz_$h: a kept crash input fails again:"
      grep -E -A20 'ERROR|runtime error|deadly signal|uncaught|terminate' "$work/$h-kept.log" | head -30
      failed=1
    fi
  fi
  mkdir -p "$work/corpus-$h" "$work/crash-$h"
  cp "$here/corpus/$h"/* "$work/corpus-$h/"
  "$exe" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=4096 -malloc_limit_mb=2048 -timeout=30 \
    -artifact_prefix="$work/crash-$h/" "$work/corpus-$h" >"$work/$h.log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$h.log" | grep -o '[0-9]*$')
  status=$(grep -E '^#[0-9]+' "$work/$h.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<<"$status" | grep -o '[0-9]*')
  ft=$(grep -o 'ft: [0-9]*' <<<"$status" | grep -o '[0-9]*')
  echo "fuzz_$h: ${execs:-?} executions in $secs s, coverage ${cov:-?} edges (${ft:-?} features)," \
       "corpus $(find "$work/corpus-$h" -type f | wc -l) inputs (seed $(find "$here/corpus/$h" -type f | wc -l))"
  if [ $rc -ne 0 ]; then
    echo "fuzz_$h: crashed (exit status $rc):"
    grep -E -A25 'ERROR|runtime error|deadly signal|uncaught|terminate|out-of-memory|malloc\(' "$work/$h.log" | head -40
    for f in "$work/crash-$h"/*; do
      [ -e "$f" ] && echo "  input $(basename "$f") (base64): $(base64 -w0 "$f" | head -c 2000)"
    done
    failed=1
  fi
done
exit $failed

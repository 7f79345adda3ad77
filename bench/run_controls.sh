#!/usr/bin/env bash
# bench/run_controls.sh [BUILD_DIR]: the artistic controls on one photo, one
# picture each, and the row of them in the README (docs/controls-row.jpg).
#
# `nst transfer` on CONTENT (default ../shared/testdata/content/chelsea.jpg)
# in the style of STYLE (default The Starry Night) with NET (default
# ../shared/models/darknet-tiny), SIZE px (384) and ITERATIONS (150):
#   plain                      the defaults
#   --preserve-colors luminance   only the brightness stylised
#   --preserve-colors match       the painting given the photo's colours first
#   --style A,B                   The Starry Night and The Great Wave, equal weights
#   --style-scale 0.5 / 2         smaller and larger strokes
#   --strength 50                 half the photo showing through
# then a labelled row of them (ImageMagick's montage) in OUT (default
# BUILD_DIR/controls) and, with --docs, in docs/controls-row.jpg.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
shared=${NST_SHARED:-$here/../shared}
content=${CONTENT:-$shared/testdata/content/chelsea.jpg}
style=${STYLE:-$shared/testdata/style/starry_night.jpg}
second=${SECOND:-$shared/testdata/style/great_wave.jpg}
net=${NET:-$shared/models/darknet-tiny}
size=${SIZE:-384}
iterations=${ITERATIONS:-150}
out=${OUT:-$build/controls}
mkdir -p "$out"
grep -m1 'model name' /proc/cpuinfo
run() {  # run NAME OPTIONS...
  local name=$1; shift
  echo "== $name: nst transfer $*"
  "$build/cli/nst" transfer --content "$content" --output "$out/$name.png" --model "$net" --size "$size" \
    --iterations "$iterations" --quiet --stats "$@"
}
run plain --style "$style"
run luminance --style "$style" --preserve-colors luminance
run match --style "$style" --preserve-colors match
run two-styles --style "$style,$second" --style-blend-weights 1,1
run strokes-small --style "$style" --style-scale 0.5
run strokes-large --style "$style" --style-scale 2
run strength-50 --style "$style" --strength 50
cp "$content" "$out/photo.jpg"
montage -font DejaVu-Sans -pointsize 15 \
  -label 'the photo' "$out/photo.jpg" -label 'plain' "$out/plain.png" \
  -label 'colours: luminance only' "$out/luminance.png" -label 'colours: matched' "$out/match.png" \
  -label 'two paintings' "$out/two-styles.png" -label 'stroke size 0.5' "$out/strokes-small.png" \
  -label 'stroke size 2' "$out/strokes-large.png" -label 'strength 50 %' "$out/strength-50.png" \
  -tile 4x2 -geometry 300x200+4+4 -quality 88 "$out/controls-row.jpg"
echo "wrote $out/controls-row.jpg"
if [ "${2:-}" = --docs ]; then cp "$out/controls-row.jpg" "$here/docs/controls-row.jpg"; echo "and docs/controls-row.jpg"; fi

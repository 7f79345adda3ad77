#!/usr/bin/env bash
# Cancel and start again, 50 times in one GIMP 2.10 session (batch, script-fu):
#   gimp_cycles_test.sh PLUGIN_EXECUTABLE SHARED_DIR
# A batch call has no Cancel button, so the plug-in's test hook stands in for
# the user (ui/test_hook_gtk.h: NST_UI_TEST_CANCEL_AT=3 cancels every run at
# its third iteration; runs of 2 iterations finish). 50 runs on image 1 (a
# layer with offsets and alpha, a feathered elliptical selection) are
# cancelled; after every tenth, a run of 2 iterations on a copy of the image
# finishes. Checked: every cancelled run stopped at iteration 3 and left
# image 1 as it was (pixels, layers, selection, no undo step: the image stays
# clean); the restarts each added one layer, the last one equal to the first;
# GIMP's resident memory (sampled by the plug-in at the end of each run) does
# not grow over the cycles. Exit 77 (meson: skipped) when GIMP or ../shared is absent.
set -euo pipefail
plugin=$1
shared=$2
# shellcheck source=gimp_test_lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/gimp_test_lib.sh"
begin_gimp_test "$shared" "gimp-console-2.10" models/darknet-tiny/model.json testdata/style/starry_night.jpg
private_plugin "$plugin"
make_models_folder "$shared" "$tmp/models" wave
export NST_MODELS_DIR=$tmp/models NST_UI_TEST_DIR=$tmp/ui NST_UI_TEST_CANCEL_AT=3
style=$shared/testdata/style/starry_night.jpg
cycles=${NST_CYCLES:-50}

# Image 1: 80 x 60, "Photo" (RGBA 40 x 30 at offsets 5, 7) over a background,
# a feathered ellipse selected; saved, then marked clean. Image 2: its copy.
setup=$(photo_image 2 "(gimp-image-select-ellipse img CHANNEL-OP-REPLACE 10 10 30 25)
  (gimp-selection-feather img 6)
  (file-png-save RUN-NONINTERACTIVE img src \"$tmp/before.png\" \"before.png\" 0 9 0 0 0 0 0)
  (let ((sel (car (gimp-selection-save img))))
    (file-png-save RUN-NONINTERACTIVE img sel \"$tmp/selection-before.png\" \"s.png\" 0 9 0 0 0 0 0)
    (gimp-image-remove-channel img sel))
  (gimp-image-duplicate img)
  (gimp-image-clean-all img)")

# plug-in-neural-style2 on IMAGE's "Photo" layer: ITERATIONS at 32 px, from the content, seed 7.
nst2() {  # nst2 IMAGE ITERATIONS
  echo "(plug-in-neural-style2 RUN-NONINTERACTIVE $1 (car (gimp-image-get-layer-by-name $1 \"Photo\")) \"$style\" \"\" $2 32 -1 -1 -1 0 0 \"\" 7 \"\" \"\" 0 0 0 0 0 100 0 1 \"\" \"\" 1)"
}
runs=()
for i in $(seq 1 "$cycles"); do
  runs+=(-b "(let ((r $(nst2 1 40))) (gimp-message (string-append \"CYCLE $i returned \" (if (and (pair? r) (number? (car r))) \"a layer\" \"no layer\"))))")
  if [ $((i % 10)) -eq 0 ] || [ "$i" -eq 1 ]; then
    runs+=(-b "(begin $(nst2 2 2) (gimp-message (string-append \"RESTART $i layers=\" (number->string (car (gimp-image-get-layers 2))))))")
  fi
done

# (Whether image 1 is dirty is read first: saving its selection is an undo step.)
finish='(let* ((dirty (car (gimp-image-is-dirty 1)))
       (layers (cadr (gimp-image-get-layers 2)))
       (n (vector-length layers))
       (sel (car (gimp-selection-save 1))))
  (file-png-save RUN-NONINTERACTIVE 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "'$tmp'/after.png" "after.png" 0 9 0 0 0 0 0)
  (file-png-save RUN-NONINTERACTIVE 1 sel "'$tmp'/selection-after.png" "s.png" 0 9 0 0 0 0 0)
  (gimp-image-remove-channel 1 sel)
  (file-png-save RUN-NONINTERACTIVE 2 (aref layers 0) "'$tmp'/last-restart.png" "l.png" 0 9 0 0 0 0 0)
  (file-png-save RUN-NONINTERACTIVE 2 (aref layers (- n 3)) "'$tmp'/first-restart.png" "f.png" 0 9 0 0 0 0 0)
  (gimp-message (string-append "END layers=" (number->string (car (gimp-image-get-layers 1)))
    " dirty=" (number->string dirty)
    " copy-layers=" (number->string n)))
  (for-each gimp-image-delete (vector->list (cadr (gimp-image-list)))))'

start=$SECONDS
timeout 1200 gimp-console-2.10 -i -d -f --gimprc "$tmp/gimprc" -b "$setup" "${runs[@]}" -b "$finish" \
  -b '(gimp-quit 0)' >"$tmp/out.txt" 2>&1 || true
out=$(cat "$tmp/out.txt")
echo "$out" | tail -40
echo "($cycles cycles in $((SECONDS - start)) s)"
log=$tmp/ui/batch.txt
[ -f "$log" ] || { echo "FAIL: the plug-in wrote no run log ($log)"; exit 1; }

restarts=$(grep -c '^RESTART\|RESTART ' <<<"$out" || true)
expected_restarts=$((1 + cycles / 10))
check "$cycles runs were cancelled, each at iteration 3" \
  test "$(grep -c '^outcome=cancelled iteration=3 ' "$log")" -eq "$cycles"
check "the $expected_restarts restarts finished their 2 iterations" \
  test "$(grep -c '^outcome=done iteration=2 ' "$log")" -eq "$expected_restarts"
check "none of the cancelled calls returned a layer" test "$(grep -c '^script-fu-Warning: CYCLE [0-9]* returned no layer$' <<<"$out")" -eq "$cycles"
check "each restart added one layer" test "$restarts" -eq "$expected_restarts"
check "the cancelled runs left the layer's pixels as they were" same_pixels "$tmp/before.png" "$tmp/after.png"
check "and the selection" same_pixels "$tmp/selection-before.png" "$tmp/selection-after.png"
check "and added no layer" grep -q "END layers=2 " <<<"$out"
check "nor any undo step (the image is still clean)" grep -q " dirty=0 " <<<"$out"
check "the last restart painted what the first did" same_pixels "$tmp/first-restart.png" "$tmp/last-restart.png"
check "the copy has its $expected_restarts new layers" grep -q "copy-layers=$((2 + expected_restarts))" <<<"$out"

# GIMP's memory: the median of the first five cancelled runs after the first
# ten against the median of the last five.
rss=$(grep '^outcome=cancelled' "$log" | sed 's/.*gimp_rss_kb=//')
median() { sort -n | sed -n 3p; }
early=$(sed -n 11,15p <<<"$rss" | median)
late=$(tail -5 <<<"$rss" | median)
echo "GIMP resident memory: runs 11-15 ${early} KiB, the last five ${late} KiB"
check "GIMP's resident memory stays flat (less than 2 MiB more)" test $((late - early)) -lt 2048
check "no crash" bash -c "! grep -qi 'plug-in crashed' '$tmp/out.txt'"
exit $fail

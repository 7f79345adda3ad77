#!/usr/bin/env bash
# Cancel and start again in one GIMP 3 session (batch, script-fu):
#   gimp3_cycles_test.sh PLUGIN_EXECUTABLE SHARED_DIR
# The GIMP 3 counterpart of gimp_cycles_test.sh: 50 cycles (NST_CYCLES), each
# a run on image 1 that the test hook cancels at its third iteration
# (ui/test_hook_gtk.h); after the first and the last a 2-iteration run on a
# copy of the image finishes. Checked: every cancelled run stopped at iteration
# 3, returned no layer and left image 1 as it was (pixels, layers, selection,
# still clean); each restart added one layer, the last equal to the first;
# GIMP's resident memory does not grow. Exit 77 (meson: skipped) when GIMP 3
# or ../shared is absent. Runs natively on Debian 13 or inside the root of
# tests/gimp3_root.sh.
set -euo pipefail
plugin=$1
shared=$2
# shellcheck source=gimp_test_lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/gimp_test_lib.sh"
begin_gimp_test "$shared" "gimp-console-3.0" models/darknet-tiny/model.json testdata/style/starry_night.jpg
private_plugin "$plugin"
make_models_folder "$shared" "$tmp/models" wave
export NST_MODELS_DIR=$tmp/models NST_UI_TEST_DIR=$ui NST_UI_TEST_CANCEL_AT=3
style=$shared/testdata/style/starry_night.jpg
cycles=${NST_CYCLES:-50}

# (The copy is made first, so that it is image 2: save-layer makes images too.)
setup="(begin $save_layer $(photo_image 3 "(gimp-image-select-ellipse img CHANNEL-OP-REPLACE 10 10 30 25)
  (gimp-selection-feather img 6)
  (gimp-image-duplicate img)
  (save-layer src \"$tmp/before.pam\")
  (let ((sel (car (gimp-selection-save img))))
    (save-layer sel \"$tmp/selection-before.pam\")
    (gimp-image-remove-channel img sel))
  (gimp-image-clean-all img)"))"

nst2() {  # nst2 IMAGE ITERATIONS: plug-in-neural-style2 on IMAGE's "Photo", 32 px, from the content, seed 7
  echo "(plug-in-neural-style2 RUN-NONINTERACTIVE $1 (vector (car (gimp-image-get-layer-by-name $1 \"Photo\"))) \"$style\" \"\" $2 32 -1 -1 -1 0 0 \"\" 7 \"\" \"\" 0 0 0 0 0 100 0 1 \"\" \"\" 1)"
}
runs=()
for i in $(seq 1 "$cycles"); do
  runs+=(-b "(let ((r $(nst2 1 40))) (gimp-message (string-append \"CYCLE $i returned \" (if (and (pair? r) (number? (car r))) \"a layer\" \"no layer\"))))")
  if [ "$i" -eq 1 ] || [ "$i" -eq "$cycles" ]; then
    runs+=(-b "(begin $n_layers $(nst2 2 2) (gimp-message (string-append \"RESTART $i layers=\" (number->string (n-layers 2)))))")
  fi
done

finish="(begin $save_layer $n_layers
  (let* ((dirty (car (gimp-image-is-dirty 1)))
         (layers (car (gimp-image-get-layers 2)))
         (n (vector-length layers))
         (sel (car (gimp-selection-save 1))))
    (save-layer (car (gimp-image-get-layer-by-name 1 \"Photo\")) \"$tmp/after.pam\")
    (save-layer sel \"$tmp/selection-after.pam\")
    (save-layer (vector-ref layers 0) \"$tmp/last-restart.pam\")
    (save-layer (vector-ref layers (- n 3)) \"$tmp/first-restart.pam\")
    (gimp-message (string-append \"END layers=\" (number->string (n-layers 1))
      \" dirty=\" (if (or (eq? dirty #t) (and (number? dirty) (= dirty 1))) \"1\" \"0\") \" copy-layers=\" (number->string n)))
    (gimp-image-delete 1) (gimp-image-delete 2)))"

start=$SECONDS
timeout 1200 gimp-console-3.0 -i -d -f --quit --gimprc "$tmp/gimprc" --batch-interpreter=plug-in-script-fu-eval \
  -b "$setup" "${runs[@]}" -b "$finish" >"$tmp/out.txt" 2>&1 || true
out=$(cat "$tmp/out.txt")
echo "$out" | tail -30
echo "($cycles cycles in $((SECONDS - start)) s)"
log=$ui/batch.txt
[ -f "$log" ] || { echo "FAIL: the plug-in wrote no run log ($log)"; exit 1; }

check "$cycles runs were cancelled, each at iteration 3" \
  test "$(grep -c '^outcome=cancelled iteration=3 ' "$log")" -eq "$cycles"
check "none of the cancelled calls returned a layer" test "$(grep -c '^script-fu-Warning: CYCLE [0-9]* returned no layer$' <<<"$out")" -eq "$cycles"
check "the 2 restarts finished their 2 iterations" test "$(grep -c '^outcome=done iteration=2 ' "$log")" -eq 2
check "the cancelled runs left the layer's pixels as they were" cmp -s "$tmp/before.pam" "$tmp/after.pam"
check "and the selection" cmp -s "$tmp/selection-before.pam" "$tmp/selection-after.pam"
check "and added no layer" grep -q "END layers=2 " <<<"$out"
check "nor any undo step (the image is still clean)" grep -q " dirty=0 " <<<"$out"
check "each restart added one layer" grep -q "copy-layers=4" <<<"$out"
check "the last restart painted what the first did" cmp -s "$tmp/first-restart.pam" "$tmp/last-restart.pam"
rss=$(grep '^outcome=cancelled' "$log" | sed 's/.*gimp_rss_kb=//')
median() { sort -n | sed -n 3p; }
early=$(sed -n 11,15p <<<"$rss" | median)
late=$(tail -5 <<<"$rss" | median)
echo "GIMP resident memory: runs 11-15 ${early} KiB, the last five ${late} KiB"
check "GIMP's resident memory stays flat (less than 2 MiB more)" test $((late - early)) -lt 2048
check "no crash" bash -c "! grep -qi 'plug-in crashed' '$tmp/out.txt'"
exit $fail

#!/usr/bin/env bash
# The interactive plug-in under Xvfb, driven like a user would:
#   gimp_dialog_test.sh PLUGIN X11_CLOSE_WINDOW SHARED_DIR LOCALEDIR SCREENSHOT_DIR
# GIMP 2.10 runs with a display; script-fu calls plug-in-neural-style
# RUN-INTERACTIVE / RUN-WITH-LAST-VALS while this script reads the dialogs'
# self-descriptions (NST_UI_TEST_DIR, see ui/test_hook_gtk.h) and clicks
# their buttons with xdotool:
#   1. settings dialog, a missing style file: the problem is shown, Start is
#      insensitive, defaults are in place; Reset; Cancel adds no layer;
#   2. a real style: thumbnail, time estimate; Start; the progress dialog
#      shows the preview, iteration, losses and times; Cancel leaves the
#      layer count and the source pixels unchanged;
#   3. values persist (style, iterations, recent styles); Apply Now adds the
#      layer early;
#   4. RUN-WITH-LAST-VALS shows the progress dialog only; closing its window
#      cancels and changes nothing;
#   5. "From a layer of an open image" as the style: clicked, applied;
#   6. a new GIMP session: the latest recent style is preselected; the
#      dialog in German;
#   7. Neural Style (Fast): the gallery of installed styles with thumbnails
#      of the layer, the live preview, choosing a style and the layer's colours,
#      Cancel adds nothing, Start adds the layer, Repeat runs without the
#      dialog.
# Screenshots of the dialogs go to SCREENSHOT_DIR.
# Exit 77 (meson: skipped) when GIMP, Xvfb, xdotool, ImageMagick or ../shared is absent.
set -euo pipefail
plugin=$1
closer=$2
shared=$3
localedir=$4
shots=$5
# shellcheck source=gimp_test_lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/gimp_test_lib.sh"
begin_gimp_test "$shared" "gimp-2.10 Xvfb xdotool import compare" models/darknet-tiny/model.json testdata/style/starry_night.jpg models/fast-style-ml5/wave/manifest.json
mkdir -p "$shots"
private_plugin "$plugin"
make_models_folder "$shared" "$tmp/models"
export NST_MODELS_DIR=$tmp/models NST_UI_TEST_DIR=$tmp/ui NST_LOCALEDIR=$localedir
# Idle OpenMP threads must not spin on a shared, busy machine.
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2
start_display

die() {
  echo "FAIL: $*"
  echo "--- GIMP output ---"; cat "$tmp/gimp.log" 2>/dev/null || true
  for f in "$ui"/*.txt; do [ -e "$f" ] && { echo "--- $f ---"; cat "$f"; }; done
  import -window root "$shots/failure-root.png" 2>/dev/null || true
  exit 1
}
shoot() {  # shoot DUMP FILE: the dialog's window, wholly on screen, pointer out of the way
  local win
  win=$(window_of "$1")
  xdotool windowmove "$win" 0 0 mousemove 1279 1023
  sleep 0.8
  import -window "$win" "$2"
}
# --- the script-fu side -----------------------------------------------------
style=$shared/testdata/style/starry_night.jpg
photo=$shared/testdata/content/chelsea.jpg
wave=$shared/testdata/style/great_wave.jpg
# Sets the dialog's remembered values the way a previous dialog run leaves them.
set_state() {  # set_state 'key=value\nkey=value...' (scheme string syntax; may use scheme expressions via "\" (..) \"")
  echo "(let* ((str (string-append \"nst-dialog-state 1\\n\" $1)) (bytes (list->vector (map char->integer (string->list str)))))
    (gimp-procedural-db-set-data \"plug-in-neural-style-dialog\" (vector-length bytes) bytes))"
}
report() {  # report TAG: layer count, the layer just above the source; source saved as TAG.png
  echo "(let* ((src (car (gimp-image-get-layer-by-name 1 \"Photo\")))
          (layers (gimp-image-get-layers 1))
          (pos (car (gimp-image-get-item-position 1 src))))
     (file-png-save RUN-NONINTERACTIVE 1 src \"$tmp/$1.png\" \"$1.png\" 0 9 0 0 0 0 0)
     (gimp-message (string-append \"REPORT $1 layers=\" (number->string (car layers))
       \" above=\" (if (> pos 0) (car (gimp-item-get-name (vector-ref (cadr layers) (- pos 1)))) \"none\"))))"
}
setup="(begin
  (gimp-message-set-handler CONSOLE)
  (let* ((img (car (file-jpeg-load RUN-NONINTERACTIVE \"$photo\" \"$photo\")))
         (src (car (gimp-image-get-active-layer img)))
         (art (car (file-jpeg-load RUN-NONINTERACTIVE \"$wave\" \"$wave\"))))
    (gimp-item-set-name src \"Photo\")
    (gimp-item-set-name (car (gimp-image-get-active-layer art)) \"Great Wave\")
    (gimp-display-new img)
    (gimp-message (string-append \"SETUP image=\" (number->string img) \" art=\" (number->string art)))))"
call_interactive='(plug-in-neural-style RUN-INTERACTIVE 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "" "" 1 16 -1 -1 -1 0 0 "" 0 "" "" 0 0)'
call_last='(plug-in-neural-style RUN-WITH-LAST-VALS 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "" "" 1 16 -1 -1 -1 0 0 "" 0 "" "" 0 0)'
wave_layer='(number->string (car (gimp-image-get-layer-by-name 2 "Great Wave")))'

start_gimp() {  # start_gimp BATCH-COMMANDS...
  local args=()
  for b in "$@"; do args+=(-b "$b"); done
  rm -rf "$GIMP2_DIRECTORY/backups"
  timeout 600 gimp-2.10 -n -d -f -s --gimprc "$tmp/gimprc" "${args[@]}" -b '(gimp-quit 1)' >"$tmp/gimp.log" 2>&1 &
  gimp_pid=$!
}
wait_gimp() {
  local deadline=$((SECONDS + 60))
  while kill -0 "$gimp_pid" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "GIMP did not quit"
    sleep 0.2
  done
  gimp_pid=
}

t0=$SECONDS
start_gimp "$setup" "$(report before)" \
  "$(set_state '"style-file=/nonexistent/painting.jpg\niterations=1000\nsize=256\n"')" \
  "$call_interactive" "$(report after-settings-cancel)" \
  "$(set_state "\"style-file=$style\\niterations=1000\\nsize=256\\n\"")" \
  "$call_interactive" "$(report after-cancel)" \
  "$call_interactive" "$(report after-apply)" \
  "$call_last" "$(report after-close)" \
  "$(set_state "\"style-file=$style\\nstyle-drawable=\" $wave_layer \"\\niterations=1000\\nsize=128\\n\"")" \
  "$call_interactive" "$(report after-layer-style)" \
  "$(set_state "\"style-file=$style\\niterations=300\\nsize=64\\noutput-size=-1\\nstyle-weight=2\\nmore-style=1.5\\t$wave\\n\"")" \
  "$call_interactive" "$(report after-full-size-cancel)" \
  '(begin (gimp-image-delete 2) (gimp-image-clean-all 1))'

# 1. Settings dialog with a style file that does not exist.
wait_for 90 "the settings dialog" has settings nst-start
wait_for 10 "the problem to be shown" value_matches settings nst-problem 'does not exist'
for w in nst-style-from-file nst-style-file nst-style-from-layer nst-style-layer nst-style-thumbnail \
         nst-strength nst-smoothness nst-quality nst-quality-detail nst-estimate nst-seed nst-new-seed \
         nst-random-seed nst-advanced nst-network nst-network-file nst-iterations nst-size nst-style-layers \
         nst-content-layers nst-optimizer nst-learning-rate nst-init nst-init-file nst-pooling \
         nst-stroke-size nst-mix nst-colors nst-selection-mask nst-output nst-coarse \
         nst-problem nst-reset nst-cancel nst-start; do
  check "settings dialog has $w" has settings $w
done
check "missing style file is named" value_is settings nst-problem \
  "The style image cannot be used: “/nonexistent/painting.jpg” does not exist."
check "Start is insensitive while the style is missing" prop_is settings nst-start sensitive 0
check "style strength starts at 50" value_is settings nst-strength 50
check "smoothness starts at 50" value_is settings nst-smoothness 50
check "1000 iterations at 256 px is a custom quality" value_is settings nst-quality "5 Custom"
check "quality detail names the work size" value_is settings nst-quality-detail "1000 iterations at 256 × 170 pixels"
check "no estimate for invalid settings" value_is settings nst-estimate "–"
check "network is automatic" value_matches settings nst-network '^0 Automatic: Darknet-tiny'
check "advanced section starts collapsed" value_is settings nst-advanced 0
check "no recent styles yet" bash -c "! grep -q '^widget nst-recent' '$ui/settings.txt'"
click settings nst-reset
wait_for 10 "Reset" value_is settings nst-quality "1 Good"
check "Reset restores 300 iterations" value_is settings nst-iterations 300
check "Reset restores 512 px" value_is settings nst-size 512
click settings nst-cancel
wait_for 20 "the plug-in to return" grep -q "outcome=settings-cancelled" "$ui/result.txt"
finish_scenario

# 2. A real style: estimate, Start, progress dialog, Cancel.
wait_for 60 "the settings dialog (2)" has settings nst-start
wait_for 10 "the style to be accepted" prop_is settings nst-start sensitive 1
check "style file shown" value_is settings nst-style-file "$style"
check "thumbnail of the painting" value_matches settings nst-style-thumbnail '^[0-9]+x[0-9]+$'
check "no problem shown" prop_is settings nst-problem visible 0
wait_for 90 "the time estimate" value_matches settings nst-estimate '^(about|less than)'
check "time and memory estimate read like speech" value_matches settings nst-estimate \
  '^(about [0-9]+ (min|h)( [0-9]+ min)?|less than a minute), about [0-9.]+ (MB|GB) of memory$'
echo "estimate: $(value settings nst-estimate)"
shoot settings "$shots/settings-dialog.png"
click settings nst-start
wait_for 60 "the progress dialog" has progress nst-cancel
t_start=$SECONDS
wait_for 120 "30 iterations" iteration_at_least 30
shoot progress "$shots/progress-dialog.png"
check "progress dialog shows the evolving result" value_matches progress nst-preview '^[0-9]+x[0-9]+$'
# 1000 iterations at 256 x 170 after a third of them at 64 x 43 and at 128 x 85 (coarse-to-fine).
check "iteration of 1666 and the scale" value_matches progress nst-status '^Iteration [0-9]+ of 1666, scale [1-3] of 3 \('
check "progress bar moved" awk -v f="$(value progress nst-progress)" 'BEGIN { exit !(f > 0 && f < 1) }'
check "elapsed time and time left" value_matches progress nst-times '^Elapsed [0-9]+:[0-9][0-9](, .* left)?$'
check "losses" value_matches progress nst-losses '^Loss [0-9.e+-]+ \(content .*, style .*, smoothness .*\)$'
check "subtitle names layer and style" value_is progress nst-subtitle "“Photo” in the style of Starry Night"
check "Apply Now is offered" prop_is progress nst-apply-now sensitive 1
echo "$(value progress nst-status) after $((SECONDS - t_start)) s"
t_cancel=$SECONDS
click progress nst-cancel
wait_for 30 "the plug-in to return after Cancel" grep -q "outcome=cancelled" "$ui/result.txt"
echo "cancel took $((SECONDS - t_cancel)) s ($(cat "$ui/result.txt"))"
finish_scenario

# 3. Values persist; Apply Now.
wait_for 60 "the settings dialog (3)" has settings nst-start
check "style file persists" value_is settings nst-style-file "$style"
check "iterations persist" value_is settings nst-iterations 1000
check "the style is in the recent list" has settings nst-recent-0
check "speed is remembered: estimate at once" value_matches settings nst-estimate '^(about|less than)'
click settings nst-advanced
wait_for 10 "the Advanced section" prop_is settings nst-iterations visible 1
check "Advanced shows the network" value_matches settings nst-network-info '^Darknet-tiny from '
check "coarse-to-fine shows Automatic" value_is settings nst-coarse "-1 Automatic"
shoot settings "$shots/settings-advanced.png"
click settings nst-start
wait_for 60 "the progress dialog (3)" iteration_at_least 3
click progress nst-apply-now
wait_for 30 "the plug-in to return after Apply Now" grep -q "outcome=applied-early" "$ui/result.txt"
applied=$(grep -o 'iterations=[0-9]*' "$ui/result.txt" | cut -d= -f2)
check "Apply Now stopped early ($applied of 1000 iterations)" test "$applied" -ge 3 -a "$applied" -lt 1000
finish_scenario

# 4. Repeat (last values): progress dialog only; closing its window cancels.
wait_for 60 "the progress dialog (4)" iteration_at_least 2
check "no settings dialog for last values" test ! -e "$ui/settings.txt"
check "last values: 1000 iterations" value_matches progress nst-status ' of 1666, scale [1-3] of 3 \('
"$closer" "$(window_of progress)"
wait_for 30 "the plug-in to return after closing the window" grep -q "outcome=cancelled" "$ui/result.txt"
finish_scenario

# 5. The style from a layer of another open image.
wait_for 60 "the settings dialog (5)" has settings nst-start
click settings nst-style-from-layer
wait_for 10 "the layer to be chosen" value_is settings nst-style-from-layer 1
check "the painting's layer is offered" value_matches settings nst-style-layer 'Great Wave'
check "layer combo is active" prop_is settings nst-style-layer sensitive 1
check "file chooser is inactive" prop_is settings nst-style-file sensitive 0
check "layer thumbnail" value_matches settings nst-style-thumbnail '^[0-9]+x[0-9]+$'
click settings nst-start
wait_for 60 "the progress dialog (5)" iteration_at_least 2
check "subtitle names the style layer" value_is progress nst-subtitle "“Photo” in the style of Great Wave"
click progress nst-apply-now
wait_for 30 "the plug-in to return (5)" grep -q "outcome=applied-early" "$ui/result.txt"
finish_scenario

# 5b. Two paintings mixed (the remembered list; a row added and removed), up
# to the layer's own size: the scales in the quality line, the memory in the
# estimate, the scale in the progress; Cancel at a larger scale.
wait_for 60 "the settings dialog (5b)" has settings nst-start
wait_for 10 "the style to be accepted (5b)" prop_is settings nst-start sensitive 1
check "two paintings: the further one is listed" value_is settings nst-more-style-0 "$wave"
check "two paintings: its weight" value_is settings nst-more-weight-0 1.5
check "two paintings: the style's weight" value_is settings nst-style-weight 2
shoot settings "$shots/settings-two-paintings.png"
click settings nst-add-painting
wait_for 10 "an empty painting row" has settings nst-more-style-1
wait_for 10 "the empty row to be named" value_is settings nst-problem \
  "Choose a file for each further painting, or remove the empty one."
check "Start waits for the empty row" prop_is settings nst-start sensitive 0
click settings nst-more-remove-1
wait_for 10 "the row to go" bash -c "! grep -q '^widget nst-more-style-1 ' '$ui/settings.txt'"
wait_for 10 "Start again" prop_is settings nst-start sensitive 1
check "full size: the quality line names the scales" value_is settings nst-quality-detail \
  "300 iterations at 64 × 43 pixels, then on at larger scales up to 451 × 300"
check "full size: paint up to the layer's own size" value_matches settings nst-output '^1 '
wait_for 60 "the full-size estimate" value_matches settings nst-estimate ', about [0-9.]+ (MB|GB) of memory$'
echo "full-size estimate: $(value settings nst-estimate)"
click settings nst-start
wait_for 120 "a larger scale" value_matches progress nst-status '^Iteration [0-9]+ of [0-9]+, scale [2-7] of 7 \([0-9]+ × [0-9]+\)$'
echo "$(value progress nst-status)"
check "full size: the bar counts the work, not the iterations" \
  awk -v f="$(value progress nst-progress)" 'BEGIN { exit !(f > 0 && f < 1) }'
click progress nst-cancel
wait_for 30 "the plug-in to return after Cancel (5b)" grep -q "outcome=cancelled" "$ui/result.txt"
finish_scenario
wait_gimp
main_time=$((SECONDS - t0))

out=$(cat "$tmp/gimp.log")
grep -o "REPORT .*" <<<"$out" || true
report_of() { grep -o "REPORT $1 .*" <<<"$out" || true; }
check "settings Cancel: no layer added" grep -q "layers=1 " <<<"$(report_of after-settings-cancel)"
check "settings Cancel: source pixels unchanged" same_pixels "$tmp/before.png" "$tmp/after-settings-cancel.png"
check "progress Cancel: no layer added" grep -q "layers=1 " <<<"$(report_of after-cancel)"
check "progress Cancel: source pixels unchanged" same_pixels "$tmp/before.png" "$tmp/after-cancel.png"
check "Apply Now: one layer added above the source" grep -q "layers=2 above=Starry Night (neural style)" <<<"$(report_of after-apply)"
check "Apply Now: source pixels unchanged" same_pixels "$tmp/before.png" "$tmp/after-apply.png"
check "closed window: no layer added" grep -q "layers=2 " <<<"$(report_of after-close)"
check "closed window: source pixels unchanged" same_pixels "$tmp/before.png" "$tmp/after-close.png"
check "layer style: one layer added, named after it" grep -q "layers=3 above=Great Wave (neural style)" <<<"$(report_of after-layer-style)"
check "full size, cancelled at a larger scale: no layer added" grep -q "layers=3 " <<<"$(report_of after-full-size-cancel)"
check "full size, cancelled: source pixels unchanged" same_pixels "$tmp/before.png" "$tmp/after-full-size-cancel.png"
check "no crash" bash -c "! grep -qi 'plug-in crashed' '$tmp/gimp.log'"

# 6. The dialog in German (translations from the build's po/).
t6=$SECONDS
if [ -f "$localedir/de/LC_MESSAGES/gimp20-neural-style.mo" ]; then
  LC_ALL=C.UTF-8 LANGUAGE=de start_gimp \
    "(begin (gimp-message-set-handler CONSOLE) (gimp-item-set-name (car (gimp-image-get-active-layer (car (file-jpeg-load RUN-NONINTERACTIVE \"$photo\" \"$photo\")))) \"Photo\") (gimp-display-new 1))" \
    "$call_interactive" '(gimp-image-clean-all 1)'
  wait_for 90 "the German settings dialog" has settings nst-start
  # A new GIMP session has forgotten the dialog's values, not the recent styles.
  check "new session: the latest recent style is preselected" value_is settings nst-style-file "$style"
  wait_for 90 "the German time estimate" value_matches settings nst-estimate '^(etwa|weniger)'
  check "German: Start button" value_is settings nst-start "_Starten"
  check "German: quality preset" value_is settings nst-quality "1 Gut"
  check "German: time estimate" value_matches settings nst-estimate \
    '^(etwa [0-9]+ (Min\.|Std\.)( [0-9]+ Min\.)?|weniger als eine Minute), etwa [0-9.]+ (MB|GB) Arbeitsspeicher$'
  shoot settings "$shots/settings-dialog-de.png"
  click settings nst-cancel
  wait_for 20 "the German dialog to close" grep -q "outcome=settings-cancelled" "$ui/result.txt"
  finish_scenario
  wait_gimp
else
  echo "FAIL: no German translation built at $localedir"; fail=1
fi

german_time=$((SECONDS - t6))

# 7. Neural Style (Fast).
t7=$SECONDS
fast_call='(plug-in-neural-style-fast RUN-INTERACTIVE 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "" 100 0 0 0)'
fast_last='(plug-in-neural-style-fast RUN-WITH-LAST-VALS 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "" 100 0 0 0)'
start_gimp \
  "(begin (gimp-message-set-handler CONSOLE) (gimp-item-set-name (car (gimp-image-get-active-layer (car (file-jpeg-load RUN-NONINTERACTIVE \"$photo\" \"$photo\")))) \"Photo\") (gimp-display-new 1))" \
  "$(report fast-before)" "$fast_call" "$(report fast-cancel)" "$fast_call" "$(report fast-start)" \
  "$fast_last" "$(report fast-repeat)" '(gimp-image-clean-all 1)'
wait_for 90 "the fast settings dialog" has fast-settings nst-start
wait_for 60 "the thumbnails and the preview" previews_are "thumbnails=5/5 preview=ready"
check "fast: five installed styles, the first chosen" value_matches fast-settings nst-styles '^items=5 selected=La Muse '
check "fast: the preview shows the layer in that style" value_matches fast-settings nst-preview '^[0-9]+x[0-9]+$'
for w in nst-network-file nst-strength nst-colors nst-advanced nst-reset nst-cancel; do
  check "fast dialog has $w" has fast-settings $w
done
check "fast: strength starts at 100" value_is fast-settings nst-strength 100
check "fast: Start is sensitive" prop_is fast-settings nst-start sensitive 1
click fast-settings nst-cancel
wait_for 20 "the fast dialog to close" grep -q "outcome=settings-cancelled" "$ui/result.txt"
finish_scenario
wait_for 60 "the fast settings dialog (2)" has fast-settings nst-start
wait_for 60 "the thumbnails (2)" previews_are "thumbnails=5/5 preview=ready"
click_item fast-settings nst-styles 4
wait_for 10 "Wave to be chosen" value_matches fast-settings nst-styles '^items=5 selected=Wave '
wait_for 30 "the Wave preview" previews_are "preview=ready model=wave"
check "fast: the painting's colours at first" value_matches fast-settings nst-colors '^0 '
scroll_down fast-settings nst-colors
wait_for 10 "keep the layer's colours" value_matches fast-settings nst-colors '^1 '
shoot fast-settings "$shots/fast-settings-dialog.png"
click fast-settings nst-start
wait_for 60 "the fast run to finish" grep -q "outcome=completed" "$ui/result.txt"
finish_scenario
wait_for 60 "the repeated fast run" grep -q "outcome=completed" "$ui/result.txt"
check "fast Repeat: no settings dialog" test ! -e "$ui/fast-settings.txt"
finish_scenario
wait_gimp
out=$(cat "$tmp/gimp.log")
grep -o "REPORT fast.*" <<<"$out" || true
check "fast Cancel: no layer added" grep -q "layers=1 " <<<"$(report_of fast-cancel)"
check "fast Start: one layer above the source, named after the style" \
  grep -q "layers=2 above=Wave (fast style)" <<<"$(report_of fast-start)"
check "fast Start: source pixels unchanged" same_pixels "$tmp/fast-before.png" "$tmp/fast-start.png"
check "fast Repeat: another layer with the same style" grep -q "layers=3 above=Wave (fast style)" <<<"$(report_of fast-repeat)"
check "fast: no crash" bash -c "! grep -qi 'plug-in crashed' '$tmp/gimp.log'"

echo "times: main session ${main_time} s, German session ${german_time} s, fast session $((SECONDS - t7)) s"
if [ $fail -ne 0 ]; then echo "--- GIMP output ---"; cat "$tmp/gimp.log"; exit 1; fi
echo "screenshots in $shots"

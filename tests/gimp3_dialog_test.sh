#!/usr/bin/env bash
# The GIMP 3 plug-in's dialogs under Xvfb, with the real GIMP 3 and plug-in:
#   gimp3_dialog_test.sh PLUGIN_EXECUTABLE SHARED_DIR LOCALE_DIR
# The dialogs describe their widgets in NST_UI_TEST_DIR (ui/test_hook_gtk.h);
# the test reads these descriptions and clicks with xdotool:
#   1. Filters > Neural Style Transfer (RUN-INTERACTIVE) without a style: the
#      problem is said and Start is insensitive; choosing the style in the file
#      chooser shows its thumbnail and makes Start sensitive; the speed is
#      measured in the background and a time estimate shown; Start opens the
#      progress window (preview, iterations); Apply Now adds one layer early.
#   2. Repeat (RUN-WITH-LAST-VALS): the progress window comes at once with the
#      same style; Cancel adds no layer.
#   3. The dialog again: it opens with the style of the last run, which is
#      also a recent style (thumbnail button); Cancel.
#   4. A new session in German (with the translations of the build's po/):
#      the dialog's texts are German and the latest style is preselected.
#      Skipped without the de_DE.UTF-8 locale.
#   6. (runs before 5) "A layer of an open image" as the style: the top layer
#      of the other open image is offered, its thumbnail shown; Apply Now adds
#      a layer named after it.
#   5. Neural Style (Fast): the gallery of installed styles with thumbnails of
#      the layer and the preview; choosing Wave and the layer's colours; Start adds
#      the layer; Repeat runs without the dialog with the same style.
# Exit 77 (meson: skipped) when GIMP 3, Xvfb, xdotool or ../shared is absent.
set -euo pipefail
plugin=$1
shared=$2
localedir=$(cd "$3" && pwd)
# shellcheck source=gimp_test_lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/gimp_test_lib.sh"
begin_gimp_test "$shared" "gimp-3.0 Xvfb xdotool" models/darknet-tiny/model.json testdata/style/starry_night.jpg testdata/style/great_wave.jpg models/fast-style-ml5/wave/manifest.json
private_plugin "$plugin"
make_models_folder "$shared" "$tmp/models"
export NST_MODELS_DIR=$tmp/models NST_UI_TEST_DIR=$tmp/ui
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2
style=$shared/testdata/style/starry_night.jpg

start_display

die() {
  echo "FAIL: $*"
  echo "--- GIMP output ---"; grep -v 'resource name is invalid' "$tmp/gimp.log" 2>/dev/null || true
  for f in "$ui"/*.txt; do [ -e "$f" ] && { echo "--- $f ---"; cat "$f"; }; done
  exit 1
}
# A file chooser button: its own dialog, the file typed into its location field.
choose_file() {  # choose_file DUMP WIDGET DIALOG_TITLE PATH
  local chooser
  click "$1" "$2"
  wait_for 20 "the chooser '$3'" bash -c "xdotool search --name '$3' >/dev/null"
  chooser=$(xdotool search --name "$3" | head -1)
  sleep 1
  xdotool windowfocus "$chooser" 2>/dev/null || true
  xdotool key ctrl+l
  sleep 0.5
  xdotool type --delay 10 "$4"
  sleep 0.5
  xdotool key Return
}
reported() { grep -q "REPORT $1 " "$tmp/gimp.log"; }
report_field() { grep -o "REPORT $1 .*" "$tmp/gimp.log" | grep -o " $2=[^ ]*" | cut -d= -f2; }

wave_painting=$shared/testdata/style/great_wave.jpg

# --- the script-fu side: one GIMP session, each -b waits for the dialogs ------
setup='(begin (gimp-message-set-handler CONSOLE)
  (let* ((img (car (gimp-image-new 120 90 RGB)))
         (src (car (gimp-layer-new img "Photo" 120 90 RGB-IMAGE 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img src 0 0)
    (gimp-context-set-foreground (quote (230 40 20)))
    (gimp-context-set-background (quote (20 60 220)))
    (gimp-drawable-edit-gradient-fill src GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 120 90)))'
call() {  # call RUN-MODE TAG: the procedure on "Photo", then a report of the layer count
  echo "(begin (gimp-message-set-handler CONSOLE)
    (catch #f (plug-in-neural-style $1 1 (vector (car (gimp-image-get-layer-by-name 1 \"Photo\")))))
    (gimp-message (string-append \"REPORT $2 layers=\" (number->string (vector-length (car (gimp-image-get-layers 1)))))))"
}

gimp-3.0 -n -d -f -s --gimprc "$tmp/gimprc" --quit --batch-interpreter=plug-in-script-fu-eval \
  -b "$setup" -b "$(call RUN-INTERACTIVE first)" -b "$(call RUN-WITH-LAST-VALS repeat)" \
  -b "$(call RUN-INTERACTIVE again)" >"$tmp/gimp.log" 2>&1 &
gimp_pid=$!

# 1. The dialog without a style.
wait_for 120 "the settings dialog" has settings nst-start
wait_for 10 "the problem to be said" value_matches settings nst-problem 'style image'
check "no style yet: the problem is said above the buttons" prop_is settings nst-problem visible 1
check "no style yet: Start is insensitive" prop_is settings nst-start sensitive 0
check "the quality line describes the default (Good) for this layer" value_is settings nst-quality-detail "300 iterations at 120 × 90 pixels"
# Choose the style: the chooser's own dialog, its location field.
choose_file settings nst-style-file "Choose the style painting" "$style"
wait_for 20 "the style to be accepted" prop_is settings nst-start sensitive 1
check "style chosen: the problem is gone" prop_is settings nst-problem visible 0
check "style chosen: the chooser shows it" value_is settings nst-style-file "$style"
check "style chosen: a thumbnail (at most 176 x 132)" value_matches settings nst-thumbnail '^[0-9]+x[0-9]+$'
wait_for 90 "the speed measurement (time estimate before the first run)" \
  value_matches settings nst-estimate '^Time needed: (about [0-9]+ (min|h)|less than a minute)'
echo "estimate: $(value settings nst-estimate)"
# A second painting in the list under the style: an empty row blocks Start
# until its file is chosen.
check "one painting: the style's weight is hidden" prop_is settings nst-style-weight visible 0
click settings nst-add-painting
wait_for 10 "an empty painting row" has settings nst-more-style-0
wait_for 10 "the empty row to be named" value_is settings nst-problem \
  "Choose a file for each further painting, or remove the empty one."
check "Start waits for the empty row" prop_is settings nst-start sensitive 0
check "two paintings: the style's weight is shown" prop_is settings nst-style-weight visible 1
choose_file settings nst-more-style-0 "Choose a Further Painting" "$wave_painting"
wait_for 20 "the further painting to be accepted" prop_is settings nst-start sensitive 1
check "the row shows the further painting" value_is settings nst-more-style-0 "$wave_painting"
check "its weight is 1" value_is settings nst-more-weight-0 1
if [ -n "${NST_SHOTS_DIR:-}" ]; then  # a picture of the dialog, drawn by GTK (ui/test_hook_gtk.cpp)
  touch "$ui/settings.shot"
  wait_for 10 "the screenshot" test -f "$ui/settings.png"
  mkdir -p "$NST_SHOTS_DIR" && cp "$ui/settings.png" "$NST_SHOTS_DIR/gimp3-settings-two-paintings.png"
fi
click settings nst-start
wait_for 60 "the progress window" has progress nst-apply-now
wait_for 120 "2 iterations" iteration_at_least 2
check "progress: the preview shows a picture" value_matches progress nst-preview '^[0-9]+x[0-9]+$'
check "progress: the losses are shown" value_matches progress nst-losses '^Loss '
click progress nst-apply-now
wait_for 60 "the plug-in to return after Apply Now" grep -q "outcome=applied-early" "$ui/result.txt"
wait_for 30 "the first report" reported first
check "Apply Now: stopped early" bash -c "grep -q 'of=300' '$ui/result.txt' && ! grep -q 'iterations=300 ' '$ui/result.txt'"
check "the run mixed the two paintings" grep -q " paintings=2" "$ui/result.txt"
check "Apply Now: one layer added (1 -> 2)" test "$(report_field first layers)" = 2
finish_scenario

# 2. Repeat: the progress window at once, then Cancel.
wait_for 60 "the progress window of Repeat" has progress nst-cancel
wait_for 60 "1 iteration of Repeat" iteration_at_least 1
check "Repeat: no settings dialog" test ! -e "$ui/settings.txt"
check "Repeat: the same style" value_matches progress nst-subtitle 'Starry Night'
click progress nst-cancel
wait_for 60 "the plug-in to return after Cancel" grep -q "outcome=cancelled" "$ui/result.txt"
wait_for 30 "the second report" reported repeat
check "Cancel: no layer added (still 2)" test "$(report_field repeat layers)" = 2
finish_scenario

# 3. The dialog again: the last run's style; Cancel.
wait_for 60 "the settings dialog (again)" has settings nst-start
wait_for 10 "the remembered style" value_is settings nst-style-file "$style"
check "again: Start is sensitive" prop_is settings nst-start sensitive 1
check "again: the style is among the recent styles" has settings nst-recent-0
check "again: the further painting is remembered" value_is settings nst-more-style-0 "$wave_painting"
click settings nst-more-remove-0
wait_for 10 "the row to go" bash -c "! grep -q '^widget nst-more-style-0 ' '$ui/settings.txt'"
check "one painting again: the style's weight is hidden" prop_is settings nst-style-weight visible 0
click settings nst-cancel
wait_for 30 "the plug-in to return after the dialog's Cancel" grep -q "outcome=settings-cancelled" "$ui/result.txt"
wait_for 30 "the third report" reported again
check "the dialog's Cancel: no layer added (still 2)" test "$(report_field again layers)" = 2
check "no crash" bash -c "! grep -qi 'plug-in crashed' '$tmp/gimp.log'"
wait_for 60 "GIMP to quit" bash -c "! kill -0 $gimp_pid"
gimp_pid=
finish_scenario

# 4. German.
if locale -a 2>/dev/null | grep -qix 'de_DE.utf8'; then
  LANGUAGE=de LANG=de_DE.UTF-8 NST_LOCALEDIR=$localedir \
    gimp-3.0 -n -d -f -s --gimprc "$tmp/gimprc" --quit --batch-interpreter=plug-in-script-fu-eval \
    -b "$setup" -b "$(call RUN-INTERACTIVE german)" >"$tmp/gimp.log" 2>&1 &
  gimp_pid=$!
  wait_for 120 "the German settings dialog" has settings nst-start
  wait_for 10 "the German quality line" value_matches settings nst-quality-detail '^300 Iterationen bei 120 × 90 Pixeln$'
  check "German: the Start button" value_is settings nst-start "St_arten"
  check "German: the time estimate line" value_matches settings nst-estimate '^Benötigte Zeit: '
  check "a new session preselects the latest style" value_is settings nst-style-file "$style"
  click settings nst-cancel
  wait_for 30 "the German dialog to close" grep -q "outcome=settings-cancelled" "$ui/result.txt"
  wait_for 60 "GIMP to quit (German)" bash -c "! kill -0 $gimp_pid"
  gimp_pid=
else
  echo "note: the German scenario needs the de_DE.UTF-8 locale (locale-gen); left out"
fi
# 6. A layer of another open image as the style.
finish_scenario
two_images="(begin $setup
  (let* ((art (car (gimp-file-load RUN-NONINTERACTIVE \"$wave_painting\"))))
    (gimp-item-set-name (vector-ref (car (gimp-image-get-layers art)) 0) \"Great Wave\")))"
report_top() {  # report_top TAG: layer count and the top layer's name of image 1
  echo "(gimp-message (string-append \"REPORT $1 layers=\" (number->string (vector-length (car (gimp-image-get-layers 1))))
      \" top=\" (car (gimp-item-get-name (vector-ref (car (gimp-image-get-layers 1)) 0)))))"
}
gimp-3.0 -n -d -f -s --gimprc "$tmp/gimprc" --quit --batch-interpreter=plug-in-script-fu-eval \
  -b "$two_images" \
  -b "(catch #f (plug-in-neural-style RUN-INTERACTIVE 1 (vector (car (gimp-image-get-layer-by-name 1 \"Photo\")))))" \
  -b "$(report_top layer-style)" >"$tmp/gimp.log" 2>&1 &
gimp_pid=$!
wait_for 120 "the settings dialog (layer style)" has settings nst-style-from-layer
click settings nst-style-from-layer
wait_for 20 "a layer as the style" value_is settings nst-style-from-layer 1
wait_for 20 "the style layer to be offered" prop_is settings nst-start sensitive 1
check "layer style: the file chooser is inactive" prop_is settings nst-style-file sensitive 0
check "layer style: the layer chooser is active" prop_is settings nst-style-layer sensitive 1
check "layer style: the layer's thumbnail" value_matches settings nst-thumbnail '^[0-9]+x[0-9]+$'
click settings nst-start
wait_for 60 "the progress window (layer style)" has progress nst-apply-now
wait_for 120 "2 iterations (layer style)" iteration_at_least 2
check "layer style: the subtitle names the layer" value_matches progress nst-subtitle 'Great Wave'
click progress nst-apply-now
wait_for 60 "the layer-style report" reported layer-style
check "layer style: one layer added, named after the style layer" \
  test "$(report_field layer-style layers) $(grep -o 'REPORT layer-style .*' "$tmp/gimp.log" | sed 's/.* top=//')" = "2 Great Wave (neural style)"
wait_for 60 "GIMP to quit (layer style)" bash -c "! kill -0 $gimp_pid"
gimp_pid=

# 5. Neural Style (Fast).
fast_call() {  # fast_call RUN-MODE TAG
  echo "(begin (gimp-message-set-handler CONSOLE)
    (catch #f (plug-in-neural-style-fast $1 1 (vector (car (gimp-image-get-layer-by-name 1 \"Photo\")))))
    (gimp-message (string-append \"REPORT $2 layers=\" (number->string (vector-length (car (gimp-image-get-layers 1))))
      \" top=\" (car (gimp-item-get-name (vector-ref (car (gimp-image-get-layers 1)) 0))))))"
}
finish_scenario
gimp-3.0 -n -d -f -s --gimprc "$tmp/gimprc" --quit --batch-interpreter=plug-in-script-fu-eval \
  -b "$setup" -b "$(fast_call RUN-INTERACTIVE fast)" -b "$(fast_call RUN-WITH-LAST-VALS fast-repeat)" >"$tmp/gimp.log" 2>&1 &
gimp_pid=$!
wait_for 120 "the fast dialog" has fast-settings nst-start
wait_for 60 "the thumbnails and the preview" previews_are "thumbnails=5/5 preview=ready"
check "fast: five installed styles, the first chosen" value_matches fast-settings nst-styles '^items=5 selected=La Muse '
check "fast: the preview shows the layer in that style" value_matches fast-settings nst-preview '^[0-9]+x[0-9]+$'
check "fast: strength starts at 100" value_is fast-settings nst-strength 100
click_item fast-settings nst-styles 4
wait_for 10 "Wave to be chosen" value_matches fast-settings nst-styles '^items=5 selected=Wave '
wait_for 30 "the Wave preview" previews_are "preview=ready model=wave"
check "fast: the painting's colours at first" value_matches fast-settings nst-colors '^0 '
scroll_down fast-settings nst-colors
wait_for 10 "keep the layer's colours" value_matches fast-settings nst-colors '^1 '
# A picture of the dialog, drawn by the dialog itself (ui/test_hook_gtk.h).
xdotool mousemove 1279 1023
sleep 0.5
touch "$ui/fast-settings.shot"
wait_for 10 "the dialog's picture" test -s "$ui/fast-settings.png"
[ -z "${NST_SCREENSHOTS:-}" ] || cp "$ui/fast-settings.png" "$NST_SCREENSHOTS/gimp3-fast-settings-dialog.png"
click fast-settings nst-start
wait_for 60 "the fast run" reported fast
check "fast Start: one layer added above the source, named after the style" \
  test "$(report_field fast layers) $(grep -o 'REPORT fast .*' "$tmp/gimp.log" | sed 's/.* top=//')" = "2 Wave (fast style)"
wait_for 60 "the repeated fast run" reported fast-repeat
# (GIMP 3 may keep the same name for the second layer; GIMP 2.10 adds " #1".)
check "fast Repeat: another layer with the same style, no dialog" \
  grep -Eq '^3 Wave \(fast style\)( #1)?$' <<<"$(report_field fast-repeat layers) $(grep -o 'REPORT fast-repeat .*' "$tmp/gimp.log" | sed 's/.* top=//')"
check "fast: no crash" bash -c "! grep -qi 'plug-in crashed' '$tmp/gimp.log'"
wait_for 60 "GIMP to quit (fast)" bash -c "! kill -0 $gimp_pid"
gimp_pid=

[ $fail -eq 0 ] || die "some checks failed"

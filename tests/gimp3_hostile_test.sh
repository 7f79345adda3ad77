#!/usr/bin/env bash
# Hostile and odd inputs through the GIMP 3 plug-in in batch mode (script-fu):
#   gimp3_hostile_test.sh PLUGIN_EXECUTABLE SHARED_DIR FIXTURES_DIR
# The GIMP 3 counterpart of gimp_hostile_test.sh: every call that must fail
# ends with its own sentence (checked word for word), adds no layer and leaves
# the source's pixels as they were; every odd input that is valid (a 1 x 1
# layer, a 3 x 4000 one, 16-bit and 32-bit float images, a layer group, a
# channel or a layer mask as the drawable) gets its new layer at the image's
# precision. Each refusal is caught in script-fu (GIMP 3 stops at the first
# failing command otherwise); GIMP prints the plug-in's message all the same.
# Exit 77 (meson: skipped) when GIMP 3 or ../shared is absent. Runs natively
# on Debian 13 or inside the root of tests/gimp3_root.sh.
set -euo pipefail
plugin=$1
shared=$2
fixtures=$3
# shellcheck source=gimp_test_lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/gimp_test_lib.sh"
begin_gimp_test "$shared" "gimp-console-3.0" models/darknet-tiny/model.json testdata/style/starry_night.jpg
private_plugin "$plugin"
make_models_folder "$shared" "$tmp/models" wave
export NST_MODELS_DIR=$tmp/models
style=$shared/testdata/style/starry_night.jpg

make_hostile_files "$tmp"  # text.jpg, empty.png, folder.jpg, huge.png

# Image 1: 80 x 60, a "Photo" layer (RGBA, 40 x 30 at offsets 5, 7) over a background.
setup="(begin $save_layer $(photo_image 3 "(save-layer src \"$tmp/before.pam\")"))"

nst2() {  # nst2 IMAGE DRAWABLE STYLE MODEL ITERATIONS SIZE CW SW TV OUTPUT_SIZE
  echo "(plug-in-neural-style2 RUN-NONINTERACTIVE $1 (vector $2) \"$3\" \"$4\" $5 $6 $7 $8 $9 0 0 \"\" 0 \"\" \"\" 0 0 ${10} 0 0 100 0 1 \"\" \"\" 1)"
}
photo='(car (gimp-image-get-layer-by-name 1 "Photo"))'
cases=()
fail_case() {  # fail_case TAG CALL
  cases+=(-b "(begin $n_layers (gimp-message \"CASE $1\")
    (catch (gimp-message (string-append \"AFTER $1 layers=\" (number->string (n-layers 1))))
      (begin $2 (gimp-message \"NOT-CAUGHT $1\"))))")
}
fail_case text "$(nst2 1 "$photo" "$tmp/text.jpg" "" 2 32 -1 -1 -1 0)"
fail_case empty "$(nst2 1 "$photo" "$tmp/empty.png" "" 2 32 -1 -1 -1 0)"
fail_case folder "$(nst2 1 "$photo" "$tmp/folder.jpg" "" 2 32 -1 -1 -1 0)"
fail_case huge "$(nst2 1 "$photo" "$tmp/huge.png" "" 2 32 -1 -1 -1 0)"
fail_case wrongshape "$(nst2 1 "$photo" "$style" "$fixtures/wrong-shape.pth" 2 32 -1 -1 -1 0)"
fail_case garbage "$(nst2 1 "$photo" "$style" "$fixtures/garbage.pth" 2 32 -1 -1 -1 0)"
fail_case truncated "$(nst2 1 "$photo" "$style" "$fixtures/truncated.pth" 2 32 -1 -1 -1 0)"
fail_case bigsize "$(nst2 1 "$photo" "$style" "" 2 99999 -1 -1 -1 0)"
fail_case negiter "$(nst2 1 "$photo" "$style" "" -3 32 -1 -1 -1 0)"
fail_case outside "(begin (gimp-image-select-rectangle 1 CHANNEL-OP-REPLACE 60 45 10 10)
  $(nst2 1 "$photo" "$style" "" 2 32 -1 -1 -1 0))"

ok_cases=()
ok_case() {  # ok_case TAG SETUP_LET_BINDINGS BODY_BEFORE DRAWABLE
  ok_cases+=(-b "(begin $n_layers (let* ($2)
  $3
  (let* ((n0 (n-layers img))
         (new (car $(nst2 img "$4" "$style" "" 2 32 -1 -1 -1 -1))))
    (gimp-message (string-append \"OK $1 layers=\" (number->string n0) \"->\" (number->string (n-layers img))
      \" size=\" (number->string (car (gimp-drawable-get-width new))) \"x\" (number->string (car (gimp-drawable-get-height new)))
      \" precision=\" (number->string (car (gimp-image-get-precision img)))))
    (gimp-image-delete img))))")
}
ok_case one "(img (car (gimp-image-new 1 1 RGB))) (l (car (gimp-layer-new img \"Dot\" 1 1 RGB-IMAGE 100 LAYER-MODE-NORMAL)))" \
  "(gimp-image-insert-layer img l 0 0) (gimp-drawable-fill l FILL-FOREGROUND)" l
ok_case thin "(img (car (gimp-image-new 3 4000 RGB))) (l (car (gimp-layer-new img \"Thin\" 3 4000 RGB-IMAGE 100 LAYER-MODE-NORMAL)))" \
  "(gimp-image-insert-layer img l 0 0) (gimp-drawable-edit-gradient-fill l GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 3 4000)" l
for prec in U16-NON-LINEAR FLOAT-LINEAR; do
  ok_case "$prec" "(img (car (gimp-image-new 40 30 RGB))) (l (car (gimp-layer-new img \"Deep\" 40 30 RGBA-IMAGE 100 LAYER-MODE-NORMAL)))" \
    "(gimp-image-insert-layer img l 0 0) (gimp-drawable-edit-gradient-fill l GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 40 30)
     (gimp-image-convert-precision img PRECISION-$prec)" l
done
ok_case group "(img (car (gimp-image-new 40 30 RGB))) (g (car (gimp-group-layer-new img \"Group\")))
               (l (car (gimp-layer-new img \"Inside\" 40 30 RGB-IMAGE 100 LAYER-MODE-NORMAL)))" \
  "(gimp-image-insert-layer img g 0 0) (gimp-image-insert-layer img l g 0)
   (gimp-drawable-edit-gradient-fill l GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 40 30)" g
ok_case mask "(img (car (gimp-image-new 40 30 RGB))) (l (car (gimp-layer-new img \"Masked\" 40 30 RGBA-IMAGE 100 LAYER-MODE-NORMAL)))
              (m (car (gimp-layer-create-mask l ADD-MASK-WHITE)))" \
  "(gimp-image-insert-layer img l 0 0) (gimp-layer-add-mask l m)
   (gimp-drawable-edit-gradient-fill m GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 40 30)" m

finish="(begin $save_layer $n_layers (gimp-selection-none 1)
  (save-layer $photo \"$tmp/after.pam\")
  (gimp-message (string-append \"END layers=\" (number->string (n-layers 1))))
  (gimp-image-delete 1))"

timeout 600 gimp-console-3.0 -i -d -f --quit --gimprc "$tmp/gimprc" --batch-interpreter=plug-in-script-fu-eval \
  -b "$setup" "${cases[@]}" "${ok_cases[@]}" -b "$finish" >"$tmp/out.txt" 2>&1 || true
out=$(cat "$tmp/out.txt")
echo "$out"

said() { sed -n "/CASE $1\$/,/AFTER $1 /p" <<<"$out"; }
fails_with() {  # fails_with TAG SENTENCE: the call failed with SENTENCE and added no layer
  said "$1" | grep -qF "$2" && said "$1" | grep -q "AFTER $1 layers=2"
}
check "a text file as the painting" fails_with text \
  "cannot decode image '$tmp/text.jpg': not an image format OpenCV can read, or the file is corrupt"
check "an empty painting file" fails_with empty "image '$tmp/empty.png' is empty"
check "a folder as the painting" fails_with folder "cannot open image '$tmp/folder.jpg': it is a folder, not a file"
check "a painting claiming 100000 x 100000 px" fails_with huge \
  "image '$tmp/huge.png' is 100000 x 100000 pixels, more than the 1 gigapixel limit (1073741824 pixels) this program reads"
check "a weight file with the right keys and wrong shapes" fails_with wrongshape \
  "weight file '$fixtures/wrong-shape.pth': 'features.0.weight' has shape [64, 4, 3, 3], expected [64, 3, 3, 3]"
check "a weight file of random bytes" fails_with garbage \
  "'$fixtures/garbage.pth' is not a PyTorch weight file (neither a zip archive nor a pickle)"
check "a truncated weight file" fails_with truncated \
  "weight file '$fixtures/truncated.pth' is a damaged zip archive (truncated download?)"
# GIMP 3 refuses out-of-range arguments itself; caught, that refusal prints nothing.
refused() { said "$1" | grep -q "AFTER $1 layers=2"; }
check "a size of 99999: refused by GIMP 3's range check, no layer" refused bigsize
check "negative iterations: refused by GIMP 3's range check, no layer" refused negiter
check "a selection outside the layer" fails_with outside "The selection does not overlap the layer: nothing to work on."
check "no refusal went uncaught" bash -c "! grep -q NOT-CAUGHT '$tmp/out.txt'"
check "every refused call left the source's pixels as they were" cmp -s "$tmp/before.pam" "$tmp/after.pam"
check "and added no layer" grep -q "END layers=2" <<<"$out"
check "a 1 x 1 layer gets its 1 x 1 result" grep -q "OK one layers=1->2 size=1x1 precision=150" <<<"$out"
check "a 3 x 4000 layer gets its result" grep -q "OK thin layers=1->2 size=3x4000 precision=150" <<<"$out"
check "a 16-bit image keeps its precision" grep -q "OK U16-NON-LINEAR layers=1->2 size=40x30 precision=250" <<<"$out"
check "a 32-bit float image keeps its precision" grep -q "OK FLOAT-LINEAR layers=1->2 size=40x30 precision=600" <<<"$out"
check "a layer group as the drawable" grep -q "OK group layers=1->2 size=40x30" <<<"$out"
check "a layer mask as the drawable" grep -q "OK mask layers=1->2 size=40x30" <<<"$out"
check "no crash" bash -c "! grep -qi 'plug-in crashed' '$tmp/out.txt'"
exit $fail

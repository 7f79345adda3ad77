#!/usr/bin/env bash
# Hostile and odd inputs through the GIMP 2.10 plug-in in batch mode (script-fu):
#   gimp_hostile_test.sh PLUGIN_EXECUTABLE SHARED_DIR FIXTURES_DIR
# Every call that must fail ends with its own sentence (checked word for word),
# adds no layer and leaves the source's pixels as they were; every odd input
# that is valid (a 1 x 1 layer, a 3 x 4000 one, 16-bit and 32-bit float images,
# a layer group, a channel or a layer mask as the drawable) gets its new layer
# at the image's precision. FIXTURES_DIR holds the test build's damaged weight
# files (tests/meson.build). One GIMP session for all cases. Exit 77 (meson:
# skipped) when GIMP or ../shared is absent.
set -euo pipefail
plugin=$1
shared=$2
fixtures=$3
# shellcheck source=gimp_test_lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/gimp_test_lib.sh"
begin_gimp_test "$shared" "gimp-console-2.10" models/darknet-tiny/model.json testdata/style/starry_night.jpg
private_plugin "$plugin"
make_models_folder "$shared" "$tmp/models" wave
export NST_MODELS_DIR=$tmp/models
style=$shared/testdata/style/starry_night.jpg

make_hostile_files "$tmp"  # text.jpg, empty.png, folder.jpg, huge.png

# Image 1: 80 x 60, a "Photo" layer (RGBA, 40 x 30 at offsets 5, 7) over a background.
setup=$(photo_image 2 "(file-png-save RUN-NONINTERACTIVE img src \"$tmp/before.png\" \"before.png\" 0 9 0 0 0 0 0)")

# plug-in-neural-style2 on IMAGE's DRAWABLE (script-fu expressions) with a
# painting, a model, iterations, size, content/style/tv weights and output size.
nst2() {  # nst2 IMAGE DRAWABLE STYLE MODEL ITERATIONS SIZE CW SW TV OUTPUT_SIZE
  echo "(plug-in-neural-style2 RUN-NONINTERACTIVE $1 $2 \"$3\" \"$4\" $5 $6 $7 $8 $9 0 0 \"\" 0 \"\" \"\" 0 0 ${10} 0 0 100 0 1 \"\" \"\" 1)"
}
photo='(car (gimp-image-get-layer-by-name 1 "Photo"))'
# Failing cases: "CASE tag" before each call, then the layer count after it.
cases=()
fail_case() {  # fail_case TAG CALL
  cases+=(-b "(gimp-message \"CASE $1\")" -b "$2" -b "(gimp-message (string-append \"AFTER $1 layers=\" (number->string (car (gimp-image-get-layers 1)))))")
}
fail_case text "$(nst2 1 "$photo" "$tmp/text.jpg" "" 2 32 -1 -1 -1 0)"
fail_case empty "$(nst2 1 "$photo" "$tmp/empty.png" "" 2 32 -1 -1 -1 0)"
fail_case folder "$(nst2 1 "$photo" "$tmp/folder.jpg" "" 2 32 -1 -1 -1 0)"
fail_case huge "$(nst2 1 "$photo" "$tmp/huge.png" "" 2 32 -1 -1 -1 0)"
fail_case wrongshape "$(nst2 1 "$photo" "$style" "$fixtures/wrong-shape.pth" 2 32 -1 -1 -1 0)"
fail_case garbage "$(nst2 1 "$photo" "$style" "$fixtures/garbage.pth" 2 32 -1 -1 -1 0)"
fail_case truncated "$(nst2 1 "$photo" "$style" "$fixtures/truncated.pth" 2 32 -1 -1 -1 0)"
fail_case infweight "$(nst2 1 "$photo" "$style" "" 2 32 -1 1e400 -1 0)"
fail_case nanweight "$(nst2 1 "$photo" "$style" "" 2 32 "(- 1e400 1e400)" -1 -1 0)"
fail_case bigsize "$(nst2 1 "$photo" "$style" "" 2 99999 -1 -1 -1 0)"
fail_case negiter "$(nst2 1 "$photo" "$style" "" -3 32 -1 -1 -1 0)"
fail_case outside "(begin (gimp-image-select-rectangle 1 CHANNEL-OP-REPLACE 60 45 10 10)
  $(nst2 1 "$photo" "$style" "" 2 32 -1 -1 -1 0))"
fail_case indexed "(let* ((img (car (gimp-image-new 20 20 RGB)))
       (l (car (gimp-layer-new img 20 20 RGB-IMAGE \"Indexed\" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img l 0 0)
  (gimp-drawable-fill l FILL-FOREGROUND)
  (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE \"\")
  $(nst2 img l "$style" "" 2 32 -1 -1 -1 0))"

# Valid odd inputs: each reports its new layer (or its error) as "OK tag ...".
ok_cases=()
ok_case() {  # ok_case TAG SETUP_LET_BINDINGS BODY_BEFORE DRAWABLE
  ok_cases+=(-b "(let* ($2)
  $3
  (let* ((n0 (car (gimp-image-get-layers img)))
         (new (car $(nst2 img "$4" "$style" "" 2 32 -1 -1 -1 -1))))
    (gimp-message (string-append \"OK $1 layers=\" (number->string n0) \"->\" (number->string (car (gimp-image-get-layers img)))
      \" size=\" (number->string (car (gimp-drawable-width new))) \"x\" (number->string (car (gimp-drawable-height new)))
      \" precision=\" (number->string (car (gimp-image-get-precision img)))
      \" layer=\" (number->string (car (gimp-item-is-layer new)))))
    (gimp-image-delete img)))")
}
ok_case one "(img (car (gimp-image-new 1 1 RGB))) (l (car (gimp-layer-new img 1 1 RGB-IMAGE \"Dot\" 100 LAYER-MODE-NORMAL)))" \
  "(gimp-image-insert-layer img l 0 0) (gimp-drawable-fill l FILL-FOREGROUND)" l
ok_case thin "(img (car (gimp-image-new 3 4000 RGB))) (l (car (gimp-layer-new img 3 4000 RGB-IMAGE \"Thin\" 100 LAYER-MODE-NORMAL)))" \
  "(gimp-image-insert-layer img l 0 0) (gimp-drawable-edit-gradient-fill l GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 3 4000)" l
for prec in U16-GAMMA FLOAT-LINEAR; do
  ok_case "$prec" "(img (car (gimp-image-new 40 30 RGB))) (l (car (gimp-layer-new img 40 30 RGBA-IMAGE \"Deep\" 100 LAYER-MODE-NORMAL)))" \
    "(gimp-image-insert-layer img l 0 0) (gimp-drawable-edit-gradient-fill l GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 40 30)
     (gimp-image-convert-precision img PRECISION-$prec)" l
done
ok_case group "(img (car (gimp-image-new 40 30 RGB))) (g (car (gimp-layer-group-new img)))
               (l (car (gimp-layer-new img 40 30 RGB-IMAGE \"Inside\" 100 LAYER-MODE-NORMAL)))" \
  "(gimp-image-insert-layer img g 0 0) (gimp-image-insert-layer img l g 0)
   (gimp-drawable-edit-gradient-fill l GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 40 30)" g
ok_case channel "(img (car (gimp-image-new 40 30 RGB))) (l (car (gimp-layer-new img 40 30 RGB-IMAGE \"Base\" 100 LAYER-MODE-NORMAL)))
                 (c (car (gimp-channel-new img 40 30 \"Chan\" 50 (quote (0 0 0)))))" \
  "(gimp-image-insert-layer img l 0 0) (gimp-image-insert-channel img c 0 0)
   (gimp-drawable-edit-gradient-fill c GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 40 30)" c
ok_case mask "(img (car (gimp-image-new 40 30 RGB))) (l (car (gimp-layer-new img 40 30 RGBA-IMAGE \"Masked\" 100 LAYER-MODE-NORMAL)))
              (m (car (gimp-layer-create-mask l ADD-MASK-WHITE)))" \
  "(gimp-image-insert-layer img l 0 0) (gimp-layer-add-mask l m)
   (gimp-drawable-edit-gradient-fill m GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 40 30)" m

finish='(begin (gimp-selection-none 1)
  (file-png-save RUN-NONINTERACTIVE 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "'$tmp'/after.png" "after.png" 0 9 0 0 0 0 0)
  (gimp-message (string-append "END layers=" (number->string (car (gimp-image-get-layers 1)))))
  (for-each gimp-image-delete (vector->list (cadr (gimp-image-list)))))'

timeout 600 gimp-console-2.10 -i -d -f --gimprc "$tmp/gimprc" -b "$setup" "${cases[@]}" "${ok_cases[@]}" -b "$finish" \
  -b '(gimp-quit 0)' >"$tmp/out.txt" 2>&1 || true
out=$(cat "$tmp/out.txt")
echo "$out"

# The text between "CASE tag" and "AFTER tag".
said() { sed -n "/CASE $1\$/,/AFTER $1 /p" <<<"$out"; }
fails_with() {  # fails_with TAG SENTENCE: the call failed with SENTENCE and added no layer
  said "$1" | grep -qF "$2" && said "$1" | grep -q "AFTER $1 layers=2"
}
ok_line() { grep -o "OK $1 .*" <<<"$out"; }
check "a text file as the painting" fails_with text \
  "Neural style transfer failed: cannot decode image '$tmp/text.jpg': not an image format OpenCV can read, or the file is corrupt"
check "an empty painting file" fails_with empty "Neural style transfer failed: image '$tmp/empty.png' is empty"
check "a folder as the painting" fails_with folder "Neural style transfer failed: cannot open image '$tmp/folder.jpg': it is a folder, not a file"
check "a painting claiming 100000 x 100000 px" fails_with huge \
  "Neural style transfer failed: image '$tmp/huge.png' is 100000 x 100000 pixels, more than the 1 gigapixel limit (1073741824 pixels) this program reads"
check "a weight file with the right keys and wrong shapes" fails_with wrongshape \
  "Neural style transfer failed: weight file '$fixtures/wrong-shape.pth': 'features.0.weight' has shape [64, 4, 3, 3], expected [64, 3, 3, 3]"
check "a weight file of random bytes" fails_with garbage \
  "Neural style transfer failed: '$fixtures/garbage.pth' is not a PyTorch weight file (neither a zip archive nor a pickle)"
check "a truncated weight file" fails_with truncated \
  "Neural style transfer failed: weight file '$fixtures/truncated.pth' is a damaged zip archive (truncated download?)"
# (GIMP's PDB refuses values outside the registered range before the plug-in runs.)
check "an infinite style weight" fails_with infweight \
  "called with value 'inf' for argument 'style-weight' (#9, type gdouble). This value is out of range."
check "a NaN content weight" fails_with nanweight \
  "nan' for argument 'content-weight' (#8, type gdouble). This value is out of range."
check "a size of 99999" fails_with bigsize "size must be between 32 and 16384 pixels (got 99999)."
check "negative iterations" fails_with negiter "iterations must be between 1 and 100000 (got -3)."
check "a selection outside the layer" fails_with outside "The selection does not overlap the layer: nothing to work on."
check "an indexed image" grep -q "Indexed layers are not supported, convert the image to RGB (Image > Mode > RGB)." <<<"$(said indexed)"
check "every refused call left the source's pixels as they were" same_pixels "$tmp/before.png" "$tmp/after.png"
check "and added no layer" grep -q "END layers=2" <<<"$out"
check "a 1 x 1 layer gets its 1 x 1 result" grep -q "OK one layers=1->2 size=1x1 precision=150 layer=1" <<<"$out"
check "a 3 x 4000 layer gets its result" grep -q "OK thin layers=1->2 size=3x4000 precision=150 layer=1" <<<"$out"
check "a 16-bit image keeps its precision" grep -q "OK U16-GAMMA layers=1->2 size=40x30 precision=250 layer=1" <<<"$out"
check "a 32-bit float image keeps its precision" grep -q "OK FLOAT-LINEAR layers=1->2 size=40x30 precision=600 layer=1" <<<"$out"
check "a layer group as the drawable" grep -q "OK group layers=1->2 size=40x30 .* layer=1" <<<"$out"
check "a channel as the drawable" grep -q "OK channel layers=1->2 size=40x30 .* layer=1" <<<"$out"
check "a layer mask as the drawable" grep -q "OK mask layers=1->2 size=40x30 .* layer=1" <<<"$out"
check "no crash" bash -c "! grep -qi 'plug-in crashed' '$tmp/out.txt'"
exit $fail

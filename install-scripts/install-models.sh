#!/usr/bin/env bash
# install-models.sh: install the feature networks (and the fast-style networks) that
# neural-style uses into the per-user models folder.
#
# Models folder: $NST_MODELS_DIR, else ${XDG_DATA_HOME:-$HOME/.local/share}/neural-style/models
# Layout inside it:
#   darknet-tiny/model.json, darknet-tiny/group*-shard1of1   Darknet "tiny" (TensorFlow.js Layers model)
#   vgg19-dcbb9e9d.pth   VGG-19, torchvision ImageNet weights
#   vgg16-397923af.pth   VGG-16, torchvision ImageNet weights
#   vgg19-d01eb7cb.pth   VGG-19 converted from the original Caffe model (as used by neural-style-pt)
#   vgg16-00b39a1b.pth   VGG-16 converted from the original Caffe model (as used by neural-style-pt)
#   fast-style/<style>/manifest.json, fast-style/<style>/Variable*   feed-forward style networks
#
# Usage:
#   install-models.sh                      download darknet-tiny and vgg19 (the default set)
#   install-models.sh --download [NAME...] download NAME: darknet-tiny vgg19 vgg16 vgg19-caffe
#                                          vgg16-caffe fast-style all (no NAME: the default set)
#   install-models.sh --from DIR           copy from a local folder laid out like
#                                          DIR/darknet-tiny/..., DIR/fast-style-ml5/<style>/...
#                                          (or DIR/fast-style/<style>/...), DIR/vgg*.pth
#   install-models.sh --list               show what is installed
#
# Every download goes to a temporary file next to its destination, is checked with sha256sum
# against the table at the end of this script and only then moved into place. A mismatch
# deletes the temporary file and aborts. Files copied with --from are checked against the same
# table when they are listed in it.
#
# The download locations can be overridden (mirrors, tests with file:// URLs):
#   NST_ML5_BASE_URL          default https://raw.githubusercontent.com/ml5js/ml5-data-and-models/<commit>/models
#   NST_TORCHVISION_BASE_URL  default https://download.pytorch.org/models
#   NST_CAFFE_VGG_BASE_URL    default https://web.eecs.umich.edu/~justincj/models
set -euo pipefail

# ml5js/ml5-data-and-models is pinned to one commit so that the checksums below stay valid.
ML5_COMMIT=0612a3e7c51cbffdc5db701dff49d16d1ac26fa8
ML5_BASE_URL=${NST_ML5_BASE_URL:-https://raw.githubusercontent.com/ml5js/ml5-data-and-models/$ML5_COMMIT/models}
TORCHVISION_BASE_URL=${NST_TORCHVISION_BASE_URL:-https://download.pytorch.org/models}
CAFFE_VGG_BASE_URL=${NST_CAFFE_VGG_BASE_URL:-https://web.eecs.umich.edu/~justincj/models}

ALL_COMPONENTS=(darknet-tiny vgg19 vgg16 vgg19-caffe vgg16-caffe fast-style)
DEFAULT_COMPONENTS=(darknet-tiny vgg19)

prog=${0##*/}

die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
note() { printf '%s\n' "$*"; }

models_dir() {
    if [[ -n "${NST_MODELS_DIR:-}" ]]; then
        printf '%s\n' "$NST_MODELS_DIR"
    else
        printf '%s\n' "${XDG_DATA_HOME:-$HOME/.local/share}/neural-style/models"
    fi
}

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

# Files of a component, as paths relative to the models folder (from the checksum table).
component_files() {
    case "$1" in
        darknet-tiny) table_paths_under darknet-tiny/ ;;
        fast-style)   table_paths_under fast-style/ ;;
        vgg19)        echo vgg19-dcbb9e9d.pth ;;
        vgg16)        echo vgg16-397923af.pth ;;
        vgg19-caffe)  echo vgg19-d01eb7cb.pth ;;
        vgg16-caffe)  echo vgg16-00b39a1b.pth ;;
        *) die "unknown model '$1' (known: ${ALL_COMPONENTS[*]} all)" ;;
    esac
}

# Upstream URL of a file given by its path relative to the models folder.
source_url() {
    local rel=$1
    case "$rel" in
        darknet-tiny/*)      printf '%s/darknetclassifier/darknettiny/%s\n' "$ML5_BASE_URL" "${rel#darknet-tiny/}" ;;
        fast-style/*)        printf '%s/style-transfer/%s\n' "$ML5_BASE_URL" "${rel#fast-style/}" ;;
        vgg19-dcbb9e9d.pth|vgg16-397923af.pth) printf '%s/%s\n' "$TORCHVISION_BASE_URL" "$rel" ;;
        vgg19-d01eb7cb.pth|vgg16-00b39a1b.pth) printf '%s/%s\n' "$CAFFE_VGG_BASE_URL" "$rel" ;;
        *) die "no download location for '$rel'" ;;
    esac
}

# Expected SHA-256 (64 hex digits) or, where only that is known, its leading hex digits.
expected_sha256() {
    printf '%s\n' "${EXPECTED_SHA256[$1]:-}"
}

# The checksum table (see checksum_table at the end), loaded once.
declare -A EXPECTED_SHA256=()
declare -a TABLE_PATHS=()
load_checksum_table() {
    local sum path
    while read -r sum path; do
        [[ -n "$sum" ]] || continue
        EXPECTED_SHA256[$path]=$sum
        TABLE_PATHS+=("$path")
    done < <(checksum_table)
}

table_paths_under() {
    local path
    for path in "${TABLE_PATHS[@]}"; do
        [[ "$path" == "$1"* ]] && printf '%s\n' "$path"
    done
    return 0
}

# verify_sha256 FILE EXPECTED: succeeds when FILE's SHA-256 is EXPECTED, or starts with
# EXPECTED when EXPECTED is a prefix (shorter than 64 digits). Prints the actual digest to
# stdout when they differ.
verify_sha256() {
    local file=$1 expected=${2,,} actual
    actual=$(sha256sum -- "$file" | cut -d' ' -f1) || return 1
    if [[ ${#expected} -lt 8 ]]; then
        printf '%s\n' "$actual"
        return 1
    fi
    if [[ "$actual" == "$expected"* ]]; then
        return 0
    fi
    printf '%s\n' "$actual"
    return 1
}

# Temporary files to delete if the script stops early.
declare -a TEMP_FILES=()
cleanup() {
    local f
    for f in "${TEMP_FILES[@]}"; do
        [[ -n "$f" ]] && rm -f -- "$f"
    done
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fetch() {   # fetch URL OUTFILE
    local url=$1 out=$2
    if command -v curl >/dev/null 2>&1; then
        local progress=(--silent --show-error)
        [[ -t 2 ]] && progress=(--progress-bar)
        curl --fail --location --retry 3 --connect-timeout 30 "${progress[@]}" -o "$out" -- "$url"
    elif command -v wget >/dev/null 2>&1; then
        local quiet=(--quiet)
        [[ -t 2 ]] && quiet=(--quiet --show-progress)
        wget "${quiet[@]}" --tries=3 --timeout=30 -O "$out" -- "$url"
    else
        die "neither curl nor wget is installed"
    fi
}

# The models folder, created if needed, or a sentence on why it cannot be used:
# checked before anything is downloaded or copied.
prepare_models_dir() {
    local dir
    dir=$(models_dir)
    if [[ -e "$dir" && ! -d "$dir" ]]; then
        die "the models folder '$dir' is a file, not a folder (set NST_MODELS_DIR to another place)"
    fi
    mkdir -p -- "$dir" 2>/dev/null ||
        die "cannot create the models folder '$dir': a part of that path is a file or is not writable (set NST_MODELS_DIR to a folder you may write to)"
    [[ -w "$dir" && -x "$dir" ]] ||
        die "the models folder '$dir' is not writable by $(id -un) (make it writable, or set NST_MODELS_DIR to a folder you may write to)"
}

# Install one file (path relative to the models folder) from SOURCE (a URL, or with
# --from a local file), verifying its checksum when the table has one.
install_file() {
    local rel=$1 src=$2 mode=$3 dir dest tmp expected actual
    dir=$(models_dir)
    dest=$dir/$rel
    expected=$(expected_sha256 "$rel")
    if [[ "$mode" == download && -z "$expected" ]]; then
        die "no checksum for '$rel' in this script; refusing to download it"
    fi
    if [[ -f "$dest" && -n "$expected" ]] && verify_sha256 "$dest" "$expected" >/dev/null; then
        note "  $rel: already installed (checksum ok)"
        return 0
    fi
    mkdir -p -- "$(dirname -- "$dest")"
    tmp=$(mktemp "$dest.part.XXXXXX")
    TEMP_FILES+=("$tmp")
    if [[ "$mode" == download ]]; then
        note "  $rel: downloading $src"
        if ! fetch "$src" "$tmp"; then
            rm -f -- "$tmp"
            die "download of $src failed"
        fi
    else
        note "  $rel: copying $src"
        cp -- "$src" "$tmp"
    fi
    if [[ -n "$expected" ]]; then
        if ! actual=$(verify_sha256 "$tmp" "$expected"); then
            rm -f -- "$tmp"
            die "checksum mismatch for $rel (from $src): expected SHA-256 ${expected}$([[ ${#expected} -lt 64 ]] && echo '...'), got $actual. The new file was deleted; $rel was not installed."
        fi
    else
        note "  $rel: not in the checksum table, copied without verification"
    fi
    chmod 644 -- "$tmp"
    mv -f -- "$tmp" "$dest"
}

download_components() {
    local comp rel dir
    prepare_models_dir
    dir=$(models_dir)
    note "Installing into $dir"
    for comp in "$@"; do
        note "$comp:"
        while IFS= read -r rel; do
            install_file "$rel" "$(source_url "$rel")" download
        done < <(component_files "$comp")
    done
    note "Done."
}

install_from_dir() {
    local src=$1 dir f name style styledir n=0
    [[ -d "$src" ]] || die "--from: '$src' is not a folder"
    prepare_models_dir
    dir=$(models_dir)
    note "Installing from $src into $dir"
    if [[ -d "$src/darknet-tiny" ]]; then
        [[ -f "$src/darknet-tiny/model.json" ]] || die "$src/darknet-tiny has no model.json"
        note "darknet-tiny:"
        for f in "$src/darknet-tiny/model.json" "$src"/darknet-tiny/group*-shard*; do
            [[ -f "$f" ]] || continue
            install_file "darknet-tiny/${f##*/}" "$f" copy
            n=$((n + 1))
        done
        # every shard the table lists must be there
        while IFS= read -r f; do
            [[ -f "$dir/$f" ]] || die "darknet-tiny is incomplete: $src/$f is missing"
        done < <(component_files darknet-tiny)
    fi
    for styledir in "$src"/fast-style-ml5/*/ "$src"/fast-style/*/; do
        [[ -d "$styledir" ]] || continue
        style=$(basename -- "$styledir")
        [[ -f "$styledir/manifest.json" ]] || { note "fast-style/$style: no manifest.json, skipped"; continue; }
        note "fast-style/$style:"
        for f in "$styledir"manifest.json "$styledir"Variable*; do
            [[ -f "$f" ]] || continue
            install_file "fast-style/$style/${f##*/}" "$f" copy
            n=$((n + 1))
        done
    done
    for f in "$src"/vgg*.pth; do
        [[ -f "$f" ]] || continue
        name=${f##*/}
        note "$name:"
        install_file "$name" "$f" copy
        n=$((n + 1))
    done
    [[ $n -gt 0 ]] || die "nothing to install found in $src (expected darknet-tiny/, fast-style-ml5/<style>/ or vgg*.pth)"
    note "Done ($n files)."
}

human_size() {
    local bytes=$1
    if (( bytes >= 1048576 )); then
        printf '%d MB' $(( (bytes + 524288) / 1048576 ))
    else
        printf '%d kB' $(( (bytes + 512) / 1024 ))
    fi
}

list_installed() {
    local dir f rel have total style n size
    dir=$(models_dir)
    note "Models folder: $dir"
    if [[ ! -d "$dir" ]]; then
        note "  (does not exist: nothing installed)"
        return 0
    fi
    have=0; total=0
    while IFS= read -r rel; do
        total=$((total + 1))
        [[ -f "$dir/$rel" ]] && have=$((have + 1))
    done < <(component_files darknet-tiny)
    if (( have == total )); then
        note "  darknet-tiny   installed ($total files)"
    elif (( have > 0 )); then
        note "  darknet-tiny   INCOMPLETE ($have of $total files)"
    else
        note "  darknet-tiny   not installed"
    fi
    for rel in vgg19-dcbb9e9d.pth vgg16-397923af.pth vgg19-d01eb7cb.pth vgg16-00b39a1b.pth; do
        if [[ -f "$dir/$rel" ]]; then
            size=$(stat -c %s -- "$dir/$rel")
            note "  $rel   installed ($(human_size "$size"))"
        else
            note "  $rel   not installed"
        fi
    done
    for f in "$dir"/*.pth; do
        [[ -f "$f" ]] || continue
        case "${f##*/}" in
            vgg19-dcbb9e9d.pth|vgg16-397923af.pth|vgg19-d01eb7cb.pth|vgg16-00b39a1b.pth) ;;
            *) note "  ${f##*/}   present (not a known model file)" ;;
        esac
    done
    n=0
    for f in "$dir"/fast-style/*/; do
        [[ -d "$f" ]] || continue
        style=$(basename -- "$f")
        if [[ -f "$f/manifest.json" ]]; then
            note "  fast-style/$style   installed ($(find "$f" -maxdepth 1 -type f -name 'Variable*' | wc -l) variables)"
        else
            note "  fast-style/$style   INCOMPLETE (no manifest.json)"
        fi
        n=$((n + 1))
    done
    (( n > 0 )) || note "  fast-style     not installed"
}

main() {
    local -a comps=()
    local c
    if [[ $# -eq 0 ]]; then
        download_components "${DEFAULT_COMPONENTS[@]}"
        return
    fi
    case "$1" in
        -h|--help)
            usage
            ;;
        --list)
            [[ $# -eq 1 ]] || die "--list takes no arguments"
            list_installed
            ;;
        --from)
            [[ $# -eq 2 ]] || die "usage: $prog --from DIR"
            install_from_dir "$2"
            ;;
        --download)
            shift
            for c in "$@"; do
                if [[ "$c" == all ]]; then
                    comps+=("${ALL_COMPONENTS[@]}")
                else
                    component_files "$c" >/dev/null   # dies on an unknown name
                    comps+=("$c")
                fi
            done
            [[ ${#comps[@]} -gt 0 ]] || comps=("${DEFAULT_COMPONENTS[@]}")
            download_components "${comps[@]}"
            ;;
        *)
            die "unknown argument '$1' (try --help)"
            ;;
    esac
}

# SHA-256 of every file this script installs, as "digest  path-in-models-folder".
#
# darknet-tiny/ and fast-style/: computed with sha256sum from unchanged copies of
#   ml5js/ml5-data-and-models at commit 0612a3e7c51cbffdc5db701dff49d16d1ac26fa8 (the commit
#   the download URLs are pinned to).
# vgg19-dcbb9e9d.pth, vgg16-397923af.pth: full digests as published alongside these files
#   by several independent projects (e.g. the Hugging Face LFS pointer of a copy of
#   vgg16-397923af.pth, and model manifests that pin vgg19-dcbb9e9d.pth at 574673361 bytes);
#   both start with the 8 hex digits that torchvision puts in the file names.
# vgg19-d01eb7cb.pth, vgg16-00b39a1b.pth: no published full digest of the original files was
#   found, so only the 8 leading hex digits are checked: the file names follow PyTorch's
#   model-zoo naming rule "name-<first 8 hex digits of the SHA-256>.pth", which is also all
#   that torch.hub's check_hash verifies. (The copies neural-style-pt saves after renaming
#   the classifier keys are different files with different digests.)
checksum_table() {
    cat <<'TABLE'
dcbb9e9dad569fff7a846263a77324fc34978fea2bfb039c012d710e1776ae44  vgg19-dcbb9e9d.pth
397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0  vgg16-397923af.pth
d01eb7cb  vgg19-d01eb7cb.pth
00b39a1b  vgg16-00b39a1b.pth
5a5ee1ddb33ac7948b303197f4c63f72a80fc00a7d2870d30843004ddd5b4b51  darknet-tiny/model.json
1a95595a3f6c497f27747d40276649a10988d0808a121ddfb3f6b368133f44c5  darknet-tiny/group1-shard1of1
8226135041fbafc7c3a838d0673badb8d3e4211a4d550781951d15a09445ea47  darknet-tiny/group2-shard1of1
3a465f4bbcbcd7721caa77b704829cfe20eadab670a8d91a352e76e4cfca1a02  darknet-tiny/group3-shard1of1
3e661974c4740795f3ca9b882ae80dc3521951dac2b262ac054329f17aaefb10  darknet-tiny/group4-shard1of1
5f1fa7779fe01d2b06ea3804f84e5cf6a25688dc458617a9f35a1018356abcbf  darknet-tiny/group5-shard1of1
e054b14e9e866da448ab351f04d3920ae216032b3df680396163a77b8925a009  darknet-tiny/group6-shard1of1
2aed907302664d64b85669a293c8f5a492521b4d025b9b3a19943f951a7e32df  darknet-tiny/group7-shard1of1
99e0418ac61cd6093df0bb4a5a67750ec0b0fbb8edb2125c0cfda67e3cb3f1a4  darknet-tiny/group8-shard1of1
4fb47f3aa4f19f7fabd7d4271cf81e8af7735fcfc89bf4b9174f379bb60b129d  darknet-tiny/group9-shard1of1
2afc82f4d423cb8272e4089b69c5dba2755eea8499935b4f0020e27b5d559557  darknet-tiny/group10-shard1of1
8957dc1caa88193522d8071f6ac3171634818bb50223b1e98ace21f010b414cc  darknet-tiny/group11-shard1of1
bced27a16699c0eca4ee4d15c4e5fac46532a6f2850b53445818c0e2e69af7b1  darknet-tiny/group12-shard1of1
5e6172c6d71505fce1a9388e733aaddf21f6ab14f9ccaf10d2986a94b8f19b42  darknet-tiny/group13-shard1of1
adfb4ad19dea5c1ba0c9b7e7d90f6265aac136a7d98e0f0eed4362d62e5e51f8  darknet-tiny/group14-shard1of1
79131184270263a2c585240efbfdd3ed13fc005c67b761ced984c70265209511  darknet-tiny/group15-shard1of1
d70b0b9f3db3d51bd5613246885f4723998aef2e56845c7dec75743221f1ef5e  darknet-tiny/group16-shard1of1
3dad37a465ab881c2d2006072cd60d83144d04a5c5448f49e15308472bbb145a  darknet-tiny/group17-shard1of1
c7a7f19a7a9e3a780bd1aedfe30a7e594821ea8d57d6e72d148c033b0f24f5fa  darknet-tiny/group18-shard1of1
4f16fe423091d9b32d59bff14cd19f1a6a233bc98adade4a1e0ef0d2972752b5  darknet-tiny/group19-shard1of1
1efd0b489da0d04808a02175c2803528313f7e9abadb18a5dc3ae0b5bd5c0331  darknet-tiny/group20-shard1of1
9d024d14a803a3b078df0e9829bcc13a8901c3a6043456632ce5697be5734155  darknet-tiny/group21-shard1of1
0c18a3238859e649bac990e90dc4738861ffd07e9bee725139bec9ef3b8545ef  darknet-tiny/group22-shard1of1
2116862cb9cd43b21a3bfa3ea41e43dbe33284a97a8a22c5afe8d768f5a767af  darknet-tiny/group23-shard1of1
35c4204cee6796300f50addf2a2202a137eaa8a42999a79168f9226f60c8a62b  darknet-tiny/group24-shard1of1
9a37816bda07b3be24b88103a11dcc5d3eea15749a15594492b03ba3177a6a5e  darknet-tiny/group25-shard1of1
697677a6c94bd84fb0b558421629b5424101c4ea16601be53096275f43891f6c  darknet-tiny/group26-shard1of1
ef48b33bcf06fed0a9cc8b41017bccbf4f32fceeae946c00e0fd130fc467f9e4  darknet-tiny/group27-shard1of1
2831d9d4368b4cad678f9a3df4c9575bc35e1c2a7ef6ebed887c02c06a4f6dab  darknet-tiny/group28-shard1of1
720e58d7e54901e8db21d698fc094ffcb65a5991397895fef827ce53094b2a15  darknet-tiny/group29-shard1of1
a68c7913477828b28c2fe1924b191139877f7825e5f1a2e1c1b0e0e92accc669  darknet-tiny/group30-shard1of1
7985bd42bc5c0333e563998ad6d4616b0afaf1765f2b8c4c6df3944cf8f13992  darknet-tiny/group31-shard1of1
e03432142aa5e7f85776094d69bf5b90b11ba4498026d5ba2c73fefefbe35bf9  fast-style/la_muse/manifest.json
5fb0a170666f9305d6b2640156b025af45a1c118cefb5da3708c1820a2613c7b  fast-style/la_muse/Variable
3f03142d6a62195024802d767d642f8b42c1d6601a56e60c6621b0f5fc983775  fast-style/la_muse/Variable_1
4d14115f409eb1ad18219e4b593543055be3f76b6f03219818e5b7d8179d7d84  fast-style/la_muse/Variable_2
42ed004c8dd8443047b727bca7b3016b7e2db26526f6fc6a8da4d1436f8d7f29  fast-style/la_muse/Variable_3
3d1c5d9846cda679a20f13c4267e34ab36dff9226bba3f440b0a4cc43b11f8af  fast-style/la_muse/Variable_4
bf463701ae23269f3efc004630336713aa77f057a43ef6cf6de2692ffef76c09  fast-style/la_muse/Variable_5
86143e4545d996771719b59d41f3e0845a08a71b7944df8af066536752c1da19  fast-style/la_muse/Variable_6
832f903a76a3272e64580e5f8d62a24b1419eb8c59f3a2080bea5a01070d06d6  fast-style/la_muse/Variable_7
ae664b3c8ba72734d289fa1f71603d107d3a5b1bcdcfa59bf6980270410c66bc  fast-style/la_muse/Variable_8
f8b8ab2d6b228efeb8380fbfe162b562fe07aa2b3256ffffc414a2a09d71e1b6  fast-style/la_muse/Variable_9
17ae8bd2bcce93adb6bea1a61e028eafd1a54e394bff15cf8deea23456ec579f  fast-style/la_muse/Variable_10
6177a1345fecae04628d5285c4b4e71d722773bf0df955f52a7d0fd98538614e  fast-style/la_muse/Variable_11
3e8aff2e9bba60daf40a5685cb20dd00b5aac645075578fc7e4cea2477c29c3c  fast-style/la_muse/Variable_12
05b4312eb3cf8da54b589851eece53802db058ed05ed206b3a31d14ec631bcf7  fast-style/la_muse/Variable_13
8baf5e3d21c3621c1c92860a4fe52e8ec771271f6be958b5762e544b8960ab8c  fast-style/la_muse/Variable_14
710178ca85568f2450f3a800b5370b5900e7ce9623d7af07d7fd74fcad059320  fast-style/la_muse/Variable_15
a385dd60ae58d2d5f88aee108330d92de701f6bd31b1f8609b08ab4c03007242  fast-style/la_muse/Variable_16
37ee8893e34e782e7c132455d3bd186e5178b0f7440aca99f7a722f6ba193986  fast-style/la_muse/Variable_17
0ab99c129962805d57c98f067dc8e59d75448d7376898d3e22ebd87b6116e70b  fast-style/la_muse/Variable_18
fb18b6471fa5ba8517bc7114427ee85203d7c227381c86de891255d1a939890a  fast-style/la_muse/Variable_19
ebaafb81d140669cef33de400c61fbf9fa80bb59eb38adc5d4bb0b83bfd26d58  fast-style/la_muse/Variable_20
47fcd21e522a82f45ce18fd6ff17b7b5b82241446f18ae8bb510d9e675809cf8  fast-style/la_muse/Variable_21
de4dddf8e0b41bb0747e5671258e01b478a8db1926167224207c08ddd59fb3e5  fast-style/la_muse/Variable_22
99f13d2b6407ce6bfed8527742491c2b5a40ebe3560f7559ae4a7808e1015e6e  fast-style/la_muse/Variable_23
ec84cad7d283d139914b6331a24f7c469192d6617942af0c5200f17ad60ef117  fast-style/la_muse/Variable_24
7e80425632b57dd9d77eaa2f880775ca0dec687291afb4f98c4681308aa09d44  fast-style/la_muse/Variable_25
d0089434eb367c47c1fc6f25084ed7d8c981a7bfcfd1a9cb7e65d5363eb541d6  fast-style/la_muse/Variable_26
70062c7d6913facbf1545c751cb693f7594d10dbb8baf0ffe1c48860ab9d897c  fast-style/la_muse/Variable_27
579862bc8463110f47a4aa03834eb7801d26fc9ec503e11380e224ef1d72d571  fast-style/la_muse/Variable_28
e1f8e506eaac01ce126ab622856ad70bf83d3cd05be56c302cbf3003a6669905  fast-style/la_muse/Variable_29
c4d16ae9b67a1ad0d0c684b6cecbaed16c8d7a0626265bcee8838bec258f8d0e  fast-style/la_muse/Variable_30
8dee88d31fa9b01c1e5d49f8a9c4f239226323de883a0063984da4abef54d1aa  fast-style/la_muse/Variable_31
009c9171c3f04638e08a3436672e0585535ffe19d2d187b4216fb45fd3dee4ce  fast-style/la_muse/Variable_32
10571e278f94d0312829b61464c8302cf1dba662aeb39745a0b88de7d22abf6b  fast-style/la_muse/Variable_33
2cf07585da604ae2807fd890b762d5ce57eee2e6291de51d2523772f47900103  fast-style/la_muse/Variable_34
8b4bb0f57b2eb9752fef69601b901c79dcf5a75979a65c0e203e01ecac6930d5  fast-style/la_muse/Variable_35
fe8ccabf0a3843b1b05518c04773ac06699e62ddd975cc7f92696b25a52d778e  fast-style/la_muse/Variable_36
622fe68c2720d2c20ff527e41a649cac5088fd4b83c534ac4d5dea6755833358  fast-style/la_muse/Variable_37
832ea880de1841a0c2b1f8eb8a59c7d51197f4d9ac270a6d02e253eb66f59981  fast-style/la_muse/Variable_38
57d48337fcde84d737932578bb0cb0efda3754fc9ead6bd43185007a800e0210  fast-style/la_muse/Variable_39
6fb3f02879c3e3c0df64ae8e6a40c1c9f0e5ea7186a72b35588156c28808adb7  fast-style/la_muse/Variable_40
b99c664041c2022ed34d25b0a07c082a6e141dd7a8ab87a7853004d736f9b4f1  fast-style/la_muse/Variable_41
2d8c702340628c345bf2b099900759976ecced7a912e0c13236143d30d311b63  fast-style/la_muse/Variable_42
5236d3a31ccfb570a0a8f512a11d3b74b926fa4e1471e15b7a76ffa12207cdea  fast-style/la_muse/Variable_43
eefee49241d00ff09e2c3e76827aee33313bda64350a81e3fe5641a7d507b7aa  fast-style/la_muse/Variable_44
70bc49b15401844e910a683fa1d46cfaabaff0b1d907046730158d001ba5e6f3  fast-style/la_muse/Variable_45
2d4013b46ef962e19968e6b8eb653af1a4a0821548f4b7321e00202ca2c2905b  fast-style/la_muse/Variable_46
4113c0dfa8b97af10c4135c0c6cf404e53256d70b7934008f6f9190a5259a9c6  fast-style/la_muse/Variable_47
e03432142aa5e7f85776094d69bf5b90b11ba4498026d5ba2c73fefefbe35bf9  fast-style/rain_princess/manifest.json
dff3e6faaac775ad4e513c0df12a9a3bd2eb13b0849827c4dc16863a82325904  fast-style/rain_princess/Variable
8e95d0a3d1ff78e6b5f5dc84e074e42e47b0277db29cb5b17dc4748fba4eb236  fast-style/rain_princess/Variable_1
1609c32722c44e5c675bc59ddddec012b632d9ba5c1993e6f815264d1a4e2e0f  fast-style/rain_princess/Variable_2
e05f59279472557b85e75722284fe2e1da91a6b8aea5bdab790e73abec570634  fast-style/rain_princess/Variable_3
f5d82dac172648a8ae615782d7886ed9c623977e0a1d0c8bed15d0a92fd46033  fast-style/rain_princess/Variable_4
84711e5fd34208c0fcea88d97f98eb3303876e3ec7013a290e1488af488b6074  fast-style/rain_princess/Variable_5
7d09f9c156cea5f2f6c6762d61bcab256e00bbcce66d0287226fac11ef507100  fast-style/rain_princess/Variable_6
fb62fe2d14bd6933485a77c478520ebacea3f9b393d995d16a61af7405de2d88  fast-style/rain_princess/Variable_7
4149a08a4f33c0cc6b2c9ba9bb30e84856c569ea2b9a0346ec6d4f16de2d9198  fast-style/rain_princess/Variable_8
fc8d34bf2c2c1c3e28d7665a21827d928f71abb344b413af8981c62ada931d89  fast-style/rain_princess/Variable_9
50c8381da95a322e0f278d99c688fb6995f14f30dc10c6f8ad56d8f7a52c449d  fast-style/rain_princess/Variable_10
fb044f69b0fcc9832f420b78a625112962d466807b29c534749314c1f76cc3fd  fast-style/rain_princess/Variable_11
ba0c0354fc1075f502d29a6a36fa893c12c94f875e9d86ba56bb8987555e4042  fast-style/rain_princess/Variable_12
7cc7062141804b6b37e12e2586d213ca30debec45b258303adc250a1bca64dd0  fast-style/rain_princess/Variable_13
41532e21dec1250c763f3845b7f3ac20c4dee71d8dcb9c0e86e7bff440963d79  fast-style/rain_princess/Variable_14
50d55b5cf8a8c1f3dd804585a75c8dbce0359a8b20d2d9629afe242180a8e4a8  fast-style/rain_princess/Variable_15
6732295a506b7f653689c17f8bc06dd377796e76d5ef54b26a1b52b8be874eaf  fast-style/rain_princess/Variable_16
fe4ee1282c1e955e99c8dd63a7b1040b603342630a18639df4ec7ebb85212bd0  fast-style/rain_princess/Variable_17
000c76468df4d0c0bbf256420ad5ce0436f1fe9d464c0b11cdd9052d14446766  fast-style/rain_princess/Variable_18
8a07bad9fe11d7ad1637efc14137690c4c1e6a243133b4373a6b93aabc2c96f1  fast-style/rain_princess/Variable_19
e0fe3aa64defb4342353d25a621ecece7f8f6ca5c920db43c61dc032821ba886  fast-style/rain_princess/Variable_20
820b48556ce4e6e1b10acb93e314301e8b40cb51e15d2b3518161b3c4b8a8b63  fast-style/rain_princess/Variable_21
4b10d8a012b36a72f8e348886dc6f487782d7e4222fe65430e999901be8cd12b  fast-style/rain_princess/Variable_22
78c49047b7e637ab9a99fe39341e8614302afb750bbf67981c8d0882da07ecba  fast-style/rain_princess/Variable_23
b9af4b903cb23c9ed2a8bd40277d1e1389d07fba61728a15c22536d0b266ea12  fast-style/rain_princess/Variable_24
58b45b51f7abf9d7e6ee8902dae15aaf8f7689c025644ef41f4672397a241428  fast-style/rain_princess/Variable_25
6b61a5e3aac39ed1c0d296d8dc169168fec0c6d880bc1c1ed5915518e3d20baf  fast-style/rain_princess/Variable_26
1f2b402c1c608fe2f11e40e3fd1e08a601060d91797e63afff0db2bc0093b282  fast-style/rain_princess/Variable_27
e645f2776f7b24db3b23bd8df2055c4d1f9b554e12195fdb38f2fd496893e90c  fast-style/rain_princess/Variable_28
dd43f465c8435c675008b9e3023c239216c7059167983e5fcb6e2f041efda8e3  fast-style/rain_princess/Variable_29
0b9163e898067f604acf93d831481856b8e2d8a0de29368e072afa8731ec1069  fast-style/rain_princess/Variable_30
51d933582fe45cd9d56f144aa6e27943df7752577ae78c92695737ce370691ed  fast-style/rain_princess/Variable_31
5d1b21e7a614076f436d9f8ff5bfaff4c960a978b545b8a66c09b75e52801474  fast-style/rain_princess/Variable_32
3207f0e76e3fc1997c6f1007369b8014cf677b3a205c97d0ef15176f47746b7a  fast-style/rain_princess/Variable_33
a4605323fadebc088d730b8a00e16fd30a7e3a15322ac082ff0e3a7f527286fc  fast-style/rain_princess/Variable_34
bde96d8ceb1853bde27523f8b560043e2d97b0cc849143df88545ec812f3dc6a  fast-style/rain_princess/Variable_35
c2effb11edc8adfd3108294c52d3be10f600249817fab8e2130e707cfe4fb837  fast-style/rain_princess/Variable_36
b99ee63ea738dcd3b003070a8d2da7ca74c3197c7b114fdc3a8dd84574b69e4b  fast-style/rain_princess/Variable_37
3449a49f34c47583791c204d1b01436f2a6f99c45a01c727bb4904164b8e3c1c  fast-style/rain_princess/Variable_38
9dd04f414b822ae2250771784cc1360958e037c66e2c233283f7394eaa546572  fast-style/rain_princess/Variable_39
f2a63b8fed9baeb02e15c92ee01c2132c23cf88db617ef3e2811dc88cb67a6d8  fast-style/rain_princess/Variable_40
45efe354ec5ffaee90f04accc022879708f5aa4fb97655dc6ee2efabe60f6f98  fast-style/rain_princess/Variable_41
7eb892822c7b1db45d3db42ef715202966ead413b42f2792e7fa538028c38a8e  fast-style/rain_princess/Variable_42
48ca0d8a6be079718aec1dff55c72bb33c56b02125e901578d8296add2bd110f  fast-style/rain_princess/Variable_43
17973bc4aa921880bbc59cf6de26507c8fed36a415bc307aea724b93f3b84720  fast-style/rain_princess/Variable_44
b4f3e3ac486fd1984bebc6f7ec44a548b4464f08828626fd1bb32d760052a6a6  fast-style/rain_princess/Variable_45
91ad41936f1a2815901bcbd779f3917fd364034dc258e0ae33f4682f5dab91af  fast-style/rain_princess/Variable_46
e621cb263a95939f183b8c42f1a953ce8723b76187d95b27963813a2ee2606a8  fast-style/rain_princess/Variable_47
e03432142aa5e7f85776094d69bf5b90b11ba4498026d5ba2c73fefefbe35bf9  fast-style/scream/manifest.json
8308f3e49b4a3f20668b72935837abd9add914185c90bb326bf157a3cdb72595  fast-style/scream/Variable
a7804fc293b7b6fdbb9afc52343eb6a03d57be56396638ab65b971a0b5481c2f  fast-style/scream/Variable_1
79d8e27d881692778c7121518f47b0b8eb855419552fe0a91b5ec62a9eac0a4b  fast-style/scream/Variable_2
92dd3354404abe6a8796b64b6310125ed9e597a4d1980a3c4ad87d85cde771cb  fast-style/scream/Variable_3
e40f4af521c4c8a3f9f40eb1b8adb98947fe881c2944333f63c06102a3257262  fast-style/scream/Variable_4
2b7f17f56d6f0cb9585e96c7b917ec23fa4f596020c2bc2c0b15a3a661d5b221  fast-style/scream/Variable_5
79fad4b046c1cc21fbf6e385ea9eb0648935cdd85eec6741a4a4ac0666d96059  fast-style/scream/Variable_6
4d523052cae199a61d8c0b3bc75c84366cf45278c5267bcf7ac06df1f953c934  fast-style/scream/Variable_7
1ee9aebfb615a04fb0de18df50e337a49332d5ed211bb13b6d80aa83d8e4ab93  fast-style/scream/Variable_8
44669c3073eb235f77e95fe50adc54be9d9472bf90ce084add438eb922c88a5b  fast-style/scream/Variable_9
202629cfcf8054753b0c571a4ce9818e67365a6d4f005620fe24e64cd2a70061  fast-style/scream/Variable_10
7d07eff9d5422f6a3186fa80a8bbd49dc991918dc29f2f97716fd964f9e0a9c7  fast-style/scream/Variable_11
4868534f7d60fdd74763f08bde71217616e2602fe356944cfd7d52e058f20cb5  fast-style/scream/Variable_12
4f5004accd9d340e8c16befe40d5679d104ac46508e3a9855f849bd87f66853c  fast-style/scream/Variable_13
861577903a4a63eabc9d964a38fb3dc0e2a248738314d80b92d5f94dd4db6580  fast-style/scream/Variable_14
79d567b4ed02b041399885f29956f3c4d6f2ccf14e2b24263d23f5826266f911  fast-style/scream/Variable_15
5b6e8fa6ee820df2bb0186812a2d9482b1e51c051d5f0885198a767e9669366f  fast-style/scream/Variable_16
e307299ab0e9364ebd84eb37473b16f03b2368c8b033a356da054ef1d793d5a4  fast-style/scream/Variable_17
e3223775e60fe20fb77062ea314663fb0a4a7c24bceef47d8c205cdd76f9b2bf  fast-style/scream/Variable_18
37d597e5575312af39db15433f272e971b67bdfde5fa8d7c03d0c0d53c819e67  fast-style/scream/Variable_19
a3d804e95e82981fa93ac132cbd0f9673ad585cd433bc02d512cfaffd17d1df2  fast-style/scream/Variable_20
daabca81446ec86fad759fb506fbc393dedf17dd7896956b8a2a97f9286d1110  fast-style/scream/Variable_21
f88025d8941d1d33c7335760503dbba07d0ee1497d846750c4bf2d97a7b0f8c0  fast-style/scream/Variable_22
947de7c3fc1b06fd5a6ca27689080cf08de100f0156acdab2fd369a4e0184dd4  fast-style/scream/Variable_23
d17699756e7b0a64e3acce4fb76ce921b6c6f8bd37d2954d790002cdc45ed42f  fast-style/scream/Variable_24
0a3c3fa5b354a3d88a3f47b7b8ee78a1c919ae69ffd1f04ef557bea3f0d30988  fast-style/scream/Variable_25
8cb55d4994b1792cce68c80ee5ed5bd3892cee9ad47dc555e2383b1e8c86a76f  fast-style/scream/Variable_26
04960b6294d6f2013fd6dbed75323a45469b1eed829e356a2641e5c29fd91062  fast-style/scream/Variable_27
6d97da3ec434efbe06402ca6ecbc260e04caf102530ac326c1455fe6afd38579  fast-style/scream/Variable_28
1d5699e19b3d8a17671450807ae10bb230ee7960d0b744d2889dfbb87bf97ce9  fast-style/scream/Variable_29
fefe2a918d8d410d2b842cb266ed26098f7b6153ca374e633b5a3a4becff8f09  fast-style/scream/Variable_30
b74c250df918c383b96f17d7e8227a72327e52610dbac47c0d06d0c3fc2f5814  fast-style/scream/Variable_31
e32943389b233cdde284ab8f7926150fb41fce975e4edecd3d6f582bac8aa767  fast-style/scream/Variable_32
2e735fa48d4b416d243636391da3940ca718d471f708e7d7214ad452bd420837  fast-style/scream/Variable_33
bb07d63fc29f7903db636183c0cc36271d3bad486c0461bf1c9c5144d1d47172  fast-style/scream/Variable_34
c5a75187727a603bf0fd7efcde4e35a492ea9702962e80db05c0a5fb5b950f33  fast-style/scream/Variable_35
b8f591ff5de932f42a1ba5928a9c21265f7714c0416e4524dc758969909bac6f  fast-style/scream/Variable_36
eb8f63c24675430bcb0e40436ae069872c81751f5ddefcd3e12a901ec2bcc158  fast-style/scream/Variable_37
38f2036378de04bdaad3a811dc021869cf8d3305716c3ac7d59c5adb176fceb9  fast-style/scream/Variable_38
6553a22551c9676d97d8a438cf78374bca38dfb2671d86ece5b84fde170ddf04  fast-style/scream/Variable_39
4f41e444d5a7d8dfcdc8af0900f4d1733fd4e5836f8485aa637e7122b1535503  fast-style/scream/Variable_40
c6f79f71ee01be0d1266297d42ddb76934dc6729714f8d531e86c66c7c54bd7d  fast-style/scream/Variable_41
dcdddaf115b4d6c3d03166aba46e03062fe9f311cc31329d1f61bd4beb0ef4ce  fast-style/scream/Variable_42
c1b075dda5d537e77ace9ad6317d984548f6825fdd703336930f11dbd38ee7e0  fast-style/scream/Variable_43
43d4f6f5ebfd1874a3947ca51bb979133ce984b7568b1d546430f8a59282c656  fast-style/scream/Variable_44
85176befa476f79f4973371742ad125757e45f48d367f7b5d71f4735309434b2  fast-style/scream/Variable_45
29094472f1ced12b8869afaf91f7391eb6b54f72f445eba383e9e8645a3849d8  fast-style/scream/Variable_46
fd574ddf01eecbb74cd4fc19a06fcf0e320517e1478ff1be4afa93a9a65e886c  fast-style/scream/Variable_47
e03432142aa5e7f85776094d69bf5b90b11ba4498026d5ba2c73fefefbe35bf9  fast-style/udnie/manifest.json
999419eafd6502adb527ec8ce98e1abc6029f309035d182b24e1589f7c0c021b  fast-style/udnie/Variable
0e5b6ec6dc8c4bbcf811b30ec2b5ccff7de9df730161a6a4b156f557df518ad3  fast-style/udnie/Variable_1
667ac5de7ffe14c0eba0941141905e88961f1bfc689fdf1538af03e1a088c3b1  fast-style/udnie/Variable_2
8efb5761e1c0f6ebcd4a52862d62a17da0d898e0168de050f64d658b07cce051  fast-style/udnie/Variable_3
dbb68a24b5f8d0711ff612bcea139addab20e8bae1f832d3e23e74b38f984698  fast-style/udnie/Variable_4
a70b2408c58b09493b8e3921f64796d4fc0a951d7a0563d5cbdbb0e5bd68ba7d  fast-style/udnie/Variable_5
830f3c3b541bd8025ca4c1fd991f6bd0fc9bfeaefe741d6769ecb3cb0ce99743  fast-style/udnie/Variable_6
ed10e22c2a83e96930d5f9ce82b448be61f5e9a91d948e7ac99629e18249df7b  fast-style/udnie/Variable_7
380f88749953189950fbe2a39e5437b7295b591fa3c3214647a7dd14a64c7af5  fast-style/udnie/Variable_8
1adcee49de24c1e4fe62f2dea433d477296720fe0df16073b8be88ddac994024  fast-style/udnie/Variable_9
60187e1077594e18b0500e0e46a77e2badf90e247f211adc0420d9a759d829da  fast-style/udnie/Variable_10
48b09c16f4f987f084f5b9c31982c3e86120326b973cadf634c8763fd47fe692  fast-style/udnie/Variable_11
831f016daae3d21261eca8f9a604df45b2aec3d5baff53f619941fdd02565926  fast-style/udnie/Variable_12
14424a330304ccc840493c086e6478ff0d02f5cf1f540cc106251ca87fe8d359  fast-style/udnie/Variable_13
a5f86ddcdbcacb373061f9c1b748de5e4751ce62b3c78d060b2a5bd31951ace4  fast-style/udnie/Variable_14
12bb295b7349e9a299ec856ab561a94bfcb55d4dcef32e32e13b30792494454e  fast-style/udnie/Variable_15
1bb020f48ad5c86027311cda5d1c2733ad493f5b4ab242e220058796ece8f5e8  fast-style/udnie/Variable_16
e5fe54d1d4d66f1d17cc8953de62c65be7613edc8e803278ef0cbb97e6dd78d1  fast-style/udnie/Variable_17
d32fcd9d33e84076eb8a99d891fd839ef2bbc4abecaf634b56c5c6b975818dc0  fast-style/udnie/Variable_18
922285cf65b9edb89169f55cb4e37ee8812ae8ff09659645e04c14381d40b315  fast-style/udnie/Variable_19
b7ed41f9fb3350f45dfd3efa75a18f1e8b7ae42eb21cf6cd5251df6588131ab6  fast-style/udnie/Variable_20
cc28b4431a0c3cd7fa631ee7a4ed88876f4b60ba17216ad45195ae0caee0ff1a  fast-style/udnie/Variable_21
e7e5603e73011ed1e9703ec54804eb50baad4085af35a04d92b5175f3bfd6af8  fast-style/udnie/Variable_22
c610095cf709c1f4c8c761e982fa4e62dabdf0469405a8910f52988ed8676e30  fast-style/udnie/Variable_23
03d20c97d508bcbe2fea4c05d3cf466f5743b2cfb806a30db781f2e39b86a3cf  fast-style/udnie/Variable_24
83d030dd72089f7dbb826aba9678f9a110b2bc20b33ebba14318f891faf9830f  fast-style/udnie/Variable_25
61b87e57e6b20d6f9331ff6c60c54554dc5198a09571032b84c04b07c5cdad47  fast-style/udnie/Variable_26
e54f46ce4f0866d48b48541bde63bb27c2fd61eec524b46e779c10b4ebc6f522  fast-style/udnie/Variable_27
9edd3f10454d5cacf3796535e1d80504f823e733c3dca6739b69628578a9db99  fast-style/udnie/Variable_28
01bbe1f96de6adbd9f2a9eb28a44d6be2552d67126c855fde52934b3ffd26551  fast-style/udnie/Variable_29
2abc9c1649ccac89632ad0a1269a19381c5366e62a7564e994bf456dc84252d3  fast-style/udnie/Variable_30
adddf69b3457d51118096bea890d38b64978b78b2505c1f6f06f3f340f6c484e  fast-style/udnie/Variable_31
e73df7c7f964295b76df09d168099ef32526c8d46816b91f453df79006d8710d  fast-style/udnie/Variable_32
eae259ade28e2b0a03d636aef4abea191bfbadea83cbf962945f52a32b6dabb2  fast-style/udnie/Variable_33
35b9df8e1acfc2e6576bd311b54e55d8a24d3d6a947ce19ce9d0736e06aba946  fast-style/udnie/Variable_34
c2ff91a0be10f24f87de213457b71367df407ca72c96b51ddd12cbc45aa5684f  fast-style/udnie/Variable_35
1df28d33471e7bbe542f865e5fbb246fcfd16174a81b02a970d0d5b920b9c5d4  fast-style/udnie/Variable_36
066eacbe29ffb36cad2e3988b0364cdf5e7cfecc618a719ddb37cb30dc085414  fast-style/udnie/Variable_37
a219939fc8632c6fcc24113782e45981ead299f6d5e704a743e053e0cabf714f  fast-style/udnie/Variable_38
9f43ce7b47275c8b496d4efc6beb9c9bb872b894b9b309c1f240947daf617203  fast-style/udnie/Variable_39
b3d2afcaaa9bf984e1cccb9467ca83dcd56326b617bf93c2201099ce8ef9659a  fast-style/udnie/Variable_40
5c7150ed301728dad58157a6db0d27b7686f2c974ce2f297c2622f4ca31c5118  fast-style/udnie/Variable_41
6eb4d1c6274a7db701d8356a9ada223c808154028546e1e8828c84d2a4240344  fast-style/udnie/Variable_42
bdf21d99273c78b79df74740109f6102ae58d89e8480acae6dbedc2746c0bf85  fast-style/udnie/Variable_43
d9c07f694c009745e3ead4f18affd45671b1d7ac1e9fd97575f31e40fb6cc452  fast-style/udnie/Variable_44
f273fcc8299423477fee15149486148f483d54ebdeaa1ef6df09b7d9cd12d329  fast-style/udnie/Variable_45
877ca9ffb82fa5f435f6838fc9ac33c4b7a7e246a2671a20688c79efe11cd78e  fast-style/udnie/Variable_46
ac3e020206aafe033f931e1ecfcc01a0e081bcedec490dfae98c5acc0b4d0ecf  fast-style/udnie/Variable_47
e03432142aa5e7f85776094d69bf5b90b11ba4498026d5ba2c73fefefbe35bf9  fast-style/wave/manifest.json
64fc05d3b3ce0ece5b0d06fb9fbd9f8dc3acc7eaff1b9fa04deb1a043fab1897  fast-style/wave/Variable
744fe8a5b724b8d7313c02ae8c3603463d5422d629725d04cbc46234d87cd99d  fast-style/wave/Variable_1
b44316d770249f2d099b907297fcce38ba743e31e0b3730a006277598e076853  fast-style/wave/Variable_2
a1d97565734bb55b7b45166ae52792388d1a53d278a8ec7c75d88116f5ac6a41  fast-style/wave/Variable_3
e1870d42801350d4fbc4d89a45d611081d913bb898c20b9da644bb32d805bf4f  fast-style/wave/Variable_4
7848a938d049cfc5fc921321cd0e2953c4d379172d412225f4d7fcae35eb59c6  fast-style/wave/Variable_5
17c6f47803044a49b24effd86628b587b835996a32f2d2fc8321d1c2007a0222  fast-style/wave/Variable_6
2b326e015958e5dfaf54b71d4d78ce5813c05c75a5f1ada50e5c87038b895082  fast-style/wave/Variable_7
52c0fc90f7d4d8912792d459dcd817d3fb35a03c8676552b9cfd1973ce4dc6c7  fast-style/wave/Variable_8
00cd6da8f8f358664b3aa464a588b7c0ef56c8e623c4b2a65821b17aa7743108  fast-style/wave/Variable_9
e8dc279bfd1f13b2342a7959da0bc18b773eaad22850d2f666c0c6cd2acd0128  fast-style/wave/Variable_10
436c67d7587de1d32f7d0d017fe69cd80b388086cb47cb9b1d38ddca2e61430a  fast-style/wave/Variable_11
74e27dcb7c749350852bba20753ef46e696dca357a5997bd1f963c8f6e949e3e  fast-style/wave/Variable_12
9c55799b0be62b1a5212251e8a3b88861c6071ab531d6d349ecefe815aa0e5cb  fast-style/wave/Variable_13
c2a5d1e791c9519229ef69f572d435d8a262c799db804720cbab7a746e635c93  fast-style/wave/Variable_14
f46a6eeba45d36cc76def5b443e88bf41eb270e53c5bed484cf2b3a59dc23e82  fast-style/wave/Variable_15
29cda68e8c0d2aef28312f29d6ba7e5913f5815d6c4bbd9242d789914e37f4f1  fast-style/wave/Variable_16
1343b95e5ffc6044512ecd498e0878c9b19509567f9f84d7998e66adbadcb1cb  fast-style/wave/Variable_17
faad071a30aebe3ab16925796259abcbbf88060641b29c9787548ffb80739748  fast-style/wave/Variable_18
de8703de2f7dc88a42275a4c090af763afa14af34454cfa0849a620a2012d760  fast-style/wave/Variable_19
d7f307ec9d55934df79126a77e339a8e709195d6b2fa50a66455686d2f9f6f7a  fast-style/wave/Variable_20
8131ba691ed33941416823ad6fc5a9b47efb4247d96f7a59b4f5a78730e0c90f  fast-style/wave/Variable_21
e3858cea5780917fecfba65af2b4b08abf5707044217bbbfa558d7769fcb869a  fast-style/wave/Variable_22
e150febe1b00deee97bda8508acfd4a5c03474003be99cf579c04ff4df7d7f1a  fast-style/wave/Variable_23
f57c612a8d97be4f1db6a8294d6bbf7a71775bbf84ef5a012735e4d1f560e552  fast-style/wave/Variable_24
daf1f1007af27f79d78530fddb9d562b002a1d53563869608b40bac4132c3f1f  fast-style/wave/Variable_25
520f41b0bda994418827e5b3c5af2dc7a4f2c2407d1a4bb6c2f09add011b234a  fast-style/wave/Variable_26
30743014291dc5e2a1dc734f9a552d2c9a8c33261fa66abbba81ed25acfe6a83  fast-style/wave/Variable_27
939b8c64755b83fd0164ba3390715ead9e98fa09567905c6cb96168df910d110  fast-style/wave/Variable_28
b12081be724291a36d581e3d1c57bec74d32d0802bc5399af2ce53e8be0e1a30  fast-style/wave/Variable_29
302c791b69ab232f040fe2e61253f34e96d1a877aaba0aef3ff59e8c01cb1dee  fast-style/wave/Variable_30
7a155aeeb51bd7390772b2adc2c2e60595f76bb4474f6712588cca6709e76c8e  fast-style/wave/Variable_31
4545c4890903defb13083203dd11e8d9304d0ef7e158192948fee9927d0d5a56  fast-style/wave/Variable_32
3932d6cfc4b11a4457324cce02226497af8b05e46a4c07c24aaf67c4aa79c6e5  fast-style/wave/Variable_33
e5561b2fd724a713a9daa4581811f63d3d6d6e1a3d4aece0237556a4af1bbd27  fast-style/wave/Variable_34
eebd41ea98b4ee0efa628bb83e0823c9b67a2e9b013ee59586bf73dffe9e5240  fast-style/wave/Variable_35
f490633be19a8ef591273d559cddeea6d324c9ea97bee5a0aa3f2c430823423c  fast-style/wave/Variable_36
977d77f3f29008a46a054870db3a78fe3ab2965f7f75fda56882e5f1e85d5a87  fast-style/wave/Variable_37
5ec0e726a689eab8da8ff080eaa69d18b737486426eb27dfed95855c054a723d  fast-style/wave/Variable_38
83bdd48ab369389506ba866d259556415662e4a6149172477173d53db3615f27  fast-style/wave/Variable_39
a050f54b24ff4ee82ecc34894990ebb7d4fdb647aa5f901dbbcecdd46e7ee1ae  fast-style/wave/Variable_40
1a718980112b73496d6b2ec682dae257edb13f171bd9e9801b018348f91e9dde  fast-style/wave/Variable_41
febb801141b6f355e0ad20341f3327ffd1443e2ad3647dca2bdd1ad13d7ede28  fast-style/wave/Variable_42
acccb691534af9f2ba37bd1b0aeefdcf2e06e01fb756aafeb584903c1637b197  fast-style/wave/Variable_43
71cbe5e1715e67d24c58ce1660768ffca7470c003f4aca564f381d723afa46f7  fast-style/wave/Variable_44
bff0ee22253e87895b408e7d0c6b4430b82a1330a93e4e8ac7302d9cde4197af  fast-style/wave/Variable_45
4e30c0b5ecf6f42fbfdcdf05be12afbd3d2769d34ed2664c0eced23d51bf2659  fast-style/wave/Variable_46
e3c80bd6946bec6c906a969baaadacab3c9a2155d64c2ba52fd0ddc9b99d76b3  fast-style/wave/Variable_47
TABLE
}

load_checksum_table

# Run main unless the file is being sourced (tests source it to call single functions).
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi

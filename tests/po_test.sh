#!/usr/bin/env bash
# Every translation compiles and covers every message of the sources:
#   po_test.sh SOURCE_ROOT
# The template is made afresh from po/POTFILES.in with xgettext (the same
# keywords as meson's glib preset uses for _() and N_()). For each language in
# po/LINGUAS: msgfmt --check must pass, and no message of the template may be
# missing, untranslated or fuzzy. Messages the sources no longer have are
# reported (run `ninja -C build gimp20-neural-style-update-po` to drop them).
set -euo pipefail
root=$1
for tool in xgettext msgfmt msgcmp msgattrib; do
  if ! command -v $tool >/dev/null; then echo "SKIP: $tool is not installed (apt-get install gettext)"; exit 77; fi
done
# Messages in a PO stream on stdin, not counting the header entry.
count_messages() {
  local n
  n=$(grep -c '^msgid ' || true)
  echo $((n > 0 ? n - 1 : 0))
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"

xgettext --from-code=UTF-8 --add-comments=TRANSLATORS: --language=C++ --keyword=_ --keyword=N_ \
  --flag=_:1:pass-c-format --flag=N_:1:pass-c-format --package-name=gimp20-neural-style \
  --files-from=po/POTFILES.in --output="$tmp/template.pot"
messages=$(count_messages <"$tmp/template.pot")
echo "template: $messages messages from $(grep -vc '^#' po/POTFILES.in) source files"
[ "$messages" -gt 50 ] || { echo "FAIL: suspiciously few messages in the template"; exit 1; }

# Every source file that marks strings is listed in POTFILES.in.
fail=0
for f in $(grep -l -E '\b(N?_)\("' plugin/*.cpp plugin/*/*.cpp ui/*.cpp); do
  if ! grep -qx "$f" po/POTFILES.in; then echo "FAIL: $f has translatable strings but is not in po/POTFILES.in"; fail=1; fi
done

languages=$(grep -v '^#' po/LINGUAS | tr -s ' \n' '\n' | grep -v '^$' || true)
[ -n "$languages" ] || { echo "FAIL: po/LINGUAS lists no language"; exit 1; }
for po in po/*.po; do
  lang=$(basename "$po" .po)
  grep -qx "$lang" <<<"$languages" || { echo "FAIL: $po is not listed in po/LINGUAS"; fail=1; }
done
for lang in $languages; do
  po=po/$lang.po
  if [ ! -f "$po" ]; then echo "FAIL: $lang is in po/LINGUAS but $po is missing"; fail=1; continue; fi
  if ! msgfmt --check --statistics -o "$tmp/$lang.mo" "$po" 2>"$tmp/$lang.msgfmt"; then
    echo "FAIL: $po does not compile:"; cat "$tmp/$lang.msgfmt"; fail=1; continue
  fi
  echo "$lang: $(cat "$tmp/$lang.msgfmt")"
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | count_messages)
  untranslated=$(msgattrib --untranslated --no-obsolete "$po" | count_messages)
  [ "$fuzzy" -eq 0 ] || { echo "FAIL: $po has $fuzzy fuzzy message(s)"; msgattrib --only-fuzzy --no-obsolete "$po"; fail=1; }
  [ "$untranslated" -eq 0 ] || { echo "FAIL: $po has $untranslated untranslated message(s)"; msgattrib --untranslated --no-obsolete "$po"; fail=1; }
  # msgcmp: every message of the template must have a translation in the .po.
  if ! msgcmp "$po" "$tmp/template.pot" 2>"$tmp/$lang.msgcmp"; then
    echo "FAIL: $po does not cover every message of the sources:"; cat "$tmp/$lang.msgcmp"; fail=1
  fi
  # Messages only the .po still has: not an error, but worth knowing.
  stale=$(msgcomm --less-than=2 --unique "$po" "$tmp/template.pot" 2>/dev/null | msgattrib --no-obsolete --translated 2>/dev/null | count_messages)
  [ "$stale" -eq 0 ] || echo "note: $po has $stale message(s) the sources no longer use"
done
[ $fail -eq 0 ] || exit 1
echo "all translations complete"

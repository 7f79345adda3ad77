#!/usr/bin/env python3
"""layers_test.py SOURCE_ROOT: the include rules of ARCHITECTURE.md, checked.

Every #include "x.h" in core/, cli/, plugin/ and ui/ is resolved (the
including file's folder first, then the one folder that holds x.h) and
must point to the same layer or one below it:

    core  <-  cli
    core  <-  plugin (procedure.*, i18n.h)  <-  ui  <-  plugin/gimp2, plugin/gimp3

Hosts and dialogs use the engine through core/nst.h only; core/nst.h and the
toolkit-neutral files of plugin/ and ui/ include no GTK, GLib, GIMP, GEGL or
LibTorch header; nothing outside core/ includes LibTorch, oneDNN, Highway or
OpenCV. Prints one line per broken rule and exits 1 if there is any.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1]).resolve()
folders = ["core", "cli", "plugin", "plugin/gimp2", "plugin/gimp3", "ui"]
# What each layer may include (itself included).
allowed = {
    "core": {"core"},
    "cli": {"cli", "core"},
    "plugin": {"plugin", "core"},
    "ui": {"ui", "plugin", "core"},
    "plugin/gimp2": {"plugin/gimp2", "ui", "plugin", "core"},
    "plugin/gimp3": {"plugin/gimp3", "ui", "plugin", "core"},
}
# The engine's public header: the only core header the other layers see.
public_core = {"nst.h"}
toolkit = re.compile(r"<(gtk|gdk|gdk-pixbuf|glib|gio|libgimp|gegl|babl)[/.]")
engine_libs = re.compile(r"<(torch|ATen|c10|oneapi|dnnl|hwy|opencv2)[/.]")
include = re.compile(r'^\s*#\s*include\s*([<"][^>"]+[>"])', re.M)

sources = {f: sorted(p for p in (root / f).glob("*") if p.suffix in (".h", ".cpp")) for f in folders}
where = {}  # header name -> folders holding it
for f, files in sources.items():
    for p in files:
        if p.suffix == ".h":
            where.setdefault(p.name, []).append(f)


def gtk_file(folder, name):
    """Whether a file may use GTK: the dialogs' widget code."""
    if folder.startswith("plugin/gimp"):
        return True
    return folder == "ui" and (re.search(r"_gtk\d?\.(h|cpp)$", name) or name.startswith("pixbuf."))


problems = []
checked = 0
for folder, files in sources.items():
    for p in files:
        rel = f"{folder}/{p.name}"
        for target in include.findall(p.read_text(encoding="utf-8")):
            checked += 1
            name = target[1:-1]
            if target.startswith("<"):
                if toolkit.match(target) and not gtk_file(folder, p.name):
                    problems.append(f"{rel}: includes {target}, a toolkit header, in toolkit-neutral code")
                if engine_libs.match(target) and folder != "core":
                    problems.append(f"{rel}: includes {target}; outside core/ the engine is used through nst.h")
                if (toolkit.match(target) or engine_libs.match(target)) and rel == "core/nst.h":
                    problems.append(f"{rel}: the public header includes {target}")
                continue
            base = pathlib.PurePosixPath(name).name
            if name != base:
                problems.append(f"{rel}: includes \"{name}\" by path; include by name, the build knows the folders")
            homes = [folder] if (p.parent / base).exists() else where.get(base, [])
            if not homes:
                continue  # a generated or system header included with quotes
            if len(homes) > 1:
                problems.append(f"{rel}: \"{base}\" exists in {', '.join(homes)}; header names must be unique")
                continue
            home = homes[0]
            if home not in allowed[folder]:
                problems.append(f"{rel}: includes {home}/{base}, which is not below {folder}/ (see ARCHITECTURE.md)")
            elif home == "core" and folder != "core" and base not in public_core:
                problems.append(f"{rel}: includes core/{base}; outside core/ only core/nst.h is used")

for line in problems:
    print(line)
print(f"{checked} includes in {sum(len(v) for v in sources.values())} files checked, {len(problems)} broken rules")
sys.exit(1 if problems else 0)

// Translation macros shared by all plug-in sources (GETTEXT_PACKAGE and
// LOCALEDIR come from plugin/meson.build). Plain libintl, so the
// version-neutral code does not need GLib; xgettext's glib preset finds
// _() and N_().
#pragma once

#include <libintl.h>

#include <string>

#ifndef GETTEXT_PACKAGE
#error "GETTEXT_PACKAGE must be defined by the build"
#endif

#undef _
#undef N_
#define _(String) dgettext(GETTEXT_PACKAGE, String)
#define N_(String) (String)

namespace nst_plugin {
// printf into a std::string (for translated format strings).
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
std::string printf_string(const char* format, ...);

// Where the translations are: $NST_LOCALEDIR (tests use the build's po/), else
// a locale/ folder beside the executable (per-user installs by
// install-scripts/install-plugin.sh), else `build_localedir`.
std::string locale_dir(const char* build_localedir);
}  // namespace nst_plugin

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
}  // namespace nst_plugin

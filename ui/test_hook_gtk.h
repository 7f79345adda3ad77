// Hooks for the Xvfb dialog tests (tests/gimp_dialog_test.sh). Inactive
// unless the environment variable NST_UI_TEST_DIR names a folder; then the
// dialogs describe themselves there as text files that the test reads to
// find and check their widgets (name, position in the window, value) before
// it clicks them with xdotool.
#pragma once

#include <gtk/gtk.h>

#include <string>

namespace nst_ui {

bool test_hook_enabled();

// Gives `w` the name the dialog tests find it by (names starting with "nst-"
// are described by test_hook_dump) and returns it.
GtkWidget* named(GtkWidget* w, const std::string& name);

// Writes DIR/<name>.txt (atomically): the X window id and one line for every
// widget whose name starts with "nst-":
//   widget <name> <type> x=<x> y=<y> w=<w> h=<h> visible=<0|1> sensitive=<0|1> value=<text>
// with coordinates relative to the dialog's window.
void test_hook_dump(GtkWidget* dialog, const char* name);

// Writes DIR/<name>.txt with `text`.
void test_hook_note(const char* name, const std::string& text);

// Appends `line` and a newline to DIR/<name>.txt.
void test_hook_log(const char* name, const std::string& line);

// The batch runs' stand-in for a user's Cancel (a batch call has no button):
// with NST_UI_TEST_DIR set, NST_UI_TEST_CANCEL_AT=N cancels every batch
// optimisation when it reaches iteration N (runs of fewer iterations finish).
// 0 when unset.
int test_hook_cancel_at();

// The resident memory of the process that started this plug-in (GIMP), in
// KiB, from /proc; -1 where it cannot be read.
long test_hook_host_rss_kb();

}  // namespace nst_ui

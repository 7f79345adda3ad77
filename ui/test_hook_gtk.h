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

// Writes DIR/<name>.txt (atomically): the X window id and one line for every
// widget whose name starts with "nst-":
//   widget <name> <type> x=<x> y=<y> w=<w> h=<h> visible=<0|1> sensitive=<0|1> value=<text>
// with coordinates relative to the dialog's window.
void test_hook_dump(GtkWidget* dialog, const char* name);

// Writes DIR/<name>.txt with `text`.
void test_hook_note(const char* name, const std::string& text);

}  // namespace nst_ui

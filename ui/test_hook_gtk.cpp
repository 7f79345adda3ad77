// Test hooks of the dialogs (GTK2 and GTK3). See test_hook_gtk.h.
#include "test_hook_gtk.h"

#include <gdk/gdkx.h>
#include <glib/gstdio.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace nst_ui {

namespace {

const char* test_dir() {
  const char* d = g_getenv("NST_UI_TEST_DIR");
  return d && *d ? d : nullptr;
}

void write_atomically(const char* name, const std::string& text) {
  const char* dir = test_dir();
  if (!dir) return;
  gchar* path = g_strdup_printf("%s/%s.txt", dir, name);
  gchar* tmp = g_strdup_printf("%s.tmp", path);
  if (g_file_set_contents(tmp, text.data(), gssize(text.size()), nullptr)) g_rename(tmp, path);
  g_free(tmp);
  g_free(path);
}

std::string one_line(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

std::string widget_value(GtkWidget* w) {
  std::ostringstream v;
  if (GTK_IS_FILE_CHOOSER(w)) {
    gchar* f = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(w));
    v << (f ? f : "");
    g_free(f);
  } else if (GTK_IS_SPIN_BUTTON(w)) {
    v << gtk_spin_button_get_value(GTK_SPIN_BUTTON(w));
    // A value shown as a word ("Automatic") follows the number.
    const gchar* text = gtk_entry_get_text(GTK_ENTRY(w));
    gchar* end = nullptr;
    g_ascii_strtod(text, &end);
    if (end == text) v << " " << text;
  } else if (GTK_IS_RANGE(w)) {
    v << gtk_range_get_value(GTK_RANGE(w));
  } else if (GTK_IS_COMBO_BOX(w)) {
    v << gtk_combo_box_get_active(GTK_COMBO_BOX(w));
    GtkTreeIter iter;
    GtkTreeModel* model = gtk_combo_box_get_model(GTK_COMBO_BOX(w));
    // The label: column 1 of a GimpIntStore, else column 0 (GtkComboBoxText;
    // GTK 3 gives it a second column, the ids, which are unset here).
    gchar* text = nullptr;
    if (model && gtk_combo_box_get_active_iter(GTK_COMBO_BOX(w), &iter)) {
      if (gtk_tree_model_get_n_columns(model) > 1 && gtk_tree_model_get_column_type(model, 1) == G_TYPE_STRING)
        gtk_tree_model_get(model, &iter, 1, &text, -1);
      if (!text && gtk_tree_model_get_column_type(model, 0) == G_TYPE_STRING)
        gtk_tree_model_get(model, &iter, 0, &text, -1);
    }
    if (text) v << " " << text;
    g_free(text);
  } else if (GTK_IS_TOGGLE_BUTTON(w)) {
    v << (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w)) ? 1 : 0);
  } else if (GTK_IS_BUTTON(w)) {
    const gchar* label = gtk_button_get_label(GTK_BUTTON(w));
    v << (label ? label : "");
  } else if (GTK_IS_LABEL(w)) {
    v << gtk_label_get_text(GTK_LABEL(w));
  } else if (GTK_IS_ENTRY(w)) {
    v << gtk_entry_get_text(GTK_ENTRY(w));
  } else if (GTK_IS_EXPANDER(w)) {
    v << (gtk_expander_get_expanded(GTK_EXPANDER(w)) ? 1 : 0);
  } else if (GTK_IS_PROGRESS_BAR(w)) {
    v << gtk_progress_bar_get_fraction(GTK_PROGRESS_BAR(w));
  } else if (GTK_IS_ICON_VIEW(w)) {
    // items=<n> selected=<text of column 1 or -> at=<i>:<x>,<y>;... (item centres,
    // found by probing the widget on an 8-pixel grid, in widget coordinates).
    GtkTreeModel* model = gtk_icon_view_get_model(GTK_ICON_VIEW(w));
    const int n = model ? gtk_tree_model_iter_n_children(model, nullptr) : 0;
    v << "items=" << n << " selected=";
    GList* sel = gtk_icon_view_get_selected_items(GTK_ICON_VIEW(w));
    std::string selected = "-";
    if (sel && model) {
      GtkTreeIter iter;
      if (gtk_tree_model_get_iter(model, &iter, static_cast<GtkTreePath*>(sel->data))) {
        gchar* text = nullptr;
        gtk_tree_model_get(model, &iter, 1, &text, -1);
        if (text) selected = text;
        g_free(text);
      }
    }
    for (GList* l = sel; l; l = l->next) gtk_tree_path_free(static_cast<GtkTreePath*>(l->data));
    g_list_free(sel);
    v << selected << " at=";
    std::vector<double> sx(size_t(n), 0), sy(size_t(n), 0), cnt(size_t(n), 0);
    GtkAllocation a;
    gtk_widget_get_allocation(w, &a);
    for (int y = 0; y < a.height; y += 8)
      for (int x = 0; x < a.width; x += 8) {
        GtkTreePath* path = gtk_icon_view_get_path_at_pos(GTK_ICON_VIEW(w), x, y);
        if (!path) continue;
        const int i = gtk_tree_path_get_indices(path)[0];
        gtk_tree_path_free(path);
        if (i < 0 || i >= n) continue;
        sx[size_t(i)] += x;
        sy[size_t(i)] += y;
        cnt[size_t(i)] += 1;
      }
    for (int i = 0; i < n; ++i)
      if (cnt[size_t(i)] > 0)
        v << i << ":" << int(sx[size_t(i)] / cnt[size_t(i)]) << "," << int(sy[size_t(i)] / cnt[size_t(i)]) << ";";
  } else if (GTK_IS_IMAGE(w)) {
    GdkPixbuf* pb = gtk_image_get_storage_type(GTK_IMAGE(w)) == GTK_IMAGE_PIXBUF
                        ? gtk_image_get_pixbuf(GTK_IMAGE(w))
                        : nullptr;
    if (pb)
      v << gdk_pixbuf_get_width(pb) << "x" << gdk_pixbuf_get_height(pb);
    else
      v << "none";
  }
  return one_line(v.str());
}

void dump_widget(GtkWidget* w, GtkWidget* top, std::ostringstream& out) {
  const gchar* name = gtk_widget_get_name(w);
  if (name && g_str_has_prefix(name, "nst-")) {
    gint x = 0, y = 0;
    GtkAllocation a;
    gtk_widget_get_allocation(w, &a);
    if (!gtk_widget_translate_coordinates(w, top, 0, 0, &x, &y)) x = y = -1;
    out << "widget " << name << " " << G_OBJECT_TYPE_NAME(w) << " x=" << x << " y=" << y
        << " w=" << a.width << " h=" << a.height
        << " visible=" << (gtk_widget_is_drawable(w) ? 1 : 0)
        << " sensitive=" << (gtk_widget_is_sensitive(w) ? 1 : 0) << " value=" << widget_value(w)
        << "\n";
  }
  if (GTK_IS_CONTAINER(w)) {
    GList* children = gtk_container_get_children(GTK_CONTAINER(w));
    for (GList* c = children; c; c = c->next) dump_widget(GTK_WIDGET(c->data), top, out);
    g_list_free(children);
  }
}

}  // namespace

bool test_hook_enabled() { return test_dir() != nullptr; }

// A picture of the dialog's window as GTK drew it (no window manager
// decorations), when the test asked for one by creating DIR/<name>.shot:
// written to DIR/<name>.png, the request removed.
static void screenshot_if_asked(GtkWidget* dialog, const char* name) {
  gchar* request = g_strdup_printf("%s/%s.shot", test_dir(), name);
  if (g_file_test(request, G_FILE_TEST_EXISTS)) {
    GdkWindow* win = gtk_widget_get_window(dialog);
    GdkPixbuf* pb = nullptr;
    if (win) {
#if GTK_MAJOR_VERSION >= 3
      pb = gdk_pixbuf_get_from_window(win, 0, 0, gdk_window_get_width(win), gdk_window_get_height(win));
#else
      gint w = 0, h = 0;
      gdk_drawable_get_size(GDK_DRAWABLE(win), &w, &h);
      pb = gdk_pixbuf_get_from_drawable(nullptr, GDK_DRAWABLE(win), nullptr, 0, 0, 0, 0, w, h);
#endif
    }
    gchar* path = g_strdup_printf("%s/%s.png", test_dir(), name);
    if (pb) {
      gdk_pixbuf_save(pb, path, "png", nullptr, nullptr);
      g_object_unref(pb);
    }
    g_free(path);
    g_unlink(request);
  }
  g_free(request);
}

void test_hook_dump(GtkWidget* dialog, const char* name) {
  if (!test_dir() || !dialog) return;
  screenshot_if_asked(dialog, name);
  std::ostringstream out;
  GdkWindow* win = gtk_widget_get_window(dialog);
  if (win) out << "window " << (unsigned long)GDK_WINDOW_XID(win) << "\n";
  dump_widget(dialog, dialog, out);
  write_atomically(name, out.str());
}

void test_hook_note(const char* name, const std::string& text) { write_atomically(name, text); }

void test_hook_log(const char* name, const std::string& line) {
  const char* dir = test_dir();
  if (!dir) return;
  gchar* path = g_strdup_printf("%s/%s.txt", dir, name);
  std::ofstream(path, std::ios::app) << line << "\n";
  g_free(path);
}

int test_hook_cancel_at() {
  const char* n = g_getenv("NST_UI_TEST_CANCEL_AT");
  return test_dir() && n ? std::max(0, std::atoi(n)) : 0;
}

long test_hook_host_rss_kb() {
  std::ifstream status("/proc/" + std::to_string(getppid()) + "/status");
  std::string key;
  long kb = -1;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> kb;
      break;
    }
    status.ignore(1 << 20, '\n');
  }
  return kb;
}

GtkWidget* named(GtkWidget* w, const std::string& name) {
  gtk_widget_set_name(w, name.c_str());
  return w;
}

}  // namespace nst_ui

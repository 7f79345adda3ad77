// The further paintings' list of the settings dialogs. See painting_list_gtk.h.
#include "painting_list_gtk.h"

#include <string>

#include "i18n.h"
#include "test_hook_gtk.h"

namespace nst_ui {

namespace {

GtkWidget* hbox(int spacing) {
#if GTK_MAJOR_VERSION >= 3
  return gtk_box_new(GTK_ORIENTATION_HORIZONTAL, spacing);
#else
  return gtk_hbox_new(FALSE, spacing);
#endif
}

GtkWidget* vbox(int spacing) {
#if GTK_MAJOR_VERSION >= 3
  return gtk_box_new(GTK_ORIENTATION_VERTICAL, spacing);
#else
  return gtk_vbox_new(FALSE, spacing);
#endif
}

GtkWidget* label_for(const char* mnemonic_text, GtkWidget* target) {
  GtkWidget* l = gtk_label_new_with_mnemonic(mnemonic_text);
  gtk_label_set_mnemonic_widget(GTK_LABEL(l), target);
  return l;
}

void update_preview(GtkFileChooser* chooser, gpointer data) {
  GtkWidget* preview = GTK_WIDGET(data);
  gchar* file = gtk_file_chooser_get_preview_filename(chooser);
  GdkPixbuf* pb = file ? gdk_pixbuf_new_from_file_at_scale(file, 160, 160, TRUE, nullptr) : nullptr;
  g_free(file);
  gtk_image_set_from_pixbuf(GTK_IMAGE(preview), pb);
  if (pb) g_object_unref(pb);
  gtk_file_chooser_set_preview_widget_active(chooser, pb != nullptr);
}

GtkWidget* weight_spin(double value, const std::string& name) {
  GtkWidget* spin = named(gtk_spin_button_new_with_range(0, kMaxStyleWeight, 0.1), name);
  gtk_spin_button_set_digits(GTK_SPIN_BUTTON(spin), 2);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(spin), value);
  gtk_widget_set_tooltip_text(spin, _("This painting's share of the style: the paintings' looks are mixed in "
                                      "proportion to their weights."));
  return spin;
}

size_t row_of(GtkWidget* w) { return size_t(GPOINTER_TO_INT(g_object_get_data(G_OBJECT(w), "nst-row"))); }

}  // namespace

GtkFileFilter* all_files_filter() {
  GtkFileFilter* f = gtk_file_filter_new();
  gtk_file_filter_set_name(f, _("All files"));
  gtk_file_filter_add_pattern(f, "*");
  return f;
}

GtkWidget* image_chooser_button(const char* title) {
  GtkWidget* b = gtk_file_chooser_button_new(title, GTK_FILE_CHOOSER_ACTION_OPEN);
  GtkFileFilter* images = gtk_file_filter_new();
  gtk_file_filter_set_name(images, _("Images"));
  gtk_file_filter_add_pixbuf_formats(images);
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(b), images);
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(b), all_files_filter());
  GtkWidget* preview = gtk_image_new();
  gtk_file_chooser_set_preview_widget(GTK_FILE_CHOOSER(b), preview);
  gtk_file_chooser_set_use_preview_label(GTK_FILE_CHOOSER(b), FALSE);
  g_signal_connect(b, "update-preview", G_CALLBACK(update_preview), preview);
  return b;
}

PaintingList::PaintingList(std::function<void()> changed) : changed_(std::move(changed)) {
  box_ = vbox(4);
  weight_row_ = hbox(6);
  style_weight_ = weight_spin(1, "nst-style-weight");
  g_signal_connect(style_weight_, "value-changed", G_CALLBACK(on_weight), this);
  gtk_box_pack_start(GTK_BOX(weight_row_), label_for(_("Weight of the style above:"), style_weight_), FALSE, FALSE,
                     0);
  gtk_box_pack_start(GTK_BOX(weight_row_), style_weight_, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(box_), weight_row_, FALSE, FALSE, 0);
  rows_ = vbox(4);
  gtk_box_pack_start(GTK_BOX(box_), rows_, FALSE, FALSE, 0);
  add_ = named(gtk_button_new_with_mnemonic(_("_Add a painting to the style…")), "nst-add-painting");
  gtk_widget_set_tooltip_text(add_, _("Blend the look of several paintings: each further painting gets a weight, "
                                      "and the style is their weighted mix."));
  g_signal_connect(add_, "clicked", G_CALLBACK(on_add), this);
  GtkWidget* add_row = hbox(0);  // the button at its natural width
  gtk_box_pack_start(GTK_BOX(add_row), add_, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(box_), add_row, FALSE, FALSE, 0);
  gtk_widget_show_all(box_);
  rebuild();
}

PaintingList::~PaintingList() {
  if (pending_rebuild_) g_source_remove(pending_rebuild_);
}

void PaintingList::set(const std::vector<ExtraStyle>& more, double style_weight) {
  more_ = more;
  style_weight_value_ = style_weight;
  rebuild();
}

void PaintingList::rebuild() {
  GList* children = gtk_container_get_children(GTK_CONTAINER(rows_));
  for (GList* c = children; c; c = c->next) gtk_widget_destroy(GTK_WIDGET(c->data));
  g_list_free(children);
  for (size_t i = 0; i < more_.size(); ++i) {
    const std::string n = std::to_string(i);
    GtkWidget* row = hbox(6);
    GtkWidget* file = named(image_chooser_button(_("Choose a Further Painting")), "nst-more-style-" + n);
    if (!more_[i].file.empty()) gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(file), more_[i].file.c_str());
    GtkWidget* weight = weight_spin(more_[i].weight, "nst-more-weight-" + n);
    GtkWidget* remove = named(gtk_button_new_with_label(_("Remove")), "nst-more-remove-" + n);
    for (GtkWidget* w : {file, weight, remove}) g_object_set_data(G_OBJECT(w), "nst-row", GINT_TO_POINTER(int(i)));
    g_signal_connect(file, "file-set", G_CALLBACK(on_file_set), this);
    g_signal_connect(weight, "value-changed", G_CALLBACK(on_weight), this);
    g_signal_connect(remove, "clicked", G_CALLBACK(on_remove), this);
    gtk_box_pack_start(GTK_BOX(row), file, TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(row), label_for(_("weight:"), weight), FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(row), weight, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(row), remove, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(rows_), row, FALSE, FALSE, 0);
  }
  gtk_widget_show_all(rows_);
  g_signal_handlers_block_by_func(style_weight_, reinterpret_cast<gpointer>(on_weight), this);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(style_weight_), style_weight_value_);
  g_signal_handlers_unblock_by_func(style_weight_, reinterpret_cast<gpointer>(on_weight), this);
  gtk_widget_set_visible(weight_row_, !more_.empty());
  gtk_widget_set_sensitive(add_, more_.size() < kMaxExtraStyles);
}

void PaintingList::on_file_set(GtkFileChooserButton* b, gpointer self) {
  auto* list = static_cast<PaintingList*>(self);
  const size_t i = row_of(GTK_WIDGET(b));
  if (i >= list->more_.size()) return;
  gchar* file = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(b));
  list->more_[i].file = file ? file : "";
  g_free(file);
  list->changed_();
}

void PaintingList::on_weight(GtkSpinButton* spin, gpointer self) {
  auto* list = static_cast<PaintingList*>(self);
  if (GTK_WIDGET(spin) == list->style_weight_) {
    list->style_weight_value_ = gtk_spin_button_get_value(spin);
  } else {
    const size_t i = row_of(GTK_WIDGET(spin));
    if (i >= list->more_.size()) return;
    list->more_[i].weight = gtk_spin_button_get_value(spin);
  }
  list->changed_();
}

gboolean PaintingList::rebuild_later(gpointer self) {
  auto* list = static_cast<PaintingList*>(self);
  list->pending_rebuild_ = 0;
  list->rebuild();
  list->changed_();
  return FALSE;
}

void PaintingList::on_remove(GtkButton* b, gpointer self) {
  auto* list = static_cast<PaintingList*>(self);
  const size_t i = row_of(GTK_WIDGET(b));
  if (i < list->more_.size()) list->more_.erase(list->more_.begin() + long(i));
  // Not while the clicked button is in its handler.
  if (!list->pending_rebuild_) list->pending_rebuild_ = g_idle_add(rebuild_later, list);
}

void PaintingList::on_add(GtkButton*, gpointer self) {
  auto* list = static_cast<PaintingList*>(self);
  if (list->more_.size() >= kMaxExtraStyles) return;
  list->more_.push_back({});
  list->rebuild();
  list->changed_();
}

}  // namespace nst_ui

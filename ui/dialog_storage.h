// What the dialogs keep between runs: their values as text (GIMP keeps the
// text as the procedure's last values) and the user's profile file (recent
// styles and measured speeds). Numbers are written in the C locale whatever
// the user's language.
#pragma once

#include <string>
#include <vector>

#include "dialog_logic.h"
#include "time_estimate.h"

namespace nst_ui {

// --- storage ------------------------------------------------------------------

// The dialog's values as text (one "key=value" line each) and back. parse
// ignores unknown keys and keeps `s`'s values for missing ones; false when the
// text is not a stored dialog state.
std::string serialize_state(const DialogState& s);
bool parse_state(const std::string& text, DialogState& s);

// What is kept across GIMP sessions in the user's profile: recent styles and
// measured speeds. Plain text, one entry per line.
struct Profile {
  std::vector<std::string> recent_styles;
  SpeedTable speeds;
};
Profile load_profile(const std::string& path);         // empty Profile if missing or unreadable
bool save_profile(const Profile& p, const std::string& path);  // atomic replace

}  // namespace nst_ui

// Where feature networks are installed and which one is the default.
#include "files.h"
#include "nst.h"

#include <cstdlib>

namespace nst {
namespace {
using files::exists;
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : "";
}
}  // namespace

std::string models_dir() {
  if (!env("NST_MODELS_DIR").empty()) return env("NST_MODELS_DIR");
  std::string data = env("XDG_DATA_HOME");
  if (data.empty()) data = env("HOME") + "/.local/share";
  return data + "/neural-style/models";
}

std::vector<std::string> installed_models() {
  // Best first: VGG-19 gives the classic Gatys look, VGG-16 is close, Darknet-tiny is ~20x cheaper.
  static const char* candidates[] = {"vgg19-dcbb9e9d.pth", "vgg19-d01eb7cb.pth", "vgg16-397923af.pth",
                                     "vgg16-00b39a1b.pth", "darknet-tiny"};
  const std::string dir = models_dir();
  std::vector<std::string> found;
  for (const char* c : candidates) {
    const std::string p = dir + "/" + c;
    if (exists(std::string(c).find('.') == std::string::npos ? p + "/model.json" : p)) found.push_back(p);
  }
  return found;
}

std::string default_model() {
  auto found = installed_models();
  if (found.empty())
    throw Error("no feature network is installed in " + models_dir() +
                ": run install-scripts/install-models.sh, or choose a model file");
  return found.front();
}

}  // namespace nst

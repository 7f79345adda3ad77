// Reading weight files without Python: PyTorch state dicts (zip archives and
// the legacy pre-1.6 format, OrderedDict or plain dict) and TensorFlow.js
// weight manifests. Internal to core/ (uses ATen types).
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <vector>

namespace nst::weights {

struct Entry {
  std::string name;
  std::vector<int64_t> shape;
  at::Tensor tensor;  // float32, contiguous; undefined when not loaded
};
using StateDict = std::vector<Entry>;  // in file order

// Which entries to read the data of (shapes are always returned).
using KeyFilter = std::function<bool(const std::string&)>;

// Reads a file written by torch.save(state_dict). Accepts the zip format
// (PyTorch >= 1.6) and the legacy format; OrderedDict or dict; a checkpoint
// dict with a "state_dict" entry. Throws nst::Error with the reason.
StateDict load_torch(const std::string& path, const KeyFilter& load = {});

// Reads the raw float32 weights named in a TF.js Layers model.json
// ("weightsManifest": groups of shard files, weights in order).
StateDict load_tfjs(const std::string& model_json, const KeyFilter& load = {});

// Reads a deeplearn.js checkpoint (as ml5's fast style networks are shipped):
// manifest.json maps variable names to {"filename", "shape"}; each file holds
// the raw little-endian float32 values of one variable. Entries come sorted by
// name. Throws nst::Error naming the missing or damaged file.
StateDict load_dljs(const std::string& manifest_json, const KeyFilter& load = {});

const Entry* find(const StateDict& sd, const std::string& name);

}  // namespace nst::weights

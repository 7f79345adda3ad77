// Weight file readers. The PyTorch files are pickles; LibTorch 1.13's own
// unpickler turns collections.OrderedDict into None, so this file carries a
// small pickle interpreter for the subset torch.save writes.
#include "weights.h"

#include "nst.h"

#include <caffe2/serialize/inline_container.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace nst::weights {
namespace {

// --- a minimal pickle machine -------------------------------------------
struct PyObj;
using Obj = std::shared_ptr<PyObj>;

struct PyObj {
  enum Kind { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Global, Storage, Tensor, Object, Mark };
  Kind kind = None;
  int64_t i = 0;
  double f = 0;
  std::string s;            // Str/Bytes text, Global "module.name", Storage dtype name, Object class
  std::vector<Obj> items;   // Tuple/List items; Dict: key, value, key, value, ...
  // Storage
  std::string key;
  int64_t numel = 0;
  // Tensor
  Obj storage;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

// Every object the pickle machine makes while a weight file loads: a hostile
// pickle can make reference cycles (a list appended to itself, a dict that
// holds itself), which shared pointers alone would leak. When the load ends,
// the arena empties every object still alive, which breaks them.
class Arena {
 public:
  Arena() : outer_(current) { current = this; }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() {
    current = outer_;
    for (const std::weak_ptr<PyObj>& w : objects_)
      if (Obj o = w.lock()) {
        o->items.clear();
        o->storage.reset();
      }
  }
  static void add(const Obj& o) {
    if (current) current->objects_.push_back(o);
  }

 private:
  static thread_local Arena* current;
  Arena* outer_;
  std::vector<std::weak_ptr<PyObj>> objects_;
};
thread_local Arena* Arena::current = nullptr;

Obj make(PyObj::Kind k) {
  auto o = std::make_shared<PyObj>();
  o->kind = k;
  Arena::add(o);
  return o;
}

const char* kind_name(PyObj::Kind k) {
  static const char* names[] = {"None", "bool", "int", "float", "str", "bytes", "tuple", "list",
                                "dict", "global", "storage", "tensor", "object", "mark"};
  return names[k];
}

class ByteReader {
 public:
  ByteReader(std::istream& in, std::string what) : in_(in), what_(std::move(what)) {}
  void read(void* dst, size_t n) {
    in_.read(static_cast<char*>(dst), std::streamsize(n));
    if (size_t(in_.gcount()) != n) throw Error(what_ + " is truncated (unexpected end of file)");
  }
  uint8_t u8() { uint8_t v; read(&v, 1); return v; }
  template <typename T> T le() { T v; read(&v, sizeof v); return v; }  // little-endian host
  std::string bytes(size_t n) {
    if (n > (1u << 30)) throw Error(what_ + " is corrupt (string of " + std::to_string(n) + " bytes)");
    std::string s(n, '\0');
    if (n) read(&s[0], n);
    return s;
  }
  std::string line() {
    std::string s;
    if (!std::getline(in_, s)) throw Error(what_ + " is truncated (unexpected end of file)");
    return s;
  }
  std::istream& stream() { return in_; }
  const std::string& what() const { return what_; }

 private:
  std::istream& in_;
  std::string what_;
};

int64_t as_int(const Obj& o, const std::string& what) {
  if (!o || (o->kind != PyObj::Int && o->kind != PyObj::Bool)) throw Error(what + ": expected an integer");
  return o->i;
}

std::vector<int64_t> int_tuple(const Obj& o, const std::string& what) {
  if (!o || (o->kind != PyObj::Tuple && o->kind != PyObj::List)) throw Error(what + ": expected a tuple of sizes");
  std::vector<int64_t> v;
  for (auto& x : o->items) v.push_back(as_int(x, what));
  return v;
}

// Persistent ids: ('storage', <global torch.XStorage>, key, location, numel[, view])
Obj persistent_load(const Obj& pid, const std::string& what) {
  if (pid->kind != PyObj::Tuple || pid->items.size() < 5 || pid->items[0]->kind != PyObj::Str ||
      pid->items[0]->s != "storage")
    throw Error(what + " is not a PyTorch tensor file (unknown persistent id)");
  auto st = make(PyObj::Storage);
  const Obj& type = pid->items[1];
  st->s = type->kind == PyObj::Global ? type->s : "torch.FloatStorage";
  const Obj& key = pid->items[2];
  st->key = key->kind == PyObj::Str ? key->s : std::to_string(as_int(key, what));
  st->numel = as_int(pid->items[4], what);
  return st;
}

Obj reduce(const Obj& callable, const Obj& args, const std::string& what) {
  if (callable->kind != PyObj::Global) throw Error(what + " is corrupt (REDUCE on a " + kind_name(callable->kind) + ")");
  const std::string& name = callable->s;
  if (name == "collections.OrderedDict" || name == "builtins.dict") return make(PyObj::Dict);
  if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
    if (args->items.size() < 4 || args->items[0]->kind != PyObj::Storage)
      throw Error(what + " is corrupt (bad tensor record)");
    auto t = make(PyObj::Tensor);
    t->storage = args->items[0];
    t->offset = as_int(args->items[1], what);
    t->sizes = int_tuple(args->items[2], what);
    t->strides = int_tuple(args->items[3], what);
    return t;
  }
  if (name == "torch._utils._rebuild_parameter" && !args->items.empty()) return args->items[0];
  // LibTorch's torch::pickle_save tags typed containers: restore_type_tag(dict, "Dict[str, Tensor]").
  if (name == "torch.jit._pickle.restore_type_tag" && !args->items.empty()) return args->items[0];
  auto o = make(PyObj::Object);
  o->s = name;
  return o;
}

// Runs one pickle from the reader's position to its STOP opcode. The opcodes
// fall into three families, each in a method of its own: those that push a
// value read from the file, those that build or edit containers on the stack,
// and the rest (framing, memo, persistent ids, globals, reductions).
class Unpickler {
 public:
  explicit Unpickler(ByteReader& r) : r_(r), what_(r.what()) {}

  Obj run() {
    for (;;) {
      const uint8_t op = r_.u8();
      if (op == '.') return pop();  // STOP
      if (push_value(op) || edit_containers(op) || other(op)) continue;
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02x", op);
      throw Error(what_ + " is not a PyTorch weight file or is corrupt (unsupported pickle opcode " + buf + ")");
    }
  }

 private:
  Obj pop() {
    if (stack_.empty()) throw Error(what_ + " is corrupt (pickle stack underflow)");
    Obj o = stack_.back();
    stack_.pop_back();
    return o;
  }
  Obj& top() {
    if (stack_.empty()) throw Error(what_ + " is corrupt (pickle stack underflow)");
    return stack_.back();
  }
  std::vector<Obj> pop_mark() {
    if (marks_.empty() || marks_.back() > stack_.size()) throw Error(what_ + " is corrupt (pickle mark missing)");
    std::vector<Obj> items(stack_.begin() + marks_.back(), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  void push_str(std::string s, PyObj::Kind k) {
    auto o = make(k);
    o->s = std::move(s);
    stack_.push_back(o);
  }
  void push_int(int64_t v) {
    auto o = make(PyObj::Int);
    o->i = v;
    stack_.push_back(o);
  }
  static Obj tuple_of(std::vector<Obj> items) {
    auto t = make(PyObj::Tuple);
    t->items = std::move(items);
    return t;
  }
  static void set_items(const Obj& dict, const std::vector<Obj>& kv) {
    if (dict->kind != PyObj::Dict) return;  // items of an unknown object: ignore
    for (auto& x : kv) dict->items.push_back(x);
  }

  // Strings, bytes, numbers, booleans and None.
  bool push_value(uint8_t op) {
    switch (op) {
      case 'X': push_str(r_.bytes(r_.le<uint32_t>()), PyObj::Str); return true;
      case 0x8c: push_str(r_.bytes(r_.u8()), PyObj::Str); return true;
      case 0x8d: push_str(r_.bytes(size_t(r_.le<uint64_t>())), PyObj::Str); return true;
      case 'T': push_str(r_.bytes(r_.le<uint32_t>()), PyObj::Str); return true;
      case 'U': push_str(r_.bytes(r_.u8()), PyObj::Str); return true;
      case 'B': push_str(r_.bytes(r_.le<uint32_t>()), PyObj::Bytes); return true;
      case 'C': push_str(r_.bytes(r_.u8()), PyObj::Bytes); return true;
      case 'J': push_int(r_.le<int32_t>()); return true;
      case 'K': push_int(r_.u8()); return true;
      case 'M': push_int(r_.le<uint16_t>()); return true;
      case 0x8a: {  // LONG1
        const int n = r_.u8();
        const std::string b = r_.bytes(n);
        if (n > 8) {
          push_str(b, PyObj::Bytes);  // e.g. the legacy magic number
          return true;
        }
        int64_t v = 0;
        for (int k = n - 1; k >= 0; --k) v = (v << 8) | uint8_t(b[k]);
        if (n > 0 && n < 8 && (uint8_t(b[n - 1]) & 0x80)) v -= int64_t(1) << (8 * n);
        push_int(v);
        return true;
      }
      case 'G': {  // BINFLOAT, big-endian
        uint8_t b[8];
        r_.read(b, 8);
        uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) bits = (bits << 8) | b[k];
        auto o = make(PyObj::Float);
        std::memcpy(&o->f, &bits, 8);
        stack_.push_back(o);
        return true;
      }
      case 'N': stack_.push_back(make(PyObj::None)); return true;
      case 0x88:
      case 0x89: {
        auto o = make(PyObj::Bool);
        o->i = op == 0x88;
        stack_.push_back(o);
        return true;
      }
      default: return false;
    }
  }

  // Marks, tuples, lists, dicts and the stack operations on them.
  bool edit_containers(uint8_t op) {
    switch (op) {
      case '}': stack_.push_back(make(PyObj::Dict)); return true;
      case ']': stack_.push_back(make(PyObj::List)); return true;
      case ')': stack_.push_back(make(PyObj::Tuple)); return true;
      case '(': marks_.push_back(stack_.size()); return true;
      case 't': stack_.push_back(tuple_of(pop_mark())); return true;
      case 0x85: { Obj a = pop(); stack_.push_back(tuple_of({a})); return true; }
      case 0x86: { Obj b = pop(), a = pop(); stack_.push_back(tuple_of({a, b})); return true; }
      case 0x87: { Obj c = pop(), b = pop(), a = pop(); stack_.push_back(tuple_of({a, b, c})); return true; }
      case 'l': { auto l = make(PyObj::List); l->items = pop_mark(); stack_.push_back(l); return true; }
      case 'd': { auto d = make(PyObj::Dict); d->items = pop_mark(); stack_.push_back(d); return true; }
      case 's': { Obj v = pop(), k = pop(); set_items(top(), {k, v}); return true; }
      case 'u': { auto kv = pop_mark(); set_items(top(), kv); return true; }
      case 'a': { Obj v = pop(); if (top()->kind == PyObj::List) top()->items.push_back(v); return true; }
      case 'e': {
        auto v = pop_mark();
        if (top()->kind == PyObj::List) for (auto& x : v) top()->items.push_back(x);
        return true;
      }
      case '0': pop(); return true;
      case '1': pop_mark(); return true;
      case '2': stack_.push_back(top()); return true;
      default: return false;
    }
  }

  // Framing, the memo, globals, persistent ids and object construction.
  bool other(uint8_t op) {
    switch (op) {
      case 0x80: r_.u8(); return true;            // PROTO
      case 0x95: r_.le<uint64_t>(); return true;  // FRAME
      case 'c': {                                  // GLOBAL
        const std::string mod = r_.line(), name = r_.line();
        push_str(mod + "." + name, PyObj::Global);
        return true;
      }
      case 0x93: {  // STACK_GLOBAL
        Obj name = pop(), mod = pop();
        push_str(mod->s + "." + name->s, PyObj::Global);
        return true;
      }
      case 'q': memo_[r_.u8()] = top(); return true;
      case 'r': memo_[r_.le<uint32_t>()] = top(); return true;
      case 0x94: memo_[int64_t(memo_.size())] = top(); return true;
      case 'h':
      case 'j': {
        const int64_t idx = op == 'h' ? r_.u8() : int64_t(r_.le<uint32_t>());
        auto it = memo_.find(idx);
        if (it == memo_.end()) throw Error(what_ + " is corrupt (pickle memo entry missing)");
        stack_.push_back(it->second);
        return true;
      }
      case 'Q': stack_.push_back(persistent_load(pop(), what_)); return true;
      case 'R':
      case 0x81: { Obj args = pop(), fn = pop(); stack_.push_back(reduce(fn, args, what_)); return true; }
      case 'b': pop(); return true;  // BUILD: object state (e.g. _metadata) is not needed
      default: return false;
    }
  }

  ByteReader& r_;
  const std::string& what_;
  std::vector<Obj> stack_;
  std::vector<size_t> marks_;
  std::map<int64_t, Obj> memo_;
};

Obj unpickle(ByteReader& r) { return Unpickler(r).run(); }

size_t element_size(const std::string& storage_type, at::ScalarType* dtype) {
  static const std::map<std::string, std::pair<at::ScalarType, size_t>> types = {
      {"torch.FloatStorage", {at::kFloat, 4}},   {"torch.DoubleStorage", {at::kDouble, 8}},
      {"torch.HalfStorage", {at::kHalf, 2}},     {"torch.BFloat16Storage", {at::kBFloat16, 2}},
      {"torch.LongStorage", {at::kLong, 8}},     {"torch.IntStorage", {at::kInt, 4}},
      {"torch.ShortStorage", {at::kShort, 2}},   {"torch.CharStorage", {at::kChar, 1}},
      {"torch.ByteStorage", {at::kByte, 1}},     {"torch.BoolStorage", {at::kBool, 1}}};
  auto it = types.find(storage_type);
  if (it == types.end()) throw Error("unsupported tensor storage type " + storage_type);
  if (dtype) *dtype = it->second.first;
  return it->second.second;
}

// The state dict inside the unpickled object: {name: tensor}, possibly nested
// in a checkpoint {"state_dict": {...}} or {"model": {...}}.
const PyObj& state_dict_of(const Obj& root, const std::string& what) {
  if (!root || root->kind != PyObj::Dict)
    throw Error(what + " is not a state dict (it holds a " + std::string(kind_name(root ? root->kind : PyObj::None)) +
                ", expected a mapping from layer names to tensors)");
  for (size_t k = 0; k + 1 < root->items.size(); k += 2) {
    const Obj& key = root->items[k];
    if (key->kind == PyObj::Str && (key->s == "state_dict" || key->s == "model") &&
        root->items[k + 1]->kind == PyObj::Dict)
      return *root->items[k + 1];
  }
  return *root;
}

StateDict collect(const PyObj& dict, const std::string& what) {
  StateDict sd;
  for (size_t k = 0; k + 1 < dict.items.size(); k += 2) {
    const Obj& key = dict.items[k];
    const Obj& val = dict.items[k + 1];
    if (key->kind != PyObj::Str) throw Error(what + " is not a state dict (a key is not a string)");
    if (val->kind != PyObj::Tensor) continue;  // e.g. num_batches_tracked ints, metadata
    sd.push_back({key->s, val->sizes, {}});
  }
  if (sd.empty()) throw Error(what + " is not a state dict (it holds no tensors)");
  return sd;
}

std::vector<const PyObj*> tensors_in_order(const PyObj& dict) {
  std::vector<const PyObj*> out;
  for (size_t k = 0; k + 1 < dict.items.size(); k += 2)
    if (dict.items[k + 1]->kind == PyObj::Tensor) out.push_back(dict.items[k + 1].get());
  return out;
}

at::Tensor make_tensor(const PyObj& t, const void* data, size_t bytes, const std::string& what,
                       const std::string& name) {
  at::ScalarType dtype;
  const size_t es = element_size(t.storage->s, &dtype);
  int64_t extent = 1;  // elements needed by (offset, sizes, strides)
  for (size_t d = 0; d < t.sizes.size(); ++d)
    if (t.sizes[d] > 0) extent += (t.sizes[d] - 1) * (d < t.strides.size() ? t.strides[d] : 0);
  bool empty = false;
  for (auto s : t.sizes) empty |= s == 0;
  if (t.sizes.size() != t.strides.size() || (!empty && size_t(t.offset + extent) * es > bytes))
    throw Error(what + " is corrupt (tensor '" + name + "' lies outside its storage)");
  at::Tensor storage = at::empty({int64_t(bytes / es)}, at::TensorOptions().dtype(dtype));
  std::memcpy(storage.data_ptr(), data, (bytes / es) * es);
  return storage.as_strided(t.sizes, t.strides, t.offset).to(at::kFloat).contiguous();
}

StateDict load_zip(const std::string& path, const KeyFilter& want) {
  const std::string what = "weight file '" + path + "'";
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> zip;
  try {
    zip = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  } catch (const std::exception& e) {
    throw Error(what + " is a damaged zip archive (truncated download?)");
  }
  at::DataPtr pkl;
  size_t pkl_size = 0;
  try {
    std::tie(pkl, pkl_size) = zip->getRecord("data.pkl");
  } catch (const std::exception& e) {
    throw Error(what + " is a zip archive but not a PyTorch checkpoint (no data.pkl), or it is truncated");
  }
  std::istringstream in(std::string(static_cast<const char*>(pkl.get()), pkl_size));
  ByteReader r(in, what);
  Obj root = unpickle(r);
  const PyObj& dict = state_dict_of(root, what);
  StateDict sd = collect(dict, what);
  auto tensors = tensors_in_order(dict);
  for (size_t k = 0; k < sd.size(); ++k) {
    if (want && !want(sd[k].name)) continue;
    const PyObj& t = *tensors[k];
    at::DataPtr data;
    size_t size = 0;
    try {
      std::tie(data, size) = zip->getRecord("data/" + t.storage->key);
    } catch (const std::exception& e) {
      throw Error(what + " is truncated or corrupt (cannot read the data of '" + sd[k].name + "')");
    }
    sd[k].tensor = make_tensor(t, data.get(), size, what, sd[k].name);
  }
  return sd;
}

StateDict load_legacy(const std::string& path, std::istream& file, const KeyFilter& want) {
  const std::string what = "weight file '" + path + "'";
  ByteReader r(file, what);
  Obj magic = unpickle(r);
  static const unsigned char kMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
  if (magic->kind != PyObj::Bytes || magic->s != std::string(reinterpret_cast<const char*>(kMagic), 10))
    throw Error(what + " is a pickle but not a PyTorch weight file (wrong magic number)");
  const int64_t protocol = as_int(unpickle(r), what);
  if (protocol != 1001) throw Error(what + " uses unsupported legacy protocol " + std::to_string(protocol));
  unpickle(r);  // sys_info
  Obj root = unpickle(r);
  Obj keys = unpickle(r);
  const PyObj& dict = state_dict_of(root, what);
  StateDict sd = collect(dict, what);
  auto tensors = tensors_in_order(dict);
  // Storages follow in the order of `keys`, each as int64 element count + raw data.
  std::map<std::string, const PyObj*> storage_of_key;
  std::set<std::string> wanted;
  for (size_t k = 0; k < sd.size(); ++k) {
    storage_of_key[tensors[k]->storage->key] = tensors[k]->storage.get();
    if (!want || want(sd[k].name)) wanted.insert(tensors[k]->storage->key);
  }
  std::map<std::string, std::string> data;
  if (keys->kind != PyObj::List) throw Error(what + " is corrupt (storage key list missing)");
  for (const Obj& key : keys->items) {
    const int64_t numel = r.le<int64_t>();
    auto it = storage_of_key.find(key->s);
    const size_t es = element_size(it != storage_of_key.end() ? it->second->s : "torch.FloatStorage", nullptr);
    if (numel < 0 || numel > (int64_t(1) << 40)) throw Error(what + " is corrupt (bad storage size)");
    const size_t bytes = size_t(numel) * es;
    if (wanted.count(key->s)) {
      data[key->s] = r.bytes(bytes);
    } else {
      file.seekg(std::streamoff(bytes), std::ios::cur);
      if (!file) throw Error(what + " is truncated (unexpected end of file)");
    }
  }
  for (size_t k = 0; k < sd.size(); ++k) {
    if (want && !want(sd[k].name)) continue;
    auto it = data.find(tensors[k]->storage->key);
    if (it == data.end()) throw Error(what + " is corrupt (data of '" + sd[k].name + "' missing)");
    sd[k].tensor = make_tensor(*tensors[k], it->second.data(), it->second.size(), what, sd[k].name);
  }
  // The last storage must have been complete: probe one more byte is not required.
  return sd;
}

}  // namespace

StateDict load_torch(const std::string& path, const KeyFilter& want) {
  const Arena arena;  // outlives every object of the load
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open weight file '" + path + "': file does not exist or is not readable");
  char head[4] = {0, 0, 0, 0};
  f.read(head, 4);
  if (f.gcount() < 2) throw Error("weight file '" + path + "' is empty or truncated");
  if (head[0] == 'P' && head[1] == 'K') {
    f.close();
    return load_zip(path, want);
  }
  if (uint8_t(head[0]) == 0x80) {
    f.clear();
    f.seekg(0);
    return load_legacy(path, f, want);
  }
  throw Error("'" + path + "' is not a PyTorch weight file (neither a zip archive nor a pickle)");
}

StateDict load_tfjs(const std::string& model_json, const KeyFilter& want) {
  std::ifstream f(model_json);
  if (!f) throw Error("cannot open model file '" + model_json + "': file does not exist or is not readable");
  nlohmann::json j;
  try {
    f >> j;
  } catch (const std::exception& e) {
    throw Error("model file '" + model_json + "' is not valid JSON (truncated?)");
  }
  if (!j.is_object() || !j.contains("weightsManifest") || !j["weightsManifest"].is_array())
    throw Error("model file '" + model_json + "' is not a TensorFlow.js model (no weightsManifest)");
  const std::filesystem::path dir = std::filesystem::path(model_json).parent_path();
  auto malformed = [&](const std::string& why) {
    return Error("model file '" + model_json + "' is not a TensorFlow.js model: " + why);
  };
  StateDict sd;
  for (const auto& group : j["weightsManifest"]) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() || !group.contains("weights") ||
        !group["weights"].is_array())
      throw malformed("a weightsManifest group lacks its \"paths\" or \"weights\" list");
    std::string blob;
    for (const auto& p : group["paths"]) {
      if (!p.is_string()) throw malformed("a weight shard's path is not a string");
      const std::string shard = (dir / p.get<std::string>()).string();
      std::ifstream s(shard, std::ios::binary | std::ios::ate);
      const std::streamoff n = s ? std::streamoff(s.tellg()) : -1;
      if (!s || n < 0 || std::filesystem::is_directory(shard)) throw Error("weight shard '" + shard + "' is missing");
      s.seekg(0);
      std::string part(size_t(n), '\0');
      s.read(&part[0], std::streamsize(n));
      blob += part;
    }
    size_t pos = 0;
    for (const auto& w : group["weights"]) {
      if (!w.is_object() || !w.contains("name") || !w["name"].is_string() || !w.contains("shape") ||
          !w["shape"].is_array())
        throw malformed("a weight lacks its name or shape");
      Entry e;
      e.name = w["name"].get<std::string>();
      if (w.contains("dtype") && !(w["dtype"].is_string() && w["dtype"].get<std::string>() == "float32"))
        throw Error("model '" + model_json + "': weight '" + e.name + "' is not float32");
      // Values: the product of the dimensions, at most what the shards still hold.
      const size_t left = (blob.size() - pos) / 4;
      size_t n = 1;
      bool fits = true;
      for (const auto& d : w["shape"]) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0)
          throw malformed("weight '" + e.name + "' has an invalid shape");
        const auto v = size_t(d.get<int64_t>());
        e.shape.push_back(int64_t(v));
        if (v != 0 && n > left / v) fits = false;
        n = fits ? n * v : n;
      }
      if (!fits || n > left)
        throw Error("model '" + model_json + "': weight shards are too short for '" + e.name + "' (truncated download?)");
      const size_t bytes = n * 4;
      if (!want || want(e.name)) {
        e.tensor = at::empty(e.shape, at::kFloat);
        if (bytes) std::memcpy(e.tensor.data_ptr<float>(), blob.data() + pos, bytes);
      }
      pos += bytes;
      sd.push_back(std::move(e));
    }
    if (pos != blob.size())
      throw Error("model '" + model_json + "': weight shards are larger than the manifest says (wrong files?)");
  }
  return sd;
}

StateDict load_dljs(const std::string& manifest, const KeyFilter& want) {
  const std::string what = "checkpoint manifest '" + manifest + "'";
  std::ifstream f(manifest);
  if (!f) throw Error("cannot open " + what + ": file does not exist or is not readable");
  nlohmann::json j;
  try {
    f >> j;
  } catch (const std::exception& e) {
    throw Error(what + " is not valid JSON (truncated?)");
  }
  if (!j.is_object() || j.empty())
    throw Error(what + " is not a deeplearn.js checkpoint manifest (expected an object of variables)");
  const std::filesystem::path dir = std::filesystem::path(manifest).parent_path();
  StateDict sd;
  for (auto it = j.begin(); it != j.end(); ++it) {
    Entry e;
    e.name = it.key();
    const auto& v = it.value();
    if (!v.is_object() || !v.contains("filename") || !v["filename"].is_string() || !v.contains("shape") ||
        !v["shape"].is_array())
      throw Error(what + ": variable '" + e.name + "' has no filename or shape (not a deeplearn.js checkpoint)");
    for (const auto& d : v["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0)
        throw Error(what + ": variable '" + e.name + "' has an invalid shape");
      e.shape.push_back(d.get<int64_t>());
    }
    int64_t n = 1;
    for (auto d : e.shape) n *= d;
    const std::string file = (dir / v["filename"].get<std::string>()).string();
    std::ifstream s(file, std::ios::binary | std::ios::ate);
    if (!s) throw Error("variable file '" + file + "' is missing (incomplete download?)");
    const auto bytes = int64_t(s.tellg());
    if (bytes != n * 4)
      throw Error("variable file '" + file + "' has " + std::to_string(bytes) + " bytes, expected " +
                  std::to_string(n * 4) + " for float32 shape of '" + e.name + "' (truncated or wrong file)");
    if (!want || want(e.name)) {
      e.tensor = at::empty(e.shape, at::kFloat);
      s.seekg(0);
      s.read(static_cast<char*>(e.tensor.data_ptr()), std::streamsize(bytes));
      if (s.gcount() != bytes) throw Error("cannot read variable file '" + file + "'");
    }
    sd.push_back(std::move(e));
  }
  return sd;
}

const Entry* find(const StateDict& sd, const std::string& name) {
  for (const auto& e : sd)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace nst::weights

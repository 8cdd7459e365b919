/* Malformed and hostile model files: each is made here from a valid file by
 * one edit of its bytes or its JSON header, and must fail with its exact
 * error code and a message naming the file and the field at fault, with no
 * crash, leak or invalid read (the suite also runs under ASan + UBSan).
 * Then thousands of random mutations of valid files must each either load
 * or fail with a GError. The files are written by this test's own small
 * serializer, not by the library's writer. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <cstring>
#include <functional>
#include <map>
#include <random>

namespace {

typedef std::vector<guint8> Bytes;

struct Tensor {
  std::string name;             /* inserted verbatim between quotes */
  std::string dtype = "F32";
  std::string shape;            /* JSON text */
  Bytes data;
  std::string offsets;          /* JSON text; empty: computed */
  bool skip_data = false;       /* no bytes in the data section */
  std::string entry;            /* whole entry JSON text, overrides the rest */
};

struct Spec {
  std::vector<std::pair<std::string, std::string>> meta;   /* key text, value JSON */
  std::vector<Tensor> tensors;
  Bytes trailing;
};

Bytes
floats (size_t n, size_t seed)
{
  Bytes b (n * 4);
  for (size_t i = 0; i < n; i++) {
    float f = (float) (0.5 * std::sin (0.37 * (double) (i + 7 * seed)));
    std::memcpy (&b[4 * i], &f, 4);
  }
  return b;
}

Tensor
f32 (const std::string &name, std::vector<size_t> shape, size_t seed = 1)
{
  Tensor t;
  t.name = name;
  size_t n = 1;
  t.shape = "[";
  for (size_t k = 0; k < shape.size (); k++) {
    t.shape += (k ? "," : "") + std::to_string (shape[k]);
    n *= shape[k];
  }
  t.shape += "]";
  t.data = floats (n, seed);
  return t;
}

std::string
quote (const std::string &s)
{
  return "\"" + s + "\"";
}

Bytes
with_header (const std::string &json, const Bytes &data, guint64 len)
{
  Bytes out (8);
  for (int i = 0; i < 8; i++)
    out[i] = (guint8) (len >> (8 * i));
  out.insert (out.end (), json.begin (), json.end ());
  out.insert (out.end (), data.begin (), data.end ());
  return out;
}

std::string
header_json (const Spec &s, Bytes *data)
{
  std::string h = "{";
  bool first = true;
  if (!s.meta.empty ()) {
    h += "\"__metadata__\":{";
    for (size_t i = 0; i < s.meta.size (); i++)
      h += (i ? "," : "") + quote (s.meta[i].first) + ":" + s.meta[i].second;
    h += "}";
    first = false;
  }
  size_t off = 0;
  for (const Tensor &t : s.tensors) {
    std::string entry = t.entry;
    if (entry.empty ()) {
      std::string offsets = t.offsets;
      if (offsets.empty ())
        offsets = "[" + std::to_string (off) + "," +
            std::to_string (off + t.data.size ()) + "]";
      entry = "{\"dtype\":" + quote (t.dtype) + ",\"shape\":" + t.shape +
          ",\"data_offsets\":" + offsets + "}";
    }
    h += (first ? "" : ",") + quote (t.name) + ":" + entry;
    first = false;
    if (!t.skip_data) {
      data->insert (data->end (), t.data.begin (), t.data.end ());
      off += t.data.size ();
    }
  }
  h += "}";
  data->insert (data->end (), s.trailing.begin (), s.trailing.end ());
  return h;
}

Bytes
build (const Spec &s)
{
  Bytes data;
  std::string h = header_json (s, &data);
  return with_header (h, data, h.size ());
}

/* A valid native 2-layer LSTM, D = 3, H = 4, Q = 2. */
Spec
native ()
{
  Spec s;
  s.meta = { {"rnc.cell", quote ("lstm")}, {"rnc.gate_order", quote ("ifog")},
    {"rnc.input", quote ("dense")}, {"rnc.head", quote ("regression")},
    {"rnc.window", quote ("8")} };
  s.tensors = { f32 ("layer0.Wx", {3, 16}, 1), f32 ("layer0.Wh", {4, 16}, 2),
    f32 ("layer0.bh", {16}, 3), f32 ("layer1.Wx", {4, 16}, 4),
    f32 ("layer1.Wh", {4, 16}, 5), f32 ("layer1.bh", {16}, 6),
    f32 ("head.Wo", {4, 2}, 7), f32 ("head.bo", {2}, 8) };
  return s;
}

/* A valid native 2-layer GRU (3 inputs, 4 units, 2 outputs). */
Spec
native_gru ()
{
  Spec s;
  s.meta = { {"rnc.cell", quote ("gru")}, {"rnc.gate_order", quote ("rzn")},
    {"rnc.input", quote ("dense")}, {"rnc.head", quote ("regression")} };
  s.tensors = { f32 ("layer0.Wx", {3, 12}, 1), f32 ("layer0.Wh", {4, 12}, 2),
    f32 ("layer0.bh", {12}, 3), f32 ("layer0.bhn", {4}, 9),
    f32 ("layer1.Wx", {4, 12}, 4), f32 ("layer1.Wh", {4, 12}, 5),
    f32 ("layer1.bh", {12}, 6), f32 ("layer1.bhn", {4}, 10),
    f32 ("head.Wo", {4, 2}, 7), f32 ("head.bo", {2}, 8) };
  return s;
}

/* A valid PyTorch nn.LSTM(3, 4) "enc." + nn.Linear(4, 2) "head.". */
Spec
torch ()
{
  Spec s;
  s.tensors = { f32 ("enc.weight_ih_l0", {16, 3}, 1),
    f32 ("enc.weight_hh_l0", {16, 4}, 2), f32 ("enc.bias_ih_l0", {16}, 3),
    f32 ("enc.bias_hh_l0", {16}, 4), f32 ("head.weight", {2, 4}, 5),
    f32 ("head.bias", {2}, 6) };
  return s;
}

Tensor &
find (Spec &s, const std::string &name)
{
  for (Tensor &t : s.tensors)
    if (t.name == name)
      return t;
  ADD_FAILURE () << "no tensor " << name;
  return s.tensors[0];
}

void
erase (Spec &s, const std::string &name)
{
  for (size_t i = 0; i < s.tensors.size (); i++)
    if (s.tensors[i].name == name) {
      s.tensors.erase (s.tensors.begin () + i);
      return;
    }
  ADD_FAILURE () << "no tensor " << name;
}

void
set_meta (Spec &s, const std::string &key, const std::string &value_json)
{
  for (auto &kv : s.meta)
    if (kv.first == key) {
      kv.second = value_json;
      return;
    }
  s.meta.emplace_back (key, value_json);
}

void
set_float (Tensor &t, size_t i, float v)
{
  std::memcpy (&t.data[4 * i], &v, 4);
}

/* Valid file with the header replaced by @json (data kept). */
Bytes
replace_header (const Spec &s, const std::string &json)
{
  Bytes data;
  header_json (s, &data);
  return with_header (json, data, json.size ());
}

guint64
get_length (const Bytes &b)
{
  guint64 len = 0;
  for (int i = 0; i < 8; i++)
    len |= (guint64) b[i] << (8 * i);
  return len;
}

void
set_length (Bytes &b, guint64 len)
{
  for (int i = 0; i < 8; i++)
    b[i] = (guint8) (len >> (8 * i));
}

struct Case {
  const char *name;
  Bytes (*make) ();
  RncModelError code;
  const char *needle;           /* must appear in the message */
};

const Case cases[] = {
  /* framing */
  {"EmptyFile", [] { return Bytes (); }, RNC_MODEL_ERROR_TRUNCATED, "8-byte"},
  {"ShorterThanLength", [] { return Bytes {4, 0, 0}; },
    RNC_MODEL_ERROR_TRUNCATED, "8-byte"},
  {"TruncatedInHeader", [] { Bytes b = build (native ()); b.resize (60); return b; },
    RNC_MODEL_ERROR_TRUNCATED, "past the end"},
  {"TruncatedInData", [] { Bytes b = build (native ()); b.resize (b.size () - 5); return b; },
    RNC_MODEL_ERROR_OFFSETS, "head.bo"},
  {"HeaderLengthZero", [] { Bytes b = build (native ()); std::memset (b.data (), 0, 8); return b; },
    RNC_MODEL_ERROR_HEADER, "zero"},
  {"HeaderLengthHuge", [] { Bytes b = build (native ()); b[7] = 0x80; return b; },
    RNC_MODEL_ERROR_HEADER, "limit"},
  {"HeaderLengthJustAboveLimit", [] {
      Bytes b = build (native ());
      set_length (b, 100000001);
      return b; }, RNC_MODEL_ERROR_HEADER, "limit"},
  {"HeaderLengthLiesShort", [] {
      Bytes b = build (native ());
      set_length (b, get_length (b) - 10);
      return b; },
    RNC_MODEL_ERROR_JSON, "not valid JSON"},
  /* JSON */
  {"BadJson", [] { return replace_header (native (), "{\"layer0.Wx\": {"); },
    RNC_MODEL_ERROR_JSON, "not valid JSON"},
  {"HeaderNotObject", [] { return replace_header (native (), "[1, 2, 3]"); },
    RNC_MODEL_ERROR_JSON, "not a JSON object"},
  /* issue 13: json-glib keeps the first value and leaks the rest */
  {"HeaderTrailingJson", [] {
      Bytes data;
      std::string h = header_json (native (), &data) + " [\"x\"]";
      return with_header (h, data, h.size ()); },
    RNC_MODEL_ERROR_JSON, "more data after the first value"},
  /* json-glib takes comments: one holding a quote hid the brackets after it
   * from a scan that only skipped double-quoted strings */
  {"HeaderCommentHidesNesting", [] {
      Bytes data;
      std::string h = header_json (native (), &data);
      h.insert (1, "\"x\": /* \" */ " + std::string (100000, '[') + "\"*/, ");
      return with_header (h, data, h.size ()); },
    RNC_MODEL_ERROR_JSON, "'/' at byte 6"},
  {"HeaderSingleQuotedString", [] {
      Bytes data;
      std::string h = header_json (native (), &data);
      h.insert (1, "'x': 1, ");
      return with_header (h, data, h.size ()); },
    RNC_MODEL_ERROR_JSON, "not valid JSON"},
  {"DeepNesting", [] {
      std::string deep (100000, '[');
      Spec s = native ();
      set_meta (s, "x", deep);
      return build (s); }, RNC_MODEL_ERROR_JSON, "deeper"},
  {"TooManyValues", [] {
      std::string many = "[0";
      for (int i = 0; i < 300000; i++) many += ",0";
      Spec s = native ();
      set_meta (s, "x", many + "]");
      return build (s); }, RNC_MODEL_ERROR_JSON, "more than"},
  {"NulByteInHeader", [] {
      Spec s = native ();
      find (s, "layer0.Wx").name = std::string ("layer0", 6) + '\0' + ".Wx";
      return build (s); }, RNC_MODEL_ERROR_JSON, "NUL"},
  {"EntryNotObject", [] {
      Spec s = native ();
      find (s, "layer0.bh").entry = "[1]";
      return build (s); }, RNC_MODEL_ERROR_JSON, "layer0.bh"},
  {"MissingDtypeField", [] {
      Spec s = native ();
      find (s, "layer1.bh").entry = "{\"shape\":[16],\"data_offsets\":[0,64]}";
      return build (s); }, RNC_MODEL_ERROR_JSON, "dtype"},
  {"MetadataNotString", [] {
      Spec s = native ();
      set_meta (s, "rnc.window", "8");
      return build (s); }, RNC_MODEL_ERROR_JSON, "rnc.window"},
  {"MetadataNotObject", [] {
      Spec s = native ();
      s.meta.clear ();
      find (s, "layer0.Wx").name = "__metadata__";
      find (s, "__metadata__").entry = "\"text\"";
      return build (s); }, RNC_MODEL_ERROR_JSON, "__metadata__"},
  /* encoding */
  {"NonUtf8Name", [] {
      Spec s = native ();
      find (s, "layer0.Wh").name = "layer0.W\xff";
      return build (s); }, RNC_MODEL_ERROR_ENCODING, "UTF-8"},
  {"NonUtf8Metadata", [] {
      Spec s = native ();
      set_meta (s, "rnc.vocab", quote ("caf\xc3"));
      return build (s); }, RNC_MODEL_ERROR_ENCODING, "UTF-8"},
  {"EscapedNulInName", [] {
      Spec s = native ();
      find (s, "layer0.Wx").name = "layer0.Wx\\u0000evil";
      return build (s); }, RNC_MODEL_ERROR_ENCODING, "\\u0000"},
  /* duplicates */
  {"DuplicateTensorName", [] {
      Spec s = native ();
      find (s, "layer1.bh").name = "layer0.bh";
      return build (s); }, RNC_MODEL_ERROR_DUPLICATE, "layer0.bh"},
  {"DuplicateMetadataKey", [] {
      Spec s = native ();
      s.meta.emplace_back ("rnc.cell", quote ("rnn"));
      return build (s); }, RNC_MODEL_ERROR_DUPLICATE, "rnc.cell"},
  /* dtypes */
  {"UnknownDtype", [] {
      Spec s = native ();
      find (s, "layer0.Wh").dtype = "F33";
      return build (s); }, RNC_MODEL_ERROR_DTYPE, "F33"},
  {"WrongDtype", [] {
      Spec s = native ();
      find (s, "layer1.Wh").dtype = "I32";
      return build (s); }, RNC_MODEL_ERROR_DTYPE, "layer1.Wh"},
  {"WrongDtypeF64", [] {
      Spec s = native ();
      Tensor &t = find (s, "head.bo");
      t.dtype = "F64";
      t.shape = "[1]";
      return build (s); }, RNC_MODEL_ERROR_DTYPE, "head.bo"},
  /* shapes and sizes */
  {"NegativeDimension", [] {
      Spec s = native ();
      find (s, "layer0.Wx").shape = "[-3,16]";
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "layer0.Wx"},
  {"FractionalDimension", [] {
      Spec s = native ();
      find (s, "layer0.Wx").shape = "[3.0,16]";
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "layer0.Wx"},
  {"RankTooHigh", [] {
      Spec s = native ();
      find (s, "layer0.bh").shape = "[1,1,1,1,1,1,1,1,16]";
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "rank"},
  {"HugeDimension", [] {
      Spec s = native ();
      find (s, "layer0.Wx").shape = "[16777217,16]";
      return build (s); }, RNC_MODEL_ERROR_OVERFLOW, "layer0.Wx"},
  {"HugeDimensionAsInt64", [] {
      Spec s = native ();
      find (s, "layer0.Wx").shape = "[9223372036854775807,16]";
      return build (s); }, RNC_MODEL_ERROR_OVERFLOW, "layer0.Wx"},
  {"OverflowingProduct", [] {
      Spec s = native ();
      find (s, "layer0.Wx").shape = "[16777216,16777216,16777216,16777216]";
      return build (s); }, RNC_MODEL_ERROR_OVERFLOW, "overflows"},
  {"ShapeMismatchBetweenLayers", [] {
      Spec s = native ();
      find (s, "layer1.Wx") = f32 ("layer1.Wx", {5, 16}, 4);
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "layer1.Wx"},
  {"RecurrentNotGateMultiple", [] {
      Spec s = native ();
      find (s, "layer0.Wh") = f32 ("layer0.Wh", {4, 8}, 2);
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "layer0.Wh"},
  /* native GRU: bhn in every layer of a gru, nowhere else */
  {"GruMissingBhn", [] {
      Spec s = native_gru ();
      erase (s, "layer1.bhn");
      return build (s); }, RNC_MODEL_ERROR_MISSING, "layer1.bhn"},
  {"GruBhnWrongLength", [] {
      Spec s = native_gru ();
      find (s, "layer0.bhn") = f32 ("layer0.bhn", {5}, 9);
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "layer0.bhn"},
  {"GruBhnNotFinite", [] {
      Spec s = native_gru ();
      set_float (find (s, "layer1.bhn"), 2, NAN);
      return build (s); }, RNC_MODEL_ERROR_VALUE, "layer1.bhn"},
  {"BhnOnAnLstm", [] {
      Spec s = native ();
      s.tensors.push_back (f32 ("layer0.bhn", {4}, 9));
      return build (s); }, RNC_MODEL_ERROR_UNEXPECTED, "layer0.bhn"},
  {"GruWrongGateOrder", [] {
      Spec s = native_gru ();
      set_meta (s, "rnc.gate_order", quote ("ifog"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.gate_order"},
  {"GruTensorsLstmCell", [] {
      Spec s = native_gru ();
      set_meta (s, "rnc.cell", quote ("lstm"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.cell"},
  {"GruLayerWidthMismatch", [] {
      Spec s = native_gru ();
      find (s, "layer1.Wh") = f32 ("layer1.Wh", {4, 16}, 5);
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "layer1.Wh"},
  {"BiasWrongLength", [] {
      Spec s = native ();
      find (s, "layer1.bh") = f32 ("layer1.bh", {15}, 6);
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "layer1.bh"},
  {"HeadRowsNotHidden", [] {
      Spec s = native ();
      find (s, "head.Wo") = f32 ("head.Wo", {5, 2}, 7);
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "head.Wo"},
  {"HeadBiasWrongLength", [] {
      Spec s = native ();
      find (s, "head.bo") = f32 ("head.bo", {3}, 8);
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "head.bo"},
  {"EmbeddingWidthMismatch", [] {
      Spec s = native ();
      s.tensors.push_back (f32 ("embedding", {10, 5}, 9));
      set_meta (s, "rnc.input", quote ("index"));
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "embedding"},
  {"ZeroHidden", [] {
      Spec s = native ();
      find (s, "layer0.Wh") = f32 ("layer0.Wh", {0, 16}, 2);
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "layer0.Wh"},
  /* offsets */
  {"OffsetsPastTheEnd", [] {
      Spec s = native ();
      find (s, "head.bo").offsets = "[1000000,1000008]";
      return build (s); }, RNC_MODEL_ERROR_OFFSETS, "head.bo"},
  {"OffsetsNotMatchingShape", [] {
      Spec s = native ();
      find (s, "layer0.bh").shape = "[15]";
      return build (s); }, RNC_MODEL_ERROR_OFFSETS, "layer0.bh"},
  {"OffsetsReversed", [] {
      Spec s = native ();
      find (s, "layer0.Wx").offsets = "[192,0]";
      return build (s); }, RNC_MODEL_ERROR_OFFSETS, "layer0.Wx"},
  {"OffsetsAbove2To63", [] {
      Spec s = native ();
      find (s, "layer0.Wx").offsets = "[0,18446744073709551615]";
      return build (s); }, RNC_MODEL_ERROR_OFFSETS, "layer0.Wx"},
  {"OffsetsThreeValues", [] {
      Spec s = native ();
      find (s, "layer0.Wx").offsets = "[0,96,192]";
      return build (s); }, RNC_MODEL_ERROR_OFFSETS, "layer0.Wx"},
  {"OverlappingTensors", [] {
      Spec s = native ();
      /* layer1.Wh reads layer1.Wx's bytes; the file still has the right length */
      Tensor &wh = find (s, "layer1.Wh");
      wh.offsets = "[512,768]";
      wh.skip_data = true;
      s.trailing = floats (64, 5);
      return build (s); }, RNC_MODEL_ERROR_OVERLAP, "layer1.Wh"},
  {"GapBetweenTensors", [] {
      Spec s = native ();
      Tensor &wx = find (s, "layer0.Wx");
      wx.data.resize (192 + 8);
      wx.offsets = "[0,192]";
      return build (s); }, RNC_MODEL_ERROR_OFFSETS, "layer0.Wh"},
  {"TrailingBytes", [] {
      Spec s = native ();
      s.trailing = Bytes (12, 0x55);
      return build (s); }, RNC_MODEL_ERROR_OFFSETS, "after the last tensor"},
  /* layout */
  {"MissingTensor", [] {
      Spec s = native ();
      erase (s, "layer1.bh");
      return build (s); }, RNC_MODEL_ERROR_MISSING, "layer1.bh"},
  {"MissingHeadBias", [] {
      Spec s = native ();
      erase (s, "head.bo");
      return build (s); }, RNC_MODEL_ERROR_MISSING, "head.bo"},
  {"MissingMiddleLayer", [] {
      Spec s = native ();
      for (Tensor &t : s.tensors)
        if (t.name.rfind ("layer1.", 0) == 0)
          t.name.replace (5, 1, "2");
      return build (s); }, RNC_MODEL_ERROR_MISSING, "layer1.Wx"},
  {"NoLayersAtAll", [] {
      Spec s = native ();
      s.tensors = { f32 ("head.Wo", {4, 2}), f32 ("head.bo", {2}) };
      return build (s); }, RNC_MODEL_ERROR_MISSING, "layer0.Wx"},
  {"UnknownTensor", [] {
      Spec s = native ();
      s.tensors.push_back (f32 ("layer0.Wz", {2}));
      return build (s); }, RNC_MODEL_ERROR_UNEXPECTED, "layer0.Wz"},
  {"TooManyLayers", [] {
      Spec s = native ();
      s.tensors.push_back (f32 ("layer16.Wx", {4, 16}));
      return build (s); }, RNC_MODEL_ERROR_UNSUPPORTED, "layer16.Wx"},
  /* values */
  {"NaNWeight", [] {
      Spec s = native ();
      set_float (find (s, "layer1.Wh"), 17, NAN);
      return build (s); }, RNC_MODEL_ERROR_VALUE, "layer1.Wh"},
  {"InfiniteBias", [] {
      Spec s = native ();
      set_float (find (s, "head.bo"), 1, -INFINITY);
      return build (s); }, RNC_MODEL_ERROR_VALUE, "head.bo"},
  /* metadata */
  {"UnknownCell", [] {
      Spec s = native ();
      set_meta (s, "rnc.cell", quote ("xlstm"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.cell"},
  {"CellDisagreesWithShapes", [] {
      Spec s = native ();
      set_meta (s, "rnc.cell", quote ("rnn"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.cell"},
  {"WrongGateOrder", [] {
      Spec s = native ();
      set_meta (s, "rnc.gate_order", quote ("ifgo"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.gate_order"},
  {"UnknownInputKind", [] {
      Spec s = native ();
      set_meta (s, "rnc.input", quote ("sparse"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.input"},
  {"HeadNoneWithHeadTensors", [] {
      Spec s = native ();
      set_meta (s, "rnc.head", quote ("none"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.head"},
  {"HeadDeclaredButAbsent", [] {
      Spec s = native ();
      erase (s, "head.Wo");
      erase (s, "head.bo");
      return build (s); }, RNC_MODEL_ERROR_MISSING, "rnc.head"},
  {"BadWindow", [] {
      Spec s = native ();
      set_meta (s, "rnc.window", quote ("-1"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.window"},
  {"ScalingWrongLength", [] {
      Spec s = native ();
      set_meta (s, "rnc.input_mean", quote ("[1,2]"));
      set_meta (s, "rnc.input_std", quote ("[1,2,3]"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.input_mean"},
  {"ScalingStdZero", [] {
      Spec s = native ();
      set_meta (s, "rnc.output_mean", quote ("[0,0]"));
      set_meta (s, "rnc.output_std", quote ("[1,0]"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.output_std"},
  /* issue 13: 100,000 '[' in a metadata string overflowed json-glib's
   * stack (the header scan rightly skips string contents) */
  {"ScalingDeeplyNested", [] {
      Spec s = native ();
      set_meta (s, "rnc.input_mean", quote (std::string (100000, '[')));
      set_meta (s, "rnc.input_std", quote ("[1,2,3]"));
      return build (s); }, RNC_MODEL_ERROR_METADATA,
    "metadata 'rnc.input_mean' nests deeper than 16 levels"},
  {"ScalingDeeplyNestedObjects", [] {
      Spec s = native ();
      set_meta (s, "rnc.output_mean", quote ("[0,0]"));
      std::string deep;
      for (int i = 0; i < 50000; i++)
        deep += "{\\\"a\\\":";
      set_meta (s, "rnc.output_std", quote (deep));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.output_std' nests deeper"},
  /* issue 13: checked as doubles, stored as floats */
  {"ScalingStdUnderflowsToZeroAsFloat", [] {
      Spec s = native ();
      set_meta (s, "rnc.input_mean", quote ("[0,0,0]"));
      set_meta (s, "rnc.input_std", quote ("[1,1e-50,1]"));
      return build (s); }, RNC_MODEL_ERROR_METADATA,
    "'rnc.input_std' value 1 (1e-50) is not greater than 0 as a 32-bit float"},
  {"ScalingStdSubnormalAsFloat", [] {
      Spec s = native ();
      set_meta (s, "rnc.output_mean", quote ("[0,0]"));
      set_meta (s, "rnc.output_std", quote ("[1e-40,1]"));
      return build (s); }, RNC_MODEL_ERROR_METADATA,
    "'rnc.output_std' value 0 (1e-40) is not greater than 0"},
  {"ScalingStdOverflowsAsFloat", [] {
      Spec s = native ();
      set_meta (s, "rnc.input_mean", quote ("[0,0,0]"));
      set_meta (s, "rnc.input_std", quote ("[1,1,1e39]"));
      return build (s); }, RNC_MODEL_ERROR_METADATA,
    "'rnc.input_std' value 2 (1e+39) is not a finite 32-bit float"},
  {"ScalingMeanOverflowsAsFloat", [] {
      Spec s = native ();
      set_meta (s, "rnc.output_mean", quote ("[-1e39,0]"));
      set_meta (s, "rnc.output_std", quote ("[1,1]"));
      return build (s); }, RNC_MODEL_ERROR_METADATA,
    "'rnc.output_mean' value 0 (-1e+39) is not a finite 32-bit float"},
  {"ScalingMeanOverflowsAsDouble", [] {
      Spec s = native ();
      set_meta (s, "rnc.output_mean", quote ("[1e400,0]"));
      set_meta (s, "rnc.output_std", quote ("[1,1]"));
      return build (s); }, RNC_MODEL_ERROR_METADATA,
    "'rnc.output_mean' value 0 (inf) is not a finite 32-bit float"},
  /* issue 13: trailing JSON in a metadata value */
  {"ScalingTrailingJson", [] {
      Spec s = native ();
      set_meta (s, "rnc.input_mean", quote ("[0,0,0] [1]"));
      set_meta (s, "rnc.input_std", quote ("[1,1,1]"));
      return build (s); }, RNC_MODEL_ERROR_METADATA,
    "'rnc.input_mean' is not valid JSON: more data after the first value"},
  {"ScalingNotJson", [] {
      Spec s = native ();
      set_meta (s, "rnc.input_mean", quote ("[1,2"));
      set_meta (s, "rnc.input_std", quote ("[1,2,3]"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.input_mean"},
  /* PyTorch state_dicts */
  {"TorchGruBiasShape", [] {
      Spec s = torch ();
      find (s, "enc.weight_ih_l0") = f32 ("enc.weight_ih_l0", {12, 3});
      find (s, "enc.weight_hh_l0") = f32 ("enc.weight_hh_l0", {12, 4});
      find (s, "enc.bias_ih_l0") = f32 ("enc.bias_ih_l0", {12});
      find (s, "enc.bias_hh_l0") = f32 ("enc.bias_hh_l0", {9});
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "enc.bias_hh_l0"},
  {"TorchGruSecondLayerLstmShaped", [] {
      Spec s = torch ();
      find (s, "enc.weight_ih_l0") = f32 ("enc.weight_ih_l0", {12, 3});
      find (s, "enc.weight_hh_l0") = f32 ("enc.weight_hh_l0", {12, 4});
      find (s, "enc.bias_ih_l0") = f32 ("enc.bias_ih_l0", {12});
      find (s, "enc.bias_hh_l0") = f32 ("enc.bias_hh_l0", {12});
      s.tensors.push_back (f32 ("enc.weight_ih_l1", {16, 4}));
      s.tensors.push_back (f32 ("enc.weight_hh_l1", {16, 4}));
      s.tensors.push_back (f32 ("enc.bias_ih_l1", {16}));
      s.tensors.push_back (f32 ("enc.bias_hh_l1", {16}));
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "enc.weight_ih_l1"},
  {"TorchGruMissingBias", [] {
      Spec s = torch ();
      find (s, "enc.weight_ih_l0") = f32 ("enc.weight_ih_l0", {12, 3});
      find (s, "enc.weight_hh_l0") = f32 ("enc.weight_hh_l0", {12, 4});
      find (s, "enc.bias_ih_l0") = f32 ("enc.bias_ih_l0", {12});
      erase (s, "enc.bias_hh_l0");
      return build (s); }, RNC_MODEL_ERROR_MISSING, "enc.bias_hh_l0"},
  {"TorchBidirectional", [] {
      Spec s = torch ();
      s.tensors.push_back (f32 ("enc.weight_ih_l0_reverse", {16, 3}));
      return build (s); }, RNC_MODEL_ERROR_UNSUPPORTED, "enc.weight_ih_l0_reverse"},
  {"TorchProjSize", [] {
      Spec s = torch ();
      s.tensors.push_back (f32 ("enc.weight_hr_l0", {2, 4}));
      return build (s); }, RNC_MODEL_ERROR_UNSUPPORTED, "proj_size"},
  {"TorchMissingRecurrentBias", [] {
      Spec s = torch ();
      erase (s, "enc.bias_hh_l0");
      return build (s); }, RNC_MODEL_ERROR_MISSING, "enc.bias_hh_l0"},
  {"TorchMissingLayer0", [] {
      Spec s = torch ();
      find (s, "enc.weight_ih_l0").name = "enc.weight_ih_l1";
      return build (s); }, RNC_MODEL_ERROR_MISSING, "weight_ih_l0"},
  {"TorchTwoLinearHeads", [] {
      Spec s = torch ();
      s.tensors.push_back (f32 ("aux.weight", {3, 4}));
      s.tensors.push_back (f32 ("aux.bias", {3}));
      return build (s); }, RNC_MODEL_ERROR_UNEXPECTED, "ambiguous"},
  {"TorchTwoRecurrentModules", [] {
      Spec s = torch ();
      s.tensors.push_back (f32 ("dec.weight_ih_l0", {16, 4}));
      return build (s); }, RNC_MODEL_ERROR_UNEXPECTED, "dec.weight_ih_l0"},
  {"TorchStrayTensor", [] {
      Spec s = torch ();
      s.tensors.push_back (f32 ("bn.running_mean", {4}));
      return build (s); }, RNC_MODEL_ERROR_UNEXPECTED, "bn.running_mean"},
  {"TorchBiasWithoutWeight", [] {
      Spec s = torch ();
      s.tensors.push_back (f32 ("extra.bias", {4}));
      return build (s); }, RNC_MODEL_ERROR_UNEXPECTED, "extra.bias"},
  {"TorchHeadWidthMismatch", [] {
      Spec s = torch ();
      find (s, "head.weight") = f32 ("head.weight", {2, 5});
      return build (s); }, RNC_MODEL_ERROR_SHAPE, "head.weight"},
  {"TorchWrongGateOrderMetadata", [] {
      Spec s = torch ();
      s.meta.emplace_back ("rnc.gate_order", quote ("ifog"));
      return build (s); }, RNC_MODEL_ERROR_METADATA, "rnc.gate_order"},
};

void
PrintTo (const Case &c, std::ostream *os)
{
  *os << c.name;
}

class RncHostileModel : public ::testing::TestWithParam<Case> {};

} // namespace

TEST (RncHostileModel, BaseFilesLoad)
{
  for (const Spec &s : { native (), torch () }) {
    Bytes b = build (s);
    GError *err = nullptr;
    RncModel *m = rnc_model_load_from_data (b.data (), b.size (), "base", &err);
    ASSERT_NE (m, nullptr) << err->message;
    EXPECT_EQ (rnc_model_get_config (m)->cell, RNC_CELL_LSTM);
    EXPECT_EQ (rnc_model_get_config (m)->hidden_size, 4u);
    EXPECT_EQ (rnc_model_get_config (m)->output_size, 2u);
    rnc_model_free (m);
  }
  Bytes b = build (native_gru ());
  GError *err = nullptr;
  RncModel *m = rnc_model_load_from_data (b.data (), b.size (), "gru", &err);
  ASSERT_NE (m, nullptr) << err->message;
  EXPECT_EQ (rnc_model_get_config (m)->cell, RNC_CELL_GRU);
  EXPECT_EQ (rnc_model_get_config (m)->num_layers, 2u);
  rnc_model_free (m);
}

TEST_P (RncHostileModel, RejectsWithItsCode)
{
  const Case &c = GetParam ();
  Bytes b = c.make ();
  GError *err = nullptr;
  /* copy to an exact-size heap block so ASan catches any read past the end */
  guint8 *data = (guint8 *) g_memdup2 (b.data (), b.size ());
  RncModel *m = rnc_model_load_from_data (data, b.size (), "hostile.safetensors",
      &err);
  EXPECT_EQ (m, nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->domain, RNC_MODEL_ERROR);
  EXPECT_EQ (err->code, c.code) << err->message;
  EXPECT_NE (strstr (err->message, "hostile.safetensors"), nullptr)
      << err->message;
  EXPECT_NE (strstr (err->message, c.needle), nullptr)
      << "expected '" << c.needle << "' in: " << err->message;
  EXPECT_TRUE (g_utf8_validate (err->message, -1, nullptr));
  RecordProperty ("message", err->message);
  g_clear_error (&err);
  rnc_model_free (m);
  g_free (data);
}

INSTANTIATE_TEST_SUITE_P (Files, RncHostileModel, ::testing::ValuesIn (cases),
    [] (const ::testing::TestParamInfo<Case> &info) {
      return std::string (info.param.name);
    });

/* Random byte flips, truncations and length edits of valid files: each
 * mutant loads (and then runs) or fails with an RNC_MODEL_ERROR. */
TEST (RncHostileModel, SurvivesRandomMutations)
{
  const int kIterations = 4000;
  const Bytes bases[2] = { build (native ()), build (torch ()) };
  const guint8 interesting[] = { '"', '{', '}', '[', ']', ',', ':', '-', '0',
    '1', '9', 'e', '.', '\\', 'u', 0x00, 0xff, 0xc3, ' ' };
  std::mt19937_64 rng (20240611);
  std::map<int, int> outcomes;  /* error code (-1: loaded) -> count */

  for (int it = 0; it < kIterations; it++) {
    const Bytes &base = bases[it % 2];
    Bytes b = base;
    size_t hlen = get_length (base);
    int n_edits = 1 + (int) (rng () % 4);
    for (int e = 0; e < n_edits && !b.empty (); e++) {
      /* bytes of the header still present */
      size_t in_header = b.size () > 8 ? std::min (hlen, b.size () - 8) : 0;
      int op = (int) (rng () % 8);
      if (in_header == 0 && (op == 1 || op == 2 || op == 3 || op == 7))
        op = 0;
      switch (op) {
        case 0:                /* random byte anywhere */
          b[rng () % b.size ()] = (guint8) rng ();
          break;
        case 1:                /* random byte in the header */
        case 2:
          b[8 + rng () % in_header] = (guint8) rng ();
          break;
        case 3:                /* a JSON-significant byte in the header */
          b[8 + rng () % in_header] =
              interesting[rng () % sizeof (interesting)];
          break;
        case 4:                /* truncate */
          b.resize (rng () % b.size ());
          break;
        case 5:                /* nudge the header length */
          if (b.size () >= 8)
            set_length (b, hlen + (rng () % 33) - 16);
          break;
        case 6:                /* make a weight NaN or infinite */
          if (b.size () >= 8 + hlen + 4) {
            size_t f = (b.size () - 8 - hlen) / 4;
            size_t at = 8 + hlen + 4 * (rng () % f);
            b[at + 2] |= (guint8) (rng () & 1 ? 0x80 : 0xff);
            b[at + 3] = 0x7f;
          }
          break;
        case 7:                /* change a digit of a shape or an offset */
          for (int tries = 0; tries < 64; tries++) {
            size_t at = 8 + rng () % in_header;
            if (b[at] >= '0' && b[at] <= '9') {
              b[at] = (guint8) ('0' + rng () % 10);
              break;
            }
          }
          break;
      }
    }
    guint8 *data = (guint8 *) g_memdup2 (b.data (), b.size ());
    GError *err = nullptr;
    RncModel *m = rnc_model_load_from_data (data, b.size (), "mutant", &err);
    if (m) {
      ASSERT_EQ (err, nullptr);
      const RncModelConfig *c = rnc_model_get_config (m);
      RncState *s = rnc_state_new (m, 1, 0);
      std::vector<float> x (3 * rnc_model_get_frame_width (m), 0.25f);
      std::vector<int32_t> ids (3, 0);
      if (c->input == RNC_INPUT_INDEX)
        EXPECT_TRUE (rnc_forward_ids (s, ids.data (), 3, nullptr, nullptr));
      else
        rnc_forward (s, x.data (), 3, nullptr, nullptr);
      rnc_state_free (s);
      rnc_model_free (m);
      outcomes[-1]++;
    } else {
      ASSERT_NE (err, nullptr) << "iteration " << it;
      ASSERT_EQ (err->domain, RNC_MODEL_ERROR) << err->message;
      ASSERT_NE (strstr (err->message, "mutant"), nullptr) << err->message;
      ASSERT_TRUE (g_utf8_validate (err->message, -1, nullptr));
      outcomes[err->code]++;
      g_clear_error (&err);
    }
    g_free (data);
  }
  std::string summary;
  for (auto &kv : outcomes)
    summary += " " + std::to_string (kv.first) + ":" + std::to_string (kv.second);
  RecordProperty ("outcomes", summary);
  std::cout << "outcomes (code:count, -1 = loaded):" << summary << "\n";
  /* the loop reaches past the framing checks into most stages */
  EXPECT_GE (outcomes.size (), 8u) << summary;
  EXPECT_GT (outcomes[-1], 0) << summary;
}

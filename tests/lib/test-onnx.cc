/* ONNX import: graphs written by torch.onnx.export (tests/data/
 * gen-onnx-fixtures.py, Debian's python3-torch) load through rnc_model_load
 * and reproduce torch's own outputs (fast and scalar reference paths);
 * unsupported graphs are refused naming the node and op; hostile files
 * (truncated, wrong types, huge dims and counts, deep nesting) are refused
 * with clear errors. The hostile files are valid fixtures decoded and
 * re-encoded with protobuf-c after one change each. */
#include "rnc-test-util.h"

#include "rnc.h"
#include "rnc-model-io.h"
#include "rnc-onnx.h"

#ifdef RNC_HAVE_ONNX
#include "onnx.pb-c.h"
#endif

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using rnc_test::max_abs_diff;

namespace {

constexpr double kTol = 1e-5;

std::string
fixture (const std::string &name)
{
  return rnc_test::test_data_dir () + "/" + name;
}

std::string
read_file (const std::string &path)
{
  gchar *data = nullptr;
  gsize size = 0;
  EXPECT_TRUE (g_file_get_contents (path.c_str (), &data, &size, nullptr))
      << path;
  std::string s (data ? data : "", size);
  g_free (data);
  return s;
}

/* F32 / I32 tensors of a NAME-io.safetensors file. */
struct Io {
  explicit Io (const std::string &path) : bytes (read_file (path))
  {
    GError *err = nullptr;
    st = rnc_safetensors_parse ((const guint8 *) bytes.data (), bytes.size (),
        path.c_str (), &err);
    EXPECT_NE (st, nullptr) << (err ? err->message : "");
    g_clear_error (&err);
  }
  ~Io () { rnc_safetensors_free (st); }
  template <typename T> std::vector<T> get (const char *name) const
  {
    const RncTensorInfo *t = st ? rnc_safetensors_lookup (st, name) : nullptr;
    if (!t) {
      ADD_FAILURE () << "no tensor " << name;
      return {};
    }
    std::vector<T> v (t->n_elements);
    rnc_tensor_info_copy (t, v.data ());
    return v;
  }
  std::string bytes;
  RncSafetensors *st = nullptr;
};

struct Case {
  const char *name;
  RncCell cell;
  RncInputKind input;
  size_t D, E, H, L, Q;
};

void
PrintTo (const Case &c, std::ostream *os)
{
  *os << c.name;
}

class RncOnnxFixture : public ::testing::TestWithParam<Case> {
protected:
  void SetUp () override
  {
    if (!rnc_onnx_is_supported ())
      GTEST_SKIP () << "built without ONNX support (protobuf-c, libonnx-dev)";
  }
};

/* Head outputs (or top hidden states without a head) of every frame. */
std::vector<float>
run (RncModel *m, const Io &io, bool reference, size_t chunk)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t W = rnc_model_get_output_width (m);
  bool ids = c->input == RNC_INPUT_INDEX;
  std::vector<float> x;
  std::vector<int32_t> id;
  if (ids)
    id = io.get<int32_t> ("ids");
  else
    x = io.get<float> ("x");
  size_t T = ids ? id.size () : x.size () / c->input_size;
  size_t step = chunk ? chunk : T;
  std::vector<float> hidden (T * c->hidden_size), y (T * W);
  RncState *s = rnc_state_new (m, 1, step);
  for (size_t t0 = 0; t0 < T; t0 += step) {
    size_t n = std::min (step, T - t0);
    float *hp = hidden.data () + t0 * c->hidden_size;
    float *yp = c->output_size ? y.data () + t0 * W : nullptr;
    if (ids) {
      EXPECT_TRUE (reference ? rnc_forward_ids_ref (s, id.data () + t0, n, hp,
              yp) : rnc_forward_ids (s, id.data () + t0, n, hp, yp));
    } else if (reference) {
      rnc_forward_ref (s, x.data () + t0 * c->input_size, n, hp, yp);
    } else {
      rnc_forward (s, x.data () + t0 * c->input_size, n, hp, yp);
    }
  }
  rnc_state_free (s);
  return c->output_size ? y : hidden;
}

} // namespace

TEST_P (RncOnnxFixture, MatchesTorch)
{
  const Case &p = GetParam ();
  std::string path = fixture (std::string (p.name) + ".onnx");
  GError *err = nullptr;
  RncModel *m = rnc_model_load (path.c_str (), &err);
  ASSERT_NE (m, nullptr) << err->message;
  const RncModelConfig *c = rnc_model_get_config (m);
  EXPECT_EQ (c->cell, p.cell);
  EXPECT_EQ (c->input, p.input);
  EXPECT_EQ (c->input_size, p.D);
  EXPECT_EQ (c->embed_size, p.E);
  EXPECT_EQ (c->hidden_size, p.H);
  EXPECT_EQ (c->num_layers, p.L);
  EXPECT_EQ (c->output_size, p.Q);
  EXPECT_EQ (c->head, p.Q ? RNC_HEAD_REGRESSION : RNC_HEAD_NONE);
  const char *src = rnc_model_get_metadata (m, "rnc.source");
  ASSERT_NE (src, nullptr);
  EXPECT_EQ (std::string (src).rfind ("onnx: pytorch ", 0), 0u) << src;

  Io io (fixture (std::string (p.name) + "-io.safetensors"));
  std::vector<float> want = io.get<float> ("y");
  const char *how[] = { "fast", "fast, chunks of 4", "reference" };
  for (int v = 0; v < 3; v++) {
    std::vector<float> got = run (m, io, v == 2, v == 1 ? 4 : 0);
    ASSERT_EQ (got.size (), want.size ());
    double e = max_abs_diff (got, want);
    EXPECT_LT (e, kTol) << how[v] << ": largest error " << e;
  }

  /* the same bytes under a name without .onnx: detected by content */
  std::string bytes = read_file (path);
  RncModel *m2 = rnc_model_load_from_data ((const guint8 *) bytes.data (),
      bytes.size (), "model.bin", &err);
  ASSERT_NE (m2, nullptr) << err->message;
  size_t n1, n2;
  const float *p1 = rnc_model_peek_params (m, &n1);
  const float *p2 = rnc_model_peek_params (m2, &n2);
  ASSERT_EQ (n1, n2);
  EXPECT_EQ (std::memcmp (p1, p2, n1 * sizeof (float)), 0);
  rnc_model_free (m2);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Torch, RncOnnxFixture, ::testing::Values (
        Case {"onnx-lstm", RNC_CELL_LSTM, RNC_INPUT_DENSE, 5, 0, 7, 2, 3},
        Case {"onnx-rnn", RNC_CELL_RNN, RNC_INPUT_DENSE, 3, 0, 6, 2, 2},
        Case {"onnx-lstm-gemm", RNC_CELL_LSTM, RNC_INPUT_DENSE, 4, 0, 5, 1, 2},
        Case {"onnx-lstm-nohead", RNC_CELL_LSTM, RNC_INPUT_DENSE, 3, 0, 4, 1,
            0},
        Case {"onnx-embed-lstm", RNC_CELL_LSTM, RNC_INPUT_INDEX, 11, 4, 6, 1,
            11},
        Case {"onnx-gru", RNC_CELL_GRU, RNC_INPUT_DENSE, 3, 0, 4, 1, 2}),
    [] (const ::testing::TestParamInfo<Case> &info) {
      std::string n = info.param.name;
      for (char &ch : n)
        if (ch == '-')
          ch = '_';
      return n;
    });

/* Graphs torch exports that the library cannot run: the error names the
 * file, the node and its op, and says what is wrong. */
TEST (RncOnnx, UnsupportedGraphsNameTheNodeAndOp)
{
  if (!rnc_onnx_is_supported ())
    GTEST_SKIP () << "built without ONNX support";
  struct {
    const char *name, *node, *what;
  } cases[] = {
    { "onnx-bad-bidir", "(LSTM)", "direction 'bidirectional' is not "
          "supported (forward only)" },
    { "onnx-bad-relu", "(RNN)", "activations Relu are not supported" },
    { "onnx-bad-softmax", "(Softmax)", "this op is not supported" },
    { "onnx-bad-last", "(Gather)", "Gather is supported only as an "
          "embedding" },
  };
  for (auto &k : cases) {
    std::string path = fixture (std::string (k.name) + ".onnx");
    GError *err = nullptr;
    RncModel *m = rnc_model_load (path.c_str (), &err);
    EXPECT_EQ (m, nullptr) << k.name;
    if (!err)
      continue;
    std::string msg = err->message;
    EXPECT_EQ (err->code, RNC_MODEL_ERROR_UNSUPPORTED) << msg;
    EXPECT_EQ (msg.rfind (path + ": node '", 0), 0u) << msg;
    EXPECT_NE (msg.find (k.node), std::string::npos) << msg;
    EXPECT_NE (msg.find (k.what), std::string::npos) << msg;
    g_clear_error (&err);
  }
}

/* ---- hostile files ------------------------------------------------------ */

namespace {

struct Refusal {
  RncModel *model;
  int code;
  std::string msg;
};

Refusal
load_bytes (const std::string &bytes, const char *name = "hostile.onnx")
{
  GError *err = nullptr;
  Refusal r;
  r.model = rnc_model_load_from_data ((const guint8 *) bytes.data (),
      bytes.size (), name, &err);
  r.code = err ? err->code : -1;
  r.msg = err ? err->message : "";
  g_clear_error (&err);
  return r;
}

} // namespace

TEST (RncOnnx, TruncatedFilesAreRefusedAtEveryLength)
{
  if (!rnc_onnx_is_supported ())
    GTEST_SKIP () << "built without ONNX support";
  std::string good = read_file (fixture ("onnx-lstm.onnx"));
  ASSERT_GT (good.size (), 1000u);
  size_t refused = 0, tried = 0;
  for (size_t len = 0; len < good.size (); len += 7) {
    Refusal r = load_bytes (good.substr (0, len));
    tried++;
    if (r.model) {
      rnc_model_free (r.model);
      continue;
    }
    refused++;
    EXPECT_EQ (r.msg.rfind ("hostile.onnx: ", 0), 0u) << len << ": " << r.msg;
  }
  /* a prefix ends inside a field or lacks the graph's end: never a model */
  EXPECT_EQ (refused, tried);
  Refusal r = load_bytes ("");
  EXPECT_EQ (r.model, nullptr);
  EXPECT_NE (r.msg.find ("an empty file"), std::string::npos) << r.msg;
}

TEST (RncOnnx, MalformedWireIsRefused)
{
  if (!rnc_onnx_is_supported ())
    GTEST_SKIP () << "built without ONNX support";
  struct {
    std::string bytes;
    const char *what;
  } cases[] = {
    /* ir_version varint that never ends */
    { std::string ("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12),
      "truncated" },
    /* graph (field 7) claiming 2^31 bytes */
    { std::string ("\x08\x07\x3a\x80\x80\x80\x80\x08", 8), "runs past" },
    /* a group (wire type 3) */
    { std::string ("\x08\x07\x0b", 3), "wire type" },
    /* producer_name (field 2, a string) sent as a varint */
    { std::string ("\x08\x07\x10\x01", 4), "wrong wire type" },
    /* field number 0 */
    { std::string ("\x08\x07\x00\x01", 4), "tag" },
  };
  for (auto &k : cases) {
    Refusal r = load_bytes (k.bytes);
    EXPECT_EQ (r.model, nullptr);
    EXPECT_NE (r.msg.find (k.what), std::string::npos) << r.msg;
    EXPECT_EQ (r.code, RNC_MODEL_ERROR_TRUNCATED) << r.msg;
  }
}

TEST (RncOnnx, DeepNestingIsRefusedBeforeDecoding)
{
  if (!rnc_onnx_is_supported ())
    GTEST_SKIP () << "built without ONNX support";
  /* graph { node { attribute { g { node { attribute { g ... 2000 deep */
  auto wrap = [] (int field, const std::string &inner) {
    std::string s (1, (char) (field << 3 | 2));
    size_t len = inner.size ();
    do {
      unsigned char b = len & 0x7f;
      len >>= 7;
      s += (char) (b | (len ? 0x80 : 0));
    } while (len);
    return s + inner;
  };
  std::string g;
  for (int depth = 0; depth < 2000; depth++)
    g = wrap (1, wrap (5, wrap (6, g)));      /* node, attribute, g */
  std::string file = std::string ("\x08\x07", 2) + wrap (7, g);
  Refusal r = load_bytes (file);
  EXPECT_EQ (r.model, nullptr);
  EXPECT_NE (r.msg.find ("nested more than 64 deep"), std::string::npos)
      << r.msg;
}

TEST (RncOnnx, ManyEmptyNodesDecodeWithinBoundsAndAreRefused)
{
  if (!rnc_onnx_is_supported ())
    GTEST_SKIP () << "built without ONNX support";
  /* 256 Ki empty nodes: a large count for the decoder; the first has no op */
  std::string nodes;
  for (int i = 0; i < (1 << 18); i++)
    nodes += std::string ("\x0a\x00", 2);
  std::string len;
  size_t n = nodes.size ();
  do {
    unsigned char b = n & 0x7f;
    n >>= 7;
    len += (char) (b | (n ? 0x80 : 0));
  } while (n);
  Refusal r = load_bytes (std::string ("\x08\x07\x3a", 3) + len + nodes);
  EXPECT_EQ (r.model, nullptr);
  EXPECT_NE (r.msg.find ("node 0 has no op_type"), std::string::npos)
      << r.msg;
}

#ifdef RNC_HAVE_ONNX

namespace {

/* A fixture decoded with protobuf-c: change it, encode it, load it. */
class Decoded {
public:
  explicit Decoded (const std::string &name)
  {
    bytes_ = read_file (fixture (name));
    m = onnx__model_proto__unpack (nullptr, bytes_.size (),
        (const uint8_t *) bytes_.data ());
    EXPECT_NE (m, nullptr);
  }
  ~Decoded () { onnx__model_proto__free_unpacked (m, nullptr); }
  std::string encode () const
  {
    std::string out (onnx__model_proto__get_packed_size (m), '\0');
    onnx__model_proto__pack (m, (uint8_t *) &out[0]);
    return out;
  }
  Onnx__NodeProto *node (const char *op) const
  {
    for (size_t i = 0; i < m->graph->n_node; i++)
      if (!strcmp (m->graph->node[i]->op_type, op))
        return m->graph->node[i];
    ADD_FAILURE () << "no " << op << " node";
    return nullptr;
  }
  Onnx__TensorProto *init (const char *name) const
  {
    for (size_t i = 0; i < m->graph->n_initializer; i++)
      if (!strcmp (m->graph->initializer[i]->name, name))
        return m->graph->initializer[i];
    ADD_FAILURE () << "no initializer " << name;
    return nullptr;
  }
  /* the LSTM's input weights W (1, 4H, D) */
  Onnx__TensorProto *W () const { return init (node ("LSTM")->input[1]); }
  Onnx__ModelProto *m;

private:
  std::string bytes_;
};

struct Mutation {
  const char *what;
  std::function<void (Decoded &)> apply;
  int code;
  const char *message;
};

} // namespace

/* onnx-lstm-nohead.onnx with one change each. */
TEST (RncOnnx, HostileTensorsAndNodesGiveClearErrors)
{
  if (!rnc_onnx_is_supported ())
    GTEST_SKIP () << "built without ONNX support";
  static char empty[] = "", bogus[] = "FancyOp", other[] = "com.example";
  static char reverse[] = "reverse";
  const Mutation table[] = {
    { "huge dim", [] (Decoded &d) { d.W ()->dims[1] = (int64_t) 1 << 40; },
      RNC_MODEL_ERROR_OVERFLOW, "dimension 1 is 1099511627776, not in 0.." },
    { "huge product", [] (Decoded &d) {
        d.W ()->dims[0] = d.W ()->dims[1] = d.W ()->dims[2] = 1 << 24; },
      RNC_MODEL_ERROR_OVERFLOW, "more than" },
    { "negative dim", [] (Decoded &d) { d.W ()->dims[2] = -3; },
      RNC_MODEL_ERROR_OVERFLOW, "dimension 2 is -3" },
    { "raw data short", [] (Decoded &d) { d.W ()->raw_data.len -= 4; },
      RNC_MODEL_ERROR_OFFSETS, "holds 188 bytes of data for 48 values" },
    { "raw data odd", [] (Decoded &d) { d.W ()->raw_data.len -= 1; },
      RNC_MODEL_ERROR_OFFSETS, "holds 191 bytes" },
    { "int64 weights", [] (Decoded &d) { d.W ()->data_type = 7; },
      RNC_MODEL_ERROR_DTYPE, "data type 7, expected float (1)" },
    { "NaN weight", [] (Decoded &d) {
        float nan = NAN;
        std::memcpy (d.W ()->raw_data.data + 8, &nan, 4); },
      RNC_MODEL_ERROR_VALUE, "value 2 is not finite" },
    { "external data", [] (Decoded &d) {
        d.W ()->has_data_location = 1;
        d.W ()->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL; },
      RNC_MODEL_ERROR_UNSUPPORTED, "external data is not supported" },
    { "wrong rank", [] (Decoded &d) { d.W ()->n_dims = 2; },
      RNC_MODEL_ERROR_OFFSETS, "holds 192 bytes of data for 16 values" },
    { "hidden_size disagrees", [] (Decoded &d) {
        Onnx__NodeProto *n = d.node ("LSTM");
        for (size_t i = 0; i < n->n_attribute; i++)
          if (!strcmp (n->attribute[i]->name, "hidden_size"))
            n->attribute[i]->i = 5; },
      RNC_MODEL_ERROR_SHAPE, "disagree with each other or with hidden_size" },
    { "attribute of the wrong type", [] (Decoded &d) {
        Onnx__NodeProto *n = d.node ("LSTM");
        for (size_t i = 0; i < n->n_attribute; i++)
          if (!strcmp (n->attribute[i]->name, "hidden_size"))
            n->attribute[i]->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT; },
      RNC_MODEL_ERROR_DTYPE, "attribute hidden_size is not an integer" },
    { "unknown attribute", [] (Decoded &d) {
        Onnx__NodeProto *n = d.node ("LSTM");
        n->attribute[0]->name = bogus; },
      RNC_MODEL_ERROR_UNSUPPORTED, "attribute 'FancyOp' is not supported" },
    { "reverse direction", [] (Decoded &d) {
        Onnx__NodeProto *n = d.node ("LSTM");
        for (size_t i = 0; i < n->n_attribute; i++)
          if (!strcmp (n->attribute[i]->name, "hidden_size")) {
            n->attribute[i]->name = (char *) "direction";
            n->attribute[i]->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
            n->attribute[i]->has_s = 1;
            n->attribute[i]->s.data = (uint8_t *) reverse;
            n->attribute[i]->s.len = 7;
          } },
      RNC_MODEL_ERROR_UNSUPPORTED, "direction 'reverse' is not supported" },
    { "unknown op", [] (Decoded &d) { d.node ("Squeeze")->op_type = bogus; },
      RNC_MODEL_ERROR_UNSUPPORTED, "node '/rnn/Squeeze' (FancyOp): this op "
          "is not supported" },
    { "foreign domain", [] (Decoded &d) { d.node ("Squeeze")->domain = other; },
      RNC_MODEL_ERROR_UNSUPPORTED, "op domain 'com.example'" },
    { "weights computed", [] (Decoded &d) {
        d.node ("LSTM")->input[1] = d.node ("LSTM")->input[0]; },
      RNC_MODEL_ERROR_UNSUPPORTED, "input 1 (W, 'x') must be an initializer" },
    { "sequence_lens", [] (Decoded &d) { d.node ("LSTM")->input[4] =
            d.node ("LSTM")->input[0]; },
      RNC_MODEL_ERROR_UNSUPPORTED, "sequence_lens is not supported" },
    { "state from the input", [] (Decoded &d) { d.node ("LSTM")->input[5] =
            d.node ("LSTM")->input[0]; },
      RNC_MODEL_ERROR_UNSUPPORTED, "initial_h ('x') is not a zero constant" },
    { "no graph output", [] (Decoded &d) { d.m->graph->n_output = 0; },
      RNC_MODEL_ERROR_UNSUPPORTED, "the graph has 0 outputs" },
    { "output unknown", [] (Decoded &d) { d.m->graph->output[0]->name = bogus; },
      RNC_MODEL_ERROR_MISSING, "value 'FancyOp' is neither an input nor" },
    { "cycle", [] (Decoded &d) {
        Onnx__NodeProto *n = d.node ("Squeeze");
        n->input[0] = n->output[0]; },
      RNC_MODEL_ERROR_UNEXPECTED, "the graph has a cycle" },
    { "no op type", [] (Decoded &d) { d.node ("Squeeze")->op_type = empty; },
      RNC_MODEL_ERROR_UNSUPPORTED, "this op is not supported" },
  };
  for (const Mutation &k : table) {
    Decoded d ("onnx-lstm-nohead.onnx");
    ASSERT_NE (d.m, nullptr);
    /* pointers the mutation replaces are put back before freeing */
    Onnx__NodeProto *lstm = d.node ("LSTM"), *sq = d.node ("Squeeze");
    Onnx__TensorProto *W = d.W ();
    std::vector<char *> lstm_in (lstm->input, lstm->input + lstm->n_input);
    std::vector<char *> sq_in (sq->input, sq->input + sq->n_input);
    char *sq_op = sq->op_type, *sq_domain = sq->domain;
    char *out_name = d.m->graph->output[0]->name;
    size_t n_out = d.m->graph->n_output, n_dims = W->n_dims;
    size_t raw_len = W->raw_data.len;
    /* lstm inputs 4, 5 may be absent: pad to 6 so the mutations can set them */
    std::vector<char *> padded (lstm_in);
    while (padded.size () < 6)
      padded.push_back (empty);
    char **orig_inputs = lstm->input;
    size_t orig_n = lstm->n_input;
    lstm->input = padded.data ();
    lstm->n_input = padded.size ();
    std::vector<Onnx__AttributeProto> saved_attrs;
    for (size_t i = 0; i < lstm->n_attribute; i++)
      saved_attrs.push_back (*lstm->attribute[i]);

    k.apply (d);
    std::string bytes = d.encode ();

    lstm->input = orig_inputs;
    lstm->n_input = orig_n;
    for (size_t i = 0; i < lstm->n_attribute; i++)
      *lstm->attribute[i] = saved_attrs[i];
    for (size_t i = 0; i < sq_in.size (); i++)
      sq->input[i] = sq_in[i];
    sq->op_type = sq_op;
    sq->domain = sq_domain;
    d.m->graph->output[0]->name = out_name;
    d.m->graph->n_output = n_out;
    W->n_dims = n_dims;
    W->raw_data.len = raw_len;

    Refusal r = load_bytes (bytes);
    EXPECT_EQ (r.model, nullptr) << k.what;
    if (r.model)
      rnc_model_free (r.model);
    EXPECT_EQ (r.code, k.code) << k.what << ": " << r.msg;
    EXPECT_NE (r.msg.find (k.message), std::string::npos) << k.what << ": "
        << r.msg;
    EXPECT_EQ (r.msg.rfind ("hostile.onnx: ", 0), 0u) << r.msg;
  }
}

/* A GRU with ONNX's default linear_before_reset=0 (the reset applied before
 * the recurrent product): not PyTorch's cell, refused naming the node. */
TEST (RncOnnx, GruWithoutLinearBeforeResetIsRefused)
{
  if (!rnc_onnx_is_supported ())
    GTEST_SKIP () << "built without ONNX support";
  Decoded d ("onnx-gru.onnx");
  ASSERT_NE (d.m, nullptr);
  Onnx__NodeProto *n = d.node ("GRU");
  bool found = false;
  for (size_t i = 0; i < n->n_attribute; i++)
    if (!strcmp (n->attribute[i]->name, "linear_before_reset")) {
      n->attribute[i]->i = 0;
      found = true;
    }
  ASSERT_TRUE (found);
  Refusal r = load_bytes (d.encode ());
  EXPECT_EQ (r.model, nullptr);
  EXPECT_EQ (r.code, RNC_MODEL_ERROR_UNSUPPORTED) << r.msg;
  EXPECT_NE (r.msg.find ("(GRU): linear_before_reset=0 is not supported"),
      std::string::npos) << r.msg;
}

#endif /* RNC_HAVE_ONNX */

TEST (RncOnnx, SafetensorsAreNotTakenForOnnx)
{
  /* a safetensors file named .onnx still loads as safetensors */
  std::string st = read_file (fixture ("torch-lstm.safetensors"));
  EXPECT_FALSE (rnc_onnx_data_looks_like ((const guint8 *) st.data (),
          st.size (), "model.onnx"));
  Refusal r = load_bytes (st, "model.onnx");
  ASSERT_NE (r.model, nullptr) << r.msg;
  rnc_model_free (r.model);
}

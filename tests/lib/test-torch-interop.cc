/* PyTorch interop: state_dicts exported by tests/data/gen-torch-fixtures.py
 * (Debian's python3-torch) load through rnc_model_load and reproduce torch's
 * own outputs on fixed inputs, through the fast path and the scalar
 * reference path: every frame's top hidden state, the Linear head, and the
 * final h_n / c_n, from a zero state and from a given initial state file. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <cstring>

using rnc_test::max_abs_diff;

namespace {

constexpr double kTol = 1e-5;

/* The inputs and torch's outputs of one fixture (NAME-io.safetensors). */
class Fixture
{
public:
  explicit Fixture (const std::string &path)
  {
    GError *err = nullptr;
    if (!g_file_get_contents (path.c_str (), &contents_, &size_, &err)) {
      ADD_FAILURE () << err->message;
      g_clear_error (&err);
      return;
    }
    st_ = rnc_safetensors_parse ((const guint8 *) contents_, size_,
        path.c_str (), &err);
    if (!st_) {
      ADD_FAILURE () << err->message;
      g_clear_error (&err);
    }
  }
  ~Fixture ()
  {
    rnc_safetensors_free (st_);
    g_free (contents_);
  }
  bool has (const char *name) const
  {
    return st_ && rnc_safetensors_lookup (st_, name);
  }
  std::vector<float> floats (const char *name) const
  {
    const RncTensorInfo *t = st_ ? rnc_safetensors_lookup (st_, name) : nullptr;
    if (!t || t->dtype != RNC_DTYPE_F32) {
      ADD_FAILURE () << "fixture has no F32 tensor " << name;
      return {};
    }
    std::vector<float> v (t->n_elements);
    rnc_tensor_info_copy (t, v.data ());
    return v;
  }
  std::vector<int32_t> ints (const char *name) const
  {
    const RncTensorInfo *t = st_ ? rnc_safetensors_lookup (st_, name) : nullptr;
    if (!t || t->dtype != RNC_DTYPE_I32) {
      ADD_FAILURE () << "fixture has no I32 tensor " << name;
      return {};
    }
    std::vector<int32_t> v (t->n_elements);
    rnc_tensor_info_copy (t, v.data ());
    return v;
  }

private:
  char *contents_ = nullptr;
  gsize size_ = 0;
  RncSafetensors *st_ = nullptr;
};

std::string
fixture (const std::string &name)
{
  return rnc_test::test_data_dir () + "/" + name;
}

RncModel *
load (const std::string &name)
{
  GError *err = nullptr;
  RncModel *m = rnc_model_load (fixture (name + ".safetensors").c_str (), &err);
  EXPECT_NE (m, nullptr) << (err ? err->message : "");
  g_clear_error (&err);
  return m;
}

struct Dense {
  const char *name;
  RncCell cell;
  size_t D, H, L, Q;
  bool has_state;
};

void
PrintTo (const Dense &d, std::ostream *os)
{
  *os << d.name;
}

/* Outputs of one run: all frames' top h, head outputs, final h and c. */
struct Outputs {
  std::vector<float> hidden, y, h, c;
};

Outputs
run_dense (const RncModel *m, const std::vector<float> &x, bool reference,
    size_t max_frames, const char *state_file)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t T = x.size () / c->input_size, LH = c->num_layers * c->hidden_size;
  RncState *s = rnc_state_new (m, 1, max_frames);
  Outputs o;
  o.hidden.resize (T * c->hidden_size);
  o.y.resize (T * c->output_size);
  if (state_file) {
    GError *err = nullptr;
    EXPECT_TRUE (rnc_state_load_initial (s, state_file, &err))
        << (err ? err->message : "");
    g_clear_error (&err);
    rnc_state_reset (s);
  }
  float *y = c->output_size ? o.y.data () : nullptr;
  if (reference)
    rnc_forward_ref (s, x.data (), T, o.hidden.data (), y);
  else
    rnc_forward (s, x.data (), T, o.hidden.data (), y);
  o.h.assign (rnc_state_peek_h (s), rnc_state_peek_h (s) + LH);
  if (c->cell == RNC_CELL_LSTM)
    o.c.assign (rnc_state_peek_c (s), rnc_state_peek_c (s) + LH);
  rnc_state_free (s);
  return o;
}

void
expect_close (const std::vector<float> &got, const std::vector<float> &want,
    const char *what, const std::string &how)
{
  ASSERT_EQ (got.size (), want.size ()) << what;
  double e = max_abs_diff (got, want);
  EXPECT_LT (e, kTol) << what << " (" << how << "): largest error " << e;
  std::printf ("    %s (%s): largest error from torch %.3g\n", what,
      how.c_str (), e);
}

class RncTorchInterop : public ::testing::TestWithParam<Dense> {};

} // namespace

TEST_P (RncTorchInterop, MatchesTorchOutputs)
{
  const Dense &p = GetParam ();
  RncModel *m = load (p.name);
  ASSERT_NE (m, nullptr);
  const RncModelConfig *c = rnc_model_get_config (m);
  EXPECT_EQ (c->cell, p.cell);
  EXPECT_EQ (c->input, RNC_INPUT_DENSE);
  EXPECT_EQ (c->input_size, p.D);
  EXPECT_EQ (c->hidden_size, p.H);
  EXPECT_EQ (c->num_layers, p.L);
  EXPECT_EQ (c->output_size, p.Q);
  /* a Linear head imports as regression unless the metadata says otherwise */
  EXPECT_EQ (c->head, p.Q ? RNC_HEAD_REGRESSION : RNC_HEAD_NONE);
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.gate_order"),
      p.cell == RNC_CELL_GRU ? "rzn" : "ifog");

  Fixture io (fixture (std::string (p.name) + "-io.safetensors"));
  auto x = io.floats ("x");
  std::string state = fixture (std::string (p.name) + "-state.safetensors");

  for (int variant = 0; variant < 3; variant++) {
    /* fast path in one chunk, fast path in chunks of 4 frames, reference */
    bool ref = variant == 2;
    size_t chunk = variant == 1 ? 4 : 0;
    std::string how = ref ? "reference" : (chunk ? "fast, chunks of 4" : "fast");
    for (int with_state = 0; with_state <= (p.has_state ? 1 : 0); with_state++) {
      Outputs o = run_dense (m, x, ref, chunk,
          with_state ? state.c_str () : nullptr);
      std::string sfx = with_state ? "_s" : "";
      std::string h = how + (with_state ? ", initial state file" : "");
      expect_close (o.hidden, io.floats (("hidden" + sfx).c_str ()), "hidden", h);
      if (p.Q)
        expect_close (o.y, io.floats (("y" + sfx).c_str ()), "head", h);
      expect_close (o.h, io.floats (("h_n" + sfx).c_str ()), "h_n", h);
      if (p.cell == RNC_CELL_LSTM)
        expect_close (o.c, io.floats (("c_n" + sfx).c_str ()), "c_n", h);
    }
  }

  /* the imported model saved natively and loaded again runs bit-identically */
  GError *err = nullptr;
  size_t size = 0;
  guint8 *data = rnc_model_save_to_data (m, &size, &err);
  ASSERT_NE (data, nullptr) << err->message;
  RncModel *back = rnc_model_load_from_data (data, size, "native copy", &err);
  ASSERT_NE (back, nullptr) << err->message;
  Outputs a = run_dense (m, x, false, 0, nullptr);
  Outputs b = run_dense (back, x, false, 0, nullptr);
  EXPECT_EQ (std::memcmp (a.hidden.data (), b.hidden.data (),
          a.hidden.size () * sizeof (float)), 0);
  rnc_model_free (back);
  g_free (data);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Fixtures, RncTorchInterop, ::testing::Values (
        Dense {"torch-lstm", RNC_CELL_LSTM, 5, 7, 2, 3, true},
        Dense {"torch-rnn", RNC_CELL_RNN, 3, 6, 2, 2, true},
        Dense {"torch-rnn-nobias", RNC_CELL_RNN, 4, 3, 1, 0, false},
        Dense {"torch-gru", RNC_CELL_GRU, 5, 40, 2, 3, true},
        Dense {"torch-gru-1l", RNC_CELL_GRU, 3, 6, 1, 2, true},
        Dense {"torch-gru-nobias", RNC_CELL_GRU, 4, 3, 1, 0, false}),
    [] (const ::testing::TestParamInfo<Dense> &info) {
      std::string n = info.param.name;
      for (char &ch : n)
        if (ch == '-')
          ch = '_';
      return n;
    });

TEST (RncTorchInterop, KeepsTheFileMetadata)
{
  RncModel *m = load ("torch-lstm");
  ASSERT_NE (m, nullptr);
  EXPECT_STREQ (rnc_model_get_metadata (m, "format"), "pt");
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.cell"), "lstm");
  rnc_model_free (m);
}

TEST (RncTorchInterop, EmbeddingLstmClassesMatchTorch)
{
  RncModel *m = load ("torch-embed-lstm");
  ASSERT_NE (m, nullptr);
  const RncModelConfig *c = rnc_model_get_config (m);
  EXPECT_EQ (c->cell, RNC_CELL_LSTM);
  EXPECT_EQ (c->input, RNC_INPUT_INDEX);
  EXPECT_EQ (c->input_size, 13u);
  EXPECT_EQ (c->embed_size, 4u);
  EXPECT_EQ (c->hidden_size, 5u);
  EXPECT_EQ (c->head, RNC_HEAD_CLASSES);
  EXPECT_EQ (c->output_size, 13u);

  Fixture io (fixture ("torch-embed-lstm-io.safetensors"));
  auto ids = io.ints ("ids");
  size_t T = ids.size ();
  ASSERT_GT (T, 0u);
  for (int ref = 0; ref <= 1; ref++) {
    RncState *s = rnc_state_new (m, 1, 0);
    std::vector<float> hidden (T * 5), y (T * 13);
    if (ref)
      ASSERT_TRUE (rnc_forward_ids_ref (s, ids.data (), T, hidden.data (), y.data ()));
    else
      ASSERT_TRUE (rnc_forward_ids (s, ids.data (), T, hidden.data (), y.data ()));
    const char *how = ref ? "reference" : "fast";
    expect_close (hidden, io.floats ("hidden"), "hidden", how);
    expect_close (y, io.floats ("y"), "logits", how);
    std::vector<float> h (rnc_state_peek_h (s), rnc_state_peek_h (s) + 5);
    std::vector<float> cc (rnc_state_peek_c (s), rnc_state_peek_c (s) + 5);
    expect_close (h, io.floats ("h_n"), "h_n", how);
    expect_close (cc, io.floats ("c_n"), "c_n", how);
    rnc_state_free (s);
  }
  rnc_model_free (m);
}

TEST (RncTorchInterop, EmbeddingGruClassesMatchTorch)
{
  RncModel *m = load ("torch-embed-gru");
  ASSERT_NE (m, nullptr);
  const RncModelConfig *c = rnc_model_get_config (m);
  EXPECT_EQ (c->cell, RNC_CELL_GRU);
  EXPECT_EQ (c->input, RNC_INPUT_INDEX);
  EXPECT_EQ (c->input_size, 11u);
  EXPECT_EQ (c->embed_size, 6u);
  EXPECT_EQ (c->hidden_size, 18u);
  EXPECT_EQ (c->head, RNC_HEAD_CLASSES);
  EXPECT_EQ (c->output_size, 11u);

  Fixture io (fixture ("torch-embed-gru-io.safetensors"));
  auto ids = io.ints ("ids");
  size_t T = ids.size ();
  ASSERT_GT (T, 0u);
  for (int ref = 0; ref <= 1; ref++) {
    RncState *s = rnc_state_new (m, 1, 0);
    std::vector<float> hidden (T * 18), y (T * 11);
    if (ref)
      ASSERT_TRUE (rnc_forward_ids_ref (s, ids.data (), T, hidden.data (), y.data ()));
    else
      ASSERT_TRUE (rnc_forward_ids (s, ids.data (), T, hidden.data (), y.data ()));
    const char *how = ref ? "reference" : "fast";
    expect_close (hidden, io.floats ("hidden"), "hidden", how);
    expect_close (y, io.floats ("y"), "logits", how);
    std::vector<float> h (rnc_state_peek_h (s), rnc_state_peek_h (s) + 18);
    expect_close (h, io.floats ("h_n"), "h_n", how);
    EXPECT_EQ (rnc_state_peek_c (s), nullptr);
    rnc_state_free (s);
  }
  rnc_model_free (m);
}

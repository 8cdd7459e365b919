/* Model and state files: save then load gives bit-identical weights,
 * metadata and forward outputs, for every model shape; state files round
 * trip; the generic safetensors reader and writer agree on every dtype. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <cstring>
#include <glib/gstdio.h>
#include <tuple>

namespace {

/* Not rnc_test::random_model: only the tensors are filled, as files hold
 * no padding and the round trips compare whole blocks (padding zero). */
RncModel *
tensor_model (RncCell cell, RncInputKind input, size_t D, size_t E, size_t H,
    size_t L, RncHeadKind head, size_t Q, guint64 seed)
{
  RncModel *m = rnc_test::model_new (cell, input, D, E, H, L, head, Q);
  const RncParamViews *v = rnc_model_get_views (m);
  RncRng rng;
  rnc_rng_init (&rng, seed);
  auto fill = [&] (float *t, size_t count) {
    for (size_t i = 0; i < count; i++)
      t[i] = (rnc_rng_uniform (&rng) * 2.0f - 1.0f) * 0.6f;
  };
  size_t G = rnc_cell_gates (cell);
  if (v->embedding)
    fill (v->embedding, D * E);
  for (size_t l = 0; l < L; l++) {
    fill (v->layer[l].Wx, v->layer[l].in * G * H);
    fill (v->layer[l].Wh, H * G * H);
    fill (v->layer[l].bh, G * H);
  }
  if (v->Wo) {
    fill (v->Wo, H * Q);
    fill (v->bo, Q);
  }
  return m;
}

std::vector<std::pair<std::string, std::string>>
all_metadata (const RncModel *m)
{
  guint n = 0;
  const char **keys = rnc_model_list_metadata (m, &n);
  std::vector<std::pair<std::string, std::string>> out;
  for (guint i = 0; i < n; i++)
    out.emplace_back (keys[i], rnc_model_get_metadata (m, keys[i]));
  g_free (keys);
  return out;
}

/* Runs T frames (ids for index models) from a zero state; returns hidden
 * and head outputs concatenated. */
std::vector<float>
run (const RncModel *m, size_t T, guint64 seed)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  RncState *s = rnc_state_new (m, 1, 0);
  std::vector<float> hidden (T * c->hidden_size), y (T * c->output_size);
  RncRng rng;
  rnc_rng_init (&rng, seed);
  if (c->input == RNC_INPUT_INDEX) {
    std::vector<int32_t> ids (T);
    for (auto &id : ids)
      id = (int32_t) (rnc_rng_next (&rng) % c->input_size);
    EXPECT_TRUE (rnc_forward_ids (s, ids.data (), T, hidden.data (),
            c->output_size ? y.data () : nullptr));
  } else {
    std::vector<float> x (T * c->input_size);
    for (auto &v : x)
      v = rnc_rng_normal (&rng);
    rnc_forward (s, x.data (), T, hidden.data (),
        c->output_size ? y.data () : nullptr);
  }
  rnc_state_free (s);
  hidden.insert (hidden.end (), y.begin (), y.end ());
  return hidden;
}

void
expect_same_model (const RncModel *a, const RncModel *b)
{
  const RncModelConfig *ca = rnc_model_get_config (a), *cb = rnc_model_get_config (b);
  EXPECT_EQ (ca->cell, cb->cell);
  EXPECT_EQ (ca->input, cb->input);
  EXPECT_EQ (ca->head, cb->head);
  EXPECT_EQ (ca->input_size, cb->input_size);
  EXPECT_EQ (ca->embed_size, cb->embed_size);
  EXPECT_EQ (ca->hidden_size, cb->hidden_size);
  EXPECT_EQ (ca->num_layers, cb->num_layers);
  EXPECT_EQ (ca->output_size, cb->output_size);
  size_t na, nb;
  const float *pa = rnc_model_peek_params (a, &na);
  const float *pb = rnc_model_peek_params (b, &nb);
  ASSERT_EQ (na, nb);
  EXPECT_EQ (std::memcmp (pa, pb, na * sizeof (float)), 0)
      << "weights differ after a round trip";
  EXPECT_EQ (all_metadata (a), all_metadata (b));
}

std::string
tmp_dir ()
{
  GError *err = nullptr;
  char *d = g_dir_make_tmp ("rnc-io-XXXXXX", &err);
  EXPECT_NE (d, nullptr) << (err ? err->message : "");
  g_clear_error (&err);
  std::string s = d ? d : "/tmp";
  g_free (d);
  return s;
}

size_t
count_dir_entries (const std::string &dir)
{
  GDir *d = g_dir_open (dir.c_str (), 0, nullptr);
  size_t n = 0;
  while (d && g_dir_read_name (d))
    n++;
  if (d)
    g_dir_close (d);
  return n;
}

} // namespace

/* cell, layers, head, input: 0 dense, 1 index gathering Wx, 2 index + embedding */
class RncModelIoRoundTrip
    : public ::testing::TestWithParam<std::tuple<RncCell, int, RncHeadKind, int>> {};

TEST_P (RncModelIoRoundTrip, SaveThenLoadIsBitIdentical)
{
  auto [cell, L, head, input] = GetParam ();
  const size_t H = 6, Q = head == RNC_HEAD_NONE ? 0 : 4;
  size_t D = 5, E = 0;
  RncInputKind kind = RNC_INPUT_DENSE;
  if (input >= 1) {
    kind = RNC_INPUT_INDEX;
    D = 11;
    E = input == 2 ? 3 : 0;
  }
  RncModel *m = tensor_model (cell, kind, D, E, H, L, head, Q, 17 + L + input);
  /* metadata the project keeps verbatim, including non-ASCII text */
  rnc_model_set_metadata (m, "rnc.window", "12");
  rnc_model_set_metadata (m, "rnc.vocab", "[\"a\",\"b\",\"\\u00e9t\\u00e9\"]");
  rnc_model_set_metadata (m, "rnc.labels", "NN VB été ✓");
  rnc_model_set_metadata (m, "train.lr", "0.001");
  if (kind == RNC_INPUT_DENSE) {
    std::vector<float> mean (D), std (D);
    for (size_t i = 0; i < D; i++) {
      mean[i] = 0.1f * (float) i - 1.0f / 3.0f;
      std[i] = 1.0f + 0.7f * (float) i;
    }
    rnc_model_set_input_scaling (m, mean.data (), std.data ());
  }
  if (head == RNC_HEAD_REGRESSION) {
    std::vector<float> mean (Q, 123.456f), std (Q, 7.25e-3f);
    rnc_model_set_output_scaling (m, mean.data (), std.data ());
  }

  size_t size = 0;
  GError *err = nullptr;
  guint8 *data = rnc_model_save_to_data (m, &size, &err);
  ASSERT_NE (data, nullptr) << err->message;
  /* the data section starts on an 8-byte boundary */
  guint64 hlen = 0;
  for (int i = 0; i < 8; i++)
    hlen |= (guint64) data[i] << (8 * i);
  EXPECT_EQ ((8 + hlen) % 8, 0u);

  RncModel *back = rnc_model_load_from_data (data, size, "roundtrip", &err);
  ASSERT_NE (back, nullptr) << err->message;
  expect_same_model (m, back);
  EXPECT_EQ (rnc_model_get_window (back), 12u);
  if (kind == RNC_INPUT_DENSE) {
    ASSERT_NE (rnc_model_get_input_std (back), nullptr);
    EXPECT_EQ (std::memcmp (rnc_model_get_input_std (back),
            rnc_model_get_input_std (m), D * sizeof (float)), 0);
  }
  if (head == RNC_HEAD_REGRESSION) {
    ASSERT_NE (rnc_model_get_output_mean (back), nullptr);
    EXPECT_EQ (rnc_model_get_output_mean (back)[0], 123.456f);
  }

  auto a = run (m, 9, 3), b = run (back, 9, 3);
  ASSERT_EQ (a.size (), b.size ());
  EXPECT_EQ (std::memcmp (a.data (), b.data (), a.size () * sizeof (float)), 0)
      << "forward outputs differ after a round trip, largest error "
      << rnc_test::max_abs_diff (a, b);

  /* saving the loaded model again gives the same bytes */
  size_t size2 = 0;
  guint8 *data2 = rnc_model_save_to_data (back, &size2, &err);
  ASSERT_NE (data2, nullptr);
  ASSERT_EQ (size, size2);
  EXPECT_EQ (std::memcmp (data, data2, size), 0);

  g_free (data);
  g_free (data2);
  rnc_model_free (back);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Shapes, RncModelIoRoundTrip,
    ::testing::Combine (::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM),
        ::testing::Values (1, 3),
        ::testing::Values (RNC_HEAD_NONE, RNC_HEAD_REGRESSION, RNC_HEAD_CLASSES),
        ::testing::Values (0, 1, 2)));

TEST (RncModelIo, SaveToFileIsAtomicAndLoads)
{
  std::string dir = tmp_dir ();
  std::string path = dir + "/model.safetensors";
  RncModel *m = tensor_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 4, 0, 5, 2,
      RNC_HEAD_REGRESSION, 2, 5);
  GError *err = nullptr;

  ASSERT_TRUE (rnc_model_save (m, path.c_str (), &err)) << err->message;
  /* overwrite an existing file: no temporary file is left beside it */
  rnc_model_set_metadata (m, "train.note", "second");
  ASSERT_TRUE (rnc_model_save (m, path.c_str (), &err)) << err->message;
  EXPECT_EQ (count_dir_entries (dir), 1u);

  RncModel *back = rnc_model_load (path.c_str (), &err);
  ASSERT_NE (back, nullptr) << err->message;
  expect_same_model (m, back);
  EXPECT_STREQ (rnc_model_get_metadata (back, "train.note"), "second");

  rnc_model_free (back);
  rnc_model_free (m);
  g_unlink (path.c_str ());
  g_rmdir (dir.c_str ());
}

TEST (RncModelIo, RejectsUnreadableFiles)
{
  GError *err = nullptr;
  EXPECT_EQ (rnc_model_load ("/nonexistent/model.safetensors", &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_TRUE (g_error_matches (err, RNC_MODEL_ERROR, RNC_MODEL_ERROR_IO));
  EXPECT_NE (strstr (err->message, "/nonexistent/model.safetensors"), nullptr)
      << err->message;
  g_clear_error (&err);

  std::string dir = tmp_dir ();
  EXPECT_EQ (rnc_model_load (dir.c_str (), &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_IO) << err->message;
  g_clear_error (&err);

  /* not a regular file */
  EXPECT_EQ (rnc_model_load ("/dev/null", &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_IO) << err->message;
  g_clear_error (&err);

  /* an empty file */
  std::string empty = dir + "/empty.safetensors";
  ASSERT_TRUE (g_file_set_contents (empty.c_str (), "", 0, nullptr));
  EXPECT_EQ (rnc_model_load (empty.c_str (), &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_TRUNCATED) << err->message;
  EXPECT_NE (strstr (err->message, "empty.safetensors"), nullptr);
  g_clear_error (&err);

  /* saving into a folder that does not exist */
  RncModel *m = tensor_model (RNC_CELL_RNN, RNC_INPUT_DENSE, 2, 0, 3, 1,
      RNC_HEAD_NONE, 0, 1);
  EXPECT_FALSE (rnc_model_save (m, (dir + "/no/such/dir/m.safetensors").c_str (), &err));
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_IO) << err->message;
  g_clear_error (&err);
  rnc_model_free (m);
  g_unlink (empty.c_str ());
  g_rmdir (dir.c_str ());
}

TEST (RncModelIo, RejectsSavingNonFiniteWeights)
{
  RncModel *m = tensor_model (RNC_CELL_RNN, RNC_INPUT_DENSE, 2, 0, 3, 1,
      RNC_HEAD_REGRESSION, 1, 1);
  rnc_model_get_views (m)->layer[0].Wh[4] = NAN;
  GError *err = nullptr;
  size_t size;
  EXPECT_EQ (rnc_model_save_to_data (m, &size, &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_VALUE);
  EXPECT_NE (strstr (err->message, "layer0.Wh"), nullptr) << err->message;
  g_clear_error (&err);
  rnc_model_free (m);
}

TEST (RncModelIo, LoadFromDataNamesTheSourceInErrors)
{
  const guint8 junk[4] = { 1, 2, 3, 4 };
  GError *err = nullptr;
  EXPECT_EQ (rnc_model_load_from_data (junk, sizeof (junk), "my-buffer", &err),
      nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_TRUNCATED);
  EXPECT_NE (strstr (err->message, "my-buffer"), nullptr) << err->message;
  g_clear_error (&err);
}

/* cell */
class RncStateIo : public ::testing::TestWithParam<RncCell> {};

TEST_P (RncStateIo, SaveThenLoadRestoresTheState)
{
  RncCell cell = GetParam ();
  const size_t D = 3, H = 5, L = 2, T = 7;
  RncModel *m = tensor_model (cell, RNC_INPUT_DENSE, D, 0, H, L,
      RNC_HEAD_NONE, 0, 8);
  RncState *s = rnc_state_new (m, 1, 0);
  std::vector<float> x (T * D);
  for (size_t i = 0; i < x.size (); i++)
    x[i] = std::sin (0.7 * (double) i);
  rnc_forward (s, x.data (), T, nullptr, nullptr);

  std::string dir = tmp_dir ();
  std::string path = dir + "/state.safetensors";
  GError *err = nullptr;
  ASSERT_TRUE (rnc_state_save (s, path.c_str (), &err)) << err->message;

  RncState *t = rnc_state_new (m, 1, 0);
  ASSERT_TRUE (rnc_state_load_initial (t, path.c_str (), &err)) << err->message;
  EXPECT_EQ (rnc_state_get_init (t), RNC_INIT_GIVEN);
  /* installed as the initial state, not applied until a reset */
  for (size_t i = 0; i < L * H; i++)
    ASSERT_EQ (rnc_state_peek_h (t)[i], 0.0f);
  rnc_state_reset (t);
  EXPECT_EQ (std::memcmp (rnc_state_peek_h (t), rnc_state_peek_h (s),
          L * H * sizeof (float)), 0);
  if (cell == RNC_CELL_LSTM) {
    EXPECT_EQ (std::memcmp (rnc_state_peek_c (t), rnc_state_peek_c (s),
            L * H * sizeof (float)), 0);
  }

  /* a one-stream file does not load into three streams (test-state-file.cc
   * covers files of many streams) */
  RncState *t3 = rnc_state_new (m, 3, 0);
  EXPECT_FALSE (rnc_state_load_initial (t3, path.c_str (), &err));
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_SHAPE) << err->message;
  EXPECT_NE (strstr (err->message, "1 stream, but this state has 3"),
      nullptr) << err->message;
  g_clear_error (&err);
  EXPECT_EQ (rnc_state_get_init (t3), RNC_INIT_ZEROS);
  rnc_state_free (t3);

  /* continuing from the loaded state gives what continuing the original
   * gives */
  RncState *u = rnc_state_new (m, 1, 0);
  ASSERT_TRUE (rnc_state_load_initial (u, path.c_str (), &err));
  rnc_state_reset (u);
  std::vector<float> h1 (T * H), h2 (T * H);
  rnc_forward (s, x.data (), T, h1.data (), nullptr);
  rnc_forward (u, x.data (), T, h2.data (), nullptr);
  EXPECT_EQ (std::memcmp (h1.data (), h2.data (), h1.size () * sizeof (float)), 0);

  /* a state of another shape or cell is refused */
  RncCell other_cell = cell == RNC_CELL_LSTM ? RNC_CELL_RNN : RNC_CELL_LSTM;
  RncModel *wide = tensor_model (cell, RNC_INPUT_DENSE, D, 0, H + 1, L,
      RNC_HEAD_NONE, 0, 9);
  RncModel *other = tensor_model (other_cell, RNC_INPUT_DENSE, D, 0, H, L,
      RNC_HEAD_NONE, 0, 9);
  RncState *sw = rnc_state_new (wide, 1, 0), *so = rnc_state_new (other, 1, 0);
  EXPECT_FALSE (rnc_state_load_initial (sw, path.c_str (), &err));
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_SHAPE) << err->message;
  EXPECT_NE (strstr (err->message, "state.h"), nullptr) << err->message;
  g_clear_error (&err);
  EXPECT_FALSE (rnc_state_load_initial (so, path.c_str (), &err));
  ASSERT_NE (err, nullptr);
  /* an rnn state lacks state.c; an lstm state has one an rnn does not know */
  EXPECT_EQ (err->code, cell == RNC_CELL_LSTM ? RNC_MODEL_ERROR_UNEXPECTED :
      RNC_MODEL_ERROR_MISSING) << err->message;
  EXPECT_NE (strstr (err->message, "state.c"), nullptr) << err->message;
  g_clear_error (&err);
  EXPECT_EQ (rnc_state_get_init (so), RNC_INIT_ZEROS);

  /* a model file is not a state file */
  std::string mpath = dir + "/model.safetensors";
  ASSERT_TRUE (rnc_model_save (m, mpath.c_str (), &err));
  EXPECT_FALSE (rnc_state_load_initial (u, mpath.c_str (), &err));
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_UNEXPECTED) << err->message;
  g_clear_error (&err);

  rnc_state_free (s);
  rnc_state_free (t);
  rnc_state_free (u);
  rnc_state_free (sw);
  rnc_state_free (so);
  rnc_model_free (wide);
  rnc_model_free (other);
  rnc_model_free (m);
  g_unlink (path.c_str ());
  g_unlink (mpath.c_str ());
  g_rmdir (dir.c_str ());
}

TEST_P (RncStateIo, RejectsNonFiniteStateValues)
{
  RncCell cell = GetParam ();
  RncModel *m = tensor_model (cell, RNC_INPUT_DENSE, 2, 0, 3, 1,
      RNC_HEAD_NONE, 0, 8);
  RncState *s = rnc_state_new (m, 1, 0);
  rnc_state_get_h (s)[2] = INFINITY;
  GError *err = nullptr;
  size_t size;
  EXPECT_EQ (rnc_state_save_to_data (s, &size, &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_VALUE);
  g_clear_error (&err);
  rnc_state_free (s);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Cells, RncStateIo,
    ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM));

TEST (RncSafetensors, WriterAndReaderAgreeOnEveryDtype)
{
  std::vector<guint8> bytes (64);
  for (size_t i = 0; i < bytes.size (); i++)
    bytes[i] = (guint8) (i * 37 + 11);
  RncSafetensorsWriter *w = rnc_safetensors_writer_new ();
  GError *err = nullptr;
  const RncDtype all[] = { RNC_DTYPE_BOOL, RNC_DTYPE_U8, RNC_DTYPE_I8,
    RNC_DTYPE_F8_E5M2, RNC_DTYPE_F8_E4M3, RNC_DTYPE_I16, RNC_DTYPE_U16,
    RNC_DTYPE_F16, RNC_DTYPE_BF16, RNC_DTYPE_I32, RNC_DTYPE_U32, RNC_DTYPE_F32,
    RNC_DTYPE_I64, RNC_DTYPE_U64, RNC_DTYPE_F64 };
  for (RncDtype d : all) {
    size_t shape[2] = { 2, 8 / rnc_dtype_get_size (d) };
    std::string name = std::string ("t.") + rnc_dtype_to_string (d);
    ASSERT_TRUE (rnc_safetensors_writer_add (w, name.c_str (), d, 2, shape,
            bytes.data (), &err)) << err->message;
  }
  float scalar = 2.5f;
  ASSERT_TRUE (rnc_safetensors_writer_add (w, "scalar", RNC_DTYPE_F32, 0,
          nullptr, &scalar, &err));
  size_t empty_shape[2] = { 0, 5 };
  ASSERT_TRUE (rnc_safetensors_writer_add (w, "empty", RNC_DTYPE_F32, 2,
          empty_shape, nullptr, &err));
  /* refused names */
  EXPECT_FALSE (rnc_safetensors_writer_add (w, "scalar", RNC_DTYPE_F32, 0,
          nullptr, &scalar, &err));
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_DUPLICATE);
  g_clear_error (&err);
  EXPECT_FALSE (rnc_safetensors_writer_add (w, "__metadata__", RNC_DTYPE_F32,
          0, nullptr, &scalar, &err));
  g_clear_error (&err);
  rnc_safetensors_writer_set_metadata (w, "k", "välue");
  rnc_safetensors_writer_set_metadata (w, "gone", "x");
  rnc_safetensors_writer_set_metadata (w, "gone", nullptr);

  size_t size = 0;
  guint8 *data = rnc_safetensors_writer_to_data (w, &size, &err);
  ASSERT_NE (data, nullptr) << err->message;
  RncSafetensors *st = rnc_safetensors_parse (data, size, "all", &err);
  ASSERT_NE (st, nullptr) << err->message;
  EXPECT_EQ (rnc_safetensors_get_n_tensors (st), G_N_ELEMENTS (all) + 2);
  for (RncDtype d : all) {
    std::string name = std::string ("t.") + rnc_dtype_to_string (d);
    const RncTensorInfo *t = rnc_safetensors_lookup (st, name.c_str ());
    ASSERT_NE (t, nullptr) << name;
    EXPECT_EQ (t->dtype, d);
    EXPECT_EQ (t->rank, 2u);
    EXPECT_EQ (t->n_bytes, 16u);
    std::vector<guint8> back (16);
    rnc_tensor_info_copy (t, back.data ());
    EXPECT_EQ (std::memcmp (back.data (), bytes.data (), 16), 0) << name;
  }
  const RncTensorInfo *s = rnc_safetensors_lookup (st, "scalar");
  ASSERT_NE (s, nullptr);
  EXPECT_EQ (s->rank, 0u);
  EXPECT_EQ (s->n_elements, 1u);
  float back = 0;
  rnc_tensor_info_copy (s, &back);
  EXPECT_EQ (back, 2.5f);
  const RncTensorInfo *e = rnc_safetensors_lookup (st, "empty");
  ASSERT_NE (e, nullptr);
  EXPECT_EQ (e->n_bytes, 0u);
  EXPECT_STREQ (rnc_safetensors_get_metadata (st, "k"), "välue");
  EXPECT_EQ (rnc_safetensors_get_metadata (st, "gone"), nullptr);
  /* tensors come back in data order */
  for (size_t i = 1; i < rnc_safetensors_get_n_tensors (st); i++)
    EXPECT_LE (rnc_safetensors_get_tensor (st, i - 1)->offset,
        rnc_safetensors_get_tensor (st, i)->offset);

  rnc_safetensors_free (st);
  g_free (data);
  rnc_safetensors_writer_free (w);
}

TEST (RncSafetensors, ReadsAHandWrittenFile)
{
  /* written by hand, as another tool would: spaces, member order, an
   * unknown field in an entry (ignored, as the reference reader does) */
  std::string header = "{ \"b\" : {\"shape\": [2], \"dtype\": \"F32\", "
      "\"data_offsets\": [8, 16], \"extra\": null},\n"
      "  \"a\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
      " \"__metadata__\": {\"x\": \"y\"} }  ";
  std::vector<guint8> file (8);
  guint64 len = header.size ();
  for (int i = 0; i < 8; i++)
    file[i] = (guint8) (len >> (8 * i));
  file.insert (file.end (), header.begin (), header.end ());
  const guint8 data[16] = { 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
    0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0 };
  file.insert (file.end (), data, data + 16);

  GError *err = nullptr;
  RncSafetensors *st = rnc_safetensors_parse (file.data (), file.size (),
      "hand", &err);
  ASSERT_NE (st, nullptr) << err->message;
  int32_t a[2];
  float b[2];
  rnc_tensor_info_copy (rnc_safetensors_lookup (st, "a"), a);
  rnc_tensor_info_copy (rnc_safetensors_lookup (st, "b"), b);
  EXPECT_EQ (a[0], 1);
  EXPECT_EQ (a[1], -1);
  EXPECT_EQ (b[0], 1.0f);
  EXPECT_EQ (b[1], -2.0f);
  EXPECT_STREQ (rnc_safetensors_get_tensor (st, 0)->name, "a");
  EXPECT_STREQ (rnc_safetensors_get_metadata (st, "x"), "y");
  rnc_safetensors_free (st);
}

/* Found by fuzz-vocab / fuzz-safetensors (docs/fuzzing.md): the writer's
 * header went through json-glib's generator, which writes U+001F raw inside
 * a string (not JSON; a strict reader refuses the file). Names and
 * metadata holding control characters are escaped, and read back. */
TEST (Safetensors, HeaderEscapesControlCharacters)
{
  RncSafetensorsWriter *w = rnc_safetensors_writer_new ();
  GError *error = nullptr;
  const float x = 1.5f;
  const size_t shape[1] = { 1 };
  ASSERT_TRUE (rnc_safetensors_writer_add (w, "t\x1f\x01" "a", RNC_DTYPE_F32,
          1, shape, &x, &error));
  rnc_safetensors_writer_set_metadata (w, "k\x1f", "v\x1f\t\x02");
  size_t size = 0;
  guint8 *data = rnc_safetensors_writer_to_data (w, &size, &error);
  ASSERT_NE (data, nullptr) << error->message;
  uint64_t hlen = 0;
  memcpy (&hlen, data, 8);
  ASSERT_LE (8 + hlen, size);
  for (uint64_t i = 8; i < 8 + hlen; i++)
    EXPECT_GE (data[i], 0x20u) << "raw control byte at " << i;
  RncSafetensors *st = rnc_safetensors_parse (data, size, "esc", &error);
  ASSERT_NE (st, nullptr) << error->message;
  ASSERT_EQ (rnc_safetensors_get_n_tensors (st), 1u);
  EXPECT_STREQ (rnc_safetensors_get_tensor (st, 0)->name, "t\x1f\x01" "a");
  EXPECT_STREQ (rnc_safetensors_get_metadata (st, "k\x1f"), "v\x1f\t\x02");
  rnc_safetensors_free (st);
  g_free (data);
  rnc_safetensors_writer_free (w);
}

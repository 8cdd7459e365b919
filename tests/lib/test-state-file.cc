/* State files of many streams, positions and recorded initial states
 * (docs/checkpoints.md), hostile state files, and the atomic write: a
 * failed write keeps the previous file and says which file and why. */
#include "rnc-test-util.h"

#include "rnc.h"
#include "rnc-safetensors.h"

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

std::string
tmp_dir ()
{
  GError *err = nullptr;
  char *d = g_dir_make_tmp ("rnc-state-XXXXXX", &err);
  EXPECT_NE (d, nullptr) << (err ? err->message : "");
  g_clear_error (&err);
  std::string s = d ? d : "/tmp";
  g_free (d);
  return s;
}

void
remove_tree (const std::string &dir)
{
  GDir *d = g_dir_open (dir.c_str (), 0, nullptr);
  if (d) {
    const char *name;
    while ((name = g_dir_read_name (d))) {
      std::string p = dir + "/" + name;
      if (g_file_test (p.c_str (), G_FILE_TEST_IS_DIR))
        remove_tree (p);
      else
        g_unlink (p.c_str ());
    }
    g_dir_close (d);
  }
  g_rmdir (dir.c_str ());
}

std::string
read_file (const std::string &path)
{
  gchar *data = nullptr;
  gsize len = 0;
  if (!g_file_get_contents (path.c_str (), &data, &len, nullptr))
    return std::string ();
  std::string s (data, len);
  g_free (data);
  return s;
}

/* A state of @N streams of @m after T frames of a different input per
 * stream (time-major (T, N, D)). */
RncState *
run_state (const RncModel *m, size_t N, size_t T, double phase)
{
  const size_t D = rnc_model_get_frame_width (m);
  RncState *s = rnc_state_new (m, N, 0);
  std::vector<float> x (T * N * D);
  for (size_t i = 0; i < x.size (); i++)
    x[i] = (float) std::sin (phase + 0.37 * (double) i);
  rnc_forward (s, x.data (), T, nullptr, nullptr);
  return s;
}

/* Parsed metadata value of a saved file, or "" when absent. */
std::string
metadata_of (const std::string &bytes, const char *key)
{
  GError *err = nullptr;
  RncSafetensors *st = rnc_safetensors_parse ((const guint8 *) bytes.data (),
      bytes.size (), "f", &err);
  EXPECT_NE (st, nullptr) << err->message;
  if (!st)
    return "";
  const char *v = rnc_safetensors_get_metadata (st, key);
  std::string r = v ? v : "";
  rnc_safetensors_free (st);
  return r;
}

std::vector<size_t>
shape_of (const std::string &bytes, const char *name)
{
  RncSafetensors *st = rnc_safetensors_parse ((const guint8 *) bytes.data (),
      bytes.size (), "f", nullptr);
  std::vector<size_t> shape;
  const RncTensorInfo *t = st ? rnc_safetensors_lookup (st, name) : nullptr;
  if (t)
    shape.assign (t->shape, t->shape + t->rank);
  rnc_safetensors_free (st);
  return shape;
}

}  // namespace

/* cell */
class RncStateFileTest : public ::testing::TestWithParam<RncCell> {};

TEST_P (RncStateFileTest, ManyStreamsRoundTripPerStream)
{
  RncCell cell = GetParam ();
  const size_t D = 2, H = 5, L = 2, N = 3;
  RncModel *m = rnc_test::random_model (cell, RNC_INPUT_DENSE, D, 0, H, L,
      RNC_HEAD_NONE, 0, 11, 0.6f);
  RncState *s = run_state (m, N, 9, 0.3);
  GError *err = nullptr;
  size_t size = 0;
  guint8 *data = rnc_state_save_to_data_at (s, 1234567890123ull, &size, &err);
  ASSERT_NE (data, nullptr) << err->message;
  std::string bytes ((const char *) data, size);
  g_free (data);

  EXPECT_EQ (shape_of (bytes, "state.h"), (std::vector<size_t>{ L, N, H }));
  if (cell == RNC_CELL_LSTM) {
    EXPECT_EQ (shape_of (bytes, "state.c"), (std::vector<size_t>{ L, N, H }));
  }
  EXPECT_EQ (metadata_of (bytes, "rnc.streams"), "3");
  EXPECT_EQ (metadata_of (bytes, "rnc.position"), "1234567890123");
  EXPECT_EQ (metadata_of (bytes, "rnc.initial"), "zeros");

  /* as the initial state: each stream gets its own values back */
  RncState *t = rnc_state_new (m, N, 0);
  ASSERT_TRUE (rnc_state_load_initial_from_data (t,
          (const guint8 *) bytes.data (), bytes.size (), "s", &err))
      << err->message;
  rnc_state_reset (t);
  EXPECT_EQ (std::memcmp (rnc_state_peek_h (t), rnc_state_peek_h (s),
          L * N * H * sizeof (float)), 0);
  if (cell == RNC_CELL_LSTM) {
    EXPECT_EQ (std::memcmp (rnc_state_peek_c (t), rnc_state_peek_c (s),
            L * N * H * sizeof (float)), 0);
  }
  /* streams differ from each other (the test would miss a broadcast) */
  EXPECT_NE (std::memcmp (rnc_state_peek_h (s), rnc_state_peek_h (s) + H,
          H * sizeof (float)), 0);

  /* as a resume file: position, values, the recorded initial state */
  RncStateFile *f = rnc_state_file_load_from_data (t,
      (const guint8 *) bytes.data (), bytes.size (), "s", &err);
  ASSERT_NE (f, nullptr) << err->message;
  guint64 pos = 0;
  EXPECT_TRUE (rnc_state_file_get_position (f, &pos));
  EXPECT_EQ (pos, 1234567890123ull);
  EXPECT_EQ (rnc_state_file_get_streams (f), N);
  EXPECT_EQ (rnc_state_file_get_initial (f), RNC_INIT_ZEROS);
  RncState *u = rnc_state_new (m, N, 0);
  rnc_state_set_init (u, RNC_INIT_ONES);
  rnc_state_file_apply_initial (f, u);
  EXPECT_EQ (rnc_state_get_init (u), RNC_INIT_ZEROS);
  rnc_state_file_apply_values (f, u);
  EXPECT_EQ (std::memcmp (rnc_state_peek_h (u), rnc_state_peek_h (s),
          L * N * H * sizeof (float)), 0);
  /* continuing gives what continuing the original gives */
  std::vector<float> x (4 * N * D, 0.25f), h1 (4 * N * H), h2 (4 * N * H);
  rnc_forward (s, x.data (), 4, h1.data (), nullptr);
  rnc_forward (u, x.data (), 4, h2.data (), nullptr);
  EXPECT_EQ (std::memcmp (h1.data (), h2.data (), h1.size () * 4), 0);
  rnc_state_file_free (f);

  /* another number of streams is refused, naming both numbers */
  for (size_t other : { (size_t) 1, (size_t) 2, (size_t) 4 }) {
    RncState *o = rnc_state_new (m, other, 0);
    EXPECT_FALSE (rnc_state_load_initial_from_data (o,
            (const guint8 *) bytes.data (), bytes.size (), "my.state", &err));
    ASSERT_NE (err, nullptr);
    EXPECT_EQ (err->code, RNC_MODEL_ERROR_SHAPE);
    std::string want = "my.state holds the state of 3 streams, but this "
        "state has " + std::to_string (other) + " stream";
    EXPECT_NE (strstr (err->message, want.c_str ()), nullptr) << err->message;
    g_clear_error (&err);
    EXPECT_EQ (rnc_state_file_load_from_data (o,
            (const guint8 *) bytes.data (), bytes.size (), "my.state", &err),
        nullptr);
    g_clear_error (&err);
    rnc_state_free (o);
  }

  rnc_state_free (s);
  rnc_state_free (t);
  rnc_state_free (u);
  rnc_model_free (m);
}

TEST_P (RncStateFileTest, RecordsWhatAResetRestores)
{
  RncCell cell = GetParam ();
  const size_t D = 2, H = 4, L = 2, N = 2;
  RncModel *m = rnc_test::random_model (cell, RNC_INPUT_DENSE, D, 0, H, L,
      RNC_HEAD_NONE, 0, 12, 0.6f);
  GError *err = nullptr;

  /* ones */
  RncState *s = run_state (m, N, 3, 0.1);
  rnc_state_set_init (s, RNC_INIT_ONES);
  size_t size = 0;
  guint8 *data = rnc_state_save_to_data_at (s, 3, &size, &err);
  ASSERT_NE (data, nullptr) << err->message;
  RncStateFile *f = rnc_state_file_load_from_data (s, data, size, "s", &err);
  ASSERT_NE (f, nullptr) << err->message;
  EXPECT_EQ (rnc_state_file_get_initial (f), RNC_INIT_ONES);
  RncState *u = rnc_state_new (m, N, 0);
  rnc_state_file_apply_initial (f, u);
  rnc_state_reset (u);
  for (size_t i = 0; i < L * N * H; i++)
    ASSERT_EQ (rnc_state_peek_h (u)[i], 1.0f);
  rnc_state_file_free (f);
  g_free (data);

  /* given, per stream: a state loaded from another run's file */
  RncState *g = run_state (m, N, 5, 2.0);
  data = rnc_state_save_to_data (g, &size, &err);
  ASSERT_NE (data, nullptr);
  ASSERT_TRUE (rnc_state_load_initial_from_data (s, data, size, "g", &err));
  g_free (data);
  data = rnc_state_save_to_data_at (s, 3, &size, &err);
  ASSERT_NE (data, nullptr) << err->message;
  std::string bytes ((const char *) data, size);
  EXPECT_EQ (metadata_of (bytes, "rnc.initial"), "given");
  EXPECT_EQ (shape_of (bytes, "initial.h"), (std::vector<size_t>{ L, N, H }));
  f = rnc_state_file_load_from_data (s, data, size, "s", &err);
  ASSERT_NE (f, nullptr) << err->message;
  g_free (data);
  rnc_state_file_apply_initial (f, u);
  EXPECT_EQ (rnc_state_get_init (u), RNC_INIT_GIVEN);
  rnc_state_reset (u);
  EXPECT_EQ (std::memcmp (rnc_state_peek_h (u), rnc_state_peek_h (g),
          L * N * H * sizeof (float)), 0);
  if (cell == RNC_CELL_LSTM) {
    EXPECT_EQ (std::memcmp (rnc_state_peek_c (u), rnc_state_peek_c (g),
            L * N * H * sizeof (float)), 0);
  }
  /* the current values are the run's, not the initial ones */
  rnc_state_file_apply_values (f, u);
  EXPECT_EQ (std::memcmp (rnc_state_peek_h (u), rnc_state_peek_h (s),
          L * N * H * sizeof (float)), 0);
  rnc_state_file_free (f);

  /* without a position, none is reported */
  data = rnc_state_save_to_data (s, &size, &err);
  f = rnc_state_file_load_from_data (s, data, size, "s", &err);
  ASSERT_NE (f, nullptr);
  guint64 pos = 7;
  EXPECT_FALSE (rnc_state_file_get_position (f, &pos));
  EXPECT_EQ (pos, 0u);
  rnc_state_file_free (f);
  g_free (data);

  rnc_state_free (s);
  rnc_state_free (g);
  rnc_state_free (u);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Cells, RncStateFileTest,
    ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM),
    [] (const ::testing::TestParamInfo<RncCell> &i) {
      return std::string (rnc_cell_to_string (i.param));
    });

/* ---- hostile state files ------------------------------------------------ */

namespace {

struct HostileState
{
  const char *name;
  /* builds the file from an LSTM L=2, H=3 of 2 streams */
  std::function<void (RncSafetensorsWriter *, const float *)> build;
  RncModelError code;
  const char *needle;
};

void
add (RncSafetensorsWriter *w, const char *name, std::vector<size_t> shape,
    const float *data)
{
  ASSERT_TRUE (rnc_safetensors_writer_add (w, name, RNC_DTYPE_F32,
          shape.size (), shape.data (), data, nullptr));
}

void
good_tensors (RncSafetensorsWriter *w, const float *v)
{
  add (w, "state.h", { 2, 2, 3 }, v);
  add (w, "state.c", { 2, 2, 3 }, v);
}

}  // namespace

class RncStateFileHostile : public ::testing::TestWithParam<HostileState> {};

TEST_P (RncStateFileHostile, IsAClearError)
{
  const HostileState &c = GetParam ();
  RncModel *m = rnc_test::random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 2, 0,
      3, 2, RNC_HEAD_NONE, 0, 1, 0.6f);
  RncState *s = rnc_state_new (m, 2, 0);
  std::vector<float> v (64, 0.5f);
  RncSafetensorsWriter *w = rnc_safetensors_writer_new ();
  c.build (w, v.data ());
  GError *err = nullptr;
  size_t size = 0;
  guint8 *data = rnc_safetensors_writer_to_data (w, &size, &err);
  ASSERT_NE (data, nullptr) << err->message;
  RncStateFile *f = rnc_state_file_load_from_data (s, data, size, "bad.state",
      &err);
  EXPECT_EQ (f, nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, c.code) << err->message;
  EXPECT_NE (strstr (err->message, "bad.state"), nullptr) << err->message;
  EXPECT_NE (strstr (err->message, c.needle), nullptr) << err->message;
  g_clear_error (&err);
  /* the other entry point says the same and installs nothing */
  EXPECT_FALSE (rnc_state_load_initial_from_data (s, data, size, "bad.state",
          &err));
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, c.code) << err->message;
  g_clear_error (&err);
  EXPECT_EQ (rnc_state_get_init (s), RNC_INIT_ZEROS);
  rnc_state_file_free (f);
  g_free (data);
  rnc_safetensors_writer_free (w);
  rnc_state_free (s);
  rnc_model_free (m);
}

static const HostileState hostile_states[] = {
  {"NegativePosition", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.position", "-1");
    }, RNC_MODEL_ERROR_METADATA, "rnc.position"},
  {"FloatPosition", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.position", "1e3");
    }, RNC_MODEL_ERROR_METADATA, "rnc.position"},
  {"EmptyPosition", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.position", "");
    }, RNC_MODEL_ERROR_METADATA, "rnc.position"},
  {"HugePosition", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.position",
          "18446744073709551616");
    }, RNC_MODEL_ERROR_METADATA, "rnc.position"},
  {"PositionWithSpace", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.position", " 12");
    }, RNC_MODEL_ERROR_METADATA, "rnc.position"},
  {"StreamsDisagreeWithTensors", [] (RncSafetensorsWriter *w,
          const float *v) {
      good_tensors (w, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.streams", "5");
    }, RNC_MODEL_ERROR_METADATA, "rnc.streams"},
  {"StreamsNotANumber", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.streams", "two");
    }, RNC_MODEL_ERROR_METADATA, "rnc.streams"},
  {"CHasOtherStreams", [] (RncSafetensorsWriter *w, const float *v) {
      add (w, "state.h", { 2, 2, 3 }, v);
      add (w, "state.c", { 2, 3, 3 }, v);
    }, RNC_MODEL_ERROR_SHAPE, "state.c"},
  {"OneStreamFile", [] (RncSafetensorsWriter *w, const float *v) {
      add (w, "state.h", { 2, 3 }, v);
      add (w, "state.c", { 2, 3 }, v);
    }, RNC_MODEL_ERROR_SHAPE, "1 stream, but this state has 2"},
  {"ZeroStreams", [] (RncSafetensorsWriter *w, const float *v) {
      add (w, "state.h", { 2, 0, 3 }, v);
      add (w, "state.c", { 2, 0, 3 }, v);
    }, RNC_MODEL_ERROR_SHAPE, "state.h"},
  {"WrongHidden", [] (RncSafetensorsWriter *w, const float *v) {
      add (w, "state.h", { 2, 2, 4 }, v);
      add (w, "state.c", { 2, 2, 4 }, v);
    }, RNC_MODEL_ERROR_SHAPE, "state.h"},
  {"RankFour", [] (RncSafetensorsWriter *w, const float *v) {
      add (w, "state.h", { 2, 2, 3, 1 }, v);
      add (w, "state.c", { 2, 2, 3 }, v);
    }, RNC_MODEL_ERROR_SHAPE, "state.h"},
  {"NonFinite", [] (RncSafetensorsWriter *w, const float *v) {
      static float bad[12];
      for (int i = 0; i < 12; i++)
        bad[i] = i == 7 ? NAN : 0.0f;
      add (w, "state.h", { 2, 2, 3 }, v);
      add (w, "state.c", { 2, 2, 3 }, bad);
    }, RNC_MODEL_ERROR_VALUE, "state.c"},
  {"UnknownInitial", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.initial", "random");
    }, RNC_MODEL_ERROR_METADATA, "rnc.initial"},
  {"GivenWithoutTensors", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.initial", "given");
    }, RNC_MODEL_ERROR_METADATA, "initial.h"},
  {"InitialTensorsWithoutGiven", [] (RncSafetensorsWriter *w,
          const float *v) {
      good_tensors (w, v);
      add (w, "initial.h", { 2, 2, 3 }, v);
      add (w, "initial.c", { 2, 2, 3 }, v);
    }, RNC_MODEL_ERROR_METADATA, "initial.h"},
  {"GivenWithoutInitialC", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      add (w, "initial.h", { 2, 2, 3 }, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.initial", "given");
    }, RNC_MODEL_ERROR_METADATA, "rnc.initial"},
  {"InitialOfOtherStreams", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      add (w, "initial.h", { 2, 3 }, v);
      add (w, "initial.c", { 2, 3 }, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.initial", "given");
    }, RNC_MODEL_ERROR_SHAPE, "initial.h"},
  {"UnknownTensor", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      add (w, "state.x", { 2, 2, 3 }, v);
    }, RNC_MODEL_ERROR_UNEXPECTED, "state.x"},
  {"OtherCell", [] (RncSafetensorsWriter *w, const float *v) {
      good_tensors (w, v);
      rnc_safetensors_writer_set_metadata (w, "rnc.cell", "rnn");
    }, RNC_MODEL_ERROR_METADATA, "rnc.cell"},
  {"MissingC", [] (RncSafetensorsWriter *w, const float *v) {
      add (w, "state.h", { 2, 2, 3 }, v);
    }, RNC_MODEL_ERROR_MISSING, "state.c"},
};

INSTANTIATE_TEST_SUITE_P (Files, RncStateFileHostile,
    ::testing::ValuesIn (hostile_states),
    [] (const ::testing::TestParamInfo<HostileState> &i) {
      return std::string (i.param.name);
    });

/* ---- atomic writes ------------------------------------------------------- */

TEST (RncStateFileWrite, LeavesNoTemporaryFileAndReplacesTheOld)
{
  RncModel *m = rnc_test::random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 2, 0,
      4, 1, RNC_HEAD_NONE, 0, 3, 0.6f);
  RncState *a = run_state (m, 1, 4, 0.0), *b = run_state (m, 1, 6, 1.0);
  std::string dir = tmp_dir (), path = dir + "/s.state";
  GError *err = nullptr;
  ASSERT_TRUE (rnc_state_save_at (a, 4, path.c_str (), &err));
  ASSERT_TRUE (rnc_state_save_at (b, 6, path.c_str (), &err));
  EXPECT_FALSE (rnc_test::path_exists (path + ".tmp"));
  std::string bytes = read_file (path);
  EXPECT_EQ (metadata_of (bytes, "rnc.position"), "6");
  /* a temporary file left by a killed writer is simply overwritten */
  ASSERT_TRUE (g_file_set_contents ((path + ".tmp").c_str (), "junk", 4,
          nullptr));
  ASSERT_TRUE (rnc_state_save_at (a, 4, path.c_str (), &err));
  EXPECT_FALSE (rnc_test::path_exists (path + ".tmp"));
  EXPECT_EQ (metadata_of (read_file (path), "rnc.position"), "4");
  rnc_state_free (a);
  rnc_state_free (b);
  rnc_model_free (m);
  remove_tree (dir);
}

TEST (RncStateFileWrite, FailureKeepsThePreviousFileAndSaysWhy)
{
  RncModel *m = rnc_test::random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 2, 0,
      4, 1, RNC_HEAD_NONE, 0, 3, 0.6f);
  RncState *a = run_state (m, 1, 4, 0.0), *b = run_state (m, 1, 6, 1.0);
  std::string dir = tmp_dir (), path = dir + "/s.state";
  GError *err = nullptr;
  ASSERT_TRUE (rnc_state_save_at (a, 4, path.c_str (), &err));
  std::string before = read_file (path);

  /* the temporary file cannot be created (a folder in its way: works as
   * root too, unlike a read-only folder) */
  ASSERT_EQ (g_mkdir ((path + ".tmp").c_str (), 0700), 0);
  EXPECT_FALSE (rnc_state_save_at (b, 6, path.c_str (), &err));
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->domain, RNC_MODEL_ERROR);
  EXPECT_EQ (err->code, RNC_MODEL_ERROR_IO);
  EXPECT_NE (strstr (err->message, path.c_str ()), nullptr) << err->message;
  EXPECT_NE (strstr (err->message, g_strerror (EISDIR)), nullptr)
      << err->message;
  g_clear_error (&err);
  EXPECT_EQ (read_file (path), before);
  g_rmdir ((path + ".tmp").c_str ());

  /* a folder that does not exist */
  std::string lost = dir + "/no/such/dir/s.state";
  EXPECT_FALSE (rnc_state_save_at (b, 6, lost.c_str (), &err));
  ASSERT_NE (err, nullptr);
  EXPECT_NE (strstr (err->message, lost.c_str ()), nullptr) << err->message;
  EXPECT_NE (strstr (err->message, g_strerror (ENOENT)), nullptr)
      << err->message;
  g_clear_error (&err);

  /* a read-only folder (skipped as root, who may write anyway) */
  if (geteuid () != 0) {
    ASSERT_EQ (g_chmod (dir.c_str (), 0500), 0);
    EXPECT_FALSE (rnc_state_save_at (b, 6, path.c_str (), &err));
    ASSERT_NE (err, nullptr);
    EXPECT_NE (strstr (err->message, g_strerror (EACCES)), nullptr)
        << err->message;
    g_clear_error (&err);
    g_chmod (dir.c_str (), 0700);
    EXPECT_EQ (read_file (path), before);
  }

  /* a full disk, as a file size limit in a child process: the write fails
   * part-way (EFBIG) and the old file stays */
  pid_t pid = fork ();
  ASSERT_GE (pid, 0);
  if (pid == 0) {
    signal (SIGXFSZ, SIG_IGN);
    struct rlimit lim = { 64, 64 };
    setrlimit (RLIMIT_FSIZE, &lim);
    GError *e = nullptr;
    gboolean ok = rnc_state_save_at (b, 6, path.c_str (), &e);
    int code = ok ? 1 : (strstr (e->message, path.c_str ())
        && strstr (e->message, g_strerror (EFBIG))) ? 0 : 2;
    if (code == 2)
      fprintf (stderr, "unexpected message: %s\n", e->message);
    _exit (code);
  }
  int status = 0;
  ASSERT_EQ (waitpid (pid, &status, 0), pid);
  ASSERT_TRUE (WIFEXITED (status));
  EXPECT_EQ (WEXITSTATUS (status), 0) << "1: the write succeeded, 2: message";
  EXPECT_EQ (read_file (path), before);
  EXPECT_FALSE (rnc_test::path_exists (path + ".tmp"));

  rnc_state_free (a);
  rnc_state_free (b);
  rnc_model_free (m);
  remove_tree (dir);
}

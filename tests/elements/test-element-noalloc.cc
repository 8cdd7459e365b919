/* The rnn and lstm elements allocate nothing per buffer in steady state:
 * malloc and friends are interposed in this test binary (as in
 * tests/lib/test-noalloc.cc) and counted while prebuilt buffers are pushed
 * through `element ! fakesink`, after a warm-up, in every emit mode, output
 * kind, with and without a window, for buffers read in place (whole frames)
 * and through the adapter (partial frames), with a large model's steps split
 * across two threads too. identity in the same rig is the
 * control: it shows the rig itself allocates nothing. GLib's slice
 * allocator is switched to malloc (G_SLICE=always-malloc, the binary
 * re-executes itself to set it before GLib starts) so that slice
 * allocations are counted too. Skipped under sanitizers and outside glibc.
 *
 * Also: a stream mixing buffers read in place and buffers going through the
 * adapter gives bit for bit the library's output and the timestamps of the
 * design. */
#include "recurrent-test-util.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <unistd.h>

#include "rnc-noalloc-hooks.h"

using namespace rnc_test;

#ifndef RNC_NOALLOC_SKIP
/* GLib reads G_SLICE once, early: start again with it set (glibc passes
 * argc, argv and envp to constructors). */
__attribute__ ((constructor)) static void
slice_to_malloc (int argc, char **argv, char **envp)
{
  (void) argc;
  (void) envp;
  const char *v = getenv ("G_SLICE");
  if (v && strcmp (v, "always-malloc") == 0)
    return;
  setenv ("G_SLICE", "always-malloc", 1);
  execv ("/proc/self/exe", argv);
  /* exec failed: run without it (slice allocations are then not seen) */
}
#endif

namespace {

/* src pad -> DESC ! fakesink, started, with stream-start, caps, segment. */
struct Rig
{
  GstElement *pipe = nullptr;
  GstPad *src = nullptr;

  Rig (const std::string &desc, const std::string &caps)
  {
    GError *err = nullptr;
    /* DESC may name its element itself (when a capsfilter follows it) */
    std::string full = desc.find (" name=e") != std::string::npos ? desc :
        desc + " name=e";
    GstElement *bin = gst_parse_bin_from_description ((full +
            " ! fakesink sync=false async=false silent=true").c_str (),
        FALSE, &err);
    EXPECT_NE (bin, nullptr) << (err ? err->message : "");
    g_clear_error (&err);
    pipe = gst_pipeline_new (nullptr);
    gst_bin_add (GST_BIN (pipe), bin);
    GstElement *e = gst_bin_get_by_name (GST_BIN (bin), "e");
    GstPad *sink = gst_element_get_static_pad (e, "sink");
    src = gst_pad_new ("src", GST_PAD_SRC);
    EXPECT_EQ (gst_pad_link (src, sink), GST_PAD_LINK_OK);
    gst_object_unref (sink);
    gst_object_unref (e);
    EXPECT_NE (gst_element_set_state (pipe, GST_STATE_PLAYING),
        GST_STATE_CHANGE_FAILURE);
    gst_pad_set_active (src, TRUE);
    gst_pad_push_event (src, gst_event_new_stream_start ("noalloc"));
    GstCaps *c = gst_caps_from_string (caps.c_str ());
    gst_pad_push_event (src, gst_event_new_caps (c));
    gst_caps_unref (c);
    GstSegment seg;
    gst_segment_init (&seg, GST_FORMAT_TIME);
    gst_pad_push_event (src, gst_event_new_segment (&seg));
  }

  ~Rig ()
  {
    gst_pad_push_event (src, gst_event_new_eos ());
    gst_pad_set_active (src, FALSE);
    gst_object_unref (src);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (pipe);
  }
};

/* Buffers of @bytes bytes cut from @data (cycled), timestamped in order;
 * every @discont_every-th flagged DISCONT (0: none). */
std::vector<GstBuffer *>
make_buffers (const std::vector<uint8_t> &data, size_t bytes, size_t n,
    size_t *pos, guint64 *pts, size_t discont_every = 0)
{
  std::vector<GstBuffer *> v;
  for (size_t i = 0; i < n; i++) {
    GstBuffer *b = gst_buffer_new_allocate (nullptr, bytes, nullptr);
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_WRITE);
    for (size_t k = 0; k < bytes; k++)
      map.data[k] = data[(*pos + k) % data.size ()];
    gst_buffer_unmap (b, &map);
    *pos = (*pos + bytes) % data.size ();
    GST_BUFFER_PTS (b) = *pts;
    GST_BUFFER_DURATION (b) = GST_MSECOND;
    *pts += GST_MSECOND;
    if (discont_every && i % discont_every == discont_every - 1)
      GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
    v.push_back (b);
  }
  return v;
}

/* Pushes @n buffers of @bytes bytes through @rig after @warm unmeasured
 * ones; returns the allocations counted during the measured pushes. */
long
allocations (Rig &rig, const std::vector<uint8_t> &data, size_t bytes,
    size_t warm, size_t n, size_t discont_every = 0)
{
  size_t pos = 0;
  guint64 pts = 0;
  auto w = make_buffers (data, bytes, warm, &pos, &pts, discont_every);
  for (GstBuffer *b : w)
    EXPECT_EQ (gst_pad_push (rig.src, b), GST_FLOW_OK);
  auto m = make_buffers (data, bytes, n, &pos, &pts, discont_every);
  counting = true;
  n_allocs = 0;
  for (GstBuffer *b : m)
    if (gst_pad_push (rig.src, b) != GST_FLOW_OK)
      break;
  counting = false;
  return n_allocs.load ();
}

struct Models
{
  TempDir dir;
  std::string lstm_reg, rnn_cls, lstm_ids, lstm_big, gru_reg, gru_big,
      lstm_lag, lstm_cal;
  size_t D = 3;

  Models ()
  {
    RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, 24, 2,
        RNC_HEAD_REGRESSION, 2, 5, 0.7f);
    const float mean[] = { 1, 2, 3 }, sd[] = { 2, 2, 2 };
    rnc_model_set_input_scaling (m, mean, sd);
    const float om[] = { -1, 1 }, os[] = { 3, 4 };
    rnc_model_set_output_scaling (m, om, os);
    lstm_reg = save_model (m, dir.file ("lstm-reg.safetensors"));
    rnc_model_free (m);
    m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, D, 0, 20, 1,
        RNC_HEAD_CLASSES, 5, 6, 0.7f);
    rnn_cls = save_model (m, dir.file ("rnn-cls.safetensors"));
    rnc_model_free (m);
    m = random_model (RNC_CELL_LSTM, RNC_INPUT_INDEX, 9, 0, 16, 1,
        RNC_HEAD_CLASSES, 9, 7, 0.7f);
    lstm_ids = save_model (m, dir.file ("lstm-ids.safetensors"));
    rnc_model_free (m);
    /* large enough for its steps to be split across two threads */
    m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, 256, 1,
        RNC_HEAD_REGRESSION, 2, 8, 0.7f);
    lstm_big = save_model (m, dir.file ("lstm-big.safetensors"));
    rnc_model_free (m);
    m = random_model (RNC_CELL_GRU, RNC_INPUT_DENSE, D, 0, 24, 2,
        RNC_HEAD_REGRESSION, 2, 9, 0.7f);
    gru_reg = save_model (m, dir.file ("gru-reg.safetensors"));
    rnc_model_free (m);
    m = random_model (RNC_CELL_GRU, RNC_INPUT_DENSE, D, 0, 300, 1,
        RNC_HEAD_REGRESSION, 2, 10, 0.7f);
    gru_big = save_model (m, dir.file ("gru-big.safetensors"));
    rnc_model_free (m);
    /* a tagger with a lookahead of 2 (flushed at every DISCONT) */
    m = random_model (RNC_CELL_LSTM, RNC_INPUT_INDEX, 9, 4, 16, 1,
        RNC_HEAD_CLASSES, 9, 10, 0.7f);
    rnc_model_set_metadata (m, "rnc.delay", "2");
    rnc_model_set_metadata (m, "rnc.pad_id", "8");
    lstm_lag = save_model (m, dir.file ("lstm-lag.safetensors"));
    rnc_model_free (m);
    /* a calibrated forecaster (output=interval): outputs are the next
     * frame's values (Q = D), so the online calibration runs too */
    m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, 24, 1,
        RNC_HEAD_REGRESSION, D, 11, 0.7f);
    const float om3[] = { -1, 1, 0 }, os3[] = { 3, 4, 1 };
    rnc_model_set_output_scaling (m, om3, os3);
    rnc_model_set_metadata (m, "rnc.residual_quantiles", "{\"probs\": "
        "[0.05, 0.5, 0.95], \"q\": [[-1, 0, 2], [-3, 0.5, 1], "
        "[-1, 0, 1]]}");
    lstm_cal = save_model (m, dir.file ("lstm-cal.safetensors"));
    rnc_model_free (m);
  }
};

std::vector<uint8_t>
dense_bytes (size_t floats)
{
  auto x = normal_vec (floats, 9);
  std::vector<uint8_t> b (floats * 4);
  memcpy (b.data (), x.data (), b.size ());
  return b;
}

std::vector<uint8_t>
id_bytes (size_t n)
{
  std::vector<int32_t> ids (n);
  for (size_t i = 0; i < n; i++)
    ids[i] = (int32_t) ((i * 5) % 9);
  std::vector<uint8_t> b (n * 4);
  memcpy (b.data (), ids.data (), b.size ());
  return b;
}

} // namespace

TEST (ElementNoAlloc, SteadyStateStreamingAllocatesNothing)
{
  if (g_getenv ("GST_TRACERS"))
    GTEST_SKIP () << "a GStreamer tracer allocates per buffer by design "
        "(meson test setup 'leaks'); this test counts allocations";
#ifdef RNC_NOALLOC_SKIP
  GTEST_SKIP () << RNC_NOALLOC_SKIP;
#endif
  ASSERT_TRUE (malloc_is_interposed ()) << "malloc is not interposed";
  ASSERT_STREQ (g_getenv ("G_SLICE"), "always-malloc");
  /* logging allocates; this test is about the elements, not the logger */
  gst_debug_set_active (FALSE);

  Models ms;
  const size_t D = ms.D, F = D * 4;
  auto dense = dense_bytes (997 * D);
  auto ids = id_bytes (1001);
  std::string dcaps = frames_caps (D), rcaps = frames_caps (D, "F32LE",
      "100/1"), icaps = frames_caps (1, "S32LE");

  struct Case
  {
    std::string desc, caps;
    const std::vector<uint8_t> *data;
    size_t bytes, discont_every;
  };
  std::string tcaps = "other/tensors, format=(string)static, "
      "num_tensors=(int)1, types=(string)float32, dimensions=(string)3:1, "
      "framerate=(fraction)0/1", itcaps = "other/tensors, "
      "format=(string)static, num_tensors=(int)1, types=(string)int32, "
      "dimensions=(string)1:1, framerate=(fraction)0/1";
  std::string tensors_out = " name=e ! capsfilter caps=other/tensors";
  std::string reg = "lstm model=" + ms.lstm_reg, cls = "rnn model=" +
      ms.rnn_cls, idm = "lstm model=" + ms.lstm_ids, big = "lstm model=" +
      ms.lstm_big, lag = "lstm model=" + ms.lstm_lag, cal = "lstm model=" +
      ms.lstm_cal + " output=interval";
  /* checkpoints: the check per buffer allocates nothing (no multiple is
   * reached while measuring); resume: state files at frames 12 and 25
   * whose frames are dropped in the 20 warm-up buffers (the output pool is
   * activated by the first output, so frame 12 for emit=frame) or across
   * them and the first measured ones (emit=eos: no output at all) */
  std::string ckpt = reg + " checkpoint-frames=100000 state-location=" +
      ms.dir.file ("ckpt.state");
  std::string resume_file = ms.dir.file ("resume.state"),
      resume_late = ms.dir.file ("resume-late.state");
  {
    RncModel *m = rnc_model_load (ms.lstm_reg.c_str (), nullptr);
    ASSERT_NE (m, nullptr);
    RncState *st = rnc_state_new (m, 1, 0);
    rnc_state_get_h (st)[3] = 0.5f;
    ASSERT_TRUE (rnc_state_save_at (st, 12, resume_file.c_str (), nullptr));
    ASSERT_TRUE (rnc_state_save_at (st, 25, resume_late.c_str (), nullptr));
    rnc_state_free (st);
    rnc_model_free (m);
  }
  std::string resume = reg + " initial-state=file resume=true "
      "state-location=" + resume_file;
  std::string resume_eos = reg + " emit=eos initial-state=file resume=true "
      "state-location=" + resume_late;
  std::string gru = "gru model=" + ms.gru_reg, gbig = "gru model=" +
      ms.gru_big;
  const Case cases[] = {
    /* the control: the rig itself */
    {"identity silent=true", dcaps, &dense, F, 0},
    {"identity silent=true", dcaps, &dense, 5 * F + 2, 0},
    /* one frame per buffer, read in place */
    {reg, dcaps, &dense, F, 0},
    {reg, rcaps, &dense, F, 0},
    {reg + " output=hidden", dcaps, &dense, F, 0},
    {reg + " window=4", dcaps, &dense, F, 0},
    {reg + " emit=buffer", rcaps, &dense, F, 0},
    {reg + " emit=eos", dcaps, &dense, F, 0},
    {cls, dcaps, &dense, F, 0},
    {cls + " output=argmax", rcaps, &dense, F, 0},
    {cls + " output=logits window=3", dcaps, &dense, F, 0},
    {idm, icaps, &ids, 4, 0},
    {idm + " output=argmax", icaps, &ids, 4, 0},
    /* many frames per buffer (several output chunks for the 1000) */
    {reg, rcaps, &dense, 1000 * F, 0},
    {cls + " output=argmax", dcaps, &dense, 300 * F, 0},
    {idm, icaps, &ids, 4 * 700, 0},
    /* partial frames: the adapter */
    {reg, dcaps, &dense, 5 * F + 2, 0},
    {reg + " emit=buffer window=2", rcaps, &dense, F - 1, 0},
    {cls + " output=argmax", dcaps, &dense, 2 * F + 1, 0},
    {idm, icaps, &ids, 6, 0},
    /* steps split across two threads, always or while it pays */
    {big + " threads=2", dcaps, &dense, F, 0},
    {big + " threads=0", rcaps, &dense, F, 0},
    {big + " threads=2", dcaps, &dense, 100 * F, 0},
    /* NNStreamer tensors in and out: one frame per output buffer */
    {reg + tensors_out, tcaps, &dense, F, 0},
    {reg + tensors_out, dcaps, &dense, 1000 * F, 0},
    {cls + " output=argmax" + tensors_out, tcaps, &dense, 3 * F + 2, 0},
    {idm + tensors_out, itcaps, &ids, 4, 0},
    /* checkpoints due later, and a resume */
    {ckpt, dcaps, &dense, F, 0},
    {ckpt, dcaps, &dense, 3 * F + 5, 0},
    {resume, dcaps, &dense, F, 0},
    {resume_eos, dcaps, &dense, F, 0},
    /* the gru element: one frame, many, partial frames, split steps */
    {gru, dcaps, &dense, F, 0},
    {gru + " output=hidden", rcaps, &dense, 1000 * F, 0},
    {gru, dcaps, &dense, 5 * F + 2, 0},
    {gbig + " threads=2", dcaps, &dense, F, 0},
    {gbig + " threads=0", rcaps, &dense, 100 * F, 0},
    /* discontinuities reset the state and drop partial frames */
    {reg, rcaps, &dense, F, 7},
    {reg, dcaps, &dense, 3 * F + 5, 5},
    /* a lookahead: outputs two frames late, flushed at each DISCONT */
    {lag + " output=argmax", icaps, &ids, 4, 0},
    {lag + " output=logits", icaps, &ids, 4 * 9, 0},
    {lag + " output=argmax", icaps, &ids, 4, 7},
    {lag + " output=argmax", icaps, &ids, 8, 5},
    {lag + " output=argmax", icaps, &ids, 6, 0},
    /* prediction intervals */
    {cal, rcaps, &dense, F, 0},
    {cal + " interval=0.5 window=4", dcaps, &dense, 3 * F, 0},
    {cal + " emit=buffer", dcaps, &dense, 2 * F, 0},
  };
  for (const Case &c : cases) {
    Rig rig (c.desc, c.caps);
    size_t n = c.bytes > 100 * F ? 20 : 300;
    EXPECT_EQ (allocations (rig, *c.data, c.bytes, 20, n, c.discont_every),
        0) << c.desc << ", " << c.caps << ", buffers of " << c.bytes
        << " bytes";
  }
  gst_debug_set_active (TRUE);
}

/* Buffers of whole frames are read in place, others go through the adapter;
 * a stream that switches between the two gives the library's outputs for
 * the whole stream, bit for bit, with each output buffer stamped with the
 * time of the input buffer its first frame begins, when it begins one. */
TEST (ElementNoAlloc, InPlaceAndAdapterInputsMix)
{
  if (g_getenv ("GST_TRACERS"))
    GTEST_SKIP () << "a GStreamer tracer allocates per buffer by design "
        "(meson test setup 'leaks'); this test counts allocations";
  Models ms;
  const size_t D = ms.D, F = D * 4, T = 200;
  auto x = normal_vec (T * D, 21);
  const uint8_t *bytes = (const uint8_t *) x.data ();
  /* whole frames, a partial one, its rest plus whole frames, ... */
  const size_t cuts[] = { F, 3 * F, F + 5, F - 5, 2 * F, 7, 2 * F - 7, 4 * F,
    F / 2, F - F / 2, 10 * F };

  GstHarness *h = harness_new ("lstm model=" + ms.lstm_reg);
  gst_harness_set_src_caps_str (h, frames_caps (D).c_str ());
  size_t pos = 0, k = 0;
  std::vector<GstClockTime> want_pts;
  std::map<size_t, GstClockTime> starts;     /* input buffers: byte -> pts */
  guint64 t = 0;
  while (pos < T * F) {
    size_t n = std::min (cuts[k++ % G_N_ELEMENTS (cuts)], T * F - pos);
    GstBuffer *b = buffer_from_bytes (bytes + pos, n);
    GST_BUFFER_PTS (b) = (t += 10) * GST_MSECOND;
    starts[pos] = GST_BUFFER_PTS (b);
    /* an output is pushed when a buffer completes frames (one chunk holds
     * them all); its first frame is the first one pending */
    if ((pos + n) / F > pos / F) {
      auto it = starts.find (pos / F * F);
      want_pts.push_back (it != starts.end () ? it->second :
          GST_CLOCK_TIME_NONE);
    }
    EXPECT_EQ (gst_harness_push (h, b), GST_FLOW_OK);
    pos += n;
  }
  std::vector<float> got;
  std::vector<GstClockTime> pts;
  GstBuffer *o;
  while ((o = gst_harness_try_pull (h))) {
    pts.push_back (GST_BUFFER_PTS (o));
    auto v = bytes_as<float> ([&] {
          std::vector<uint8_t> b;
          append_buffer (b, o);
          return b;
        } ());
    got.insert (got.end (), v.begin (), v.end ());
  }
  gst_harness_teardown (h);

  GError *err = nullptr;
  RncModel *m = rnc_model_load (ms.lstm_reg.c_str (), &err);
  ASSERT_NE (m, nullptr) << (err ? err->message : "");
  RncState *s = rnc_state_new (m, 1, 0);
  RncRunner *r = rnc_runner_new (s, RNC_OUTPUT_PREDICTION, 0, nullptr);
  std::vector<float> want (T * 2);
  size_t n_out = 0;
  ASSERT_TRUE (rnc_runner_process (r, x.data (), T, want.data (), &n_out,
          nullptr));
  EXPECT_EQ (n_out, T);
  EXPECT_TRUE (got == want) << "outputs differ from the library's";
  EXPECT_EQ (pts, want_pts);
  rnc_runner_free (r);
  rnc_state_free (s);
  rnc_model_free (m);
}

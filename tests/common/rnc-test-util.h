/* Helpers shared by the GoogleTest files (librnc only, no GStreamer: the
 * GstHarness helpers are in rnc-gst-test-util.h). */
#pragma once

#include <gtest/gtest.h>

#include "rnc.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace rnc_test {

/* n evenly spaced values from a to b inclusive, computed as numpy's linspace
 * does (in double, then rounded to float32, as tf.linspace(float32) gives). */
inline std::vector<float>
linspace (double a, double b, size_t n)
{
  std::vector<float> v (n);
  if (n == 1) {
    v[0] = (float) a;
    return v;
  }
  double step = (b - a) / (double) (n - 1);
  for (size_t i = 0; i < n; i++)
    v[i] = (float) (a + step * (double) i);
  v[n - 1] = (float) b;
  return v;
}

/* Largest |a - b| over n values (NaN-aware: any NaN gives +inf). */
inline double
max_abs_diff (const float *a, const float *b, size_t n)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++) {
    double d = std::fabs ((double) a[i] - (double) b[i]);
    if (std::isnan (d))
      return INFINITY;
    if (d > m)
      m = d;
  }
  return m;
}

inline double
max_abs_diff (const std::vector<float> &a, const std::vector<float> &b)
{
  EXPECT_EQ (a.size (), b.size ());
  return max_abs_diff (a.data (), b.data (), std::min (a.size (), b.size ()));
}

inline double
max_rel_diff (const float *a, const float *b, size_t n, double floor = 1e-6)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++) {
    double d = std::fabs ((double) a[i] - (double) b[i]) /
        std::max (floor, std::fabs ((double) b[i]));
    if (std::isnan (d))
      return INFINITY;
    if (d > m)
      m = d;
  }
  return m;
}

inline bool
path_exists (const std::string &p)
{
  struct stat st;
  return stat (p.c_str (), &st) == 0;
}

/* Reference data folder (../shared/data), or "" when absent. */
inline std::string
shared_data_dir ()
{
  const char *d = std::getenv ("RNC_SHARED_DATA");
  std::string dir = d ? d : "../shared/data";
  return path_exists (dir) ? dir : std::string ();
}

/* Skips the current test when the shared reference data is missing. */
#define RNC_REQUIRE_SHARED_DATA(dir) \
  std::string dir = rnc_test::shared_data_dir (); \
  if (dir.empty ()) \
    GTEST_SKIP () << "reference data ../shared/data not found (set RNC_SHARED_DATA)"

inline std::string
test_data_dir ()
{
  const char *d = std::getenv ("RNC_TEST_DATA");
  return d ? d : "tests/data";
}

inline std::string
source_root ()
{
  const char *d = std::getenv ("RNC_SOURCE_ROOT");
  return d ? d : ".";
}

/* A whole file as bytes ("" when it cannot be read). */
inline std::string
read_text (const std::string &path)
{
  std::ifstream f (path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf ();
  return ss.str ();
}

/* The lines of @text, without their '\n' (a last line without one too). */
inline std::vector<std::string>
split_lines (const std::string &text)
{
  std::vector<std::string> lines;
  std::istringstream in (text);
  std::string line;
  while (std::getline (in, line))
    lines.push_back (line);
  return lines;
}

inline std::vector<std::string>
read_lines (const std::string &path)
{
  return split_lines (read_text (path));
}

/* Bytes of S32LE values (an `other/x-frames,format=S32LE` stream, a .s32
 * file) as ids; a trailing partial value is dropped. */
inline std::vector<int32_t>
as_ids (const std::string &bytes)
{
  std::vector<int32_t> ids (bytes.size () / 4);
  if (!ids.empty ())
    std::memcpy (ids.data (), bytes.data (), ids.size () * 4);
  for (auto &v : ids)
    v = GINT32_FROM_LE (v);
  return ids;
}

/* Models and random data. Every fill draws from rnc_rng with an explicit
 * seed, so a test's numbers do not depend on the order tests run in. */

/* A model of the given shape (E = 0: no embedding), its weights as
 * rnc_model_new leaves them; fails the test when the shape is refused. */
inline RncModel *
model_new (RncCell cell, RncInputKind input, size_t D, size_t E, size_t H,
    size_t L, RncHeadKind head, size_t Q)
{
  RncModelConfig c = {};
  c.cell = cell;
  c.input = input;
  c.head = head;
  c.input_size = D;
  c.embed_size = E;
  c.hidden_size = H;
  c.num_layers = L;
  c.output_size = Q;
  GError *err = nullptr;
  RncModel *m = rnc_model_new (&c, &err);
  EXPECT_NE (m, nullptr) << (err ? err->message : "");
  g_clear_error (&err);
  return m;
}

/* n values uniform in [-1, 1). */
inline std::vector<float>
uniform_vec (size_t n, guint64 seed)
{
  std::vector<float> v (n);
  RncRng rng;
  rnc_rng_init (&rng, seed);
  for (auto &x : v)
    x = rnc_rng_uniform (&rng) * 2.0f - 1.0f;
  return v;
}

/* n standard normal values. */
inline std::vector<float>
normal_vec (size_t n, guint64 seed)
{
  std::vector<float> v (n);
  RncRng rng;
  rnc_rng_init (&rng, seed);
  for (auto &x : v)
    x = rnc_rng_normal (&rng);
  return v;
}

/* Every parameter of @m (the whole block, padding included) uniform in
 * [-scale, scale). */
inline void
fill_uniform (RncModel *m, guint64 seed, float scale)
{
  size_t n;
  float *p = rnc_model_get_params (m, &n);
  RncRng rng;
  rnc_rng_init (&rng, seed);
  for (size_t i = 0; i < n; i++)
    p[i] = (rnc_rng_uniform (&rng) * 2.0f - 1.0f) * scale;
}

/* model_new() with fill_uniform() weights. The scale sets how far the
 * cells leave their linear range: callers pass the one their tolerances
 * were set for (0.6, 0.7, 1.5/sqrt(H), ...). */
inline RncModel *
random_model (RncCell cell, RncInputKind input, size_t D, size_t E, size_t H,
    size_t L, RncHeadKind head, size_t Q, guint64 seed, float scale)
{
  RncModel *m = model_new (cell, input, D, E, H, L, head, Q);
  if (m)
    fill_uniform (m, seed, scale);
  return m;
}

/* Multiplies every parameter of @m by @k: the same draws, larger or
 * smaller weights. */
inline void
scale_params (RncModel *m, float k)
{
  size_t n;
  float *p = rnc_model_get_params (m, &n);
  for (size_t i = 0; i < n; i++)
    p[i] *= k;
}

/* The weight scale of a trained net of H units: pre-activations of order
 * 1, so that the cells work in their non-linear range. */
inline float
trained_scale (size_t H)
{
  return 1.5f / std::sqrt ((float) H);
}

/* Deterministic weights in [-1, 1] drawn without the RNG (a pattern over
 * the parameter index), for the tests that count allocations. */
inline void
fill_pattern (RncModel *m)
{
  size_t n;
  float *p = rnc_model_get_params (m, &n);
  for (size_t i = 0; i < n; i++)
    p[i] = 0.01f * (float) ((i * 7919) % 201) - 1.0f;
}

inline void
copy_into (float *dst, const std::vector<float> &src)
{
  std::copy (src.begin (), src.end (), dst);
}

inline std::vector<float>
slice (const std::vector<float> &v, size_t from, size_t to)
{
  return std::vector<float> (v.begin () + from, v.begin () + to);
}

/* References on the library's scalar path (rnc_forward_ref, double
 * accumulation), each from a fresh state, for the fast paths, the runner,
 * the generator and the elements to be compared with. */

/* Outputs of @x (T, D raw) from a state set up by @init (or zeros): the
 * hidden state (out_hidden) or the head output in raw units. */
inline std::vector<float>
reference (const RncModel *m, const std::vector<float> &x, bool out_hidden,
    const std::function<void (RncState *)> &init = nullptr)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t D = c->input_size, T = x.size () / D;
  size_t W = out_hidden ? c->hidden_size : c->output_size;
  std::vector<float> xs (x);
  rnc_model_scale_input (m, xs.data (), T);
  RncState *s = rnc_state_new (m, 1, 0);
  if (init)
    init (s);
  std::vector<float> out (T * W);
  if (out_hidden) {
    rnc_forward_ref (s, xs.data (), T, out.data (), nullptr);
  } else {
    rnc_forward_ref (s, xs.data (), T, nullptr, out.data ());
    rnc_model_unscale_output (m, out.data (), T);
  }
  rnc_state_free (s);
  return out;
}

/* The prediction (raw units) after @ctx (n, D raw), from a fresh state
 * with @init. */
inline std::vector<float>
ref_predict (const RncModel *m, const std::vector<float> &ctx,
    RncInitKind init = RNC_INIT_ZEROS)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t D = c->input_size, Q = c->output_size, n = ctx.size () / D;
  auto y = reference (m, ctx, false, [init] (RncState *s) {
        rnc_state_set_init (s, init);
        rnc_state_reset (s);
      });
  return std::vector<float> (y.begin () + (n - 1) * Q, y.end ());
}

/* @steps predictions after @frames, each appended to the context (the last
 * @window frames only, with a window). */
inline std::vector<float>
ref_rollout (const RncModel *m, const std::vector<float> &frames,
    size_t steps, size_t window = 0, RncInitKind init = RNC_INIT_ZEROS)
{
  size_t D = rnc_model_get_config (m)->input_size;
  std::vector<float> seq (frames), out;
  for (size_t k = 0; k < steps; k++) {
    size_t n = seq.size () / D;
    size_t from = window > 0 && n > window ? n - window : 0;
    auto y = ref_predict (m, std::vector<float> (seq.begin () + from * D,
            seq.end ()), init);
    out.insert (out.end (), y.begin (), y.end ());
    seq.insert (seq.end (), y.begin (), y.end ());
  }
  return out;
}

/* Greedy ids after @prompt, the whole context (the last @window ids only,
 * with a window) re-run each step; ties go to the lowest id. */
inline std::vector<int32_t>
ref_greedy (const RncModel *m, const std::vector<int32_t> &prompt,
    size_t steps, size_t window = 0)
{
  size_t V = rnc_model_get_config (m)->output_size;
  std::vector<int32_t> seq (prompt), out;
  for (size_t k = 0; k < steps; k++) {
    size_t from = window > 0 && seq.size () > window ? seq.size () - window : 0;
    size_t n = seq.size () - from;
    RncState *s = rnc_state_new (m, 1, 0);
    std::vector<float> y (n * V);
    EXPECT_TRUE (rnc_forward_ids_ref (s, seq.data () + from, n, nullptr,
            y.data ()));
    rnc_state_free (s);
    auto last = y.end () - V;
    int32_t id = (int32_t) (std::max_element (last, y.end ()) - last);
    out.push_back (id);
    seq.push_back (id);
  }
  return out;
}

/* The seed notebook's test vectors (../shared/SEED.md): its printed float32
 * results, and the linspace recipes of its weights. Expected values come
 * from the notebook, never from this code. */

/* Q1: an RNN step, N=3, D=10, H=4. */
inline const std::vector<float> kSeedQ1NextH = {
  -0.58172089f, -0.50182032f, -0.41232771f, -0.31410098f,
  0.66854692f, 0.79562378f, 0.87755553f, 0.92795967f,
  0.97934501f, 0.99144213f, 0.99646691f, 0.99854353f };
/* Q2: an RNN forward, N=1, T=3, D=4, H=5. */
inline const std::vector<float> kSeedQ2H = {
  -0.5902114f, -0.4492275f, -0.28165027f, -0.09492856f, 0.09872047f,
  -0.2199841f, -0.03843261f, 0.14569218f, 0.32024875f, 0.47546807f,
  -0.52540594f, -0.32617706f, -0.09304047f, 0.15076531f, 0.37751395f };
/* Q3: Q2's RNN with a regression head, N=2, Q=2. */
inline const std::vector<float> kSeedQ3Y = {
  -0.25844076f, 0.4618572f, -0.6047536f, 0.22198313f, -0.34340593f, 0.41551694f,
  -0.29477337f, 0.44697136f, -0.6169102f, 0.22335273f, -0.3735f, 0.40507644f };
/* Q5: an LSTM step, N=3, D=4, H=3. */
inline const std::vector<float> kSeedQ5NextH = {
  0.2504206f, 0.3178399f, 0.37452143f, 0.39561146f, 0.50878483f,
  0.61119807f, 0.34590057f, 0.526227f, 0.6923673f };
inline const std::vector<float> kSeedQ5NextC = {
  0.3342887f, 0.44137198f, 0.5436997f, 0.55522066f, 0.7301363f,
  0.914896f, 0.46848923f, 0.71435446f, 1.0070218f };
/* Q6: an LSTM forward, N=1, T=3, D=5, H=4. */
inline const std::vector<float> kSeedQ6H = {
  0.544338f, 0.5421794f, 0.54000026f, 0.53780025f,
  0.7619797f, 0.79446f, 0.82151794f, 0.8438525f,
  0.69012046f, 0.78758657f, 0.8571147f, 0.9037268f };
/* Q8: generation from the seeds linspace(-0.1, 0.3, 2 * 4), h0 = ones,
 * 3 frames each, with the weights of Q3's RNN at D = Q = 4, H = 5. */
inline const std::vector<float> kSeedQ8 = {
  0.11289829f, 0.28615662f, 0.45941496f, 0.6326734f,
  -1.1034914f, -0.76390266f, -0.4243139f, -0.08472518f,
  -0.09742844f, 0.10508922f, 0.30760697f, 0.5101247f,
  0.09427071f, 0.27482215f, 0.4553734f, 0.6359247f,
  -1.0948822f, -0.75592315f, -0.41696408f, -0.07800511f,
  -0.10287851f, 0.10063282f, 0.30414408f, 0.5076554f };

/* The weights of Q2, Q3 and Q8 for a one-layer RNN of any D, H (and Q,
 * with a head): Wx, Wh, bh, Wo, bo from the notebook's linspace ranges. */
inline void
set_seed_rnn_weights (RncModel *m)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t D = c->input_size, H = c->hidden_size, Q = c->output_size;
  const RncParamViews *v = rnc_model_get_views (m);
  copy_into (v->layer[0].Wx, linspace (-0.2, 0.4, D * H));
  copy_into (v->layer[0].Wh, linspace (-0.4, 0.1, H * H));
  copy_into (v->layer[0].bh, linspace (-0.7, 0.1, H));
  if (v->Wo) {
    copy_into (v->Wo, linspace (-0.4, 0.1, H * Q));
    copy_into (v->bo, linspace (-0.7, 0.1, Q));
  }
  rnc_model_params_changed (m);
}

/* The weights of Q5 and Q6 for a one-layer LSTM of any D, H. */
inline void
set_seed_lstm_weights (RncModel *m)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t D = c->input_size, H = c->hidden_size;
  const RncParamViews *v = rnc_model_get_views (m);
  copy_into (v->layer[0].Wx, linspace (-2.1, 1.3, 4 * D * H));
  copy_into (v->layer[0].Wh, linspace (-0.7, 2.2, 4 * H * H));
  copy_into (v->layer[0].bh, linspace (0.3, 0.7, 4 * H));
  rnc_model_params_changed (m);
}

/* A one-layer dense-input model of the notebook (Q = 0: no head) with the
 * seed weights of its cell. */
inline RncModel *
notebook_model (RncCell cell, size_t D, size_t H, size_t Q)
{
  RncModel *m = model_new (cell, RNC_INPUT_DENSE, D, 0, H, 1,
      Q ? RNC_HEAD_REGRESSION : RNC_HEAD_NONE, Q);
  if (m && cell == RNC_CELL_LSTM)
    set_seed_lstm_weights (m);
  else if (m)
    set_seed_rnn_weights (m);
  return m;
}

} // namespace rnc_test

/* The notebook's numeric test vectors (../shared/SEED.md Q1, Q2, Q3, Q5, Q6,
 * Q8), reproduced through the library API. Expected values are the
 * notebook's printed float32 results; inputs are its linspace recipes. */
#include "rnc-test-util.h"

#include "rnc.h"

using rnc_test::linspace;
using rnc_test::max_abs_diff;

namespace {

/* The notebook checks a sum of squared errors ~1e-14; an absolute error of
 * 2e-6 per value is the float32 print precision of its expected arrays. */
constexpr double kTol = 2e-6;

RncModel *
make_model (RncCell cell, size_t D, size_t H, RncHeadKind head, size_t Q)
{
  RncModelConfig c = {};
  c.cell = cell;
  c.input = RNC_INPUT_DENSE;
  c.head = head;
  c.input_size = D;
  c.hidden_size = H;
  c.num_layers = 1;
  c.output_size = Q;
  GError *err = nullptr;
  RncModel *m = rnc_model_new (&c, &err);
  EXPECT_NE (m, nullptr) << (err ? err->message : "");
  g_clear_error (&err);
  return m;
}

void
copy_into (float *dst, const std::vector<float> &src)
{
  std::copy (src.begin (), src.end (), dst);
}

} // namespace

TEST (RncRnn, StepMatchesSeedQ1)
{
  const size_t N = 3, D = 10, H = 4;
  auto x = linspace (-0.4, 0.7, N * D);
  auto prev_h = linspace (-0.2, 0.5, N * H);
  auto Wx = linspace (-0.1, 0.9, D * H);
  auto Wh = linspace (-0.3, 0.7, H * H);
  auto bh = linspace (-0.2, 0.4, H);
  const std::vector<float> expected = {
    -0.58172089f, -0.50182032f, -0.41232771f, -0.31410098f,
    0.66854692f, 0.79562378f, 0.87755553f, 0.92795967f,
    0.97934501f, 0.99144213f, 0.99646691f, 0.99854353f };

  std::vector<float> fast (N * H), ref (N * H);
  rnc_rnn_step (N, D, H, x.data (), prev_h.data (), Wx.data (), Wh.data (),
      bh.data (), fast.data ());
  rnc_rnn_step_ref (N, D, H, x.data (), prev_h.data (), Wx.data (),
      Wh.data (), bh.data (), ref.data ());
  double e_fast = max_abs_diff (fast, expected), e_ref = max_abs_diff (ref, expected);
  EXPECT_LT (e_fast, kTol) << "largest error " << e_fast;
  EXPECT_LT (e_ref, kTol) << "largest error (reference) " << e_ref;

  /* The same through a model and a state given as the initial state. */
  RncModel *m = make_model (RNC_CELL_RNN, D, H, RNC_HEAD_NONE, 0);
  const RncParamViews *v = rnc_model_get_views (m);
  copy_into (v->layer[0].Wx, Wx);
  copy_into (v->layer[0].Wh, Wh);
  copy_into (v->layer[0].bh, bh);
  RncState *s = rnc_state_new (m, N, 0);
  std::copy (prev_h.begin (), prev_h.end (), rnc_state_get_h (s));
  std::vector<float> out (N * H);
  rnc_forward (s, x.data (), 1, out.data (), nullptr);
  double e_model = max_abs_diff (out, expected);
  EXPECT_LT (e_model, kTol) << "largest error (model forward) " << e_model;
  rnc_state_free (s);
  rnc_model_free (m);
}

TEST (RncRnn, ForwardMatchesSeedQ2)
{
  const size_t N = 1, T = 3, D = 4, H = 5;
  auto x = linspace (-0.1, 0.3, N * T * D);
  const std::vector<float> expected = {
    -0.5902114f, -0.4492275f, -0.28165027f, -0.09492856f, 0.09872047f,
    -0.2199841f, -0.03843261f, 0.14569218f, 0.32024875f, 0.47546807f,
    -0.52540594f, -0.32617706f, -0.09304047f, 0.15076531f, 0.37751395f };

  RncModel *m = make_model (RNC_CELL_RNN, D, H, RNC_HEAD_NONE, 0);
  const RncParamViews *v = rnc_model_get_views (m);
  copy_into (v->layer[0].Wx, linspace (-0.2, 0.4, D * H));
  copy_into (v->layer[0].Wh, linspace (-0.4, 0.1, H * H));
  copy_into (v->layer[0].bh, linspace (-0.7, 0.1, H));

  for (int use_ref = 0; use_ref < 2; use_ref++) {
    RncState *s = rnc_state_new (m, N, 0);
    std::vector<float> h (N * T * H);
    if (use_ref)
      rnc_forward_ref (s, x.data (), T, h.data (), nullptr);
    else
      rnc_forward (s, x.data (), T, h.data (), nullptr);
    double e = max_abs_diff (h, expected);
    EXPECT_LT (e, kTol) << (use_ref ? "reference" : "fast")
        << " path, largest error " << e;
    /* last state equals the last frame's h */
    double e_last = max_abs_diff (rnc_state_peek_top_h (s, 0),
        h.data () + (T - 1) * H, H);
    EXPECT_EQ (e_last, 0.0);
    rnc_state_free (s);
  }
  rnc_model_free (m);
}

TEST (RncHead, PredictionsMatchSeedQ3)
{
  const size_t N = 2, T = 3, D = 4, H = 5, Q = 2;
  auto x = linspace (-0.1, 0.3, N * T * D);
  const std::vector<float> expected = {
    -0.25844076f, 0.4618572f, -0.6047536f, 0.22198313f, -0.34340593f, 0.41551694f,
    -0.29477337f, 0.44697136f, -0.6169102f, 0.22335273f, -0.3735f, 0.40507644f };

  RncModel *m = make_model (RNC_CELL_RNN, D, H, RNC_HEAD_REGRESSION, Q);
  const RncParamViews *v = rnc_model_get_views (m);
  copy_into (v->layer[0].Wx, linspace (-0.2, 0.4, D * H));
  copy_into (v->layer[0].Wh, linspace (-0.4, 0.1, H * H));
  copy_into (v->layer[0].bh, linspace (-0.7, 0.1, H));
  copy_into (v->Wo, linspace (-0.4, 0.1, H * Q));
  copy_into (v->bo, linspace (-0.7, 0.1, Q));

  for (int use_ref = 0; use_ref < 2; use_ref++) {
    RncState *s = rnc_state_new (m, N, 0);
    std::vector<float> y (N * T * Q);
    if (use_ref)
      rnc_forward_ref (s, x.data (), T, nullptr, y.data ());
    else
      rnc_forward (s, x.data (), T, nullptr, y.data ());
    double e = max_abs_diff (y, expected);
    EXPECT_LT (e, kTol) << (use_ref ? "reference" : "fast")
        << " path, largest error " << e;
    rnc_state_free (s);
  }

  /* many-to-one: the head on the last state of each sequence */
  RncState *s = rnc_state_new (m, N, 2);        /* chunks of 2 frames */
  rnc_forward (s, x.data (), T, nullptr, nullptr);
  for (size_t n = 0; n < N; n++) {
    float y[Q];
    rnc_head_forward (m, rnc_state_peek_top_h (s, n), 1, y);
    double e = max_abs_diff (y, expected.data () + (n * T + T - 1) * Q, Q);
    EXPECT_LT (e, kTol) << "many-to-one, sequence " << n << ", largest error " << e;
  }
  rnc_state_free (s);
  rnc_model_free (m);
}

TEST (RncLstm, StepMatchesSeedQ5)
{
  const size_t N = 3, D = 4, H = 3;
  auto x = linspace (-0.4, 1.2, N * D);
  auto prev_h = linspace (-0.3, 0.7, N * H);
  auto prev_c = linspace (-0.4, 0.9, N * H);
  auto Wx = linspace (-2.1, 1.3, 4 * D * H);
  auto Wh = linspace (-0.7, 2.2, 4 * H * H);
  auto b = linspace (0.3, 0.7, 4 * H);
  const std::vector<float> expected_h = {
    0.2504206f, 0.3178399f, 0.37452143f, 0.39561146f, 0.50878483f,
    0.61119807f, 0.34590057f, 0.526227f, 0.6923673f };
  const std::vector<float> expected_c = {
    0.3342887f, 0.44137198f, 0.5436997f, 0.55522066f, 0.7301363f,
    0.914896f, 0.46848923f, 0.71435446f, 1.0070218f };

  std::vector<float> h (N * H), c (N * H), scratch (N * 4 * H);
  rnc_lstm_step (N, D, H, x.data (), prev_h.data (), prev_c.data (),
      Wx.data (), Wh.data (), b.data (), h.data (), c.data (), scratch.data ());
  double eh = max_abs_diff (h, expected_h), ec = max_abs_diff (c, expected_c);
  EXPECT_LT (eh, kTol) << "next_h largest error " << eh;
  EXPECT_LT (ec, kTol) << "next_c largest error " << ec;

  rnc_lstm_step_ref (N, D, H, x.data (), prev_h.data (), prev_c.data (),
      Wx.data (), Wh.data (), b.data (), h.data (), c.data ());
  eh = max_abs_diff (h, expected_h);
  ec = max_abs_diff (c, expected_c);
  EXPECT_LT (eh, kTol) << "reference next_h largest error " << eh;
  EXPECT_LT (ec, kTol) << "reference next_c largest error " << ec;
}

TEST (RncLstm, ForwardMatchesSeedQ6)
{
  const size_t N = 1, D = 5, H = 4, T = 3;
  auto x = linspace (-0.4, 1.2, N * T * D);
  const std::vector<float> expected = {
    0.544338f, 0.5421794f, 0.54000026f, 0.53780025f,
    0.7619797f, 0.79446f, 0.82151794f, 0.8438525f,
    0.69012046f, 0.78758657f, 0.8571147f, 0.9037268f };

  RncModel *m = make_model (RNC_CELL_LSTM, D, H, RNC_HEAD_NONE, 0);
  const RncParamViews *v = rnc_model_get_views (m);
  copy_into (v->layer[0].Wx, linspace (-2.1, 1.3, 4 * D * H));
  copy_into (v->layer[0].Wh, linspace (-0.7, 2.2, 4 * H * H));
  copy_into (v->layer[0].bh, linspace (0.3, 0.7, 4 * H));

  for (int use_ref = 0; use_ref < 2; use_ref++) {
    RncState *s = rnc_state_new (m, N, 0);
    std::vector<float> h (N * T * H);
    if (use_ref)
      rnc_forward_ref (s, x.data (), T, h.data (), nullptr);
    else
      rnc_forward (s, x.data (), T, h.data (), nullptr);
    double e = max_abs_diff (h, expected);
    EXPECT_LT (e, kTol) << (use_ref ? "reference" : "fast")
        << " path, largest error " << e;
    rnc_state_free (s);
  }
  rnc_model_free (m);
}

TEST (RncGenerate, SequenceMatchesSeedQ8)
{
  const size_t N = 2, T = 3, D = 4, H = 5;
  auto x = linspace (-0.1, 0.3, N * D);
  const std::vector<float> expected = {
    0.11289829f, 0.28615662f, 0.45941496f, 0.6326734f,
    -1.1034914f, -0.76390266f, -0.4243139f, -0.08472518f,
    -0.09742844f, 0.10508922f, 0.30760697f, 0.5101247f,
    0.09427071f, 0.27482215f, 0.4553734f, 0.6359247f,
    -1.0948822f, -0.75592315f, -0.41696408f, -0.07800511f,
    -0.10287851f, 0.10063282f, 0.30414408f, 0.5076554f };

  RncModel *m = make_model (RNC_CELL_RNN, D, H, RNC_HEAD_REGRESSION, D);
  const RncParamViews *v = rnc_model_get_views (m);
  copy_into (v->layer[0].Wx, linspace (-0.2, 0.4, D * H));
  copy_into (v->layer[0].Wh, linspace (-0.4, 0.1, H * H));
  copy_into (v->layer[0].bh, linspace (-0.7, 0.1, H));
  copy_into (v->Wo, linspace (-0.4, 0.1, H * D));
  copy_into (v->bo, linspace (-0.7, 0.1, D));

  RncState *s = rnc_state_new (m, N, 0);
  rnc_state_set_init (s, RNC_INIT_ONES);
  rnc_state_reset (s);
  std::vector<float> seq (N * T * D);
  rnc_generate (s, x.data (), T, seq.data ());
  double e = max_abs_diff (seq, expected);
  EXPECT_LT (e, kTol) << "largest error " << e;

  /* the same by hand with the reference step, feeding y back */
  std::vector<float> h (N * H, 1.0f), hn (N * H), in (x), y (N * D), ref (N * T * D);
  for (size_t t = 0; t < T; t++) {
    rnc_rnn_step_ref (N, D, H, in.data (), h.data (), v->layer[0].Wx,
        v->layer[0].Wh, v->layer[0].bh, hn.data ());
    h = hn;
    rnc_head_forward_ref (m, h.data (), N, y.data ());
    for (size_t n = 0; n < N; n++)
      std::copy (y.begin () + n * D, y.begin () + (n + 1) * D,
          ref.begin () + (n * T + t) * D);
    in = y;
  }
  double e_ref = max_abs_diff (ref, expected);
  EXPECT_LT (e_ref, kTol) << "reference largest error " << e_ref;
  rnc_state_free (s);
  rnc_model_free (m);
}

/* The notebook's numeric test vectors (../shared/SEED.md Q1, Q2, Q3, Q5, Q6,
 * Q8), reproduced through the library API. Expected values are the
 * notebook's printed float32 results (kSeedQ* in rnc-test-util.h); inputs
 * are its linspace recipes. */
#include "rnc-test-util.h"

#include "rnc.h"

using namespace rnc_test;

namespace {

/* The notebook checks a sum of squared errors ~1e-14; an absolute error of
 * 2e-6 per value is the float32 print precision of its expected arrays. */
constexpr double kTol = 2e-6;

/* The hidden states of one sequence @x (T, D) from a zero state, on the
 * fast and on the reference path, against @expected (T, H); the state left
 * is the last frame's. */
void
expect_hidden_states (const RncModel *m, const std::vector<float> &x,
    const std::vector<float> &expected)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t H = c->hidden_size, T = x.size () / c->input_size;
  for (int use_ref = 0; use_ref < 2; use_ref++) {
    RncState *s = rnc_state_new (m, 1, 0);
    std::vector<float> h (T * H);
    if (use_ref)
      rnc_forward_ref (s, x.data (), T, h.data (), nullptr);
    else
      rnc_forward (s, x.data (), T, h.data (), nullptr);
    double e = max_abs_diff (h, expected);
    EXPECT_LT (e, kTol) << (use_ref ? "reference" : "fast")
        << " path, largest error " << e;
    double e_last = max_abs_diff (rnc_state_peek_top_h (s, 0),
        h.data () + (T - 1) * H, H);
    EXPECT_EQ (e_last, 0.0);
    rnc_state_free (s);
  }
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
  const std::vector<float> &expected = kSeedQ1NextH;

  std::vector<float> fast (N * H), ref (N * H);
  rnc_rnn_step (N, D, H, x.data (), prev_h.data (), Wx.data (), Wh.data (),
      bh.data (), fast.data ());
  rnc_rnn_step_ref (N, D, H, x.data (), prev_h.data (), Wx.data (),
      Wh.data (), bh.data (), ref.data ());
  double e_fast = max_abs_diff (fast, expected), e_ref = max_abs_diff (ref, expected);
  EXPECT_LT (e_fast, kTol) << "largest error " << e_fast;
  EXPECT_LT (e_ref, kTol) << "largest error (reference) " << e_ref;

  /* The same through a model and a state given as the initial state. */
  RncModel *m = model_new (RNC_CELL_RNN, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_NONE, 0);
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
  const size_t T = 3, D = 4, H = 5;
  RncModel *m = notebook_model (RNC_CELL_RNN, D, H, 0);
  expect_hidden_states (m, linspace (-0.1, 0.3, T * D), kSeedQ2H);
  rnc_model_free (m);
}

TEST (RncHead, PredictionsMatchSeedQ3)
{
  const size_t N = 2, T = 3, D = 4, H = 5, Q = 2;
  auto x = linspace (-0.1, 0.3, N * T * D);
  const std::vector<float> &expected = kSeedQ3Y;

  RncModel *m = notebook_model (RNC_CELL_RNN, D, H, Q);

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
  const std::vector<float> &expected_h = kSeedQ5NextH;
  const std::vector<float> &expected_c = kSeedQ5NextC;

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
  const size_t D = 5, H = 4, T = 3;
  RncModel *m = notebook_model (RNC_CELL_LSTM, D, H, 0);
  expect_hidden_states (m, linspace (-0.4, 1.2, T * D), kSeedQ6H);
  rnc_model_free (m);
}

TEST (RncGenerate, SequenceMatchesSeedQ8)
{
  const size_t N = 2, T = 3, D = 4, H = 5;
  auto x = linspace (-0.1, 0.3, N * D);
  const std::vector<float> &expected = kSeedQ8;

  RncModel *m = notebook_model (RNC_CELL_RNN, D, H, D);
  const RncParamViews *v = rnc_model_get_views (m);

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

/* BPTT against an independent reference: the loss of every cell / layers /
 * outputs / loss / input combination is recomputed here in double precision
 * from the equations (no library code), and its gradient taken by central
 * differences in double; the library's float gradient must match it for
 * every parameter. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <cstring>
#include <tuple>

namespace {

enum InputKind { DENSE = 0, INDEX = 1, EMBED = 2 };

/* Offsets (in floats) of every tensor inside a model's parameter block. */
struct Layout {
  size_t emb = 0, wx[RNC_MAX_LAYERS] = {}, wh[RNC_MAX_LAYERS] = {},
      bh[RNC_MAX_LAYERS] = {}, bhn[RNC_MAX_LAYERS] = {}, wo = 0, bo = 0;
};

Layout
layout_of (RncModel *m)
{
  Layout o;
  const float *base = rnc_model_peek_params (m, nullptr);
  const RncParamViews *v = rnc_model_get_views (m);
  const RncModelConfig *c = rnc_model_get_config (m);
  if (v->embedding)
    o.emb = v->embedding - base;
  for (size_t l = 0; l < c->num_layers; l++) {
    o.wx[l] = v->layer[l].Wx - base;
    o.wh[l] = v->layer[l].Wh - base;
    o.bh[l] = v->layer[l].bh - base;
    if (v->layer[l].bhn)
      o.bhn[l] = v->layer[l].bhn - base;
  }
  o.wo = v->Wo - base;
  o.bo = v->bo - base;
  return o;
}

/* Which floats of the block are parameters (not layout padding). */
std::vector<bool>
param_mask (RncModel *m)
{
  size_t n;
  const float *base = rnc_model_peek_params (m, &n);
  const RncParamViews *v = rnc_model_get_views (m);
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t G = rnc_cell_gates (c->cell), H = c->hidden_size;
  std::vector<bool> mask (n, false);
  auto mark = [&] (const float *p, size_t count) {
    for (size_t i = 0; i < count; i++)
      mask[(p - base) + i] = true;
  };
  if (v->embedding)
    mark (v->embedding, c->input_size * c->embed_size);
  for (size_t l = 0; l < c->num_layers; l++) {
    mark (v->layer[l].Wx, v->layer[l].in * G * H);
    mark (v->layer[l].Wh, H * G * H);
    mark (v->layer[l].bh, G * H);
    if (v->layer[l].bhn)
      mark (v->layer[l].bhn, H);
  }
  mark (v->Wo, H * c->output_size);
  mark (v->bo, c->output_size);
  return mask;
}

struct Data {
  size_t N, T;
  std::vector<float> x;
  std::vector<int32_t> ids;
  std::vector<size_t> lengths;
  std::vector<float> targets;
  std::vector<int32_t> labels;
};

/* The loss in double, written from the notebook's equations. @h0 / @c0
 * (L, N, H) give a fixed initial state (truncated BPTT), or are empty. */
double
ref_loss (const RncModelConfig &c, const Layout &o, const double *P,
    RncLoss loss, RncOutputs outputs, const Data &d,
    const std::vector<double> &h0 = {}, const std::vector<double> &c0 = {})
{
  size_t G = rnc_cell_gates (c.cell), H = c.hidden_size, GH = G * H;
  size_t Q = c.output_size, L = c.num_layers;
  size_t in0 = c.embed_size > 0 ? c.embed_size : c.input_size;
  double sum = 0.0;
  size_t count = 0;

  for (size_t n = 0; n < d.N; n++) {
    std::vector<std::vector<double>> h (L, std::vector<double> (H, 0.0));
    std::vector<std::vector<double>> cc (L, std::vector<double> (H, 0.0));
    if (!h0.empty ())
      for (size_t l = 0; l < L; l++)
        for (size_t j = 0; j < H; j++) {
          h[l][j] = h0[(l * d.N + n) * H + j];
          if (G == 4)
            cc[l][j] = c0[(l * d.N + n) * H + j];
        }
    size_t len = d.lengths.empty () ? d.T : d.lengths[n];
    for (size_t t = 0; t < d.T; t++) {
      std::vector<double> in (in0, 0.0);
      if (c.input == RNC_INPUT_DENSE) {
        for (size_t k = 0; k < in0; k++)
          in[k] = d.x[(n * d.T + t) * in0 + k];
      } else if (c.embed_size > 0) {
        for (size_t k = 0; k < in0; k++)
          in[k] = P[o.emb + d.ids[n * d.T + t] * in0 + k];
      } else {
        in[d.ids[n * d.T + t]] = 1.0;   /* one-hot */
      }
      for (size_t l = 0; l < L; l++) {
        size_t din = in.size ();
        std::vector<double> a (GH);
        if (c.cell == RNC_CELL_GRU) {
          /* PyTorch nn.GRU: b_hn inside the reset product */
          auto sg = [] (double z) { return 1.0 / (1.0 + std::exp (-z)); };
          std::vector<double> ax (GH), ah (GH), hn (H);
          for (size_t j = 0; j < GH; j++) {
            double sx = P[o.bh[l] + j], sh = j >= 2 * H ?
                P[o.bhn[l] + j - 2 * H] : 0.0;
            for (size_t k = 0; k < din; k++)
              sx += in[k] * P[o.wx[l] + k * GH + j];
            for (size_t k = 0; k < H; k++)
              sh += h[l][k] * P[o.wh[l] + k * GH + j];
            ax[j] = sx;
            ah[j] = sh;
          }
          for (size_t j = 0; j < H; j++) {
            double r = sg (ax[j] + ah[j]), z = sg (ax[H + j] + ah[H + j]);
            double nn = std::tanh (ax[2 * H + j] + r * ah[2 * H + j]);
            hn[j] = (1.0 - z) * nn + z * h[l][j];
          }
          h[l] = hn;
          in = hn;
          continue;
        }
        for (size_t j = 0; j < GH; j++) {
          double s = P[o.bh[l] + j];
          for (size_t k = 0; k < din; k++)
            s += in[k] * P[o.wx[l] + k * GH + j];
          for (size_t k = 0; k < H; k++)
            s += h[l][k] * P[o.wh[l] + k * GH + j];
          a[j] = s;
        }
        std::vector<double> hn (H);
        for (size_t j = 0; j < H; j++) {
          if (G == 1) {
            hn[j] = std::tanh (a[j]);
          } else {
            auto sg = [] (double z) { return 1.0 / (1.0 + std::exp (-z)); };
            double i = sg (a[j]), f = sg (a[H + j]), og = sg (a[2 * H + j]);
            double g = std::tanh (a[3 * H + j]);
            cc[l][j] = f * cc[l][j] + i * g;
            hn[j] = og * std::tanh (cc[l][j]);
          }
        }
        h[l] = hn;
        in = hn;
      }
      bool out = outputs == RNC_OUTPUTS_ALL ? t < len : t == len - 1;
      if (!out)
        continue;
      std::vector<double> y (Q);
      for (size_t q = 0; q < Q; q++) {
        double s = P[o.bo + q];
        for (size_t k = 0; k < H; k++)
          s += h[L - 1][k] * P[o.wo + k * Q + q];
        y[q] = s;
      }
      if (loss == RNC_LOSS_MSE) {
        const float *tg = outputs == RNC_OUTPUTS_ALL ?
            &d.targets[(n * d.T + t) * Q] : &d.targets[n * Q];
        for (size_t q = 0; q < Q; q++) {
          sum += (y[q] - tg[q]) * (y[q] - tg[q]);
          count++;
        }
      } else {
        int32_t lab = outputs == RNC_OUTPUTS_ALL ? d.labels[n * d.T + t] :
            d.labels[n];
        if (lab < 0)
          continue;
        double mx = y[0], s = 0.0;
        for (size_t q = 1; q < Q; q++)
          mx = std::max (mx, y[q]);
        for (size_t q = 0; q < Q; q++)
          s += std::exp (y[q] - mx);
        sum += mx + std::log (s) - y[lab];
        count++;
      }
    }
  }
  return count ? sum / (double) count : 0.0;
}

RncModel *
make_model (RncCell cell, InputKind kind, size_t L, RncLoss loss, guint64 seed)
{
  RncModel *m = rnc_test::model_new (cell,
      kind == DENSE ? RNC_INPUT_DENSE : RNC_INPUT_INDEX, kind == DENSE ? 3 : 5,
      kind == EMBED ? 3 : 0, 4, L,
      loss == RNC_LOSS_MSE ? RNC_HEAD_REGRESSION : RNC_HEAD_CLASSES, 3);
  /* uniform init, then biases perturbed so that no gradient is trivially
   * zero; scaled up so the cells leave their linear range */
  rnc_model_init_weights (m, RNC_WEIGHT_INIT_UNIFORM, seed);
  size_t n;
  float *p = rnc_model_get_params (m, &n);
  std::vector<bool> mask = param_mask (m);
  RncRng rng;
  rnc_rng_init (&rng, seed + 1);
  for (size_t i = 0; i < n; i++)
    if (mask[i])
      p[i] = p[i] * 2.0f + 0.3f * (rnc_rng_uniform (&rng) - 0.5f);
  return m;
}

Data
make_data (const RncModelConfig &c, RncLoss loss, RncOutputs outputs,
    guint64 seed, bool ragged)
{
  Data d;
  d.N = 3;
  d.T = 4;
  RncRng rng;
  rnc_rng_init (&rng, seed);
  size_t F = d.N * d.T, Q = c.output_size;
  if (c.input == RNC_INPUT_DENSE) {
    d.x.resize (F * c.input_size);
    for (auto &v : d.x)
      v = rnc_rng_normal (&rng);
  } else {
    d.ids.resize (F);
    for (auto &v : d.ids)
      v = (int32_t) (rnc_rng_next (&rng) % c.input_size);
  }
  if (ragged)
    d.lengths = { 4, 2, 3 };
  size_t nt = outputs == RNC_OUTPUTS_ALL ? F : d.N;
  if (loss == RNC_LOSS_MSE) {
    d.targets.resize (nt * Q);
    for (auto &v : d.targets)
      v = rnc_rng_normal (&rng);
  } else {
    d.labels.resize (nt);
    for (auto &v : d.labels)
      v = (int32_t) (rnc_rng_next (&rng) % Q);
    d.labels[1] = -1;           /* an ignored target */
  }
  return d;
}

RncBatch
batch_of (const Data &d)
{
  RncBatch b = {};
  b.N = d.N;
  b.T = d.T;
  b.x = d.x.empty () ? nullptr : d.x.data ();
  b.ids = d.ids.empty () ? nullptr : d.ids.data ();
  b.lengths = d.lengths.empty () ? nullptr : d.lengths.data ();
  b.targets = d.targets.empty () ? nullptr : d.targets.data ();
  b.labels = d.labels.empty () ? nullptr : d.labels.data ();
  return b;
}

struct CheckResult {
  double max_rel = 0.0;
  double loss_diff = 0.0;
  size_t worst = 0;
};

/* Compares the library's gradient with central differences of ref_loss.
 * Relative error: |g - r| / max (|r|, 1e-3 * max |r|), so that entries near
 * zero are judged against the gradient's scale. */
CheckResult
check_gradient (RncModel *m, RncLoss loss, RncOutputs outputs, const Data &d,
    const std::vector<double> &h0 = {}, const std::vector<double> &c0 = {},
    RncBptt *bptt = nullptr)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  Layout o = layout_of (m);
  size_t n;
  const float *pf = rnc_model_peek_params (m, &n);
  std::vector<bool> mask = param_mask (m);
  std::vector<double> P (pf, pf + n);
  CheckResult res;

  g_autoptr (RncBptt) own = nullptr;
  if (!bptt) {
    own = rnc_bptt_new (m, loss, outputs, d.N, d.T, nullptr);
    bptt = own;
  }
  RncBatch b = batch_of (d);
  float lf = rnc_bptt_forward (bptt, &b);
  std::vector<float> g (n, 123.0f);
  rnc_bptt_backward (bptt, g.data ());

  double l0 = ref_loss (*c, o, P.data (), loss, outputs, d, h0, c0);
  res.loss_diff = std::fabs ((double) lf - l0) / std::max (1.0, std::fabs (l0));

  std::vector<double> r (n, 0.0);
  double scale = 0.0;
  const double eps = 1e-5;
  for (size_t i = 0; i < n; i++) {
    if (!mask[i])
      continue;
    double keep = P[i];
    P[i] = keep + eps;
    double lp = ref_loss (*c, o, P.data (), loss, outputs, d, h0, c0);
    P[i] = keep - eps;
    double lm = ref_loss (*c, o, P.data (), loss, outputs, d, h0, c0);
    P[i] = keep;
    r[i] = (lp - lm) / (2 * eps);
    scale = std::max (scale, std::fabs (r[i]));
  }
  for (size_t i = 0; i < n; i++) {
    if (!mask[i]) {
      EXPECT_EQ (g[i], 0.0f) << "padding float " << i << " got a gradient";
      continue;
    }
    double e = std::fabs ((double) g[i] - r[i]) /
        std::max (std::fabs (r[i]), 1e-3 * scale);
    if (e > res.max_rel) {
      res.max_rel = e;
      res.worst = i;
    }
  }
  return res;
}

/* cell, layers, outputs, loss, input */
using GradParam = std::tuple<RncCell, int, RncOutputs, RncLoss, int>;

class RncBpttGradient : public ::testing::TestWithParam<GradParam> {};

TEST_P (RncBpttGradient, MatchesDoublePrecisionFiniteDifferences)
{
  auto [cell, L, outputs, loss, kind] = GetParam ();
  guint64 seed = 1000 + L * 100 + outputs * 10 + loss * 3 + kind;
  g_autoptr (RncModel) m = make_model (cell, (InputKind) kind, L, loss, seed);
  for (int ragged = 0; ragged < 2; ragged++) {
    Data d = make_data (*rnc_model_get_config (m), loss, outputs, seed + 7,
        ragged);
    CheckResult r = check_gradient (m, loss, outputs, d);
    EXPECT_LT (r.loss_diff, 1e-5) << "forward loss differs from the reference";
    /* float gradients of a float forward: 1e-3 relative leaves room for
     * rounding only; a wrong term gives errors of order 1 */
    EXPECT_LT (r.max_rel, 1e-3) << "largest relative error " << r.max_rel
        << " at float " << r.worst << (ragged ? " (ragged batch)" : "");
    RecordProperty (ragged ? "max_rel_ragged" : "max_rel",
        std::to_string (r.max_rel));
    std::printf ("    largest relative gradient error %.3g%s\n", r.max_rel,
        ragged ? " (ragged lengths)" : "");
  }
}

std::string
grad_name (const ::testing::TestParamInfo<GradParam> &info)
{
  auto [cell, L, outputs, loss, kind] = info.param;
  static const char *kinds[] = { "Dense", "Index", "Embedding" };
  return std::string (cell == RNC_CELL_LSTM ? "Lstm" : cell == RNC_CELL_GRU ?
      "Gru" : "Rnn") +
      std::to_string (L) + "Layer" + (outputs == RNC_OUTPUTS_ALL ? "Many" :
      "One") + (loss == RNC_LOSS_MSE ? "Mse" : "Ce") + kinds[kind];
}

INSTANTIATE_TEST_SUITE_P (AllCombinations, RncBpttGradient,
    ::testing::Combine (::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM,
            RNC_CELL_GRU),
        ::testing::Values (1, 2),
        ::testing::Values (RNC_OUTPUTS_LAST, RNC_OUTPUTS_ALL),
        ::testing::Values (RNC_LOSS_MSE, RNC_LOSS_CROSS_ENTROPY),
        ::testing::Values ((int) DENSE, (int) INDEX, (int) EMBED)),
    grad_name);

} // namespace

/* The second chunk of a stream starts from the first chunk's last state,
 * treated as a constant (truncation): its gradient matches the reference run
 * from that fixed state. */
TEST (RncBptt, CarriedStateGradientIsTruncated)
{
  for (RncCell cell : { RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU }) {
    g_autoptr (RncModel) m = make_model (cell, DENSE, 2, RNC_LOSS_MSE, 77);
    const RncModelConfig *c = rnc_model_get_config (m);
    Data d1 = make_data (*c, RNC_LOSS_MSE, RNC_OUTPUTS_ALL, 5, false);
    Data d2 = make_data (*c, RNC_LOSS_MSE, RNC_OUTPUTS_ALL, 6, false);
    g_autoptr (RncBptt) b = rnc_bptt_new (m, RNC_LOSS_MSE, RNC_OUTPUTS_ALL,
        d1.N, d1.T, nullptr);
    RncBatch b1 = batch_of (d1);
    ASSERT_TRUE (std::isfinite (rnc_bptt_forward (b, &b1)));
    rnc_bptt_carry_state (b);

    /* the state after chunk 1, from an inference run of the same frames */
    size_t H = c->hidden_size, L = c->num_layers;
    g_autoptr (RncState) st = rnc_state_new (m, d1.N, 0);
    rnc_forward_ref (st, d1.x.data (), d1.T, nullptr, nullptr);
    std::vector<double> h0 (L * d1.N * H), c0 (L * d1.N * H);
    for (size_t i = 0; i < h0.size (); i++) {
      h0[i] = rnc_state_peek_h (st)[i];
      if (cell == RNC_CELL_LSTM)
        c0[i] = rnc_state_peek_c (st)[i];
    }
    CheckResult r = check_gradient (m, RNC_LOSS_MSE, RNC_OUTPUTS_ALL, d2, h0,
        c0, b);
    EXPECT_LT (r.loss_diff, 1e-5);
    EXPECT_LT (r.max_rel, 1e-3) << "largest relative error " << r.max_rel;
  }
}

/* The training forward computes what the inference path computes. */
TEST (RncBptt, ForwardOutputsEqualInferencePath)
{
  for (RncCell cell : { RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU }) {
    g_autoptr (RncModel) m = make_model (cell, DENSE, 2, RNC_LOSS_MSE, 9);
    const RncModelConfig *c = rnc_model_get_config (m);
    Data d = make_data (*c, RNC_LOSS_MSE, RNC_OUTPUTS_ALL, 3, false);
    g_autoptr (RncBptt) b = rnc_bptt_new (m, RNC_LOSS_MSE, RNC_OUTPUTS_ALL,
        d.N, d.T, nullptr);
    RncBatch batch = batch_of (d);
    rnc_bptt_forward (b, &batch);
    size_t rows;
    const float *y = rnc_bptt_peek_outputs (b, &rows);
    ASSERT_EQ (rows, d.N * d.T);

    g_autoptr (RncState) st = rnc_state_new (m, d.N, 0);
    std::vector<float> yi (d.N * d.T * c->output_size);
    rnc_forward (st, d.x.data (), d.T, nullptr, yi.data ());
    double worst = 0.0;
    for (size_t t = 0; t < d.T; t++)
      for (size_t n = 0; n < d.N; n++)
        for (size_t q = 0; q < c->output_size; q++)
          worst = std::max (worst, (double) std::fabs (
                  y[(t * d.N + n) * c->output_size + q] -
                  yi[(n * d.T + t) * c->output_size + q]));
    EXPECT_LT (worst, 1e-5) << "largest difference " << worst;
  }
}

TEST (RncBptt, RejectsLossThatDoesNotFitHead)
{
  g_autoptr (RncModel) m = make_model (RNC_CELL_RNN, DENSE, 1, RNC_LOSS_MSE, 1);
  g_autoptr (GError) err = nullptr;
  RncBptt *b = rnc_bptt_new (m, RNC_LOSS_CROSS_ENTROPY, RNC_OUTPUTS_ALL, 2, 2,
      &err);
  EXPECT_EQ (b, nullptr);
  EXPECT_TRUE (g_error_matches (err, RNC_BPTT_ERROR, RNC_BPTT_ERROR_INVALID));
}

TEST (RncBptt, OutOfRangeIdGivesNanLoss)
{
  g_autoptr (RncModel) m = make_model (RNC_CELL_LSTM, INDEX, 1,
      RNC_LOSS_CROSS_ENTROPY, 1);
  Data d = make_data (*rnc_model_get_config (m), RNC_LOSS_CROSS_ENTROPY,
      RNC_OUTPUTS_ALL, 2, false);
  d.ids[5] = 5;                 /* V = 5 */
  g_autoptr (RncBptt) b = rnc_bptt_new (m, RNC_LOSS_CROSS_ENTROPY,
      RNC_OUTPUTS_ALL, d.N, d.T, nullptr);
  RncBatch batch = batch_of (d);
  EXPECT_TRUE (std::isnan (rnc_bptt_forward (b, &batch)));
  d.ids[5] = 0;
  d.labels[3] = 3;              /* Q = 3 */
  batch = batch_of (d);
  EXPECT_TRUE (std::isnan (rnc_bptt_forward (b, &batch)));
}

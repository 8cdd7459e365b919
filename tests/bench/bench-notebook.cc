/* Time per epoch of the notebook's experiment (Q4 / Q7): N=1000 sequences of
 * T=5 frames, D=2, H=32, Q=1, normal init, Adam, full batch, many-to-one
 * MSE, 100 epochs; for the vanilla RNN and the LSTM. */
#include "rnc.h"

#include <cstdio>
#include <vector>

struct Run {
  double ms_per_epoch, first, last;
};

static gboolean
keep (const RncEpochReport *r, gpointer data)
{
  auto *v = (std::vector<double> *) data;
  v->push_back (r->train_loss);
  return TRUE;
}

static Run
run (RncCell cell)
{
  const size_t N = 1000, T = 5, D = 2, H = 32, Q = 1;
  std::vector<float> x (N * T * D), y (N);
  std::vector<size_t> off (N + 1);
  for (size_t i = 0; i < x.size (); i++)
    x[i] = (float) (-0.4 + 1.6 * (double) i / (double) (x.size () - 1));
  RncRng rng;
  rnc_rng_init (&rng, 2024);
  for (auto &v : y)
    v = rnc_rng_normal (&rng);
  for (size_t n = 0; n <= N; n++)
    off[n] = n * T;
  RncModelConfig c = { cell, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, D, 0, H, 1,
    Q };
  g_autoptr (RncModel) m = rnc_model_new (&c, nullptr);
  rnc_model_init_weights (m, RNC_WEIGHT_INIT_NORMAL, 1);
  RncTrainOptions o;
  rnc_train_options_init (&o, RNC_LOSS_MSE, RNC_OUTPUTS_LAST);
  o.batch_size = 0;
  o.epochs = 100;
  o.restore_best = FALSE;
  RncDataset ds = {};
  ds.n_seqs = N;
  ds.offsets = off.data ();
  ds.x = x.data ();
  ds.targets = y.data ();
  g_autoptr (RncTrainer) t = rnc_trainer_new (m, &o, &ds, nullptr, nullptr);
  std::vector<double> losses;
  gint64 t0 = g_get_monotonic_time ();
  rnc_trainer_fit (t, keep, &losses, nullptr);
  double ms = (g_get_monotonic_time () - t0) / 1e3;
  return { ms / 100.0, losses.front (), losses.back () };
}

int
main ()
{
  std::printf ("OpenBLAS core %s, 1 thread\n", rnc_blas_get_corename ());
  std::printf ("| cell | ms per epoch (N=1000, T=5, H=32, full batch) | loss "
      "epoch 1 | loss epoch 100 |\n|---|---|---|---|\n");
  for (RncCell cell : { RNC_CELL_RNN, RNC_CELL_LSTM }) {
    Run r = run (cell);
    std::printf ("| %s | %.2f | %.3f | %.3f |\n", rnc_cell_to_string (cell),
        r.ms_per_epoch, r.first, r.last);
  }
  return 0;
}

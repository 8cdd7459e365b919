/* The forward passes allocate nothing: malloc and friends are interposed in
 * this test binary (forwarding to glibc) and counted while forward passes,
 * the head, generation, the activations and the row kernel run, at every
 * SIMD level and with split steps. Skipped under sanitizers (their
 * allocator owns malloc) and outside glibc. */
#include "rnc-test-util.h"

#include "rnc.h"
#include "rnc-kernel.h"

#include <cstdlib>

#include "rnc-noalloc-hooks.h"

namespace {

RncModel *
model (RncCell cell, RncInputKind input, size_t D, size_t H, size_t L,
    RncHeadKind head, size_t Q)
{
  RncModel *m = rnc_test::model_new (cell, input, D, 0, H, L, head, Q);
  rnc_test::fill_pattern (m);
  return m;
}

struct Counter {
  Counter () { n_allocs = 0; counting = true; }
  ~Counter () { counting = false; }
  long count () const { return n_allocs.load (); }
};

} // namespace

TEST (RncNoAlloc, ForwardPassesAllocateNothing)
{
#ifdef RNC_NOALLOC_SKIP
  GTEST_SKIP () << RNC_NOALLOC_SKIP;
#endif
  ASSERT_TRUE (malloc_is_interposed ()) << "malloc is not interposed";
  RncCpuLevel saved = rnc_cpu_get_level ();
  for (int lv = RNC_CPU_SCALAR; lv <= RNC_CPU_AVX512; lv++) {
    if (rnc_cpu_set_level ((RncCpuLevel) lv) != lv)
      continue;
    for (RncCell cell : { RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU }) {
      const size_t D = 20, H = 256, Q = 3, T = 70;
      RncModel *m = model (cell, RNC_INPUT_DENSE, D, H, 2, RNC_HEAD_REGRESSION, Q);
      RncModel *w = model (cell, RNC_INPUT_INDEX, 50, 17, 1, RNC_HEAD_CLASSES, 50);
      RncModel *g = model (cell, RNC_INPUT_DENSE, 4, 33, 1, RNC_HEAD_REGRESSION, 4);
      RncState *sg = rnc_state_new (g, 2, 0);
      RncState *s1 = rnc_state_new (m, 1, 0), *s3 = rnc_state_new (m, 3, 16);
      RncState *sw = rnc_state_new (w, 1, 0);
      RncState *sp = rnc_state_new (m, 1, 0);
      rnc_state_set_threads (sp, 2);
      std::vector<float> x (3 * T * D, 0.25f), h (3 * T * H), y (3 * T * Q);
      std::vector<float> onehot (T * D, 0.0f), act (1000, 0.3f), out (T * 50);
      std::vector<int32_t> ids (T, 7);
      for (size_t t = 0; t < T; t++)
        onehot[t * D + t % D] = 1.0f;
      rnc_forward (sp, x.data (), 2, h.data (), y.data ());    /* helper warm */
      {
        Counter c;
        rnc_forward (s1, x.data (), T, h.data (), y.data ());
        for (size_t t = 0; t < 5; t++)
          rnc_forward (s1, x.data () + t * D, 1, h.data (), y.data ());
        rnc_forward (s1, onehot.data (), T, h.data (), y.data ());
        rnc_forward (s3, x.data (), T, h.data (), y.data ());
        rnc_forward (s3, x.data (), 1, h.data (), y.data ());
        rnc_forward (sp, x.data (), T, h.data (), y.data ());
        rnc_forward (sp, x.data (), 1, h.data (), y.data ());
        ASSERT_TRUE (rnc_forward_ids (sw, ids.data (), T, nullptr, out.data ()));
        ASSERT_TRUE (rnc_forward_ids (sw, ids.data (), 1, nullptr, out.data ()));
        rnc_head_forward (m, h.data (), 4, y.data ());
        rnc_generate (sg, x.data (), 5, y.data ());
        rnc_tanh_inplace (act.data (), act.size ());
        rnc_sigmoid_inplace (act.data (), act.size ());
        rnc_exp_inplace (act.data (), 100);
        rnc_softmax (act.data (), 50, 0.8f, out.data ());
        rnc_kernel_rows_matmul_acc (3, 17, 20, x.data (), 20, x.data (), h.data (), 17);
        EXPECT_EQ (c.count (), 0) << rnc_cpu_level_to_string ((RncCpuLevel) lv)
            << " " << rnc_cell_to_string (cell) << ": allocations in forward passes";
      }
      rnc_state_free (s1);
      rnc_state_free (s3);
      rnc_state_free (sw);
      rnc_state_free (sp);
      rnc_state_free (sg);
      rnc_model_free (g);
      rnc_model_free (m);
      rnc_model_free (w);
    }
  }
  rnc_cpu_set_level (saved);
}

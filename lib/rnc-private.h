/* librnc internals shared between the state and the forward pass. */
#pragma once

#include "rnc-split.h"
#include "rnc-state.h"

G_BEGIN_DECLS

struct _RncState
{
  const RncModel *model;
  size_t N, L, H, G, max_frames;
  float *h;                     /* (L, N, H) */
  float *c;                     /* (L, N, H) or NULL */
  float *h0, *c0;               /* given initial state, or NULL: (L, H)
                                 * broadcast to every stream, or (L, N, H)
                                 * when h0_streams */
  gboolean h0_streams;
  RncInitKind init;

  /* Forward scratch, time-major: row (t * N + n) is stream n at frame t. */
  float *xproj;                 /* (max_frames * N, ldx) pre-activations, in
                                 * the packed column order (rnc-simd.h) */
  size_t ldx;                   /* >= G*H: packed pre-activation row width */
  guint parity;                 /* frames run so far, mod 2: the direction in
                                 * which the next step walks the weights */
  RncSplit *split;              /* helper thread of split steps, or NULL */
  RncSplitPolicy *policy;       /* (L) RNC_THREADS_AUTO: per layer, or NULL */
  float *seq[2];                /* (max_frames * N, H) layer outputs, ping-pong */
  float *gather;                /* (max_frames * N, max(E, D)) gathered inputs */
  float *head;                  /* (max_frames * N, Q) head outputs, or NULL */
  float *feedback;              /* (N, Q) generation outputs, or NULL */
};

/* Whether the recurrent steps of @s are large enough to be split: an H*G*H
 * recurrent matrix (every layer has the same) of at least 1 MiB, LSTM
 * H >= 256, RNN H >= 512. Smaller steps never get a helper thread. */
#define RNC_SPLIT_MIN_BYTES (1u << 20)
static inline gboolean
rnc_state_weights_can_split (const RncState *s)
{
  return s->G * s->H * s->H * sizeof (float) >= RNC_SPLIT_MIN_BYTES;
}

/* Whether a step of the whole batch is large enough to split its rows (the
 * streams) between two threads: N * G*H*H multiply-adds per layer at least
 * RNC_SPLIT_MIN_ROW_WORK (the helper's wake-up costs a few microseconds). */
#define RNC_SPLIT_MIN_ROW_WORK ((size_t) 1 << 21)
static inline gboolean
rnc_state_rows_can_split (const RncState *s)
{
  return s->N >= 2 && s->N * s->G * s->H * s->H >= RNC_SPLIT_MIN_ROW_WORK;
}

static inline gboolean
rnc_state_steps_can_split (const RncState *s)
{
  return rnc_state_weights_can_split (s) || rnc_state_rows_can_split (s);
}

/* @dst runs its steps like @src (1 thread, 2, or auto with a policy of its
 * own) on @src's helper thread, shared: the two states must never run at
 * the same time (a generator's true and rollout states, one streaming
 * thread). Same model shape. */
void rnc_state_share_threads (RncState *dst, const RncState *src);

G_END_DECLS

/* librnc: per-stream recurrent state.
 *
 * An RncState holds h (and c for LSTM) for every layer of a batch of N
 * independent streams, the initial state it resets to, and the scratch that
 * the forward pass needs for up to max_frames frames at a time, so that no
 * forward call allocates. It reads its model's shape at creation: a state
 * must not outlive its model, and is tied to one model. */
#pragma once

#include "rnc-model.h"

G_BEGIN_DECLS

typedef struct _RncState RncState;

typedef enum {
  RNC_INIT_ZEROS = 0,
  RNC_INIT_ONES = 1,            /* h = 1 (and c = 1 for LSTM), as the seed's Q8 */
  RNC_INIT_GIVEN = 2,           /* values set with rnc_state_set_initial() */
} RncInitKind;

#define RNC_STATE_DEFAULT_MAX_FRAMES 64

/* (transfer full) @batch >= 1 streams; @max_frames frames per internal chunk
 * (0 = RNC_STATE_DEFAULT_MAX_FRAMES). Longer inputs are processed in chunks.
 * The state starts at zeros. */
RncState *rnc_state_new (const RncModel *model, size_t batch,
    size_t max_frames);
void rnc_state_free (RncState *state);

const RncModel *rnc_state_get_model (const RncState *state);
size_t rnc_state_get_batch (const RncState *state);
size_t rnc_state_get_max_frames (const RncState *state);

/* (transfer none) h (L, N, H) and c (L, N, H; NULL for rnn), writable. */
float *rnc_state_get_h (RncState *state);
float *rnc_state_get_c (RncState *state);
const float *rnc_state_peek_h (const RncState *state);
const float *rnc_state_peek_c (const RncState *state);
/* Top layer's h for stream n: (H). */
const float *rnc_state_peek_top_h (const RncState *state, size_t n);

/* Chooses what rnc_state_reset() restores; does not reset by itself. */
void rnc_state_set_init (RncState *state, RncInitKind kind);
RncInitKind rnc_state_get_init (const RncState *state);
/* Copies a given initial state h (L, H) and c (L, H; NULL for rnn, ignored
 * for rnn), broadcast to every stream, and selects RNC_INIT_GIVEN. */
void rnc_state_set_initial (RncState *state, const float *h, const float *c);
/* Copies a given initial state per stream, h (L, N, H) and c (L, N, H;
 * NULL for rnn, ignored for rnn) for the state's N streams (a state file
 * saved from N streams), and selects RNC_INIT_GIVEN. */
void rnc_state_set_initial_streams (RncState *state, const float *h,
    const float *c);
/* Streams the given initial state holds: 1 when one (L, H) state serves
 * every stream, N when set per stream; 0 without one. */
size_t rnc_state_get_initial_streams (const RncState *state);
/* Copies the given initial state of every stream into @h (L, N, H) and @c
 * (L, N, H; not touched for rnn): what a reset restores. Returns FALSE
 * (copies nothing) unless the init kind is RNC_INIT_GIVEN. */
gboolean rnc_state_copy_initial (const RncState *state, float *h, float *c);
/* Sets every stream to the initial state. */
void rnc_state_reset (RncState *state);
/* Sets stream @n (< N) of every layer to its initial state; the other
 * streams are not touched. Allocates nothing. */
void rnc_state_reset_stream (RncState *state, size_t n);
/* Copies h and c (not the initial state nor scratch) from @src, which must
 * belong to a model of the same shape and have the same batch. */
void rnc_state_copy_values (RncState *dst, const RncState *src);

/* Runs each large recurrent step of this state on @n_threads threads (1 or
 * 2): the calling thread and a helper thread that the state owns, each
 * walking half of the layer's weights. Only layers whose recurrent weights
 * exceed 1 MiB (LSTM H >= 256, RNN H >= 512) are split; their steps are
 * bound by one core's cache bandwidth, and the split pays only when the
 * other core is otherwise idle (docs/performance.md), so the default is 1.
 * RNC_THREADS_AUTO creates the helper too but splits a layer's steps only
 * while they are measured to be faster split (rnc-split.h: every step of
 * those layers is timed, the other choice probed now and then).
 * A batch of many streams (rnc_state_new with batch N) whose step is large
 * (N * G*H*H >= RNC_SPLIT_MIN_ROW_WORK multiply-adds) is split over its rows
 * instead when its weights are under 1 MiB: each thread runs half of the
 * streams over all the weights.
 * The results are the same bit for bit. Call it outside any forward pass;
 * creating the helper allocates. A state whose steps are too small to split
 * gets no helper thread, in any mode. Returns the number of threads in use:
 * 1 when the steps are too small or no thread could be created, else 2
 * (also in auto mode). */
#define RNC_THREADS_AUTO 0u
guint rnc_state_set_threads (RncState *state, guint n_threads);
guint rnc_state_get_threads (const RncState *state);
/* Whether the state is in RNC_THREADS_AUTO mode (FALSE when its steps are
 * too small to split). */
gboolean rnc_state_get_threads_auto (const RncState *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncState, rnc_state_free)

G_END_DECLS

/* librnc: sequence generation by feeding predictions back. */
#pragma once

#include "rnc-runner.h"
#include "rnc-sample.h"
#include "rnc-state.h"

G_BEGIN_DECLS

/* For each of the state's N streams, from seed frames x0 (N, D), T times:
 * advance one frame on x, y = head (h), out[n, t] = y, x = y (the seed's Q8).
 * Raw units in and out: the model's input/output scaling is applied around
 * every step. Needs a regression head with Q == D. The state is not reset
 * first (reset it to choose h0). Allocates nothing. */
void rnc_generate (RncState *state, const float *x0, size_t T, float *out);

/* For a class model with index input and a head whose classes are input ids
 * (a language model): from the state after the prompt and the logits of the
 * last prompt frame (V), draws the next id, feeds it back, and so on until
 * @length ids were written to @out or the id @stop_id (if >= 0) was drawn,
 * which is written too. @logits (V) is scratch and ends holding the last
 * logits. Returns the number of ids written. Allocates nothing. */
size_t rnc_generate_ids (RncState *state, RncSampler *sampler, float *logits,
    float temperature, size_t top_k, int32_t stop_id, size_t length,
    int32_t *out);

/* ---- RncGenerator: one stream primed on real frames, then rolled forward ---
 *
 * What the `generate` element runs. The true state advances on the input
 * frames only (an RncRunner: scaling, windows, id checks); every generated
 * frame comes from a second state, a copy, so generating never disturbs
 * the stream:
 *
 *  - horizon N > 0: for every input frame t (that completes a window, with
 *    one), the forecast of the next N frames: the prediction after frame t,
 *    then N-1 more, each fed back as the next input; one output frame of N*Q
 *    values (N ids for a language model).
 *
 * Many streams (a state of batch S > 1, regression models): input frames of
 * S*D values, stream s owning [s*D, (s+1)*D); a horizon output frame holds
 * each stream's forecast (N*Q values) stream after stream, a continuation
 * frame S*Q values. Every step of the rollouts is one batched step of all
 * streams, and each stream's values are bit-identical to a generator of one
 * stream fed that stream alone (NaN for a stream reset less than a window
 * ago, see rnc-runner.h).
 *  - continuation (rnc_generator_start / _continue): after the last input
 *    frame, the prediction after it, fed back, `length` frames in all.
 *
 * With a window of T frames (a windowed model), every prediction, real or
 * generated, comes from the last T frames run from a fresh state, as the
 * model was trained and as the rnn/lstm elements compute it. Without one,
 * the copied state is carried on.
 *
 * Regression models (dense input, regression head, Q == D) feed back their
 * values (raw units in and out; scaling applied around each step). Language
 * models (index input, classes head whose Q classes are its V input ids)
 * feed back a class drawn by the sampler: temperature 0 is greedy, top_k
 * restricts to the k largest logits, the seed fixes the draws (restarted
 * at every reset, so the same input gives the same ids), and a continuation
 * ends early after drawing stop_id. Nothing is allocated after
 * rnc_generator_new(). */

#define RNC_GENERATE_ERROR (rnc_generate_error_quark ())
GQuark rnc_generate_error_quark (void);

typedef enum {
  RNC_GENERATE_ERROR_MODEL,     /* the model's outputs cannot be its inputs */
  RNC_GENERATE_ERROR_HORIZON,   /* the horizon is too large */
  RNC_GENERATE_ERROR_FAILED,
} RncGenerateError;

/* Largest horizon, in frames. */
#define RNC_GENERATE_MAX_HORIZON 65536

typedef struct _RncGenerator RncGenerator;

/* TRUE when @model can feed its outputs back as its inputs (see above);
 * otherwise RNC_GENERATE_ERROR_MODEL saying why. */
gboolean rnc_generate_check_model (const RncModel *model, GError **error);

/* (transfer full) A generator over @state (transfer none: it must outlive
 * the generator; its batch is the number of streams S, and S > 1 needs a
 * regression model; its initial state must be chosen before, the
 * rollouts of a windowed model start from it too; the rollout state splits
 * its steps as @state does at this point, rnc_state_set_threads, sharing
 * its helper thread). @window as in
 * rnc_runner_new(); @horizon 0 for continuation only. Errors:
 * RNC_GENERATE_ERROR_MODEL (see rnc_generate_check_model),
 * RNC_GENERATE_ERROR_HORIZON (above RNC_GENERATE_MAX_HORIZON or an output
 * frame above RNC_MAX_DIM values), RNC_RUNNER_ERROR_WINDOW. */
RncGenerator *rnc_generator_new (RncState *state, size_t window,
    size_t horizon, GError **error);
void rnc_generator_free (RncGenerator *gen);

/* TRUE for a language model: outputs are int32 ids, inputs too. */
gboolean rnc_generator_is_ids (const RncGenerator *gen);
/* Values per input frame: S*D (S streams), or 1 id. */
size_t rnc_generator_get_frame_width (const RncGenerator *gen);
/* Values per output frame: S*N*Q (N ids) with a horizon, else S*Q (1 id). */
size_t rnc_generator_get_output_width (const RncGenerator *gen);
/* Streams S (the state's batch). */
size_t rnc_generator_get_streams (const RncGenerator *gen);
size_t rnc_generator_get_window (const RncGenerator *gen);
size_t rnc_generator_get_horizon (const RncGenerator *gen);

/* Sampling knobs of a language model, used from the next draw on;
 * ignored for regression. @stop_id < 0: none. */
void rnc_generator_set_sampling (RncGenerator *gen, float temperature,
    size_t top_k, int32_t stop_id);
/* Restarts the draws from @seed now (and at every reset). */
void rnc_generator_set_seed (RncGenerator *gen, guint64 seed);

/* Back to the initial state: forgets the window history and any
 * continuation, restarts the draws from the seed. */
void rnc_generator_reset (RncGenerator *gen);

/* Resets stream @n (< S) alone (rnc_runner_reset_stream); the other
 * streams are not touched. Allocates nothing. */
void rnc_generator_reset_stream (RncGenerator *gen, size_t n);

/* Primes on @n input frames (as rnc_runner_process: (n, D) raw floats or
 * (n) ids; an id outside [0, V) returns FALSE before anything changes, with
 * *bad_index set). With a horizon and @out not NULL, writes the forecasts
 * of the frames that have one into @out ((n_out, W)) and sets *n_out;
 * otherwise *n_out = 0. Any continuation in progress is dropped. Allocates
 * nothing. */
gboolean rnc_generator_process (RncGenerator *gen, const void *x, size_t n,
    void *out, size_t *n_out, size_t *bad_index);

/* Begins a continuation of @length frames after the last input frame.
 * Returns FALSE (and generates nothing) when there is nothing to continue
 * from: no frame since the reset, or fewer than a window. */
gboolean rnc_generator_start (RncGenerator *gen, size_t length);
/* Writes the next up-to-@max frames of the continuation into @out ((k, Q)
 * floats or (k) ids) and returns k; 0 once @length frames were written or
 * stop_id was drawn (it is written). Any chunking gives the same frames.
 * Allocates nothing. */
size_t rnc_generator_continue (RncGenerator *gen, void *out, size_t max);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncGenerator, rnc_generator_free)

G_END_DECLS

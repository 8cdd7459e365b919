/* librnc: streams of frames through a model, as the rnn and lstm elements
 * run them.
 *
 * An RncRunner drives an RncState of N streams (its batch) over frames in raw
 * units: it applies the model's input scaling, runs the forward pass, and
 * turns the top layer into the requested output (hidden state, regression
 * values in raw units, logits, probabilities or argmax ids). With a window
 * of T frames, each output is computed from the last T frames only, from a
 * fresh (initial) state, as windowed models are trained; frames before the
 * first full window give no output.
 *
 * Every output depends only on the frames since the last reset, never on
 * how they were cut into calls: any split of a stream gives bit-identical
 * outputs (the forward pass is row-deterministic, see rnc-kernel.h).
 * Nothing is allocated after rnc_runner_new().
 *
 * Many streams (a state of batch N > 1): a frame holds one frame of every
 * stream side by side, N*D values (stream s owns [s*D, (s+1)*D)), and an
 * output frame N*W values in the same layout. Each frame of all N streams
 * is one batched step per layer (the weights are read once per frame for
 * all streams), and every stream's outputs are bit-identical to those of a
 * runner of batch 1 fed that stream alone. Streams can be reset one by one
 * (rnc_runner_reset_stream). With a window, a frame gives an output frame
 * as soon as one stream has a full window since its reset; a stream without
 * one yet (reset less than a window ago) gets NaN values in it (-1 for
 * argmax ids).
 *
 * A model with a lookahead of k frames (rnc.delay, see rnc-model.h and
 * docs/tagging.md; one stream) gives at frame t the output of frame t - k:
 * the first k frames after a reset give none, and rnc_runner_flush() ends
 * the sequence by feeding k pad frames, which give the outputs of the last
 * k frames. So every frame gets exactly one output, k frames late. */
#pragma once

#include "rnc-state.h"

#include <stdint.h>

G_BEGIN_DECLS

typedef enum {
  RNC_OUTPUT_PREDICTION = 0,    /* the model's natural output: regression values
                                 * (raw units), class probabilities, or the
                                 * hidden state of a model without a head */
  RNC_OUTPUT_HIDDEN = 1,        /* top layer's h (H) */
  RNC_OUTPUT_LOGITS = 2,        /* classes head, before softmax (Q) */
  RNC_OUTPUT_PROBABILITIES = 3, /* classes head, softmax (Q) */
  RNC_OUTPUT_ARGMAX = 4,        /* classes head, the most likely id (1, int32) */
  RNC_OUTPUT_INTERVAL = 5,      /* regression head with rnc.residual_quantiles:
                                 * [lo (Q), prediction (Q), hi (Q)] in raw
                                 * units, see rnc_runner_set_interval() */
} RncOutputKind;

#define RNC_RUNNER_ERROR (rnc_runner_error_quark ())
GQuark rnc_runner_error_quark (void);

typedef enum {
  RNC_RUNNER_ERROR_OUTPUT,      /* the output kind needs a head the model lacks */
  RNC_RUNNER_ERROR_WINDOW,      /* the window is too large, or a window with a
                                 * lookahead model */
  RNC_RUNNER_ERROR_CALIBRATION, /* output interval: the model has no (valid)
                                 * rnc.residual_quantiles, or the level needs
                                 * quantiles outside its grid */
  RNC_RUNNER_ERROR_FAILED,
} RncRunnerError;

/* Largest window, in frames. */
#define RNC_RUNNER_MAX_WINDOW 65536

typedef struct _RncRunner RncRunner;

const char *rnc_output_kind_to_string (RncOutputKind kind);

/* (transfer full) A runner over @state (transfer none: it must outlive the
 * runner) and its N streams (the state's batch). With N == 1 it processes
 * up to the state's max_frames frames per internal chunk; with N > 1 one
 * frame of all streams at a time (a state of max_frames 1 is enough). @window 0 carries the state forever.
 * RNC_RUNNER_ERROR_OUTPUT when @output needs a classes head (logits,
 * probabilities, argmax) and the model has none, RNC_RUNNER_ERROR_WINDOW
 * when @window is above RNC_RUNNER_MAX_WINDOW or its history would not fit
 * in memory or the model has a lookahead (rnc.delay; it runs without a
 * window). RNC_RUNNER_ERROR_OUTPUT when @output is interval and the model
 * has no regression head, or a lookahead model is given N > 1 streams;
 * RNC_RUNNER_ERROR_CALIBRATION when it has no rnc.residual_quantiles (or a
 * malformed one); the interval level starts at RNC_RUNNER_DEFAULT_INTERVAL. */
RncRunner *rnc_runner_new (RncState *state, RncOutputKind output,
    size_t window, GError **error);
void rnc_runner_free (RncRunner *runner);

/* rnc.residual_quantiles of @model (docs/model-format.md), the one parser
 * of the key: @n_probs (2..10,000) probabilities strictly ascending in
 * (0, 1) into *probs, and one row of as many ascending finite quantiles
 * (model units) per output into *quant (Q, n_probs), both newly
 * allocated. The text passes rnc_json_check (strict JSON, depth 16) before
 * json-glib sees it. FALSE with RNC_RUNNER_ERROR_CALIBRATION and a message
 * naming the key when it is absent or malformed. */
gboolean rnc_quantiles_parse (const RncModel *model, double **probs,
    size_t *n_probs, double **quant, GError **error);

/* Output interval: the central @level (0 < level < 1) of the one-step
 * residual distribution stored in the model (rnc.residual_quantiles,
 * docs/tagging.md): for each output j,
 *   lo_j = pred_j + s_j * q_j((1 - level) / 2),
 *   hi_j = pred_j + s_j * q_j((1 + level) / 2),
 * q_j linear in p between the stored quantiles, s_j the output std (1
 * without output scaling); the middle block is bit for bit what output
 * prediction gives (per stream: W = 3Q values, [lo, pred, hi]).
 * RNC_RUNNER_ERROR_CALIBRATION when a tail probability lies outside the
 * stored grid; a runner of another output kind ignores it. Allocates
 * nothing. */
#define RNC_RUNNER_DEFAULT_INTERVAL 0.8
gboolean rnc_runner_set_interval (RncRunner *runner, double level,
    GError **error);
double rnc_runner_get_interval (const RncRunner *runner);

/* Output interval, online calibration (docs/forecasting.md): a model with
 * rnc.residual_quantiles forecasts the next frame, so when its outputs are
 * the next input frame's values (dense input, Q == D, no lookahead) the
 * runner sees every miss. Each stream and output keeps how far each side
 * has moved out, d_lo and d_hi (raw units, 0 after a reset), and a scale s
 * (the mean absolute error, starting at half the model's interval):
 *   lo_j = (formula above) - d_lo,  hi_j = (formula above) + d_hi
 * (both at their midpoint if they would cross). After each frame x, with
 * step = max (s, half the width of the last interval), a side whose bound
 * x crossed moves out by @rate * step * (1 - tail), one that held moves
 * in by @rate * step * tail, tail = (1 - level) / 2, then s moves towards
 * |x - prediction| by @rate / 2 of the way (quantile tracking: over a long
 * stream the share of misses on each side goes to its tail probability
 * whatever the residuals' distribution, bias or drift; the steps follow
 * the errors' size, and a far too wide interval shrinks geometrically). A
 * reset (of a stream) restarts from the
 * model's quantiles; frames run without outputs update nothing. @rate 0
 * keeps the model's quantiles (the bounds then equal the formula above
 * bit for bit). FALSE unless 0 <= @rate <= 1. */
#define RNC_RUNNER_DEFAULT_INTERVAL_ADAPT 0.1
gboolean rnc_runner_set_interval_adapt (RncRunner *runner, double rate);
double rnc_runner_get_interval_adapt (const RncRunner *runner);
/* The online calibration's values, for state files: per stream 6Q floats
 * [last lo, last hi, last prediction, d_lo, d_hi, s] (Q each; NaN bounds:
 * none given since the reset or since frames without outputs). Width 0
 * and NULL when the runner has none (another output kind, Q != D, ids
 * input, a lookahead model). set_track: FALSE (nothing changed) for
 * another width or invalid values. */
size_t rnc_runner_get_track_width (const RncRunner *runner);
const float *rnc_runner_peek_track (const RncRunner *runner);
gboolean rnc_runner_set_track (RncRunner *runner, const float *track,
    size_t width);
/* A global forecaster's streams: stream s scales its input by @mean/@std
 * [s*D, (s+1)*D) and its prediction back by the same (D == Q, dense input,
 * a model with scaling), instead of the model's own scaling; NULL restores
 * that. Copies the arrays (call it before streaming, not per step). FALSE
 * when the model cannot take it or a value is not finite (std > 0). */
gboolean rnc_runner_set_stream_scaling (RncRunner *runner, const float *mean,
    const float *std);

RncState *rnc_runner_get_state (RncRunner *runner);
RncOutputKind rnc_runner_get_output (const RncRunner *runner);
size_t rnc_runner_get_window (const RncRunner *runner);
/* Frames of lookahead (the model's rnc.delay): outputs come that many
 * frames late. */
size_t rnc_runner_get_delay (const RncRunner *runner);
/* Streams N (the state's batch). */
size_t rnc_runner_get_streams (const RncRunner *runner);
/* Values per output frame: N times H, Q, 3Q for interval, or 1 for argmax. */
size_t rnc_runner_get_output_width (const RncRunner *runner);
/* TRUE when outputs are int32 ids (argmax), FALSE for floats. */
gboolean rnc_runner_output_is_ids (const RncRunner *runner);
/* Values per input frame (N times D, or 1 id for index input) and their
 * type. */
size_t rnc_runner_get_frame_width (const RncRunner *runner);
gboolean rnc_runner_input_is_ids (const RncRunner *runner);
/* Frames seen since the last reset (saturates at the window, if any; with
 * N > 1 the most of any stream). */
size_t rnc_runner_get_frames_seen (const RncRunner *runner);
/* Whether stream @n has an output for the last frame: a frame since its
 * reset, a full window with one. */
gboolean rnc_runner_stream_has_output (const RncRunner *runner, size_t n);

/* (transfer none) With a window of T frames, the last min(seen, T) frames
 * since the reset, oldest first: (n, N*D) floats in model units (scaled),
 * or (n, N) int32 ids for an index model; NULL without a window. Valid
 * until the next call that changes the runner. */
const void *rnc_runner_peek_window (const RncRunner *runner);

/* Resets the state to its initial value and forgets the window history. */
void rnc_runner_reset (RncRunner *runner);
/* Resets stream @n (< N) alone: its h (and c) go back to the initial
 * state and its window starts again; the other streams are not touched.
 * Allocates nothing. */
void rnc_runner_reset_stream (RncRunner *runner, size_t n);

/* Runs @n frames: @x is (n, N*D) float in raw units, or (n, N) int32 ids
 * for an index model; it is not modified. When @out is not NULL it receives
 * the outputs of the frames that have one, in order: (n_out, N*W) float or
 * (n_out, N) int32; *n_out (optional) is set to their number: n without a
 * window, otherwise the number of the n frames that complete a window
 * (they are the last n_out frames); @out needs room for n frames. With a
 * lookahead of k frames, the outputs are those of the frames k earlier:
 * the first k frames after a reset give none (then they are the last n_out
 * frames too). With @out NULL nothing is computed
 * beyond what the state needs (in window mode only the history advances).
 * For an index model, an id outside [0, V) makes it return FALSE before
 * anything changes, with *bad_index (optional) set to its position in @x.
 * Allocates nothing. */
gboolean rnc_runner_process (RncRunner *runner, const void *x, size_t n,
    void *out, size_t *n_out, size_t *bad_index);

/* Ends the sequence: with a lookahead of k frames, runs k pad frames (the
 * model's rnc.pad_id, or zero frames in model units for dense input) and
 * writes the outputs still owed (those of the last min(k, frames since the
 * reset) frames) to @out (room for k frames; may be NULL to drop them);
 * *n_out (optional) receives their number. Then resets, like
 * rnc_runner_reset(). Without a lookahead it only resets (*n_out = 0).
 * Allocates nothing. */
void rnc_runner_flush (RncRunner *runner, void *out, size_t *n_out);

/* The output of the most recent frame (N*W values or N ids), as if it had
 * been requested from rnc_runner_process(): what emit=buffer and emit=eos
 * push. Returns FALSE when there is none (no frame since the reset, or
 * fewer than a window, in every stream); a stream without one gets NaN
 * (-1). Allocates nothing. */
gboolean rnc_runner_last_output (RncRunner *runner, void *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncRunner, rnc_runner_free)

G_END_DECLS

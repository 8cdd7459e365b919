/* librnc: one stream of frames through a model, as the rnn and lstm
 * elements run it.
 *
 * An RncRunner drives an RncState (one stream, batch 1) over frames in raw
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
 * Nothing is allocated after rnc_runner_new(). */
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
} RncOutputKind;

#define RNC_RUNNER_ERROR (rnc_runner_error_quark ())
GQuark rnc_runner_error_quark (void);

typedef enum {
  RNC_RUNNER_ERROR_OUTPUT,      /* the output kind needs a head the model lacks */
  RNC_RUNNER_ERROR_WINDOW,      /* the window is too large */
  RNC_RUNNER_ERROR_FAILED,
} RncRunnerError;

/* Largest window, in frames. */
#define RNC_RUNNER_MAX_WINDOW 65536

typedef struct _RncRunner RncRunner;

const char *rnc_output_kind_to_string (RncOutputKind kind);

/* (transfer full) A runner over @state (transfer none: it must outlive the
 * runner; its batch must be 1). Processes up to the state's max_frames
 * frames per internal chunk. @window 0 carries the state forever.
 * RNC_RUNNER_ERROR_OUTPUT when @output needs a classes head (logits,
 * probabilities, argmax) and the model has none, RNC_RUNNER_ERROR_WINDOW
 * when @window is above RNC_RUNNER_MAX_WINDOW or its history would not fit
 * in memory. */
RncRunner *rnc_runner_new (RncState *state, RncOutputKind output,
    size_t window, GError **error);
void rnc_runner_free (RncRunner *runner);

RncState *rnc_runner_get_state (RncRunner *runner);
RncOutputKind rnc_runner_get_output (const RncRunner *runner);
size_t rnc_runner_get_window (const RncRunner *runner);
/* Values per output frame: H, Q, or 1 for argmax. */
size_t rnc_runner_get_output_width (const RncRunner *runner);
/* TRUE when outputs are int32 ids (argmax), FALSE for floats. */
gboolean rnc_runner_output_is_ids (const RncRunner *runner);
/* Values per input frame (D, or 1 id for index input) and their type. */
size_t rnc_runner_get_frame_width (const RncRunner *runner);
gboolean rnc_runner_input_is_ids (const RncRunner *runner);
/* Frames seen since the last reset (saturates at the window, if any). */
size_t rnc_runner_get_frames_seen (const RncRunner *runner);

/* (transfer none) With a window of T frames, the last min(seen, T) frames
 * since the reset, oldest first: (n, D) floats in model units (scaled), or
 * (n) int32 ids for an index model; NULL without a window. Valid until the
 * next call that changes the runner. */
const void *rnc_runner_peek_window (const RncRunner *runner);

/* Resets the state to its initial value and forgets the window history. */
void rnc_runner_reset (RncRunner *runner);

/* Runs @n frames: @x is (n, D) float in raw units, or (n) int32 ids for an
 * index model; it is not modified. When @out is not NULL it receives the
 * outputs of the frames that have one, in order: (n_out, W) float or
 * (n_out) int32; *n_out (optional) is set to their number: n without a
 * window, otherwise the number of the n frames that complete a window
 * (they are the last n_out frames). With @out NULL nothing is computed
 * beyond what the state needs (in window mode only the history advances).
 * For an index model, an id outside [0, V) makes it return FALSE before
 * anything changes, with *bad_index (optional) set to its position in @x.
 * Allocates nothing. */
gboolean rnc_runner_process (RncRunner *runner, const void *x, size_t n,
    void *out, size_t *n_out, size_t *bad_index);

/* The output of the most recent frame (W values or one id), as if it had
 * been requested from rnc_runner_process(): what emit=buffer and emit=eos
 * push. Returns FALSE when there is none (no frame since the reset, or
 * fewer than a window). Allocates nothing. */
gboolean rnc_runner_last_output (RncRunner *runner, void *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncRunner, rnc_runner_free)

G_END_DECLS

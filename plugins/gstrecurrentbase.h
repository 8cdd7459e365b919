/* gst-recurrent: GstRecurrentBase, the base class of the elements that run a
 * recurrent model over a stream of frames (rnn, lstm; later generate).
 *
 * It owns everything those elements share: the model file and the
 * per-stream state (loaded in start(), freed in stop()), caps negotiation
 * (frames, token ids or audio in; frames of the output width out), byte
 * accumulation so that any split of the input gives the same output,
 * timestamps, the reset rules of the design (FLUSH_STOP, STREAM_START,
 * READY->PAUSED, the `rnc/reset` event, the `reset` action signal and the
 * `reset-on` flags), and saving the state to `state-location`. With
 * `streams` = N, frames hold N independent streams side by side (stream s
 * owns values [s*D, (s+1)*D)), run as one batch of N in the state.
 *
 * A subclass sets the cell it runs (gst_recurrent_base_class_set_cell) and,
 * for frame-to-frame elements, installs the output/emit/window properties
 * (gst_recurrent_base_class_install_stream_properties). The virtual methods
 * below default to the rnn/lstm behaviour (an RncRunner); an element with
 * another job (generate) overrides them.
 */
#pragma once

#include <gst/base/gstadapter.h>
#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

#include "rnc-model.h"
#include "rnc-runner.h"
#include "rnc-state.h"

G_BEGIN_DECLS

#define GST_TYPE_RECURRENT_BASE (gst_recurrent_base_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstRecurrentBase, gst_recurrent_base, GST,
    RECURRENT_BASE, GstBaseTransform)

typedef enum {
  GST_RECURRENT_INITIAL_STATE_ZEROS = 0,
  GST_RECURRENT_INITIAL_STATE_ONES = 1,
  GST_RECURRENT_INITIAL_STATE_FILE = 2,
} GstRecurrentInitialState;

typedef enum {
  GST_RECURRENT_RESET_ON_DISCONT = (1 << 0),
  GST_RECURRENT_RESET_ON_SEGMENT = (1 << 1),
  GST_RECURRENT_RESET_ON_EOS = (1 << 2),
} GstRecurrentResetOn;

/* Mirrors RncOutputKind. */
typedef enum {
  GST_RECURRENT_OUTPUT_PREDICTION = RNC_OUTPUT_PREDICTION,
  GST_RECURRENT_OUTPUT_HIDDEN = RNC_OUTPUT_HIDDEN,
  GST_RECURRENT_OUTPUT_LOGITS = RNC_OUTPUT_LOGITS,
  GST_RECURRENT_OUTPUT_PROBABILITIES = RNC_OUTPUT_PROBABILITIES,
  GST_RECURRENT_OUTPUT_ARGMAX = RNC_OUTPUT_ARGMAX,
  GST_RECURRENT_OUTPUT_INTERVAL = RNC_OUTPUT_INTERVAL,
} GstRecurrentOutput;

typedef enum {
  GST_RECURRENT_EMIT_FRAME = 0,   /* many-to-many: an output per input frame */
  GST_RECURRENT_EMIT_BUFFER = 1,  /* many-to-one per input buffer */
  GST_RECURRENT_EMIT_EOS = 2,     /* one output at the end of the stream */
} GstRecurrentEmit;

#define GST_TYPE_RECURRENT_INITIAL_STATE (gst_recurrent_initial_state_get_type ())
GType gst_recurrent_initial_state_get_type (void);
#define GST_TYPE_RECURRENT_RESET_ON (gst_recurrent_reset_on_get_type ())
GType gst_recurrent_reset_on_get_type (void);
#define GST_TYPE_RECURRENT_OUTPUT (gst_recurrent_output_get_type ())
GType gst_recurrent_output_get_type (void);
#define GST_TYPE_RECURRENT_EMIT (gst_recurrent_emit_get_type ())
GType gst_recurrent_emit_get_type (void);

/* Property ids of the base; a subclass numbers its own from
 * GST_RECURRENT_BASE_PROP_LAST and chains up for the others. */
enum
{
  GST_RECURRENT_BASE_PROP_0,
  GST_RECURRENT_BASE_PROP_MODEL,
  GST_RECURRENT_BASE_PROP_INITIAL_STATE,
  GST_RECURRENT_BASE_PROP_STATE_LOCATION,
  GST_RECURRENT_BASE_PROP_RESET_ON,
  GST_RECURRENT_BASE_PROP_OUTPUT,
  GST_RECURRENT_BASE_PROP_EMIT,
  GST_RECURRENT_BASE_PROP_WINDOW,
  GST_RECURRENT_BASE_PROP_THREADS,
  GST_RECURRENT_BASE_PROP_SERIES,
  GST_RECURRENT_BASE_PROP_CHECKPOINT_FRAMES,
  GST_RECURRENT_BASE_PROP_RESUME,
  GST_RECURRENT_BASE_PROP_STREAMS,
  GST_RECURRENT_BASE_PROP_INTERVAL,
  GST_RECURRENT_BASE_PROP_INTERVAL_ADAPT,
  GST_RECURRENT_BASE_PROP_LAST,
};

struct _GstRecurrentBaseClass
{
  GstBaseTransformClass parent_class;

  /* The cell of the models this element runs; another is refused. */
  RncCell cell;
  gboolean any_cell;

  /* Action signal "reset": resets the state before the next frame. */
  void (*reset) (GstRecurrentBase *self);

  /* Streaming-side virtual methods (the defaults run an RncRunner). All are
   * called on the streaming thread or, for setup/teardown, in start/stop. */

  /* After the model and state are ready: prepare what processing needs.
   * Returns FALSE with @error (shown to the user) on a bad combination. */
  gboolean (*setup) (GstRecurrentBase *self, GError **error);
  void (*teardown) (GstRecurrentBase *self);
  /* Output frame: values per frame and whether they are S32 ids. */
  void (*get_output_format) (GstRecurrentBase *self, gsize *width,
      gboolean *ids);
  /* Resets the per-stream state (and anything that depends on it). */
  void (*reset_state) (GstRecurrentBase *self);
  /* Resets stream @n (< streams) alone (the rnc/reset event's `stream`
   * field, the reset-stream signal). */
  void (*reset_one_stream) (GstRecurrentBase *self, gsize n);
  /* Runs @n input frames (raw units: (n, D) float or (n) int32 ids; read
   * only, aligned to 4 bytes: they may be the input buffer's own memory).
   * With @out, writes the outputs (room for n frames) and sets *n_out.
   * FALSE with @error on bad data (an id outside the vocabulary). */
  gboolean (*process) (GstRecurrentBase *self, const void *frames, gsize n,
      gpointer out, gsize *n_out, GError **error);
  /* The output after the last frame (emit=buffer, emit=eos); FALSE if none. */
  gboolean (*last_output) (GstRecurrentBase *self, gpointer out);
  /* At EOS, after the last whole frame and before the state is saved:
   * frames that continue the stream (generate's continuation). Writes up to
   * @max output frames into @out and returns how many; 0 ends it. @done
   * counts the frames written since this EOS (0: the first call). The base
   * pushes each chunk (stamped as the frames after the last input frame)
   * and stops early when a pad is flushing or a push fails. NULL: none. */
  gsize (*drain) (GstRecurrentBase *self, gsize done, gpointer out,
      gsize max);
  /* A model with a lookahead of k frames (rnc.delay) owes the outputs of
   * its last k frames at the end of a sequence: before a reset (rnc/reset,
   * the reset signal, reset-on discont/segment) and at EOS the base calls
   * this to write them (room for get_delay() frames) and to reset; returns
   * how many. NULL, or get_delay 0: none owed. */
  gsize (*flush) (GstRecurrentBase *self, gpointer out);
  /* Frames of lookahead (0 by default). */
  gsize (*get_delay) (GstRecurrentBase *self);

  gpointer padding[4];
};

void gst_recurrent_base_class_set_cell (GstRecurrentBaseClass *klass,
    RncCell cell);
/* Installs output, emit, window and interval (rnn, lstm), handled by the base's
 * set/get_property, which it sets on @klass. A subclass with properties of
 * its own sets its own set/get_property and chains up for the base's. */
void gst_recurrent_base_class_install_stream_properties (
    GstRecurrentBaseClass *klass);

/* (transfer none) The loaded model and state, between start and stop. */
const RncModel *gst_recurrent_base_get_model (GstRecurrentBase *self);
RncState *gst_recurrent_base_get_state (GstRecurrentBase *self);
/* The window in frames (the `window` property, or the model's rnc.window
 * when it is -1 or not installed), fixed between start and stop. */
gsize gst_recurrent_base_get_window (GstRecurrentBase *self);
/* The number of streams N in the frames (the state's batch): the `streams`
 * property, or with streams=0 the input width over the model's, known once
 * caps are set (1 before). */
gsize gst_recurrent_base_get_streams (GstRecurrentBase *self);

G_END_DECLS

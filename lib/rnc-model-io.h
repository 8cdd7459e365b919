/* librnc: model and state files (safetensors).
 *
 * API contract, implemented in rnc-model-io.c. Every reader validates the
 * whole file (header length, JSON, dtypes, shapes against each other,
 * offsets inside the data, overlaps, size overflow) before allocating
 * anything sized by the file, and fails with a GError in RNC_MODEL_ERROR
 * whose message names the file and the tensor or field at fault. */
#pragma once

#include "rnc-model.h"
#include "rnc-state.h"

G_BEGIN_DECLS

#define RNC_MODEL_ERROR (rnc_model_error_quark ())
GQuark rnc_model_error_quark (void);

typedef enum {
  RNC_MODEL_ERROR_IO,           /* cannot open, read or write the file */
  RNC_MODEL_ERROR_TRUNCATED,    /* file shorter than 8 bytes, or ends inside its header */
  RNC_MODEL_ERROR_HEADER,       /* header length impossible (0, above the 100 MB limit) */
  RNC_MODEL_ERROR_JSON,         /* header is not a JSON object of the safetensors shape */
  RNC_MODEL_ERROR_ENCODING,     /* a name or metadata string is not UTF-8 or holds NUL */
  RNC_MODEL_ERROR_DTYPE,        /* an unknown dtype, or not F32 in a model or state */
  RNC_MODEL_ERROR_SHAPE,        /* a shape is invalid or disagrees with another tensor */
  RNC_MODEL_ERROR_OFFSETS,      /* data_offsets outside the data, not shape * dtype bytes, gaps */
  RNC_MODEL_ERROR_OVERLAP,      /* two tensors share bytes */
  RNC_MODEL_ERROR_OVERFLOW,     /* a size computation overflows or a dimension is too large */
  RNC_MODEL_ERROR_MISSING,      /* a required tensor is absent */
  RNC_MODEL_ERROR_UNEXPECTED,   /* a tensor of no known layout, or an ambiguous one */
  RNC_MODEL_ERROR_METADATA,     /* a __metadata__ value is wrong (rnc.cell, window, scaling...) */
  RNC_MODEL_ERROR_VALUE,        /* a weight is NaN or infinite */
  RNC_MODEL_ERROR_DUPLICATE,    /* a tensor name or metadata key appears twice in the header */
  RNC_MODEL_ERROR_UNSUPPORTED,  /* a known layout the library cannot run:
                                 * bidirectional, proj_size, > 16 layers */
  RNC_MODEL_ERROR_FAILED,
} RncModelError;

/* (transfer full) Loads a native model or a PyTorch nn.RNN/nn.LSTM/nn.GRU
 * (+ nn.Linear) state_dict saved as safetensors (transposed, LSTM gates
 * reordered i,f,g,o -> i,f,o,g, biases summed; a GRU keeps r,z,n and its
 * b_hn apart as layer{k}.bhn), or an ONNX model (detected by content or a
 * .onnx name, see rnc-onnx.h). Metadata is parsed
 * (rnc_model_parse_metadata) before returning. */
RncModel *rnc_model_load (const char *path, GError **error);
/* The same from memory; @name is used in error messages. */
RncModel *rnc_model_load_from_data (const guint8 *data, size_t size,
    const char *name, GError **error);

/* Writes the native layout and every metadata pair. Atomic (temp file +
 * rename). Saving then loading gives bit-identical weights. */
gboolean rnc_model_save (const RncModel *model, const char *path,
    GError **error);
/* (transfer full) The same into memory. */
guint8 *rnc_model_save_to_data (const RncModel *model, size_t *size,
    GError **error);

/* ---- State files (docs/checkpoints.md) ----------------------------------
 *
 * A state file holds the state of all N streams of an RncState:
 * `state.h` and, for LSTM, `state.c`, shaped (L, H) when N is 1 (the
 * original layout, so older files still load) and (L, N, H) otherwise, plus
 * metadata `rnc.cell`, `rnc.streams` (N), `rnc.position` (frames consumed
 * since the stream started: one value, as all streams advance together;
 * absent when unknown) and `rnc.initial`, what a reset restores: "zeros",
 * "ones", or "given" with the values in `initial.h` (and `initial.c`) of
 * the same shape, and optionally `interval.track` (N, W), a runner's
 * online interval calibration (rnc_runner_peek_track). Files are written
 * atomically
 * (rnc_safetensors_write_atomic): a crash at any moment leaves either
 * the previous file or the new one. */

/* rnc_state_save_at() without a position. */
#define RNC_STATE_POSITION_NONE G_MAXUINT64

/* Writes every stream's h (and c), the initial state and @position
 * (RNC_STATE_POSITION_NONE: none recorded). */
gboolean rnc_state_save_at (const RncState *state, guint64 position,
    const char *path, GError **error);
/* The same with a runner's interval calibration (rnc_runner_peek_track):
 * tensor `interval.track`, (N, @track_width) F32, NaN allowed (none when
 * @track is NULL). */
gboolean rnc_state_save_track_at (const RncState *state, guint64 position,
    const float *track, size_t track_width, const char *path, GError **error);
/* The same without a position. */
gboolean rnc_state_save (const RncState *state, const char *path,
    GError **error);
/* (transfer full) The same into memory. */
guint8 *rnc_state_save_to_data_at (const RncState *state, guint64 position,
    size_t *size, GError **error);
guint8 *rnc_state_save_to_data (const RncState *state, size_t *size,
    GError **error);

/* Loads a state file for @state: checks the cell and the shapes against its
 * model (RNC_MODEL_ERROR_SHAPE naming the tensor), the number of streams
 * against its batch (RNC_MODEL_ERROR_SHAPE naming both numbers) and the
 * metadata, then installs state.h/state.c as the initial state
 * (RNC_INIT_GIVEN, per stream) without resetting. */
gboolean rnc_state_load_initial (RncState *state, const char *path,
    GError **error);
/* The same from memory; @name is used in error messages. */
gboolean rnc_state_load_initial_from_data (RncState *state,
    const guint8 *data, size_t size, const char *name, GError **error);

/* A loaded, validated state file, for resuming: its values, position and
 * recorded initial state, checked against @state as rnc_state_load_initial
 * does. It does not keep @state. */
typedef struct _RncStateFile RncStateFile;

/* (transfer full) */
RncStateFile *rnc_state_file_load (const RncState *state, const char *path,
    GError **error);
RncStateFile *rnc_state_file_load_from_data (const RncState *state,
    const guint8 *data, size_t size, const char *name, GError **error);
void rnc_state_file_free (RncStateFile *file);

size_t rnc_state_file_get_streams (const RncStateFile *file);
/* FALSE when the file records no position (*position is then 0). */
gboolean rnc_state_file_get_position (const RncStateFile *file,
    guint64 *position);
/* What a reset restores in the run that wrote the file (RNC_INIT_ZEROS when
 * the file does not say). */
RncInitKind rnc_state_file_get_initial (const RncStateFile *file);
/* Makes the file's recorded initial state what resets of @state restore
 * (a state of the same model shape and batch); does not reset. */
void rnc_state_file_apply_initial (const RncStateFile *file,
    RncState *state);
/* (transfer none) The file's `interval.track` (N, *@width), or NULL when
 * it holds none (*@width 0); the runner checks the values
 * (rnc_runner_set_track). */
const float *rnc_state_file_peek_track (const RncStateFile *file,
    size_t *width);
/* Copies the file's h (and c) into @state's current values. */
void rnc_state_file_apply_values (const RncStateFile *file, RncState *state);
/* Installs the file's h (and c) as @state's initial state (RNC_INIT_GIVEN),
 * as rnc_state_load_initial does. */
void rnc_state_file_apply_as_initial (const RncStateFile *file,
    RncState *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncStateFile, rnc_state_file_free)

G_END_DECLS

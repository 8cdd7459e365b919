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
  RNC_MODEL_ERROR_UNSUPPORTED,  /* a known layout the library cannot run: GRU,
                                 * bidirectional, proj_size, > 16 layers */
  RNC_MODEL_ERROR_FAILED,
} RncModelError;

/* (transfer full) Loads a native model or a PyTorch nn.RNN/nn.LSTM (+
 * nn.Linear) state_dict saved as safetensors (transposed, gates reordered
 * i,f,g,o -> i,f,o,g, biases summed), or an ONNX model (detected by
 * content or a .onnx name, see rnc-onnx.h). Metadata is parsed
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

/* State files: state.h (L, H) and, for LSTM, state.c (L, H) of stream 0
 * (batch must be 1 for save). Load checks the shapes against the state's
 * model and installs the values as the initial state (RNC_INIT_GIVEN),
 * without resetting. */
gboolean rnc_state_save (const RncState *state, const char *path,
    GError **error);
gboolean rnc_state_load_initial (RncState *state, const char *path,
    GError **error);
/* The same from and into memory; @name is used in error messages. */
gboolean rnc_state_load_initial_from_data (RncState *state,
    const guint8 *data, size_t size, const char *name, GError **error);
/* (transfer full) */
guint8 *rnc_state_save_to_data (const RncState *state, size_t *size,
    GError **error);

G_END_DECLS

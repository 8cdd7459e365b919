/* librnc: the recurrent net core.
 *
 * A model is one contiguous block of float parameters with named views into
 * it (embedding, per-layer Wx/Wh/bh, linear head), plus string metadata.
 * Weights are read-only during inference and may be shared by any number of
 * RncState objects (one per stream). A state must not outlive its model.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

#define RNC_MAX_LAYERS 16
/* Upper bounds enforced on every model, whether built in code or loaded from
 * a file, so that sizes computed from them never overflow. */
#define RNC_MAX_DIM (1u << 24)
#define RNC_MAX_PARAMS ((size_t) 1 << 31)

typedef enum {
  RNC_CELL_RNN = 0,             /* vanilla tanh RNN, G = 1 */
  RNC_CELL_LSTM = 1,            /* LSTM, gates i,f,o,g, G = 4 */
  RNC_CELL_GRU = 2,             /* GRU, gates r,z,n, G = 3 (PyTorch nn.GRU) */
} RncCell;

typedef enum {
  RNC_INPUT_DENSE = 0,          /* frames of input_size floats */
  RNC_INPUT_INDEX = 1,          /* token ids in [0, input_size) */
} RncInputKind;

typedef enum {
  RNC_HEAD_NONE = 0,
  RNC_HEAD_REGRESSION = 1,      /* y = h Wo + bo, raw values */
  RNC_HEAD_CLASSES = 2,         /* y = logits; softmax gives probabilities */
} RncHeadKind;

/* Shape of a model. For index input, input_size is the vocabulary size V;
 * with embed_size E > 0 an embedding (V, E) feeds layer 0 (whose Wx is then
 * (E, G*H)), otherwise layer 0's Wx (V, G*H) is gathered row by row. */
typedef struct {
  RncCell cell;
  RncInputKind input;
  RncHeadKind head;
  size_t input_size;            /* D, or V for index input */
  size_t embed_size;            /* E, 0 = none (index input only) */
  size_t hidden_size;           /* H */
  size_t num_layers;            /* L, 1..RNC_MAX_LAYERS */
  size_t output_size;           /* Q, 0 when head == RNC_HEAD_NONE */
} RncModelConfig;

/* Views of one layer's parameters inside a parameter block. */
typedef struct {
  float *Wx;                    /* (in, G*H) */
  float *Wh;                    /* (H, G*H) */
  float *bh;                    /* (G*H) */
  float *bhn;                   /* (H) GRU only: b_hn, inside the reset
                                 * product; NULL for rnn and lstm */
  size_t in;                    /* rows of Wx */
} RncLayerParams;

/* Named views into any block laid out like a model's parameters: the weights
 * themselves, or gradients and Adam moments (same layout, same offsets). */
typedef struct {
  float *embedding;             /* (V, E) or NULL */
  RncLayerParams layer[RNC_MAX_LAYERS];
  float *Wo;                    /* (H, Q) or NULL */
  float *bo;                    /* (Q) or NULL */
} RncParamViews;

typedef struct _RncModel RncModel;

#define RNC_CONFIG_ERROR (rnc_config_error_quark ())
GQuark rnc_config_error_quark (void);

typedef enum {
  RNC_CONFIG_ERROR_INVALID,     /* a dimension is zero, too large or inconsistent */
  RNC_CONFIG_ERROR_FAILED,
} RncConfigError;

size_t rnc_cell_gates (RncCell cell);
const char *rnc_cell_to_string (RncCell cell);
/* The rnc.gate_order a native file of this cell carries: "ifog" (lstm, and
 * rnn files, which have one gate), "rzn" (gru). */
const char *rnc_cell_gate_order (RncCell cell);
const char *rnc_head_to_string (RncHeadKind head);
const char *rnc_input_to_string (RncInputKind input);

gboolean rnc_model_config_validate (const RncModelConfig *config, GError **error);
size_t rnc_model_config_get_n_params (const RncModelConfig *config);

RncModel *rnc_model_new (const RncModelConfig *config, GError **error);
RncModel *rnc_model_copy (const RncModel *model);
void rnc_model_free (RncModel *model);

const RncModelConfig *rnc_model_get_config (const RncModel *model);
/* Width of one input frame: D for dense input, 1 (an id) for index input. */
size_t rnc_model_get_frame_width (const RncModel *model);
/* Width of the head output Q, or H without a head. */
size_t rnc_model_get_output_width (const RncModel *model);

/* (transfer none) The contiguous parameter block and its length in floats.
 * Getting the writable block counts as a change of the weights (see
 * rnc_model_params_changed). */
float *rnc_model_get_params (RncModel *model, size_t *n_params);
/* Tells the model that its weights were written (a training update, a file
 * loaded into a block or views obtained earlier). The fast kernels read a
 * packed copy of the weights, built at the first rnc_state_new() or forward
 * pass; this marks it stale so that the next forward pass (or state
 * creation) rebuilds it, in place. Weights are read-only during inference:
 * call this while no forward pass runs on the model. */
void rnc_model_params_changed (RncModel *model);
const float *rnc_model_peek_params (const RncModel *model, size_t *n_params);
/* Views into the model's own block. */
const RncParamViews *rnc_model_get_views (const RncModel *model);
/* Views into @block (n_params floats) with the model's layout. */
void rnc_model_map_views (const RncModel *model, float *block, RncParamViews *views);

/* Metadata: free-form string pairs stored in the file's __metadata__.
 * Keys used by the project are "rnc.*" (see docs/model-format.md). */
const char *rnc_model_get_metadata (const RncModel *model, const char *key);
void rnc_model_set_metadata (RncModel *model, const char *key, const char *value);
/* (transfer container) Sorted list of keys, free with g_free. */
const char **rnc_model_list_metadata (const RncModel *model, guint *n_keys);

/* Typed views of metadata, validated by rnc_model_parse_metadata():
 * rnc.window (0 when absent) and the scaling arrays (NULL when absent). */
size_t rnc_model_get_window (const RncModel *model);
const float *rnc_model_get_input_mean (const RncModel *model);   /* (D) */
const float *rnc_model_get_input_std (const RncModel *model);    /* (D) */
const float *rnc_model_get_output_mean (const RncModel *model);  /* (Q) */
const float *rnc_model_get_output_std (const RncModel *model);   /* (Q) */
/* Sets scaling arrays (copied) and stores them as metadata JSON; NULL clears. */
void rnc_model_set_input_scaling (RncModel *model, const float *mean, const float *std);
void rnc_model_set_output_scaling (RncModel *model, const float *mean, const float *std);
/* Re-reads rnc.window and the scaling arrays from the metadata strings;
 * fails with RNC_CONFIG_ERROR_INVALID naming the key on a bad value. */
gboolean rnc_model_parse_metadata (RncModel *model, GError **error);

/* x (T, D) <- (x - input_mean) / input_std, in place; no-op without scaling. */
void rnc_model_scale_input (const RncModel *model, float *x, size_t n_frames);
/* y (T, Q) <- y * output_std + output_mean, in place; no-op without scaling. */
void rnc_model_unscale_output (const RncModel *model, float *y, size_t n_frames);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncModel, rnc_model_free)

G_END_DECLS

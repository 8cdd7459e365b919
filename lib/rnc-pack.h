/* librnc internals: a model's weights in the packed layout of rnc-simd.h.
 *
 * When it is built: at the first rnc_state_new() (or forward) on a model,
 * from the model's own parameter block, which stays untouched and remains
 * the only public copy. When it is rebuilt: after rnc_model_params_changed()
 * (rnc_model_get_params() implies it), at the next state creation or forward
 * pass, in place, without allocating. Weights are read-only during
 * inference; code that writes them (training, loading into a block obtained
 * earlier) must call rnc_model_params_changed() afterwards, while no forward
 * pass runs on that model. */
#pragma once

#include "rnc-model.h"
#include "rnc-simd.h"

G_BEGIN_DECLS

typedef struct {
  RncPacked Wx;                 /* (in, G*H); data NULL when layer 0 gathers rows */
  RncPacked Wh;                 /* (H, G*H) */
  float *b;                     /* (ld) bias in packed order */
} RncLayerPack;

typedef struct {
  size_t ld;                    /* width of a packed pre-activation row */
  RncLayerPack layer[RNC_MAX_LAYERS];
  RncPacked Wo;                 /* (H, Q); data NULL without a head */
} RncModelPack;

RncModelPack *rnc_model_pack_new (const RncModel *model);
/* Copies the model's current weights into @pack; allocates nothing. */
void rnc_model_pack_fill (RncModelPack *pack, const RncModel *model);
void rnc_model_pack_free (RncModelPack *pack);

/* The model's packed weights, built or refreshed first when needed
 * (thread-safe; rnc-model.c). */
const RncModelPack *rnc_model_get_pack (const RncModel *model);

G_END_DECLS

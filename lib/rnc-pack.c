/* librnc: packing weights for the SIMD kernels. */
#include "rnc-pack.h"

#include <string.h>

size_t
rnc_packed_blocks (size_t n, size_t gates)
{
  if (gates == 4)
    return 4 * ((n / 4 + RNC_BLOCK - 1) / RNC_BLOCK);
  if (gates == RNC_PACK_GRU_X || gates == RNC_PACK_GRU_H)
    return 4 * ((n / 3 + RNC_BLOCK - 1) / RNC_BLOCK);
  return (n + RNC_BLOCK - 1) / RNC_BLOCK;
}

size_t
rnc_packed_natural_col (size_t n, size_t gates, size_t pc)
{
  size_t b = pc / RNC_BLOCK, lane = pc % RNC_BLOCK;

  if (gates == 4) {
    size_t H = n / 4, unit = (b / 4) * RNC_BLOCK + lane;
    return unit < H ? (b % 4) * H + unit : (size_t) -1;
  }
  if (gates == RNC_PACK_GRU_X || gates == RNC_PACK_GRU_H) {
    /* slots r, z, n_x, n_h; the other half's n slot is zero */
    size_t H = n / 3, unit = (b / 4) * RNC_BLOCK + lane, slot = b % 4;
    if (unit >= H || slot == (gates == RNC_PACK_GRU_X ? 3u : 2u))
      return (size_t) -1;
    return (slot == 3 ? 2 : slot) * H + unit;
  }
  return pc < n ? pc : (size_t) -1;
}

void
rnc_packed_init (RncPacked *p, size_t K, size_t n, size_t gates)
{
  size_t floats;

  p->K = K;
  p->n = n;
  p->gates = gates;
  p->nblocks = rnc_packed_blocks (n, gates);
  floats = K * p->nblocks * RNC_BLOCK + RNC_PACK_TAIL;
  p->data = g_aligned_alloc0 (floats, sizeof (float), 64);
}

void
rnc_packed_clear (RncPacked *p)
{
  g_aligned_free (p->data);
  memset (p, 0, sizeof (*p));
}

void
rnc_packed_fill (RncPacked *p, const float *W, size_t ldw)
{
  size_t s, nsg = rnc_packed_sg_count (p);

  for (s = 0; s < nsg; s++) {
    size_t w = rnc_packed_sg_width (p, s), k, j;
    float *dst = (float *) rnc_packed_sg_data (p, s);
    for (k = 0; k < p->K; k++)
      for (j = 0; j < w * RNC_BLOCK; j++) {
        size_t col = rnc_packed_natural_col (p->n, p->gates,
            s * RNC_SG_BLOCKS * RNC_BLOCK + j);
        *dst++ = col == (size_t) -1 ? 0.0f : W[k * ldw + col];
      }
  }
}

void
rnc_packed_fill_vector (const RncPacked *p, const float *v, float *dst)
{
  size_t pc;

  for (pc = 0; pc < p->nblocks * RNC_BLOCK; pc++) {
    size_t col = rnc_packed_natural_col (p->n, p->gates, pc);
    dst[pc] = col == (size_t) -1 ? 0.0f : v[col];
  }
}

RncModelPack *
rnc_model_pack_new (const RncModel *m)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  const RncParamViews *v = rnc_model_get_views (m);
  size_t G = rnc_cell_gates (c->cell), H = c->hidden_size, l;
  gboolean gru = c->cell == RNC_CELL_GRU;
  size_t gx = gru ? RNC_PACK_GRU_X : G, gh = gru ? RNC_PACK_GRU_H : G;
  RncModelPack *p = g_new0 (RncModelPack, 1);

  for (l = 0; l < c->num_layers; l++) {
    gboolean gathers = l == 0 && c->input == RNC_INPUT_INDEX
        && c->embed_size == 0;
    if (!gathers)
      rnc_packed_init (&p->layer[l].Wx, v->layer[l].in, G * H, gx);
    else
      p->layer[l].Wx.nblocks = rnc_packed_blocks (G * H, gx);
    p->layer[l].Wx.K = v->layer[l].in;
    p->layer[l].Wx.n = G * H;
    p->layer[l].Wx.gates = gx;
    rnc_packed_init (&p->layer[l].Wh, H, G * H, gh);
    p->ld = p->layer[l].Wh.nblocks * RNC_BLOCK;
    p->layer[l].b = g_aligned_alloc0 (p->ld, sizeof (float), 64);
  }
  if (c->head != RNC_HEAD_NONE)
    rnc_packed_init (&p->Wo, H, c->output_size, 1);
  rnc_model_pack_fill (p, m);
  return p;
}

void
rnc_model_pack_fill (RncModelPack *p, const RncModel *m)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  const RncParamViews *v = rnc_model_get_views (m);
  size_t GH = rnc_cell_gates (c->cell) * c->hidden_size, l;

  for (l = 0; l < c->num_layers; l++) {
    if (p->layer[l].Wx.data)
      rnc_packed_fill (&p->layer[l].Wx, v->layer[l].Wx, GH);
    rnc_packed_fill (&p->layer[l].Wh, v->layer[l].Wh, GH);
    if (c->cell == RNC_CELL_GRU) {
      /* r, z, n_x from bh through the input layout, b_hn into slot n_h */
      size_t pc;
      rnc_packed_fill_vector (&p->layer[l].Wx, v->layer[l].bh, p->layer[l].b);
      for (pc = 3 * RNC_BLOCK; pc < p->ld; pc += 4 * RNC_BLOCK) {
        size_t u0 = (pc / (4 * RNC_BLOCK)) * RNC_BLOCK, j;
        for (j = 0; j < RNC_BLOCK; j++)
          p->layer[l].b[pc + j] = u0 + j < c->hidden_size ?
              v->layer[l].bhn[u0 + j] : 0.0f;
      }
    } else {
      rnc_packed_fill_vector (&p->layer[l].Wh, v->layer[l].bh,
          p->layer[l].b);
    }
  }
  if (p->Wo.data)
    rnc_packed_fill (&p->Wo, v->Wo, c->output_size);
}

void
rnc_model_pack_free (RncModelPack *p)
{
  size_t l;

  if (!p)
    return;
  for (l = 0; l < RNC_MAX_LAYERS; l++) {
    rnc_packed_clear (&p->layer[l].Wx);
    rnc_packed_clear (&p->layer[l].Wh);
    g_aligned_free (p->layer[l].b);
  }
  rnc_packed_clear (&p->Wo);
  g_free (p);
}

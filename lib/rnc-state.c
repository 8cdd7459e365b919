/* librnc: per-stream state. */
#include "rnc-private.h"

#include "rnc-pack.h"

#include <string.h>

static float *
alloc_floats (size_t n)
{
  return g_aligned_alloc0 (n ? n : 1, sizeof (float), 64);
}

RncState *
rnc_state_new (const RncModel *model, size_t batch, size_t max_frames)
{
  const RncModelConfig *c;
  RncState *s;
  size_t rows, in_w;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (batch >= 1 && batch <= RNC_MAX_DIM, NULL);

  c = rnc_model_get_config (model);
  if (max_frames == 0)
    max_frames = RNC_STATE_DEFAULT_MAX_FRAMES;
  g_return_val_if_fail (max_frames <= RNC_MAX_DIM, NULL);

  s = g_new0 (RncState, 1);
  s->model = model;
  s->N = batch;
  s->L = c->num_layers;
  s->H = c->hidden_size;
  s->G = rnc_cell_gates (c->cell);
  s->max_frames = max_frames;
  s->h = alloc_floats (s->L * s->N * s->H);
  if (c->cell == RNC_CELL_LSTM)
    s->c = alloc_floats (s->L * s->N * s->H);
  rows = max_frames * batch;
  /* builds the model's packed weights now, outside any streaming call */
  s->ldx = rnc_model_get_pack (model)->ld;
  s->xproj = alloc_floats (rows * s->ldx);
  s->seq[0] = alloc_floats (rows * s->H);
  s->seq[1] = alloc_floats (rows * s->H);
  in_w = c->embed_size;
  if (c->input == RNC_INPUT_DENSE)
    in_w = c->input_size;
  if (in_w)
    s->gather = alloc_floats (rows * in_w);
  if (c->head != RNC_HEAD_NONE) {
    s->head = alloc_floats (rows * c->output_size);
    s->feedback = alloc_floats (batch * c->output_size);
  }
  s->init = RNC_INIT_ZEROS;
  return s;
}

void
rnc_state_free (RncState *s)
{
  if (!s)
    return;
  g_aligned_free (s->h);
  g_aligned_free (s->c);
  g_free (s->h0);
  g_free (s->c0);
  g_aligned_free (s->xproj);
  g_aligned_free (s->seq[0]);
  g_aligned_free (s->seq[1]);
  g_aligned_free (s->gather);
  g_aligned_free (s->head);
  g_aligned_free (s->feedback);
  rnc_split_unref (s->split);
  g_free (s->policy);
  g_free (s);
}

static void
init_policy (RncState *s)
{
  size_t l;

  s->policy = g_new (RncSplitPolicy, s->L);
  for (l = 0; l < s->L; l++)
    rnc_split_policy_init (&s->policy[l]);
}

guint
rnc_state_set_threads (RncState *s, guint n_threads)
{
  g_return_val_if_fail (s != NULL, 1);
  g_clear_pointer (&s->policy, g_free);
  /* steps too small to split never get a helper */
  if (n_threads == 1 || !rnc_state_steps_can_split (s))
    g_clear_pointer (&s->split, rnc_split_unref);
  else if (!s->split)
    s->split = rnc_split_new ();
  if (n_threads == RNC_THREADS_AUTO && s->split)
    init_policy (s);
  return rnc_state_get_threads (s);
}

void
rnc_state_share_threads (RncState *dst, const RncState *src)
{
  g_return_if_fail (dst->G == src->G && dst->H == src->H
      && dst->L == src->L);
  g_clear_pointer (&dst->policy, g_free);
  g_clear_pointer (&dst->split, rnc_split_unref);
  if (src->split)
    dst->split = rnc_split_ref (src->split);
  if (src->policy)
    init_policy (dst);
}

gboolean
rnc_state_get_threads_auto (const RncState *s)
{
  return s->policy != NULL;
}

guint
rnc_state_get_threads (const RncState *s)
{
  return s->split ? 2 : 1;
}

const RncModel *
rnc_state_get_model (const RncState *s)
{
  return s->model;
}

size_t
rnc_state_get_batch (const RncState *s)
{
  return s->N;
}

size_t
rnc_state_get_max_frames (const RncState *s)
{
  return s->max_frames;
}

float *
rnc_state_get_h (RncState *s)
{
  return s->h;
}

float *
rnc_state_get_c (RncState *s)
{
  return s->c;
}

const float *
rnc_state_peek_h (const RncState *s)
{
  return s->h;
}

const float *
rnc_state_peek_c (const RncState *s)
{
  return s->c;
}

const float *
rnc_state_peek_top_h (const RncState *s, size_t n)
{
  g_return_val_if_fail (n < s->N, NULL);
  return s->h + ((s->L - 1) * s->N + n) * s->H;
}

void
rnc_state_set_init (RncState *s, RncInitKind kind)
{
  g_return_if_fail (kind != RNC_INIT_GIVEN || s->h0 != NULL);
  s->init = kind;
}

RncInitKind
rnc_state_get_init (const RncState *s)
{
  return s->init;
}

void
rnc_state_set_initial (RncState *s, const float *h, const float *c)
{
  size_t n = s->L * s->H;

  g_return_if_fail (h != NULL);
  if (s->h0_streams) {
    g_clear_pointer (&s->h0, g_free);
    g_clear_pointer (&s->c0, g_free);
  }
  if (!s->h0)
    s->h0 = g_new (float, n);
  memcpy (s->h0, h, n * sizeof (float));
  if (s->c) {
    if (!s->c0)
      s->c0 = g_new0 (float, n);
    if (c)
      memcpy (s->c0, c, n * sizeof (float));
    else
      memset (s->c0, 0, n * sizeof (float));
  }
  s->h0_streams = FALSE;
  s->init = RNC_INIT_GIVEN;
}

size_t
rnc_state_get_initial_streams (const RncState *s)
{
  return !s->h0 ? 0 : s->h0_streams ? s->N : 1;
}

void
rnc_state_set_initial_streams (RncState *s, const float *h, const float *c)
{
  size_t n = s->L * s->N * s->H;

  g_return_if_fail (h != NULL);
  /* (L, H) buffers become (L, N, H): allocated again */
  g_clear_pointer (&s->h0, g_free);
  g_clear_pointer (&s->c0, g_free);
  s->h0 = g_memdup2 (h, n * sizeof (float));
  if (s->c)
    s->c0 = c ? g_memdup2 (c, n * sizeof (float)) : g_new0 (float, n);
  s->h0_streams = TRUE;
  s->init = RNC_INIT_GIVEN;
}

gboolean
rnc_state_copy_initial (const RncState *s, float *h, float *c)
{
  size_t l, n, H = s->H;

  if (s->init != RNC_INIT_GIVEN)
    return FALSE;
  for (l = 0; l < s->L; l++)
    for (n = 0; n < s->N; n++) {
      /* per stream, or row l broadcast to every stream */
      size_t src = s->h0_streams ? (l * s->N + n) * H : l * H;
      memcpy (h + (l * s->N + n) * H, s->h0 + src, H * sizeof (float));
      if (s->c)
        memcpy (c + (l * s->N + n) * H, s->c0 + src, H * sizeof (float));
    }
  return TRUE;
}

static void
fill (float *dst, size_t count, float v)
{
  size_t i;

  for (i = 0; i < count; i++)
    dst[i] = v;
}

void
rnc_state_reset (RncState *s)
{
  size_t total = s->L * s->N * s->H, n;

  switch (s->init) {
    case RNC_INIT_ONES:
      fill (s->h, total, 1.0f);
      if (s->c)
        fill (s->c, total, 1.0f);
      break;
    case RNC_INIT_GIVEN:
      for (n = 0; n < s->N; n++)
        rnc_state_reset_stream (s, n);
      break;
    case RNC_INIT_ZEROS:
    default:
      memset (s->h, 0, total * sizeof (float));
      if (s->c)
        memset (s->c, 0, total * sizeof (float));
      break;
  }
}

void
rnc_state_reset_stream (RncState *s, size_t n)
{
  size_t H = s->H, l;

  g_return_if_fail (s != NULL && n < s->N);
  for (l = 0; l < s->L; l++) {
    float *h = s->h + (l * s->N + n) * H;
    float *c = s->c ? s->c + (l * s->N + n) * H : NULL;
    /* the given initial state: row (l, n) per stream, or row l for all */
    size_t src = s->h0_streams ? (l * s->N + n) * H : l * H;

    switch (s->init) {
      case RNC_INIT_ONES:
        fill (h, H, 1.0f);
        if (c)
          fill (c, H, 1.0f);
        break;
      case RNC_INIT_GIVEN:
        memcpy (h, s->h0 + src, H * sizeof (float));
        if (c)
          memcpy (c, s->c0 + src, H * sizeof (float));
        break;
      case RNC_INIT_ZEROS:
      default:
        memset (h, 0, H * sizeof (float));
        if (c)
          memset (c, 0, H * sizeof (float));
        break;
    }
  }
}

void
rnc_state_copy_values (RncState *dst, const RncState *src)
{
  size_t total = src->L * src->N * src->H;

  g_return_if_fail (dst->L == src->L && dst->N == src->N && dst->H == src->H
      && (dst->c == NULL) == (src->c == NULL));
  memcpy (dst->h, src->h, total * sizeof (float));
  if (src->c)
    memcpy (dst->c, src->c, total * sizeof (float));
}

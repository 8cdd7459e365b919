/* librnc: a helper thread for split steps. */
#include "rnc-split.h"

#include <string.h>
#include <time.h>

#ifdef RNC_HAVE_X86_KERNELS
#include <immintrin.h>
#define cpu_relax() _mm_pause ()
#else
#define cpu_relax() do { } while (0)
#endif

/* Spins before sleeping (helper) or yielding (caller): a few tens of
 * microseconds, longer than the gap between two steps of a sequence. */
#define SPINS 4000

struct _RncSplit
{
  GThread *thread;
  gint ref_count;               /* atomic */
  GMutex lock;
  GCond cond;
  gint posted;                  /* atomic: jobs posted */
  gint claimed;                 /* atomic: jobs taken, by either thread */
  gint done;                    /* atomic: jobs the helper finished */
  gint sleeping;                /* atomic: the helper waits on cond */
  gint quit;                    /* atomic */
  gint started;                 /* atomic, under lock: the helper runs */
  RncStepFunc fn;               /* the posted job (written before posted) */
  const RncStepArgs *args;
};

static gpointer
helper_main (gpointer data)
{
  RncSplit *sp = data;
  gint seen = 0;

  g_mutex_lock (&sp->lock);
  /* atomic as well as locked: ThreadSanitizer cannot see GLib's futex
   * based GMutex, and the flag is read in a loop */
  g_atomic_int_set (&sp->started, TRUE);
  g_cond_broadcast (&sp->cond);
  g_mutex_unlock (&sp->lock);
  for (;;) {
    int i;
    for (i = 0; i < SPINS && g_atomic_int_get (&sp->posted) == seen
        && !g_atomic_int_get (&sp->quit); i++)
      cpu_relax ();
    if (g_atomic_int_get (&sp->posted) == seen && !g_atomic_int_get (&sp->quit)) {
      g_mutex_lock (&sp->lock);
      g_atomic_int_set (&sp->sleeping, 1);
      /* re-checked after publishing sleeping: a post either sees the flag
       * and signals under the lock, or is seen here */
      while (g_atomic_int_get (&sp->posted) == seen
          && !g_atomic_int_get (&sp->quit))
        g_cond_wait (&sp->cond, &sp->lock);
      g_atomic_int_set (&sp->sleeping, 0);
      g_mutex_unlock (&sp->lock);
    }
    if (g_atomic_int_get (&sp->quit))
      break;
    seen = g_atomic_int_get (&sp->posted);
    /* the caller takes the job back when it is done first */
    if (g_atomic_int_compare_and_exchange (&sp->claimed, seen - 1, seen)) {
      sp->fn (sp->args);
      g_atomic_int_set (&sp->done, seen);
    }
  }
  return NULL;
}

RncSplit *
rnc_split_new (void)
{
  RncSplit *sp = g_new0 (RncSplit, 1);

  sp->ref_count = 1;
  g_mutex_init (&sp->lock);
  g_cond_init (&sp->cond);
  sp->thread = g_thread_try_new ("rnc-split", helper_main, sp, NULL);
  if (!sp->thread) {
    g_mutex_clear (&sp->lock);
    g_cond_clear (&sp->cond);
    g_free (sp);
    return NULL;
  }
  /* the thread's own start-up (GLib allocates for it) happens now, not
   * during the first steps */
  g_mutex_lock (&sp->lock);
  while (!g_atomic_int_get (&sp->started))
    g_cond_wait (&sp->cond, &sp->lock);
  g_mutex_unlock (&sp->lock);
  return sp;
}

static void
wake (RncSplit *sp)
{
  if (g_atomic_int_get (&sp->sleeping)) {
    g_mutex_lock (&sp->lock);
    g_cond_signal (&sp->cond);
    g_mutex_unlock (&sp->lock);
  }
}

RncSplit *
rnc_split_ref (RncSplit *sp)
{
  g_atomic_int_inc (&sp->ref_count);
  return sp;
}

void
rnc_split_unref (RncSplit *sp)
{
  if (!sp || !g_atomic_int_dec_and_test (&sp->ref_count))
    return;
  g_mutex_lock (&sp->lock);
  g_atomic_int_set (&sp->quit, 1);
  g_cond_signal (&sp->cond);
  g_mutex_unlock (&sp->lock);
  g_thread_join (sp->thread);
  g_mutex_clear (&sp->lock);
  g_cond_clear (&sp->cond);
  g_free (sp);
}

void
rnc_split_run (RncSplit *sp, RncStepFunc fn, const RncStepArgs *main_args,
    const RncStepArgs *helper_args)
{
  gint job;
  int i = 0;

  sp->fn = fn;
  sp->args = helper_args;
  job = g_atomic_int_add (&sp->posted, 1) + 1;
  wake (sp);
  fn (main_args);
  /* The helper has not started (asleep, or its core is busy with another
   * process): do its half here rather than wait for it. */
  if (g_atomic_int_compare_and_exchange (&sp->claimed, job - 1, job)) {
    fn (helper_args);
    return;
  }
  while (g_atomic_int_get (&sp->done) != job) {
    /* the helper may have lost its core to another process */
    if (++i % SPINS == 0)
      g_thread_yield ();
    else
      cpu_relax ();
  }
}

gint64
rnc_split_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- adaptive policy ------------------------------------------------------ */

/* Split steps must take less than this fraction of a single-thread step to
 * be chosen, and stay chosen while under the second one. */
#define SWITCH_TO_TWO 0.85f
#define STAY_TWO 0.95f

void
rnc_split_policy_init (RncSplitPolicy *p)
{
  memset (p, 0, sizeof (*p));
  p->interval = RNC_SPLIT_MIN_INTERVAL;
  /* first probe early: after a few single-thread steps */
  p->count = RNC_SPLIT_MIN_INTERVAL - 8;
}

gboolean
rnc_split_policy_next (RncSplitPolicy *p, gboolean *measure)
{
  if (p->probe > 0) {
    p->probe--;
    p->probing = TRUE;
    *measure = p->probe < RNC_SPLIT_PROBE_TIMED;
    return !p->two;
  }
  p->probing = FALSE;
  if (++p->count >= p->interval) {
    p->count = 0;
    p->probe = p->two ? RNC_SPLIT_PROBE_ONE : RNC_SPLIT_PROBE_TWO;
    p->probe_timed = 0;
  }
  *measure = TRUE;
  return p->two;
}

/* Smoothed time: a quarter of the way to the new sample, which is capped at
 * 4x the current value (a preempted step is not a trend). */
static void
smooth (float *t, gint64 ns)
{
  float x = (float) ns;

  if (*t <= 0.0f) {
    *t = x;
    return;
  }
  x = MIN (x, 4.0f * *t);
  *t += (x - *t) * 0.25f;
}

void
rnc_split_policy_record (RncSplitPolicy *p, gboolean two, gint64 ns)
{
  float *t = two ? &p->t_two : &p->t_one;
  gboolean was_two = p->two;

  if (p->probing) {
    /* the other choice's figure is old: the probe's fastest timed step
     * replaces it (one preempted step must not sink a probe) */
    p->probe_timed++;
    if (p->probe_timed == 1 || (float) ns < *t)
      *t = (float) ns;
    if (p->probe > 0)
      return;                   /* decide when the probe is over */
  } else {
    smooth (t, ns);
  }
  if (p->t_one <= 0.0f || p->t_two <= 0.0f)
    return;
  p->two = p->t_two < p->t_one * (was_two ? STAY_TWO : SWITCH_TO_TWO);
  if (p->probing && !was_two && !p->two)
    /* a probe of the split showed no gain: probe less often */
    p->interval = MIN (p->interval * 2, RNC_SPLIT_MAX_INTERVAL);
  else if (p->two)
    p->interval = RNC_SPLIT_MIN_INTERVAL;
}

/* librnc: a helper thread for split steps. */
#include "rnc-split.h"

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
  GMutex lock;
  GCond cond;
  gint posted;                  /* atomic: jobs posted */
  gint claimed;                 /* atomic: jobs taken, by either thread */
  gint done;                    /* atomic: jobs the helper finished */
  gint sleeping;                /* atomic: the helper waits on cond */
  gint quit;                    /* atomic */
  gboolean started;             /* under lock: the helper runs */
  RncStepFunc fn;               /* the posted job (written before posted) */
  const RncStepArgs *args;
};

static gpointer
helper_main (gpointer data)
{
  RncSplit *sp = data;
  gint seen = 0;

  g_mutex_lock (&sp->lock);
  sp->started = TRUE;
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
  while (!sp->started)
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

void
rnc_split_free (RncSplit *sp)
{
  if (!sp)
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

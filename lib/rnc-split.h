/* librnc internals: one helper thread that runs half of a recurrent step
 * while the calling thread runs the other half (rnc_state_set_threads).
 *
 * The helper is owned by one RncState and serves only it: no pool is shared
 * or stacked (OpenBLAS stays on one thread). It spins for a short while
 * after each job (the next step follows within microseconds), then sleeps
 * on a condition variable. */
#pragma once

#include "rnc-simd.h"

G_BEGIN_DECLS

typedef struct _RncSplit RncSplit;

typedef void (*RncStepFunc) (const RncStepArgs *args);

/* NULL when no thread can be created. */
RncSplit *rnc_split_new (void);
/* A helper may serve several states (a generator's true and rollout
 * states) as long as they run from one thread at a time: each holds a
 * reference; the last unref stops and joins the thread. */
RncSplit *rnc_split_ref (RncSplit *split);
void rnc_split_unref (RncSplit *split);
/* Runs fn (helper_args) on the helper thread and fn (main_args) on the
 * calling thread; returns when both are done. When the helper has not
 * started its half by the time the caller finished its own (asleep, or its
 * core busy with another process), the caller runs that half too. Allocates
 * nothing. */
void rnc_split_run (RncSplit *split, RncStepFunc fn,
    const RncStepArgs *main_args, const RncStepArgs *helper_args);

/* Monotonic clock in nanoseconds. */
gint64 rnc_split_now_ns (void);

/* The adaptive policy of rnc_state_set_threads (state, RNC_THREADS_AUTO),
 * one per layer: it times the steps and splits them only while split steps
 * are measured to be faster (the helper really runs on another core at the
 * same time). The current choice's steps are timed and smoothed; every
 * `interval` steps it probes the other choice: the split for
 * RNC_SPLIT_PROBE_TWO steps (the helper must wake up, its core get going
 * and its half of the weights reach its cache: a steady split, not the
 * first steps, is what is compared), one thread for RNC_SPLIT_PROBE_ONE;
 * the fastest of the probe's last RNC_SPLIT_PROBE_TIMED steps replaces
 * that choice's figure (one preempted step must not sink a probe; a split
 * chosen on a lucky step is undone by the timed steps that follow). A probe of the split that shows no gain doubles the
 * interval (up to RNC_SPLIT_MAX_INTERVAL). */
typedef struct {
  float t_one, t_two;           /* smoothed ns per step; 0 = not measured */
  guint32 count;                /* steps since the last probe */
  guint32 interval;             /* steps between probes */
  guint8 probe;                 /* steps of the current probe left */
  guint8 probe_timed;           /* timed steps of the current probe */
  gboolean probing;             /* the step last handed out is a probe's */
  gboolean two;                 /* the current choice */
} RncSplitPolicy;

#define RNC_SPLIT_MIN_INTERVAL 256
#define RNC_SPLIT_MAX_INTERVAL 8192
#define RNC_SPLIT_PROBE_TWO 24
#define RNC_SPLIT_PROBE_ONE 6
#define RNC_SPLIT_PROBE_TIMED 4

void rnc_split_policy_init (RncSplitPolicy *policy);
/* Whether the next step runs split; *measure: whether to time it and pass
 * the time to rnc_split_policy_record(). */
gboolean rnc_split_policy_next (RncSplitPolicy *policy, gboolean *measure);
void rnc_split_policy_record (RncSplitPolicy *policy, gboolean two,
    gint64 ns);

G_END_DECLS

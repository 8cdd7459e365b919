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
void rnc_split_free (RncSplit *split);
/* Runs fn (helper_args) on the helper thread and fn (main_args) on the
 * calling thread; returns when both are done. When the helper has not
 * started its half by the time the caller finished its own (asleep, or its
 * core busy with another process), the caller runs that half too. Allocates
 * nothing. */
void rnc_split_run (RncSplit *split, RncStepFunc fn,
    const RncStepArgs *main_args, const RncStepArgs *helper_args);

G_END_DECLS

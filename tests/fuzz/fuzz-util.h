/* Shared helpers of the libFuzzer harnesses (tests/fuzz/fuzz-*.c).
 *
 * Each harness defines LLVMFuzzerTestOneInput(). Built with -Dfuzzing=true
 * (clang) it is a libFuzzer target; in every build it is also linked with
 * replay-main.c into a test that feeds it each file of its seed corpus, so
 * the invariants below are checked by every `meson test` run.
 *
 * A harness does not only wait for a crash: it checks round trips and the
 * documented invariants of the API it drives, and aborts (FUZZ_CHECK) on a
 * violation, which libFuzzer reports as a crash with the input saved. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

G_GNUC_NORETURN static inline void
fuzz_fail (const char *file, int line, const char *what)
{
  fprintf (stderr, "%s:%d: invariant violated: %s\n", file, line, what);
  fflush (stderr);
  abort ();
}

#define FUZZ_CHECK(cond) \
  do { if (!(cond)) fuzz_fail (__FILE__, __LINE__, #cond); } while (0)

/* The four parser bugs listed in issue 13 (NUL in tokens, JSON depth, float
 * scaling, trailing JSON) are fixed separately; until they are, a long run
 * started with RNC_FUZZ_KNOWN_BUGS=1 (tools/fuzz.sh --known) skips the
 * checks that they violate, so that it can go on past them. Off by default:
 * the checks are strict. */
static inline gboolean
fuzz_skip_known_bugs (void)
{
  static int skip = -1;

  if (skip < 0)
    skip = g_getenv ("RNC_FUZZ_KNOWN_BUGS") != NULL
        && strcmp (g_getenv ("RNC_FUZZ_KNOWN_BUGS"), "0") != 0;
  return skip;
}

/* GLib criticals and warnings mean an API was misused (a precondition
 * failed): fatal, so the fuzzer reports them. */
static inline void
fuzz_init (void)
{
  static gboolean done = FALSE;

  if (!done) {
    g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
    done = TRUE;
  }
}

/* Option bytes taken from the front of the input: 0 once it is used up. */
static inline guint8
fuzz_take (const uint8_t **data, size_t *size)
{
  guint8 b;

  if (*size == 0)
    return 0;
  b = (*data)[0];
  (*data)++;
  (*size)--;
  return b;
}

/* Chunk lengths for "fed in pieces" checks: a small xorshift generator
 * seeded by an option byte. Lengths 1 .. 2^(seed & 7). */
typedef struct {
  guint32 x;
  guint32 max;
} FuzzChunker;

static inline void
fuzz_chunker_init (FuzzChunker *c, guint8 seed)
{
  c->x = 0x9e3779b9u ^ ((guint32) seed * 0x85ebca6bu);
  if (c->x == 0)
    c->x = 1;
  c->max = 1u << (seed & 7);
}

static inline size_t
fuzz_chunker_next (FuzzChunker *c, size_t left)
{
  size_t n;

  c->x ^= c->x << 13;
  c->x ^= c->x >> 17;
  c->x ^= c->x << 5;
  n = 1 + c->x % c->max;
  return n < left ? n : left;
}

/* Two errors are the same: both NULL, or same domain, code and message. */
static inline gboolean
fuzz_same_error (const GError *a, const GError *b)
{
  if (!a || !b)
    return a == b;
  return a->domain == b->domain && a->code == b->code
      && strcmp (a->message, b->message) == 0;
}

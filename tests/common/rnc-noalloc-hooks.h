/* Counting allocations in a test binary: malloc and friends are interposed
 * (forwarding to glibc's) and counted while `counting` is set. Include in
 * one translation unit per test binary. Tests skip with RNC_NOALLOC_SKIP
 * where this cannot work: under sanitizers (their allocator owns malloc)
 * and outside glibc. */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RNC_NOALLOC_SKIP "sanitizer builds own malloc"
#elif !defined(__GLIBC__)
#define RNC_NOALLOC_SKIP "needs glibc's __libc_malloc"
#endif

static std::atomic<bool> counting{false};
static std::atomic<long> n_allocs{0};

#ifndef RNC_NOALLOC_SKIP
extern "C" {
void *__libc_malloc (size_t);
void *__libc_calloc (size_t, size_t);
void *__libc_realloc (void *, size_t);
void *__libc_memalign (size_t, size_t);
void __libc_free (void *);

static inline void
count_one ()
{
  if (counting.load (std::memory_order_relaxed))
    n_allocs++;
}

void *
malloc (size_t n)
{
  count_one ();
  return __libc_malloc (n);
}

void *
calloc (size_t a, size_t b)
{
  count_one ();
  return __libc_calloc (a, b);
}

void *
realloc (void *p, size_t n)
{
  count_one ();
  return __libc_realloc (p, n);
}

int
posix_memalign (void **p, size_t align, size_t n)
{
  count_one ();
  *p = __libc_memalign (align, n);
  return *p ? 0 : 12 /* ENOMEM */;
}

void *
aligned_alloc (size_t align, size_t n)
{
  count_one ();
  return __libc_memalign (align, n);
}

void *
memalign (size_t align, size_t n)
{
  count_one ();
  return __libc_memalign (align, n);
}

void
free (void *p)
{
  __libc_free (p);
}
}
#endif

/* Whether malloc is the counting one here: one malloc is seen. Tests
 * assert this first, so that "nothing counted" means nothing allocated. */
static inline bool
malloc_is_interposed ()
{
  n_allocs = 0;
  counting = true;
  void *volatile p = malloc (64);
  free (p);
  counting = false;
  return n_allocs.load () == 1;
}

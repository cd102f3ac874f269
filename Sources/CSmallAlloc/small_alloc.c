// A size-class allocator for small blocks, replacing glibc's malloc family in the commlisp
// executable (glibc supports replacing malloc, free, calloc and realloc by defining them in the
// program: "Replacing malloc" in the glibc manual).
//
// Why: the interpreter allocates one Swift object per cons cell, string, closure and bignum, and
// frees most of them soon after. glibc's tcache holds only 7 blocks per size, so a list of
// 100,000 conses being freed spills into _int_free / _int_malloc: about half of the cost of a
// cons cell's life was malloc and free (measured with perf on lisp/bench/list-ops.lisp). CPython
// does the same with pymalloc; this is the same idea.
//
// Design:
// - 16 size classes, 16...256 bytes in steps of 16 (so every block is 16-byte aligned, as malloc
//   must be). Larger and aligned requests go to glibc (__libc_malloc and friends).
// - Each class owns one 1 GiB slice of a single PROT_NONE address-space reservation. A block's
//   class is known from its address alone, so free needs no header and no lookup, and a pointer
//   outside the reservation is glibc's.
// - Each thread has, per class, a LIFO free list and a bump range. A block freed on another
//   thread simply joins that thread's list: blocks are interchangeable, so this is correct; the
//   price is that memory freed to a thread that then exits is not reused (commlisp has two
//   threads, the launcher and the Lisp thread).
// - Pages are committed (mprotect to read/write) 256 KiB at a time under a mutex and never
//   returned to the system, as with pymalloc's arenas in practice.
// - COMMLISP_LIBC_MALLOC=1 in the environment disables the arena (for valgrind and debugging).
#define _GNU_SOURCE
#include "csmallalloc.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

enum {
    CLASS_COUNT = 16,
    GRANULE_SHIFT = 4,                              // 16-byte steps
    SMALL_MAX = CLASS_COUNT << GRANULE_SHIFT,       // 256
    SPAN_SHIFT = 30,                                // 1 GiB of address space per class
    COMMIT_CHUNK = 256 << 10,
};

/// One thread's state for one size class: a LIFO list of freed blocks, then fresh space.
typedef struct {
    void *free_list;
    char *bump;
    char *end;
} SizeClass;

static __thread SizeClass thread_classes[CLASS_COUNT];

static char *arena_base;                 // start of the reservation
static uintptr_t arena_limit;            // its size; 0 until initialised or when disabled
static int arena_state;                  // 0 untried, 1 active, 2 disabled
static size_t class_committed[CLASS_COUNT];
static pthread_mutex_t commit_lock = PTHREAD_MUTEX_INITIALIZER;
/// Set once a class's slice is used up (or the arena is off): later refills of that class go
/// straight to glibc instead of taking the lock each time.
static int class_exhausted[CLASS_COUNT];

static inline size_t class_size(unsigned c) { return (size_t)(c + 1) << GRANULE_SHIFT; }

/// The size class of a block of ours, or -1 for a pointer that is glibc's (or NULL).
static inline int class_of(const void *p) {
    uintptr_t offset = (uintptr_t)p - (uintptr_t)arena_base;
    if (offset < arena_limit) return (int)(offset >> SPAN_SHIFT);
    return -1;
}

/// Reserve the address space once (called with commit_lock held).
static void reserve_arena(void) {
    if (arena_state != 0) return;
    const char *off = getenv("COMMLISP_LIBC_MALLOC");
    if (off && *off && *off != '0') { arena_state = 2; return; }
    size_t total = (size_t)CLASS_COUNT << SPAN_SHIFT;
    void *p = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) { arena_state = 2; return; }
    arena_base = p;
    __atomic_store_n(&arena_limit, (uintptr_t)total, __ATOMIC_RELEASE);
    arena_state = 1;
}

/// Give this thread a fresh bump range for class `c` and allocate from it; glibc's malloc when
/// the arena is disabled or the class's slice is used up.
static __attribute__((noinline)) void *refill(unsigned c, SizeClass *sc) {
    size_t size = class_size(c);
    char *start = NULL;
    if (__atomic_load_n(&class_exhausted[c], __ATOMIC_RELAXED)) return __libc_malloc(size);
    pthread_mutex_lock(&commit_lock);
    reserve_arena();
    if (arena_state == 1 && class_committed[c] + COMMIT_CHUNK <= ((size_t)1 << SPAN_SHIFT)) {
        char *chunk = arena_base + ((size_t)c << SPAN_SHIFT) + class_committed[c];
        if (mprotect(chunk, COMMIT_CHUNK, PROT_READ | PROT_WRITE) == 0) {
            class_committed[c] += COMMIT_CHUNK;
            start = chunk;
        }
    }
    if (!start) __atomic_store_n(&class_exhausted[c], 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&commit_lock);
    if (!start) return __libc_malloc(size);
    sc->bump = start + size;
    sc->end = start + (COMMIT_CHUNK / size) * size;
    return start;
}

/// The allocation itself, shared by malloc and calloc. calloc must not call `malloc` and then
/// clear the block: compilers may fold that pair into a call to `calloc`, which here would be
/// calloc calling itself.
static inline void *small_malloc(size_t n) {
    if (n - 1 < SMALL_MAX) {                       // 1...256 (n == 0 wraps around and goes below)
        unsigned c = (unsigned)((n - 1) >> GRANULE_SHIFT);
        SizeClass *sc = &thread_classes[c];
        void *p = sc->free_list;
        if (p) {
            sc->free_list = *(void **)p;
            return p;
        }
        if (sc->bump < sc->end) {
            p = sc->bump;
            sc->bump += class_size(c);
            return p;
        }
        return refill(c, sc);
    }
    return __libc_malloc(n);
}

void *malloc(size_t n) { return small_malloc(n); }

void free(void *p) {
    int c = class_of(p);
    if (c >= 0) {
        SizeClass *sc = &thread_classes[c];
        *(void **)p = sc->free_list;
        sc->free_list = p;
        return;
    }
    __libc_free(p);
}

void *calloc(size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) { errno = ENOMEM; return NULL; }
    if (total - 1 < SMALL_MAX) {
        void *p = small_malloc(total);
        if (p) memset(p, 0, total);
        return p;
    }
    return __libc_calloc(count, size);
}

void *realloc(void *p, size_t n) {
    int c = class_of(p);
    if (c < 0) return __libc_realloc(p, n);        // NULL, or glibc's block
    if (n == 0) { free(p); return NULL; }          // glibc's realloc(p, 0) frees too
    size_t have = class_size((unsigned)c);
    if (n <= have) return p;
    void *q = malloc(n);
    if (!q) return NULL;
    memcpy(q, p, have);
    free(p);
    return q;
}

void *reallocarray(void *p, size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) { errno = ENOMEM; return NULL; }
    return realloc(p, total);
}

// Aligned requests are rare (Swift uses them only for over-aligned types): glibc serves them,
// and free recognises its blocks by address.
void *memalign(size_t alignment, size_t n) { return __libc_memalign(alignment, n); }
void *aligned_alloc(size_t alignment, size_t n) { return __libc_memalign(alignment, n); }
void *valloc(size_t n) { return __libc_valloc(n); }
void *pvalloc(size_t n) { return __libc_pvalloc(n); }

int posix_memalign(void **out, size_t alignment, size_t n) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

/// Swift's arrays ask for the usable size of their buffers to use all of it.
size_t malloc_usable_size(void *p) {
    int c = class_of(p);
    if (c >= 0) return class_size((unsigned)c);
    static size_t (*libc_usable_size)(void *);
    if (!libc_usable_size) {
        libc_usable_size = (size_t (*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
        if (!libc_usable_size) return 0;
    }
    return libc_usable_size(p);
}

int commlisp_small_alloc_active(void) {
    if (__atomic_load_n(&arena_limit, __ATOMIC_ACQUIRE) != 0) return 1;
    free(malloc(1));                                // the first small request reserves the arena
    return __atomic_load_n(&arena_limit, __ATOMIC_ACQUIRE) != 0;
}

size_t commlisp_small_alloc_committed(void) {
    size_t total = 0;
    pthread_mutex_lock(&commit_lock);
    for (int c = 0; c < CLASS_COUNT; c++) total += class_committed[c];
    pthread_mutex_unlock(&commit_lock);
    return total;
}

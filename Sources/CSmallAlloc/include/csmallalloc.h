// CSmallAlloc: the small-object allocator linked into the commlisp executable (see small_alloc.c).
#ifndef CSMALLALLOC_H
#define CSMALLALLOC_H

#include <stddef.h>

/// True when small blocks (1...256 bytes) come from the size-class arena; false when the arena
/// is disabled (COMMLISP_LIBC_MALLOC is set, or the address space could not be reserved) and
/// every request goes to glibc's malloc.
int commlisp_small_alloc_active(void);

/// Bytes of arena committed so far, over all size classes (for diagnostics and tests).
size_t commlisp_small_alloc_committed(void);

#endif

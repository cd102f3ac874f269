// Running the interpreter on a large stack without a second thread.
//
// Deep Lisp recursion needs far more stack than the main thread's 8 MiB, and a thread made only
// to get a big stack has a cost: while two threads share the descriptor table, every socket
// syscall takes an atomic reference on the file (fdget/fput) instead of borrowing it, about 1% of
// the echo server's time (perf, 100 connections). Switching the main thread onto a mapped stack
// keeps the process single-threaded.
#include <stddef.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "cshims.h"

static ucontext_t big_stack_return;
static ucontext_t big_stack_body;
static void (*big_stack_fn)(void *);
static void *big_stack_arg;

static void big_stack_trampoline(void) {
    big_stack_fn(big_stack_arg);
    // Returning resumes big_stack_return (uc_link).
}

int cshim_run_on_big_stack(size_t size, void (*fn)(void *), void *arg) {
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) page = 4096;
    size = (size + (size_t)page - 1) & ~((size_t)page - 1);
    // MAP_NORESERVE: only the pages touched are ever backed.
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (mem == MAP_FAILED) return -1;
    // A guard page at the low end turns an overflow into a fault instead of silent corruption.
    if (mprotect(mem, (size_t)page, PROT_NONE) != 0) { munmap(mem, size); return -1; }
    if (getcontext(&big_stack_body) != 0) { munmap(mem, size); return -1; }
    big_stack_fn = fn;
    big_stack_arg = arg;
    big_stack_body.uc_stack.ss_sp = (char *)mem + page;
    big_stack_body.uc_stack.ss_size = size - (size_t)page;
    big_stack_body.uc_link = &big_stack_return;
    makecontext(&big_stack_body, big_stack_trampoline, 0);
    if (swapcontext(&big_stack_return, &big_stack_body) != 0) { munmap(mem, size); return -1; }
    // Left mapped: the body may have handed out pointers into its stack that outlive it (none
    // should, but the process is about to exit anyway).
    return 0;
}

#include "ring.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
/* Set-up flags newer than some kernel headers (5.18-6.0); a kernel without them refuses, and we retry without. */
#ifndef IORING_SETUP_SUBMIT_ALL
#define IORING_SETUP_SUBMIT_ALL (1U << 7)
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#endif

#ifdef __linux__
void ring_prep_send(Ring *r, unsigned k, int fd, const void *buf, unsigned len) {
  unsigned idx = (*r->sq_tail + k) & *r->sq_mask;
  struct io_uring_sqe *e = &r->sqes[idx];
  memset(e, 0, sizeof *e);
  e->opcode = IORING_OP_SEND;
  e->fd = fd;
  e->addr = (unsigned long)buf;
  e->len = len;
  // Never wait for room: a full socket buffer completes with -EAGAIN, and the caller decides.
  e->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
  e->user_data = k;
  r->sq_array[idx] = idx;
}

void ring_prep_sendmsg(Ring *r, unsigned k, int fd, const struct msghdr *msg) {
  unsigned idx = (*r->sq_tail + k) & *r->sq_mask;
  struct io_uring_sqe *e = &r->sqes[idx];
  memset(e, 0, sizeof *e);
  e->opcode = IORING_OP_SENDMSG;
  e->fd = fd;
  e->addr = (unsigned long)msg;
  e->len = 1;
  e->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
  e->user_data = k;
  r->sq_array[idx] = idx;
}

void ring_submit_sends(Ring *r, unsigned n, int *res) {
  for (unsigned k = 0; k < n; k++) res[k] = 0;
  __atomic_store_n(r->sq_tail, *r->sq_tail + n, __ATOMIC_RELEASE);
  // UDP sends complete inline; GETEVENTS with min_complete n only waits if one did not.
  int got;
  do got = (int)syscall(__NR_io_uring_enter, r->fd, n, n, IORING_ENTER_GETEVENTS, NULL, 0);
  while (got < 0 && errno == EINTR);
  int enter_errno = errno;
  unsigned head = *r->cq_head, ctail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
  unsigned done = 0;
  for (; head != ctail; head++, done++) {
    struct io_uring_cqe *c = &r->cqes[head & *r->cq_mask];
    if (c->user_data < n) res[c->user_data] = c->res;
  }
  __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
  if (got < 0 && done == 0)
    for (unsigned k = 0; k < n; k++) res[k] = -enter_errno; /* the enter itself failed */
}

void ring_close(Ring *r) {
  if (r->sqes) munmap(r->sqes, r->sqes_len);
  if (r->cq_map && r->cq_map != r->sq_map) munmap(r->cq_map, r->cq_len);
  if (r->sq_map) munmap(r->sq_map, r->sq_len);
  if (r->fd >= 0) close(r->fd);
  memset(r, 0, sizeof *r);
  r->fd = -1;
}

/* Set up a ring; 0 when the kernel (or a seccomp profile) will not give us one. */
int ring_open(Ring *r) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  // Fewer task-work interrupts and one submitter: the media thread is the only one.
  p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
  int fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
  if (fd < 0 && errno == EINVAL) {
    memset(&p, 0, sizeof p); /* an older kernel without those flags */
    fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
  }
  if (fd < 0) return 0;
  r->fd = fd;
  r->entries = p.sq_entries < RING_ENTRIES ? p.sq_entries : RING_ENTRIES; /* callers size their batches by RING_ENTRIES */
  r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
  if (single && r->cq_len > r->sq_len) r->sq_len = r->cq_len;
  r->sq_map = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  if (r->sq_map == MAP_FAILED) r->sq_map = NULL;
  r->cq_map = single ? r->sq_map
                     : mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
  if (r->cq_map == MAP_FAILED) r->cq_map = NULL;
  r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
  r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (r->sqes == MAP_FAILED) r->sqes = NULL;
  if (!r->sq_map || !r->cq_map || !r->sqes) {
    ring_close(r);
    return 0;
  }
  char *sq = r->sq_map, *cq = r->cq_map;
  r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
  r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  r->sq_array = (unsigned *)(sq + p.sq_off.array);
  r->cq_head = (unsigned *)(cq + p.cq_off.head);
  r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
  r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  return 1;
}
#else
void ring_close(Ring *r) { r->fd = -1; }
int ring_open(Ring *r) {
  r->fd = -1;
  return 0;
}
#endif


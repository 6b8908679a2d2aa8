/* io_uring set-up without liburing (raw system calls), shared by the batch sender and the send clock. */
#ifndef HATCH_RING_H
#define HATCH_RING_H
#include <stddef.h>
#ifdef __linux__
#include <linux/io_uring.h>
/* An io_uring's mapped rings (raw system calls: no liburing needed). */
typedef struct {
  int fd;
  unsigned entries;
  unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
  void *sq_map, *cq_map;
  size_t sq_len, cq_len, sqes_len;
} Ring;
#else
typedef struct {
  int fd;
} Ring; /* io_uring is Linux's: elsewhere batches go out through send() */
#endif

#define RING_ENTRIES 1024

/* Set up a ring; 0 when the kernel (or a seccomp profile) will not give us one. */
int ring_open(Ring *r);
void ring_close(Ring *r);
#ifdef __linux__
/* Queues the k-th send of a batch (k < entries): buf[0..len) to fd, never waiting for socket room. */
void ring_prep_send(Ring *r, unsigned k, int fd, const void *buf, unsigned len);
/* The same with a message (an unconnected socket: the destination in msg_name); `msg` must live until the submit. */
struct msghdr;
void ring_prep_sendmsg(Ring *r, unsigned k, int fd, const struct msghdr *msg);
/* Submits the batch's n queued sends in one io_uring_enter() and reaps them: res[k] is the k-th send's
   result (bytes, or -errno); when the enter itself failed before anything completed, every res[k] is its
   -errno. The batch sender and the send clock both send through this. */
void ring_submit_sends(Ring *r, unsigned n, int *res);
#endif
#endif

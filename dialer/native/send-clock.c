/*
 * The send clock (send-clock.h). Packets wait in buckets, one per deadline:
 * streams start on a 2 ms grid and send every 20 ms, so ~10 deadlines per
 * period each carry a tenth of the calls. The thread sleeps on a condition
 * variable (CLOCK_MONOTONIC, absolute) until `spin` before the earliest
 * deadline, spins on the clock for the rest, then hands every due bucket to
 * the kernel in one io_uring_enter() (one send() each where io_uring is refused).
 *
 * Why the spin: on the bench's VM a sleeping thread's wake-up was often late by
 * more than a millisecond under load, even on SCHED_FIFO; the floor (bench/dialer/floor.c)
 * at load ~10 measured p99.9 3.7-5.7 ms sleeping to the deadline and 0.21-1.3 ms
 * with a 20-100 µs spin. A spin costs at most `spin` per wake-up (500 a second).
 *
 * The lock is held while a batch goes out, so send_clock_forget() returns only
 * when no send to that fd can still happen: the fd may be closed right after.
 */
#define _GNU_SOURCE
#include "send-clock.h"
#include "ring.h"
#include "streams.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#define BUCKETS 256
#define SLOT 1036 /* 12-byte header + the largest payload (rtp-send.c's MAX_PAYLOAD) */
#define LATE_NS 1000000

typedef struct {
  int64_t due; /* INT64_MAX: free */
  int n, cap;
  int *fd;
  uint16_t *len;
  uint8_t *img; /* cap × SLOT */
} Bucket;

struct SendClock {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop;
  int64_t spin;
  int64_t wake_at; /* the deadline the thread sleeps towards (INT64_MAX: none) */
  int64_t earliest_added;
  int64_t queued_at; /* when the current queue() began */
  Bucket b[BUCKETS];
  int hint;
  Streams streams; /* the streams this thread builds and sends itself (streams.c) */
  Ring ring;
  int rt, nice;
  /* the thread's start: 0 pending, 1 done; its result in `how` */
  int started;
  char how[64];
  double sent, failed, late, wakeups, worst_us, queued_late;
};

int64_t send_clock_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static struct timespec ts_of(int64_t ns) {
  struct timespec t = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
  return t;
}

static void set_priority(SendClock *c) {
#ifdef __linux__
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* sub-millisecond deadlines: no 50 µs slack */
  pid_t tid = (pid_t)syscall(SYS_gettid);
#else
  int tid = 0;
#endif
  if (c->rt > 0) {
    struct sched_param sp = {.sched_priority = c->rt};
    int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    if (err == 0) {
      snprintf(c->how, sizeof c->how, "fifo %d", c->rt);
      return;
    }
    snprintf(c->how, sizeof c->how, "fifo refused (%s), ", strerror(err));
  }
  size_t at = strlen(c->how);
  if (c->nice != 0 && setpriority(PRIO_PROCESS, (id_t)tid, c->nice) != 0)
    snprintf(c->how + at, sizeof c->how - at, "nice %d refused (%s)", c->nice, strerror(errno));
  else
    snprintf(c->how + at, sizeof c->how - at, "nice %d", getpriority(PRIO_PROCESS, (id_t)tid));
}

/* Send every packet of the due buckets; called with the lock held. */
static void send_due(SendClock *c, int64_t now) {
  for (int k = 0; k < BUCKETS; k++) {
    Bucket *b = &c->b[k];
    if (b->n == 0 || b->due > now) continue;
    int64_t lateness = now - b->due;
    if (lateness > LATE_NS) c->late += b->n;
    if (lateness / 1000.0 > c->worst_us) c->worst_us = lateness / 1000.0;
#ifdef __linux__
    Ring *r = &c->ring;
    if (r->fd >= 0) {
      int res[RING_ENTRIES];
      int from = 0;
      while (from < b->n) {
        unsigned n = (unsigned)(b->n - from) < r->entries ? (unsigned)(b->n - from) : r->entries;
        for (unsigned j = 0; j < n; j++) {
          int i = from + (int)j;
          ring_prep_send(r, j, b->fd[i], b->img + (size_t)i * SLOT, b->len[i]);
        }
        ring_submit_sends(r, n, res);
        for (unsigned j = 0; j < n; j++)
          if (res[j] < 0) c->failed++;
          else c->sent++;
        from += (int)n;
      }
    } else
#endif
    {
      for (int i = 0; i < b->n; i++) {
        ssize_t w;
        do w = send(b->fd[i], b->img + (size_t)i * SLOT, b->len[i], MSG_DONTWAIT | MSG_NOSIGNAL);
        while (w < 0 && errno == EINTR);
        if (w < 0) c->failed++;
        else c->sent++;
      }
    }
    b->n = 0;
    b->due = INT64_MAX;
  }
}

static int64_t earliest(SendClock *c) {
  int64_t e = INT64_MAX;
  for (int k = 0; k < BUCKETS; k++)
    if (c->b[k].n > 0 && c->b[k].due < e) e = c->b[k].due;
  return e;
}

static void *run(void *arg) {
  SendClock *c = arg;
#ifdef __linux__
  pthread_setname_np(pthread_self(), "rtp-clock"); /* apart from "node" in top and the bench's CPU by thread */
#endif
  pthread_mutex_lock(&c->mu);
  set_priority(c);
  /* In this thread: a single-issuer ring belongs to its creator. */
  if (c->ring.fd == 0 && !ring_open(&c->ring)) c->ring.fd = -1;
  c->started = 1;
  pthread_cond_broadcast(&c->cv);
  while (!c->stop) {
    int64_t due = earliest(c);
    if (c->streams.next < due) due = c->streams.next;
    c->wake_at = due;
    if (due == INT64_MAX) {
      pthread_cond_wait(&c->cv, &c->mu);
      continue;
    }
    int64_t now = send_clock_now();
    if (due - c->spin > now) {
      struct timespec t = ts_of(due - c->spin);
      pthread_cond_timedwait(&c->cv, &c->mu, &t);
      continue; /* re-plan: an earlier packet may have come, or one been forgotten */
    }
    pthread_mutex_unlock(&c->mu);
    while ((now = send_clock_now()) < due) {
    }
    pthread_mutex_lock(&c->mu);
    c->wakeups++;
    send_due(c, now);
    if (c->streams.next <= now)
      c->sent += streams_send(&c->streams, c->ring.fd >= 0 ? &c->ring : NULL, now, &c->failed, &c->late, &c->worst_us);
  }
  ring_close(&c->ring);
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

SendClock *send_clock_start(int rt, int nice, int spin_us, int ring, char *how, size_t how_len) {
  SendClock *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->rt = rt;
  c->nice = nice;
  c->spin = (int64_t)spin_us * 1000;
  c->ring.fd = ring ? 0 : -1; /* 0: open one in the thread */
  for (int k = 0; k < BUCKETS; k++) c->b[k].due = INT64_MAX;
  c->streams.next = INT64_MAX;
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&c->cv, &ca);
  pthread_condattr_destroy(&ca);
  /*
   * Priority inheritance: the JS thread that holds the lock while queueing runs
   * on the normal scheduler and may lose its CPU there; without it the clock's
   * real-time thread would wait behind it (measured: sends up to 29 ms late).
   */
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
  pthread_mutex_init(&c->mu, &ma);
  pthread_mutexattr_destroy(&ma);
  if (pthread_create(&c->thread, NULL, run, c) != 0) {
    snprintf(how, how_len, "no thread (%s)", strerror(errno));
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
    return NULL;
  }
  pthread_mutex_lock(&c->mu);
  while (!c->started) pthread_cond_wait(&c->cv, &c->mu);
  snprintf(how, how_len, "%s%s", c->how, c->ring.fd >= 0 ? ", io_uring" : ", send()");
  pthread_mutex_unlock(&c->mu);
  return c;
}

void send_clock_stop(SendClock *c) {
  if (!c) return;
  pthread_mutex_lock(&c->mu);
  c->stop = 1;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
  pthread_join(c->thread, NULL);
  for (int k = 0; k < BUCKETS; k++) {
    free(c->b[k].fd);
    free(c->b[k].len);
    free(c->b[k].img);
  }
  streams_free(&c->streams);
  pthread_cond_destroy(&c->cv);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

void send_clock_lock(SendClock *c) {
  pthread_mutex_lock(&c->mu);
  c->earliest_added = INT64_MAX;
  c->queued_at = send_clock_now();
}

static Bucket *bucket_for(SendClock *c, int64_t due) {
  if (c->b[c->hint].due == due) return &c->b[c->hint];
  int free_k = -1;
  for (int k = 0; k < BUCKETS; k++) {
    if (c->b[k].due == due) {
      c->hint = k;
      return &c->b[k];
    }
    if (c->b[k].n == 0 && free_k < 0) free_k = k;
  }
  if (free_k < 0) return NULL;
  c->b[free_k].due = due;
  c->hint = free_k;
  return &c->b[free_k];
}

uint8_t *send_clock_add(SendClock *c, int fd, int64_t due, size_t len) {
  if (len > SLOT) return NULL;
  Bucket *b = bucket_for(c, due);
  if (!b) return NULL;
  if (b->n == b->cap) {
    int cap = b->cap ? b->cap * 2 : 128;
    int *fds = realloc(b->fd, sizeof(int) * cap);
    if (fds) b->fd = fds;
    uint16_t *lens = realloc(b->len, sizeof(uint16_t) * cap);
    if (lens) b->len = lens;
    uint8_t *img = realloc(b->img, (size_t)cap * SLOT);
    if (img) b->img = img;
    if (!fds || !lens || !img) return NULL;
    b->cap = cap;
  }
  int i = b->n++;
  b->fd[i] = fd;
  b->len[i] = (uint16_t)len;
  if (due < c->earliest_added) c->earliest_added = due;
  if (due + LATE_NS < c->queued_at) c->queued_late++;
  return b->img + (size_t)i * SLOT;
}

Streams *send_clock_streams(SendClock *c) { return &c->streams; }

void send_clock_note_due(SendClock *c, int64_t due) {
  if (due < c->earliest_added) c->earliest_added = due;
}

void send_clock_unlock(SendClock *c) {
  /* The thread sleeps towards a later deadline (or none): wake it to re-plan. */
  if (c->earliest_added < c->wake_at) pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

void send_clock_forget(SendClock *c, int fd, int to) {
  pthread_mutex_lock(&c->mu);
  for (int k = 0; k < BUCKETS; k++) {
    Bucket *b = &c->b[k];
    int w = 0;
    for (int i = 0; i < b->n; i++) {
      if (b->fd[i] == fd) {
        if (to < 0) continue;
        b->fd[i] = to;
      }
      if (w != i) {
        b->fd[w] = b->fd[i];
        b->len[w] = b->len[i];
        memcpy(b->img + (size_t)w * SLOT, b->img + (size_t)i * SLOT, b->len[i]);
      }
      w++;
    }
    b->n = w;
    if (w == 0) b->due = INT64_MAX;
  }
  pthread_mutex_unlock(&c->mu);
}

void send_clock_stats(SendClock *c, double out[6]) {
  pthread_mutex_lock(&c->mu);
  out[5] = c->queued_late;
  out[0] = c->sent;
  out[1] = c->failed;
  out[2] = c->late;
  out[3] = c->wakeups;
  out[4] = c->worst_us;
  pthread_mutex_unlock(&c->mu);
}

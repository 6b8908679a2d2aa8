/* The send clock's media streams (streams.h). */
#include "streams.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#define LATE_NS 1000000
/* The counters streamStats() reads without the lock (from the JS thread): whole relaxed stores. */
#define PUT(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

int streams_alloc(Streams *t) {
  for (int i = 0; i < t->cap; i++)
    if (!t->s[i].used) return i;
  int cap = t->cap ? t->cap * 2 : 256;
  Stream *more = realloc(t->s, sizeof(Stream) * (size_t)cap);
  if (!more) return -1;
  memset(more + t->cap, 0, sizeof(Stream) * (size_t)(cap - t->cap));
  int at = t->cap;
  t->s = more;
  t->cap = cap;
  return at;
}

void streams_plan(Streams *t) {
  int64_t next = INT64_MAX;
  for (int i = 0; i < t->cap; i++) {
    Stream *s = &t->s[i];
    if (s->used && !s->ended && s->due < next) next = s->due;
  }
  t->next = next;
}

/* The packet of s->index into s->pkt: the RTP header (RFC 3550 §5.1), the payload, silence past the end. */
static void build(Stream *s) {
  uint8_t *p = s->pkt;
  uint32_t offset = s->index * STREAM_PAYLOAD;
  uint32_t ts = s->ts_base + offset;
  p[0] = 0x80;
  p[1] = (uint8_t)((s->marker ? 0x80 : 0) | (s->pt & 0x7f));
  p[2] = (uint8_t)(s->seq >> 8);
  p[3] = (uint8_t)s->seq;
  p[4] = (uint8_t)(ts >> 24);
  p[5] = (uint8_t)(ts >> 16);
  p[6] = (uint8_t)(ts >> 8);
  p[7] = (uint8_t)ts;
  p[8] = (uint8_t)(s->ssrc >> 24);
  p[9] = (uint8_t)(s->ssrc >> 16);
  p[10] = (uint8_t)(s->ssrc >> 8);
  p[11] = (uint8_t)s->ssrc;
  size_t have = offset < s->len ? s->len - offset : 0;
  if (have > STREAM_PAYLOAD) have = STREAM_PAYLOAD;
  memcpy(p + 12, s->data + offset, have);
  if (have < STREAM_PAYLOAD) memset(p + 12 + have, s->pad, STREAM_PAYLOAD - have);
  s->iov.iov_base = p;
  s->iov.iov_len = sizeof s->pkt;
  memset(&s->msg, 0, sizeof s->msg);
  s->msg.msg_iov = &s->iov;
  s->msg.msg_iovlen = 1;
  if (s->has_dst) {
    s->msg.msg_name = &s->dst;
    s->msg.msg_namelen = sizeof s->dst;
  }
}

/* After a packet (sent or not): the next one, or the end of the sound. */
static void advance(Stream *s, int sent) {
  if (sent) {
    PUT(s->seq, (uint16_t)(s->seq + 1));
    PUT(s->sent, s->sent + 1);
    s->marker = 0;
  }
  PUT(s->index, s->index + 1);
  s->due += STREAM_PERIOD_NS;
  if ((size_t)s->index * STREAM_PAYLOAD >= s->len) PUT(s->ended, 1);
}

/*
 * Whether stream `s` has a packet to send at `now`: packets hopelessly late are
 * skipped (counted), a muted or unaimed stream's due packet passes unsent (its
 * timestamp runs on, as the far end's clock does).
 */
static int due_packet(Stream *s, int64_t now) {
  if (!s->used || s->ended || s->due > now) return 0;
  int64_t behind = (now - s->due) / STREAM_PERIOD_NS;
  if (behind > STREAM_CATCH_UP) {
    uint32_t skip = (uint32_t)(behind - STREAM_CATCH_UP);
    PUT(s->skipped, s->skipped + skip);
    PUT(s->index, s->index + skip);
    s->due += (int64_t)skip * STREAM_PERIOD_NS;
    if ((size_t)s->index * STREAM_PAYLOAD >= s->len) {
      PUT(s->ended, 1);
      return 0;
    }
  }
  if (s->muted || s->fd < 0) {
    advance(s, 0);
    return 0;
  }
  return 1;
}

static void note_lateness(Stream *s, int64_t now, double *late, double *worst_us) {
  int64_t lateness = now - s->due;
  if (lateness > LATE_NS) (*late)++;
  if (lateness / 1000.0 > *worst_us) *worst_us = lateness / 1000.0;
}

int streams_send(Streams *t, Ring *ring, int64_t now, double *failed, double *late, double *worst_us) {
  int total = 0;
#ifdef __linux__
  if (ring && ring->fd >= 0) {
    int res[RING_ENTRIES];
    Stream *batch[RING_ENTRIES];
    int i = 0;
    /* A stream due more than once (a stall) sends one packet per batch: its next waits for the next batch. */
    for (int again = 1; again;) {
      again = 0;
      unsigned n = 0;
      for (i = 0; i < t->cap; i++) {
        Stream *s = &t->s[i];
        if (!due_packet(s, now)) continue;
        note_lateness(s, now, late, worst_us);
        build(s);
        if (s->has_dst) ring_prep_sendmsg(ring, n, s->fd, &s->msg);
        else ring_prep_send(ring, n, s->fd, s->pkt, sizeof s->pkt);
        batch[n++] = s;
        if (n == ring->entries) {
          again = 1;
          break;
        }
      }
      if (n == 0) break;
      ring_submit_sends(ring, n, res);
      for (unsigned k = 0; k < n; k++) {
        if (res[k] < 0) (*failed)++;
        else total++;
        advance(batch[k], res[k] >= 0);
      }
      /* Anything still due after this pass (a full ring, a stall) goes in another. */
      if (!again)
        for (int j = 0; j < t->cap && !again; j++) {
          Stream *s = &t->s[j];
          again = s->used && !s->ended && s->due <= now;
        }
    }
    streams_plan(t);
    return total;
  }
#endif
  (void)ring;
  for (int more = 1; more;) {
    more = 0;
    for (int i = 0; i < t->cap; i++) {
      Stream *s = &t->s[i];
      if (!due_packet(s, now)) continue;
      note_lateness(s, now, late, worst_us);
      build(s);
      ssize_t w;
      do w = s->has_dst ? sendmsg(s->fd, &s->msg, MSG_DONTWAIT | MSG_NOSIGNAL)
                        : send(s->fd, s->pkt, sizeof s->pkt, MSG_DONTWAIT | MSG_NOSIGNAL);
      while (w < 0 && errno == EINTR);
      if (w < 0) (*failed)++;
      else total++;
      advance(s, w >= 0);
      if (!s->ended && s->due <= now) more = 1;
    }
  }
  streams_plan(t);
  return total;
}

void streams_free(Streams *t) {
  free(t->s);
  t->s = NULL;
  t->cap = 0;
  t->next = INT64_MAX;
}

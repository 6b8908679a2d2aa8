/*
 * Media streams owned by the send clock's thread (streams.c): a call's RTP is
 * registered once (socket, destination, SSRC, first sequence number and
 * timestamp, payload type, the sound) and the thread builds and sends every
 * 20 ms packet itself, batching each deadline's packets into one io_uring_enter().
 * No JavaScript runs per packet; JS starts, re-aims, mutes and stops streams.
 * Every function here is called with the clock's lock held.
 */
#ifndef HATCH_STREAMS_H
#define HATCH_STREAMS_H
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "ring.h"

#define STREAM_PAYLOAD 160 /* G.711 at 8 kHz: 20 ms */
#define STREAM_PERIOD_NS 20000000LL
/* Packets later than this many periods are skipped, not sent in a burst (the JS pacer's MAX_CATCH_UP). */
#define STREAM_CATCH_UP 3

typedef struct {
  int used;  /* 0: a free slot */
  int ended; /* the sound is over: no more packets; the slot waits for stop() */
  int fd;    /* the socket to send from (-1: none, packets are counted as skipped) */
  int has_dst; /* 0: fd is connected; 1: send to dst (sendmsg) */
  struct sockaddr_in dst;
  int muted;
  int marker; /* set the marker bit on the next packet sent */
  uint8_t pt, pad;
  uint16_t seq;
  uint32_t ts_base, ssrc;
  const uint8_t *data; /* the sound (pinned by the stream's registration) */
  size_t len;
  int sound; /* its id, released on stop() */
  uint32_t index; /* the next packet: payload at index × 160, timestamp ts_base + index × 160 */
  int64_t due;    /* when it is due (CLOCK_MONOTONIC ns) */
  uint32_t sent, skipped;
  /* The packet in flight (valid during one send pass). */
  uint8_t pkt[12 + STREAM_PAYLOAD];
  struct iovec iov;
  struct msghdr msg;
} Stream;

struct Streams {
  Stream *s;
  int cap;
  int64_t next; /* the earliest due of a live stream (INT64_MAX: none) */
};
typedef struct Streams Streams;

/* A free slot (grown when needed), or -1 when out of memory. */
int streams_alloc(Streams *t);
/* Recompute `next` after a stream changed. */
void streams_plan(Streams *t);
/*
 * Send every stream's due packet (building its header) in batches through the
 * ring, or one send()/sendmsg() each when `ring` is NULL; returns how many
 * packets went out, and adds failures, packets sent over 1 ms late and the worst
 * lateness (µs) to the counters.
 */
int streams_send(Streams *t, Ring *ring, int64_t now, double *failed, double *late, double *worst_us);
void streams_free(Streams *t);
#endif

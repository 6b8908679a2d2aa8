/*
 * rtp-send: the media thread's batch sender (Node-API, no dependencies).
 *
 * One call per pacer wake-up hands every due RTP packet to the kernel: each
 * packet is the 12-byte header JS wrote and the payload read from the shared
 * sound (padded with the codec's silence past its end), and the whole batch goes
 * to the kernel in ONE io_uring_enter() (a send per packet, each to its own
 * connected socket), so the per-packet system call is gone. sendmmsg() cannot do
 * this: it sends on one socket, and every call has its own. On this VM (PTI on)
 * a microbench of 100 connected sockets measured 2.4-2.5 µs of CPU per packet
 * through io_uring against 4.3 with one sendmsg() each. Where io_uring is not
 * allowed (an older kernel, a seccomp profile that blocks it, or mode "sendmsg"),
 * the batch falls back to one sendmsg() per packet. Through dgram each packet
 * also costs a JS send path, a SendWrap and a copy. Sockets stay Node's: this
 * only writes to the fd of a connected dgram socket, never reads or closes it.
 *
 * Exports (all synchronous, all throw TypeError/RangeError on bad arguments; the send
 * clock's calls are in clock-api.c, its thread in send-clock.c, the io_uring set-up in ring.c):
 *   register(sound: Uint8Array) -> id      pin a sound (same memory -> same id, counted); the
 *                                          view must be over a SharedArrayBuffer, which cannot
 *                                          be detached under us (an ArrayBuffer can be transferred)
 *   release(id)                            drop one registration
 *   localPort(fd) -> port | -1             getsockname of an IPv4 socket (to check an fd)
 *   send(headers: Uint8Array, rows: Int32Array, n, payloadLen) -> sent
 *       headers: 12 bytes per packet; rows: 4 int32 per packet (fd, sound id,
 *       payload offset, pad byte). A row that fails gets -errno in its fd column.
 *   timerSlack(ns) -> previous ns | -1      the calling thread's timer slack (prctl; Linux)
 *   batchMode(want?: "io_uring" | "sendmsg") -> "io_uring" | "sendmsg"
 *       how batches go to the kernel (asking for io_uring sets the ring up; it
 *       answers "sendmsg" when the kernel refuses it)
 *   clockStart(rt, nice, spinUs, ioUring = true) -> how | ""
 *       start the send clock (send-clock.c): a native thread that sends queued
 *       packets at their deadlines
 *   monotonicMs() -> ms                     CLOCK_MONOTONIC, the clock of queue()'s deadlines
 *   queue(headers, rows, dues: Float64Array, n, payloadLen) -> queued
 *       as send(), each packet sent at dues[i] by the send clock; a row not
 *       queued gets -errno in its fd column (-ENOSPC: no clock or no room)
 *   forget(fd, to = -1)                     move fd's queued packets to `to`, or drop them (before closing fd)
 *   clockStats() -> [sent, failed, sent > 1 ms late, wake-ups, worst lateness µs, queued > 1 ms late]
 *   streamStart / streamRoute / streamMute / streamStats / streamStop
 *       a call's whole RTP stream, registered once, built and sent by the send
 *       clock's thread at every 20 ms deadline (stream-api.c, streams.c)
 */
#define NAPI_VERSION 8
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/io_uring.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#endif

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: UDP raises no SIGPIPE anyway */
#endif

#include "addon.h"

static void free_state(napi_env env, void *data, void *hint) {
  State *s = data;
  (void)hint;
  for (int i = 0; i < s->count; i++)
    if (s->sounds[i].refs > 0) napi_delete_reference(env, s->sounds[i].ref);
  send_clock_stop(s->clock);
  ring_close(&s->ring);
  free(s->packets);
  free(s->sounds);
  free(s);
}

/* The helpers addon.h declares. */
State *state(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

/* A typed array argument of type `want`: its bytes, length, and (when `buffer` is given) its buffer. */
int bytes_arg(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len,
                     napi_value *buffer) {
  bool is = false;
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  if (buffer) *buffer = NULL;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, len, data, &ab, &off) != napi_ok || type != want) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          want == napi_uint8_array ? "a Uint8Array is required" : "an Int32Array is required");
    return 0;
  }
  if (buffer) *buffer = ab;
  return 1;
}

int int_arg(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "an integer is required");
    return 0;
  }
  return 1;
}

/* The one integer argument of release() and localPort(). */
int only_int_arg(napi_env env, napi_callback_info info, int32_t *out) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "an integer is required");
    return 0;
  }
  return int_arg(env, argv[0], out);
}

napi_value int_value(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

static napi_value js_register(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data;
  size_t len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_value ab;
  if (argc < 1 || !bytes_arg(env, argv[0], napi_uint8_array, &data, &len, &ab)) return NULL;
  bool detachable = true;
  // IsArrayBuffer is false for a SharedArrayBuffer: only plain ArrayBuffers can be detached.
  if (napi_is_arraybuffer(env, ab, &detachable) != napi_ok || detachable) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "the sound must be a Uint8Array over a SharedArrayBuffer");
    return NULL;
  }
  State *s = state(env);
  int free_slot = -1;
  for (int i = 0; i < s->count; i++) {
    Sound *d = &s->sounds[i];
    // Views of one SharedArrayBuffer posted to this thread are new objects over the same memory.
    if (d->refs > 0 && d->data == data && d->len == len) {
      d->refs++;
      return int_value(env, i);
    }
    if (d->refs == 0 && free_slot < 0) free_slot = i;
  }
  if (free_slot < 0) {
    int grown = s->count ? s->count * 2 : 16;
    Sound *more = realloc(s->sounds, sizeof(Sound) * grown);
    if (!more) {
      napi_throw_error(env, "ERR_MEMORY", "out of memory");
      return NULL;
    }
    memset(more + s->count, 0, sizeof(Sound) * (grown - s->count));
    s->sounds = more;
    free_slot = s->count;
    s->count = grown;
  }
  Sound *d = &s->sounds[free_slot];
  if (napi_create_reference(env, argv[0], 1, &d->ref) != napi_ok) {
    napi_throw_error(env, "ERR_NAPI", "could not pin the sound");
    return NULL;
  }
  d->data = data;
  d->len = len;
  d->refs = 1;
  return int_value(env, free_slot);
}

static napi_value js_release(napi_env env, napi_callback_info info) {
  int32_t id;
  if (!only_int_arg(env, info, &id)) return NULL;
  State *s = state(env);
  if (id < 0 || id >= s->count || s->sounds[id].refs <= 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "no such sound");
    return NULL;
  }
  sound_release(env, s, id);
  return NULL;
}

void sound_release(napi_env env, State *s, int id) {
  Sound *d = &s->sounds[id];
  if (--d->refs == 0) {
    napi_delete_reference(env, d->ref);
    d->data = NULL;
    d->len = 0;
  }
}

static napi_value js_local_port(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!only_int_arg(env, info, &fd)) return NULL;
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  if (fd < 0 || getsockname(fd, (struct sockaddr *)&a, &alen) != 0 || a.sin_family != AF_INET) return int_value(env, -1);
  return int_value(env, ntohs(a.sin_port));
}

/* Room for `n` packet images. */
static int reserve(State *s, int n) {
  if (n <= s->packet_rows) return 1;
  int rows = s->packet_rows ? s->packet_rows : 256;
  while (rows < n) rows *= 2;
  uint8_t *more = realloc(s->packets, (size_t)rows * (HEADER + MAX_PAYLOAD));
  if (!more) return 0;
  s->packets = more;
  s->packet_rows = rows;
  return 1;
}

#ifdef __linux__
/* Send packets [from, to) through the ring: one io_uring_enter() per ring's worth. */
static void ring_send(State *s, int32_t *rows, int from, int to, size_t len) {
  Ring *r = &s->ring;
  int res[RING_ENTRIES];
  while (from < to) {
    unsigned n = (unsigned)(to - from) < r->entries ? (unsigned)(to - from) : r->entries;
    for (unsigned k = 0; k < n; k++) {
      int i = from + (int)k;
      ring_prep_send(r, k, rows[i * 4], s->packets + (size_t)i * (HEADER + MAX_PAYLOAD), (unsigned)len);
    }
    ring_submit_sends(r, n, res);
    for (unsigned k = 0; k < n; k++)
      if (res[k] < 0) rows[(from + (int)k) * 4] = res[k];
    from += (int)n;
  }
}
#else
static void ring_send(State *s, int32_t *rows, int from, int to, size_t len) {
  (void)s, (void)rows, (void)from, (void)to, (void)len;
}
#endif

static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void *headers, *rows_data;
  size_t hlen, rlen;
  int32_t n, plen;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || !bytes_arg(env, argv[0], napi_uint8_array, &headers, &hlen, NULL) ||
      !bytes_arg(env, argv[1], napi_int32_array, &rows_data, &rlen, NULL) || !int_arg(env, argv[2], &n) ||
      !int_arg(env, argv[3], &plen))
    return NULL;
  if (n < 0 || (size_t)n * HEADER > hlen || (size_t)n * 4 > rlen || plen < 0 || plen > MAX_PAYLOAD) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "packet count or payload length out of range");
    return NULL;
  }
  State *s = state(env);
  if (!reserve(s, n)) {
    napi_throw_error(env, "ERR_MEMORY", "out of memory");
    return NULL;
  }
  int32_t *rows = rows_data;
  size_t len = HEADER + (size_t)plen;
  // Each packet's image: the header, the payload from the sound, the codec's silence past its end.
  for (int i = 0; i < n; i++) {
    int32_t *row = rows + i * 4;
    int32_t fd = row[0], id = row[1], offset = row[2];
    if (fd < 0 || id < 0 || id >= s->count || s->sounds[id].refs <= 0 || offset < 0) {
      row[0] = -EINVAL;
      continue;
    }
    Sound *d = &s->sounds[id];
    uint8_t *p = s->packets + (size_t)i * (HEADER + MAX_PAYLOAD);
    memcpy(p, (uint8_t *)headers + (size_t)i * HEADER, HEADER);
    size_t have = (size_t)offset < d->len ? d->len - offset : 0;
    if (have > (size_t)plen) have = plen;
    memcpy(p + HEADER, d->data + offset, have);
    if (have < (size_t)plen) memset(p + HEADER + have, row[3] & 0xff, plen - have);
  }
  if (s->ring.fd >= 0) {
    // Rows refused above keep -EINVAL: send the valid runs between them.
    int from = 0;
    for (int i = 0; i <= n; i++) {
      if (i == n || rows[i * 4] < 0) {
        if (i > from) ring_send(s, rows, from, i, len);
        from = i + 1;
      }
    }
  } else {
    for (int i = 0; i < n; i++) {
      int32_t *row = rows + i * 4;
      if (row[0] < 0) continue;
      ssize_t r;
      do r = send(row[0], s->packets + (size_t)i * (HEADER + MAX_PAYLOAD), len, MSG_DONTWAIT | MSG_NOSIGNAL);
      while (r < 0 && errno == EINTR);
      if (r < 0) row[0] = -errno;
    }
  }
  int sent = 0;
  for (int i = 0; i < n; i++)
    if (rows[i * 4] >= 0) sent++;
  return int_value(env, sent);
}

/*
 * A sleeping thread's timers may fire up to its "timer slack" late (50 µs by
 * default), so the kernel can merge wake-ups; the pacer's futex waits are
 * sub-millisecond deadlines, so the media thread asks for almost none.
 */
static napi_value js_timer_slack(napi_env env, napi_callback_info info) {
  int32_t ns;
  if (!only_int_arg(env, info, &ns)) return NULL;
  if (ns < 1) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "timer slack must be at least 1 ns");
    return NULL;
  }
#ifdef __linux__
  int before = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  if (before < 0 || prctl(PR_SET_TIMERSLACK, (unsigned long)ns, 0, 0, 0) != 0) return int_value(env, -1);
  return int_value(env, before);
#else
  return int_value(env, -1);
#endif
}

static napi_value js_batch_mode(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  State *s = state(env);
  if (argc >= 1) {
    char want[16] = {0};
    size_t got = 0;
    if (napi_get_value_string_utf8(env, argv[0], want, sizeof want, &got) != napi_ok ||
        (strcmp(want, "io_uring") != 0 && strcmp(want, "sendmsg") != 0)) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "batchMode takes \"io_uring\" or \"sendmsg\"");
      return NULL;
    }
    if (strcmp(want, "sendmsg") == 0) ring_close(&s->ring);
    else if (s->ring.fd < 0) ring_open(&s->ring);
  }
  napi_value r;
  napi_create_string_utf8(env, s->ring.fd >= 0 ? "io_uring" : "sendmsg", NAPI_AUTO_LENGTH, &r);
  return r;
}

NAPI_MODULE_INIT() {
  State *s = calloc(1, sizeof(State));
  if (s) s->ring.fd = -1;
  if (!s || napi_set_instance_data(env, s, free_state, NULL) != napi_ok) {
    free(s);
    napi_throw_error(env, "ERR_NAPI", "rtp-send could not initialise");
    return NULL;
  }
  const napi_property_descriptor fns[] = {
      {"register", NULL, js_register, NULL, NULL, NULL, napi_enumerable, NULL},
      {"release", NULL, js_release, NULL, NULL, NULL, napi_enumerable, NULL},
      {"localPort", NULL, js_local_port, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"batchMode", NULL, js_batch_mode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"timerSlack", NULL, js_timer_slack, NULL, NULL, NULL, napi_enumerable, NULL},
      {"clockStart", NULL, js_clock_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"monotonicMs", NULL, js_monotonic_ms, NULL, NULL, NULL, napi_enumerable, NULL},
      {"queue", NULL, js_queue, NULL, NULL, NULL, napi_enumerable, NULL},
      {"forget", NULL, js_forget, NULL, NULL, NULL, napi_enumerable, NULL},
      {"clockStats", NULL, js_clock_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"streamStart", NULL, js_stream_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"streamRoute", NULL, js_stream_route, NULL, NULL, NULL, napi_enumerable, NULL},
      {"streamMute", NULL, js_stream_mute, NULL, NULL, NULL, napi_enumerable, NULL},
      {"streamStats", NULL, js_stream_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"streamStop", NULL, js_stream_stop, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}

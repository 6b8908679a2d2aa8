/*
 * The send clock's media streams as Node-API calls (the thread's side is streams.c).
 * All synchronous; bad arguments throw TypeError/RangeError with an ERR_ code.
 *
 *   streamStart(sound, fd, host, port, pt, pad, ssrc, seq, tsBase, index, dueMs, marker) -> handle
 *       packet `index` of registered `sound` is due at dueMs (monotonicMs), every next one 20 ms
 *       later, each 12 + 160 bytes: sequence numbers from `seq`, timestamps tsBase + 160 × index,
 *       the marker bit on the first when `marker`; past the sound's end the stream ends. The stream
 *       holds its own registration of the sound until streamStop.
 *       Route: `fd` connected (host ""), or unconnected and sending to host:port (IPv4); fd -1: none yet.
 *   streamRoute(handle, fd, host, port)       re-aim (latching, a re-offer); on return no send to the
 *                                             old fd is pending or in flight, so it may be closed
 *   streamMute(handle, muted)                 hold: due packets pass unsent; the first after sets the marker
 *   streamStats(handle) -> [sent, skipped, nextIndex, nextSeq, ended (0|1)]
 *   streamStop(handle) -> the same, then the slot and the sound are released
 */
#define NAPI_VERSION 8
#include <arpa/inet.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include "addon.h"
#include "streams.h"

static napi_value fail_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
  return NULL;
}

static int num_arg(napi_env env, napi_value v, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok || !isfinite(*out)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "a finite number is required");
    return 0;
  }
  return 1;
}

/* (fd, host, port): fd ≥ -1; host "" (fd is connected) or an IPv4 literal with port 1-65535. */
static int route_args(napi_env env, napi_value *argv, int *fd, int *has_dst, struct sockaddr_in *dst) {
  int32_t f, port;
  char host[64] = {0};
  size_t got = 0;
  if (!int_arg(env, argv[0], &f) || !int_arg(env, argv[2], &port)) return 0;
  if (napi_get_value_string_utf8(env, argv[1], host, sizeof host, &got) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "host is a string");
    return 0;
  }
  if (f < -1) return fail_range(env, "fd must be -1 or more"), 0;
  memset(dst, 0, sizeof *dst);
  *fd = f;
  *has_dst = got > 0;
  if (!*has_dst) return 1;
  dst->sin_family = AF_INET;
  if (port < 1 || port > 65535) return fail_range(env, "port 1-65535"), 0;
  dst->sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &dst->sin_addr) != 1) return fail_range(env, "host must be an IPv4 address"), 0;
  return 1;
}

/* The clock and the stream `v` names, locked; NULL (thrown) otherwise. */
static Stream *locked_stream(napi_env env, napi_value v, SendClock **clock) {
  int32_t h;
  if (!int_arg(env, v, &h)) return NULL;
  State *s = state(env);
  if (!s->clock) return fail_range(env, "the send clock is not running"), NULL;
  send_clock_lock(s->clock);
  Streams *t = send_clock_streams(s->clock);
  if (h < 0 || h >= t->cap || !t->s[h].used) {
    send_clock_unlock(s->clock);
    return fail_range(env, "no such stream"), NULL;
  }
  *clock = s->clock;
  return &t->s[h];
}

static napi_value stats_of(napi_env env, Stream *st) {
  /* Whole loads of what the thread stores (streams.c's PUT): stats need not wait for a batch to go out. */
  double v[5] = {__atomic_load_n(&st->sent, __ATOMIC_RELAXED), __atomic_load_n(&st->skipped, __ATOMIC_RELAXED),
                 __atomic_load_n(&st->index, __ATOMIC_RELAXED), __atomic_load_n(&st->seq, __ATOMIC_RELAXED),
                 __atomic_load_n(&st->ended, __ATOMIC_RELAXED)};
  napi_value arr;
  napi_create_array_with_length(env, 5, &arr);
  for (uint32_t i = 0; i < 5; i++) {
    napi_value x;
    napi_create_double(env, v[i], &x);
    napi_set_element(env, arr, i, x);
  }
  return arr;
}

napi_value js_stream_start(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 12) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "streamStart takes 12 arguments");
    return NULL;
  }
  int32_t sound, pt, pad, seq;
  double ssrc, ts_base, index, due_ms;
  bool marker;
  int fd, has_dst;
  struct sockaddr_in dst;
  if (!int_arg(env, argv[0], &sound) || !route_args(env, argv + 1, &fd, &has_dst, &dst) ||
      !int_arg(env, argv[4], &pt) || !int_arg(env, argv[5], &pad) || !num_arg(env, argv[6], &ssrc) ||
      !int_arg(env, argv[7], &seq) || !num_arg(env, argv[8], &ts_base) || !num_arg(env, argv[9], &index) ||
      !num_arg(env, argv[10], &due_ms))
    return NULL;
  if (napi_get_value_bool(env, argv[11], &marker) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "marker is a boolean");
    return NULL;
  }
  if (pt < 0 || pt > 127 || pad < 0 || pad > 255 || seq < 0 || seq > 65535 || ssrc < 0 || ssrc > 4294967295.0 ||
      ts_base < 0 || ts_base > 4294967295.0 || index < 0 || index > 4e8 || due_ms < 0)
    return fail_range(env, "pt 0-127, pad 0-255, seq 0-65535, ssrc and tsBase 32-bit, index and dueMs ≥ 0");
  State *s = state(env);
  if (sound < 0 || sound >= s->count || s->sounds[sound].refs <= 0) return fail_range(env, "no such sound");
  if (!s->clock) return fail_range(env, "the send clock is not running");
  send_clock_lock(s->clock);
  Streams *t = send_clock_streams(s->clock);
  int h = streams_alloc(t);
  if (h < 0) {
    send_clock_unlock(s->clock);
    napi_throw_error(env, "ERR_MEMORY", "out of memory");
    return NULL;
  }
  Stream *st = &t->s[h];
  memset(st, 0, sizeof *st);
  st->used = 1;
  st->fd = fd;
  st->has_dst = has_dst;
  st->dst = dst;
  st->marker = marker;
  st->pt = (uint8_t)pt;
  st->pad = (uint8_t)pad;
  st->seq = (uint16_t)seq;
  st->ssrc = (uint32_t)ssrc;
  st->ts_base = (uint32_t)ts_base;
  st->sound = sound;
  st->data = s->sounds[sound].data;
  st->len = s->sounds[sound].len;
  st->index = (uint32_t)index;
  st->due = (int64_t)(due_ms * 1e6);
  st->ended = (size_t)st->index * STREAM_PAYLOAD >= st->len;
  s->sounds[sound].refs++; /* the stream's own registration */
  if (!st->ended && st->due < t->next) t->next = st->due;
  send_clock_note_due(s->clock, st->due);
  send_clock_unlock(s->clock);
  return int_value(env, h);
}

napi_value js_stream_route(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "streamRoute takes (handle, fd, host, port)");
    return NULL;
  }
  int fd, has_dst;
  struct sockaddr_in dst;
  if (!route_args(env, argv + 1, &fd, &has_dst, &dst)) return NULL;
  SendClock *c;
  Stream *st = locked_stream(env, argv[0], &c);
  if (!st) return NULL;
  /* The thread sends with the lock held: once we have it, nothing to the old fd is in flight. */
  st->fd = fd;
  st->has_dst = has_dst;
  st->dst = dst;
  send_clock_unlock(c);
  return NULL;
}

napi_value js_stream_mute(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool muted;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_bool(env, argv[1], &muted) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "streamMute takes (handle, muted: boolean)");
    return NULL;
  }
  SendClock *c;
  Stream *st = locked_stream(env, argv[0], &c);
  if (!st) return NULL;
  /* RFC 3551 §4.1: the first packet after a pause carries the marker. */
  if (st->muted && !muted && st->sent > 0) st->marker = 1;
  st->muted = muted;
  send_clock_unlock(c);
  return NULL;
}

/*
 * Without the lock: the clock thread holds it while a batch goes out (up to a few
 * ms at 1,000 calls), and this runs for every stream twice a second. Only this
 * (JS) thread adds, frees or moves slots, so the slot stays put while we read it.
 */
napi_value js_stream_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t h;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return fail_range(env, "streamStats takes a handle");
  if (!int_arg(env, argv[0], &h)) return NULL;
  State *s = state(env);
  if (!s->clock) return fail_range(env, "the send clock is not running");
  Streams *t = send_clock_streams(s->clock);
  if (h < 0 || h >= t->cap || !t->s[h].used) return fail_range(env, "no such stream");
  return stats_of(env, &t->s[h]);
}

napi_value js_stream_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return fail_range(env, "streamStop takes a handle");
  SendClock *c;
  Stream *st = locked_stream(env, argv[0], &c);
  if (!st) return NULL;
  Stream copy = *st;
  st->used = 0;
  streams_plan(send_clock_streams(c));
  send_clock_unlock(c);
  sound_release(env, state(env), copy.sound);
  return stats_of(env, &copy);
}

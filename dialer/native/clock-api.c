/* The send clock's Node-API calls (see rtp-send.c's header comment for the contract, send-clock.c for the thread). */
#define NAPI_VERSION 8
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "addon.h"

/* A Float64Array argument. */
static int doubles_arg(napi_env env, napi_value v, double **data, size_t *len) {
  bool is = false;
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, len, (void **)data, &ab, &off) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "a Float64Array is required");
    return 0;
  }
  return 1;
}

napi_value js_clock_start(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t rt, nice, spin;
  bool ring = true;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !int_arg(env, argv[0], &rt) || !int_arg(env, argv[1], &nice) || !int_arg(env, argv[2], &spin))
    return NULL;
  if (argc >= 4 && napi_get_value_bool(env, argv[3], &ring) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "io_uring is a boolean");
    return NULL;
  }
  if (rt < 0 || rt > 99 || nice < -20 || nice > 19 || spin < 0 || spin > 1000) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "rt 0-99, nice -20-19, spin 0-1000 µs");
    return NULL;
  }
  State *s = state(env);
  char how[128] = "already running";
  if (!s->clock) s->clock = send_clock_start(rt, nice, spin, ring, how, sizeof how);
  napi_value r;
  napi_create_string_utf8(env, s->clock ? how : "", NAPI_AUTO_LENGTH, &r);
  return r;
}

napi_value js_monotonic_ms(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_double(env, (double)send_clock_now() / 1e6, &r);
  return r;
}

/*
 * queue(headers, rows, dues, n, payloadLen) -> queued: as send(), but each
 * packet leaves at dues[i] (CLOCK_MONOTONIC ms) from the send clock's thread.
 * A row that cannot be queued (bad row, no clock, no room) gets -errno in its fd column.
 */
napi_value js_queue(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  void *headers, *rows_data;
  double *dues;
  size_t hlen, rlen, dlen;
  int32_t n, plen;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5 || !bytes_arg(env, argv[0], napi_uint8_array, &headers, &hlen, NULL) ||
      !bytes_arg(env, argv[1], napi_int32_array, &rows_data, &rlen, NULL) || !doubles_arg(env, argv[2], &dues, &dlen) ||
      !int_arg(env, argv[3], &n) || !int_arg(env, argv[4], &plen))
    return NULL;
  if (n < 0 || (size_t)n * HEADER > hlen || (size_t)n * 4 > rlen || (size_t)n > dlen || plen < 0 ||
      plen > MAX_PAYLOAD) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "packet count or payload length out of range");
    return NULL;
  }
  State *s = state(env);
  int32_t *rows = rows_data;
  int queued = 0;
  if (s->clock) send_clock_lock(s->clock);
  for (int i = 0; i < n; i++) {
    int32_t *row = rows + i * 4;
    int32_t fd = row[0], id = row[1], offset = row[2];
    if (fd < 0 || id < 0 || id >= s->count || s->sounds[id].refs <= 0 || offset < 0 || !(dues[i] >= 0)) {
      row[0] = -EINVAL;
      continue;
    }
    uint8_t *p = s->clock ? send_clock_add(s->clock, fd, (int64_t)(dues[i] * 1e6), HEADER + (size_t)plen) : NULL;
    if (!p) {
      row[0] = -ENOSPC;
      continue;
    }
    Sound *d = &s->sounds[id];
    memcpy(p, (uint8_t *)headers + (size_t)i * HEADER, HEADER);
    size_t have = (size_t)offset < d->len ? d->len - offset : 0;
    if (have > (size_t)plen) have = plen;
    memcpy(p + HEADER, d->data + offset, have);
    if (have < (size_t)plen) memset(p + HEADER + have, row[3] & 0xff, plen - have);
    queued++;
  }
  if (s->clock) send_clock_unlock(s->clock);
  return int_value(env, queued);
}

napi_value js_forget(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, to = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !int_arg(env, argv[0], &fd) || (argc >= 2 && !int_arg(env, argv[1], &to))) return NULL;
  State *s = state(env);
  if (s->clock) send_clock_forget(s->clock, fd, to);
  return NULL;
}

napi_value js_clock_stats(napi_env env, napi_callback_info info) {
  (void)info;
  State *s = state(env);
  double v[6] = {0, 0, 0, 0, 0, 0};
  if (s->clock) send_clock_stats(s->clock, v);
  napi_value arr;
  napi_create_array_with_length(env, 6, &arr);
  for (uint32_t i = 0; i < 6; i++) {
    napi_value x;
    napi_create_double(env, v[i], &x);
    napi_set_element(env, arr, i, x);
  }
  return arr;
}


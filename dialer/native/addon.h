/* What the addon's files share (rtp-send.c: the module and the batch sender; clock-api.c: the send clock's calls). */
#ifndef HATCH_ADDON_H
#define HATCH_ADDON_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include "ring.h"
#include "send-clock.h"

#define HEADER 12
#define MAX_PAYLOAD 1024

typedef struct {
  uint8_t *data;
  size_t len;
  napi_ref ref;
  int refs;
} Sound;

/* Per Node environment (main thread or worker): sounds pin that environment's objects. */
typedef struct {
  Sound *sounds;
  int count;
  Ring ring; /* ring.fd < 0: batches go out through sendmsg() */
  /* One packet image per row of a batch: every send of the batch is in flight at once. */
  uint8_t *packets;
  int packet_rows;
  SendClock *clock; /* the send clock's thread, once started (queue() needs it) */
} State;

State *state(napi_env env);
/* A typed array argument of type `want`: its bytes, length, and (when `buffer` is given) its buffer. */
int bytes_arg(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len, napi_value *buffer);
int int_arg(napi_env env, napi_value v, int32_t *out);
/* The one integer argument of release() and localPort(). */
int only_int_arg(napi_env env, napi_callback_info info, int32_t *out);
napi_value int_value(napi_env env, int32_t v);

/* The send clock's calls (clock-api.c). */
napi_value js_clock_start(napi_env env, napi_callback_info info);
napi_value js_monotonic_ms(napi_env env, napi_callback_info info);
napi_value js_queue(napi_env env, napi_callback_info info);
napi_value js_forget(napi_env env, napi_callback_info info);
napi_value js_clock_stats(napi_env env, napi_callback_info info);
/* Drop one registration of sound `id` (valid, refs > 0). */
void sound_release(napi_env env, State *s, int id);

/* The send clock's media streams (stream-api.c). */
napi_value js_stream_start(napi_env env, napi_callback_info info);
napi_value js_stream_route(napi_env env, napi_callback_info info);
napi_value js_stream_mute(napi_env env, napi_callback_info info);
napi_value js_stream_stats(napi_env env, napi_callback_info info);
napi_value js_stream_stop(napi_env env, napi_callback_info info);
#endif

/*
 * rtp-send: the media thread's batch sender (Node-API, no dependencies).
 *
 * One call per pacer wake-up hands every due RTP packet to the kernel: for each
 * row a sendmsg() of two iovecs, the 12-byte header JS wrote and the payload
 * read in place from the shared sound (padded with the codec's silence past its
 * end). Through dgram each packet costs a JS send path, a SendWrap and a copy of
 * the payload; here it costs the system call alone. Sockets stay Node's: this
 * only writes to the fd of a connected dgram socket, never reads or closes it.
 *
 * Exports (all synchronous, all throw TypeError/RangeError on bad arguments):
 *   register(sound: Uint8Array) -> id      pin a sound (same memory -> same id, counted); the
 *                                          view must be over a SharedArrayBuffer, which cannot
 *                                          be detached under us (an ArrayBuffer can be transferred)
 *   release(id)                            drop one registration
 *   localPort(fd) -> port | -1             getsockname of an IPv4 socket (to check an fd)
 *   send(headers: Uint8Array, rows: Int32Array, n, payloadLen) -> sent
 *       headers: 12 bytes per packet; rows: 4 int32 per packet (fd, sound id,
 *       payload offset, pad byte). A row that fails gets -errno in its fd column.
 */
#define NAPI_VERSION 8
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: UDP raises no SIGPIPE anyway */
#endif

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
} State;

static void free_state(napi_env env, void *data, void *hint) {
  State *s = data;
  (void)hint;
  for (int i = 0; i < s->count; i++)
    if (s->sounds[i].refs > 0) napi_delete_reference(env, s->sounds[i].ref);
  free(s->sounds);
  free(s);
}

static State *state(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

/* A typed array argument of type `want`: its bytes, length, and (when `buffer` is given) its buffer. */
static int bytes_arg(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len,
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

static int int_arg(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "an integer is required");
    return 0;
  }
  return 1;
}

/* The one integer argument of release() and localPort(). */
static int only_int_arg(napi_env env, napi_callback_info info, int32_t *out) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "an integer is required");
    return 0;
  }
  return int_arg(env, argv[0], out);
}

static napi_value int_value(napi_env env, int32_t v) {
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
  Sound *d = &s->sounds[id];
  if (--d->refs == 0) {
    napi_delete_reference(env, d->ref);
    d->data = NULL;
    d->len = 0;
  }
  return NULL;
}

static napi_value js_local_port(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!only_int_arg(env, info, &fd)) return NULL;
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  if (fd < 0 || getsockname(fd, (struct sockaddr *)&a, &alen) != 0 || a.sin_family != AF_INET) return int_value(env, -1);
  return int_value(env, ntohs(a.sin_port));
}

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
  int32_t *rows = rows_data;
  uint8_t pad[MAX_PAYLOAD];
  int sent = 0;
  for (int i = 0; i < n; i++) {
    int32_t *row = rows + i * 4;
    int32_t fd = row[0], id = row[1], offset = row[2];
    if (fd < 0 || id < 0 || id >= s->count || s->sounds[id].refs <= 0 || offset < 0) {
      row[0] = -EINVAL;
      continue;
    }
    Sound *d = &s->sounds[id];
    struct iovec iov[3];
    int k = 0;
    iov[k].iov_base = (uint8_t *)headers + (size_t)i * HEADER;
    iov[k++].iov_len = HEADER;
    size_t have = (size_t)offset < d->len ? d->len - offset : 0;
    if (have > (size_t)plen) have = plen;
    if (have) {
      iov[k].iov_base = d->data + offset;
      iov[k++].iov_len = have;
    }
    if (have < (size_t)plen) {
      // The last packet of a sound: the rest is the codec's silence.
      memset(pad, row[3] & 0xff, plen - have);
      iov[k].iov_base = pad;
      iov[k++].iov_len = plen - have;
    }
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = iov;
    m.msg_iovlen = k;
    // Never block the pacer: a full socket buffer is reported, and the caller decides.
    ssize_t r;
    do r = sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0) row[0] = -errno;
    else sent++;
  }
  return int_value(env, sent);
}

NAPI_MODULE_INIT() {
  State *s = calloc(1, sizeof(State));
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
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}

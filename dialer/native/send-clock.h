/*
 * The send clock: a native thread that sends queued RTP packets at their due
 * time (see send-clock.c). The media thread's JS prepares each packet ahead of
 * time and queues it with its deadline; only this thread's wake-up decides
 * when the packet leaves, so JS, its event loop and its GC are off the timing path.
 */
#ifndef HATCH_SEND_CLOCK_H
#define HATCH_SEND_CLOCK_H
#include <stddef.h>
#include <stdint.h>

typedef struct SendClock SendClock;

/*
 * Start the thread: SCHED_FIFO at `rt` (1-99) when allowed, else nice `nice`;
 * it sleeps to `spin_us` before each deadline and spins the rest; batches go
 * through io_uring when `ring` and the kernel allow, else one send() each. `how` gets
 * what it runs at ("fifo 10", "nice -10", or the refusal). NULL when no thread.
 */
SendClock *send_clock_start(int rt, int nice, int spin_us, int ring, char *how, size_t how_len);
/* Stop and free (joins the thread; queued packets are dropped). */
void send_clock_stop(SendClock *c);
/* Queue packets: lock once, add each, unlock (and wake the thread if a deadline moved earlier). */
void send_clock_lock(SendClock *c);
/* Room for one packet of `len` bytes due at `due_ns` (CLOCK_MONOTONIC) from `fd`, or NULL when full. */
uint8_t *send_clock_add(SendClock *c, int fd, int64_t due_ns, size_t len);
void send_clock_unlock(SendClock *c);
/* The thread's media streams (streams.h), to change with the lock held. */
struct Streams;
typedef struct Streams Streams;
Streams *send_clock_streams(SendClock *c);
/* With the lock held: a deadline at `due` was added (unlock wakes the thread if it sleeps past it). */
void send_clock_note_due(SendClock *c, int64_t due);
/*
 * Hand `fd`'s queued packets to `to` (a socket on the same port), or drop them
 * when `to` < 0; on return no send to `fd` is pending or in flight.
 */
void send_clock_forget(SendClock *c, int fd, int to);
/*
 * Counters: packets sent, refused by the kernel, sent over 1 ms late; wake-ups; worst lateness (µs);
 * packets queued over 1 ms past their deadline already (the pacer was late, not this thread).
 */
void send_clock_stats(SendClock *c, double out[6]);
/* CLOCK_MONOTONIC in ns. */
int64_t send_clock_now(void);
#endif

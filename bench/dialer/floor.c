/*
 * The bench's floor: the best sender of the same packets we can build. K
 * connected UDP sockets from consecutive ports send a 172-byte RTP packet each
 * every 20 ms for `seconds`, their starts spread over 2 ms steps as the dialer's
 * pacer spreads them, from one thread that sleeps to each deadline with
 * clock_nanosleep(TIMER_ABSTIME), spins the last `spin-us` on the clock, and
 * sends what is due with one send() each. No event loop, no GC, no JS: what
 * jitter and CPU remain here are the host's.
 *
 * The thread runs at nice `nice`, or on SCHED_FIFO at `rt` (1-99) when that is
 * allowed (falling back to the nice value), with its memory locked so a page
 * fault never delays a deadline.
 *
 *   floor <sink-port> <calls> <seconds> <first-port> <nice> [rt] [spin-us]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Sleep until `spin` ns before `due`, then spin to it: the wake-up's own latency comes off the deadline. */
static void wait_until(int64_t due, int64_t spin) {
  int64_t sleep_to = due - spin;
  struct timespec ts = {.tv_sec = sleep_to / 1000000000, .tv_nsec = sleep_to % 1000000000};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
  }
  while (now_ns() < due) {
  }
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: floor <sink-port> <calls> <seconds> <first-port> <nice> [rt] [spin-us]\n");
    return 2;
  }
  int sink = atoi(argv[1]), k = atoi(argv[2]), seconds = atoi(argv[3]), first = atoi(argv[4]);
  int rt = argc > 6 ? atoi(argv[6]) : 0;
  int64_t spin = (argc > 7 ? atoi(argv[7]) : 0) * (int64_t)1000;
  setpriority(PRIO_PROCESS, 0, atoi(argv[5]));
  if (rt > 0) {
    struct sched_param sp = {.sched_priority = rt};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) perror("floor: SCHED_FIFO refused, nice only");
  }
  mlockall(MCL_CURRENT | MCL_FUTURE);
  int *fd = calloc(k, sizeof *fd);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(sink), .sin_addr.s_addr = htonl(0x7f000001)};
  for (int i = 0; i < k; i++) {
    fd[i] = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(first + 2 * i), .sin_addr.s_addr = htonl(0x7f000001)};
    // A port the system handed to someone else (the range may overlap the ephemeral ports): the odd one beside it.
    int bad = bind(fd[i], (void *)&me, sizeof me);
    if (bad) {
      me.sin_port = htons(first + 2 * i + 1);
      bad = bind(fd[i], (void *)&me, sizeof me);
    }
    if (bad || connect(fd[i], (void *)&to, sizeof to)) {
      perror("socket");
      return 1;
    }
  }
  uint8_t pkt[172];
  memset(pkt, 0xff, sizeof pkt);
  pkt[0] = 0x80;
  const int64_t interval = 20000000, grid = 2000000;
  int64_t t0 = (now_ns() / grid + 5) * grid;
  int packets = seconds * 50;
  // Stream i starts at t0 + (i % 10) * 2 ms: ten wake-ups per 20 ms, as the dialer's 2 ms grid.
  for (int n = 0; n < packets; n++) {
    for (int slot = 0; slot < 10; slot++) {
      wait_until(t0 + (int64_t)n * interval + slot * grid, spin);
      for (int i = slot; i < k; i += 10) {
        uint16_t seq = (uint16_t)n;
        uint32_t ts32 = htonl((uint32_t)n * 160), ssrc = htonl(0x100000 + i);
        pkt[2] = seq >> 8;
        pkt[3] = seq & 0xff;
        memcpy(pkt + 4, &ts32, 4);
        memcpy(pkt + 8, &ssrc, 4);
        send(fd[i], pkt, sizeof pkt, MSG_DONTWAIT);
      }
    }
  }
  return 0;
}

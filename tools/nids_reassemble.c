/*
 * nids_reassemble FILE [--dump DIR] [--max-streams N]
 *
 * The reference side of the differential reassembly test and of the
 * reassembly benchmark: libnids (Debian's libnids-dev 1.26) reassembles every
 * IPv4 TCP connection of a capture file and we count, and optionally dump,
 * the bytes it delivers per direction. Only tests and benchmarks use it; the
 * sensor never links libnids.
 *
 * Output: exactly one line on stdout, "streams=N bytes=M" (N connections
 * libnids followed, M bytes delivered in both directions). Warnings libnids
 * raised are summarised on stderr so stdout stays machine-readable.
 *
 * With --dump DIR, each direction's bytes go to
 *   DIR/<client_ip>.<client_port>-<server_ip>.<server_port>.c2s   (received by the server)
 *   DIR/<client_ip>.<client_port>-<server_ip>.<server_port>.s2c   (received by the client)
 * The second stream with data on the same 4-tuple gets the stem suffix ".2",
 * the third ".3", and so on. A stream is numbered when it first delivers
 * data, not when it is established, because rcds only dumps flows that carry
 * payload: numbering the same set of streams keeps the two sides' occurrence
 * orders comparable.
 *
 * What libnids does not do, by design (the differential test encodes these):
 * - it follows only IPv4, and only connections whose SYN, SYN-ACK and ACK it
 *   saw (no mid-stream pickup);
 * - it never skips a hole: a direction stops at the first missing byte.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <nids.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Occurrences of each 4-tuple that already delivered data (--dump only). */
struct tuple_count {
  struct tuple4 key;
  unsigned count;
  int used;
};

static struct {
  const char* dump_dir;
  unsigned long long streams;
  unsigned long long bytes;
  unsigned long long warnings[NIDS_WARN_TCP_BADFLAGS + 1];
  int io_error;
  struct stream_state* states;
  struct tuple_count* table;
  size_t table_size; /* a power of two */
  size_t table_used;
} g;

/* Per-stream state while dumping: the file stem, set at the first data.
 * Kept on a list and freed at exit, not in the callback: libnids drops a
 * connection replaced by a new SYN (tcp_flow_timeout) without telling us. */
struct stream_state {
  char stem[96];
  struct stream_state* next;
};

static void out_of_memory(const char* where) {
  fprintf(stderr, "nids_reassemble: out of memory (%s)\n", where);
  exit(2);
}

static size_t tuple_hash(const struct tuple4* t) {
  uint64_t h = ((uint64_t)t->saddr << 32 | t->daddr) * 0x9E3779B97F4A7C15ull;
  h ^= ((uint64_t)t->source << 16 | t->dest) * 0xC2B2AE3D27D4EB4Full;
  return (size_t)(h ^ (h >> 29));
}

static int tuple_equal(const struct tuple4* a, const struct tuple4* b) {
  return a->saddr == b->saddr && a->daddr == b->daddr && a->source == b->source &&
         a->dest == b->dest;
}

static struct tuple_count* tuple_slot(struct tuple_count* table, size_t size,
                                      const struct tuple4* key) {
  size_t i = tuple_hash(key) & (size - 1);
  while (table[i].used && !tuple_equal(&table[i].key, key)) i = (i + 1) & (size - 1);
  return &table[i];
}

/* Returns how many streams of this 4-tuple delivered data before, plus one. */
static unsigned next_occurrence(const struct tuple4* key) {
  if (2 * (g.table_used + 1) > g.table_size) {
    const size_t size = g.table_size == 0 ? 1024 : 2 * g.table_size;
    struct tuple_count* table = calloc(size, sizeof *table);
    if (table == NULL) out_of_memory("tuple table");
    for (size_t i = 0; i < g.table_size; i++) {
      if (g.table[i].used) *tuple_slot(table, size, &g.table[i].key) = g.table[i];
    }
    free(g.table);
    g.table = table;
    g.table_size = size;
  }
  struct tuple_count* slot = tuple_slot(g.table, g.table_size, key);
  if (!slot->used) {
    slot->used = 1;
    slot->key = *key;
    g.table_used++;
  }
  return ++slot->count;
}

static void name_stream(struct stream_state* state, const struct tuple4* addr) {
  char client[INET_ADDRSTRLEN];
  char server[INET_ADDRSTRLEN];
  struct in_addr a;
  a.s_addr = addr->saddr;
  inet_ntop(AF_INET, &a, client, sizeof client);
  a.s_addr = addr->daddr;
  inet_ntop(AF_INET, &a, server, sizeof server);
  const unsigned occurrence = next_occurrence(addr);
  if (occurrence == 1) {
    snprintf(state->stem, sizeof state->stem, "%s.%u-%s.%u", client, addr->source, server,
             addr->dest);
  } else {
    snprintf(state->stem, sizeof state->stem, "%s.%u-%s.%u.%u", client, addr->source, server,
             addr->dest, occurrence);
  }
}

static void append(const struct stream_state* state, const char* suffix, const void* data,
                   size_t length) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.%s", g.dump_dir, state->stem, suffix);
  /* Opened per write: the benchmark runs 100k concurrent flows, more than
   * the descriptors a process may keep open. */
  FILE* f = fopen(path, "ab");
  if (f == NULL || fwrite(data, 1, length, f) != length) g.io_error = errno;
  if (f != NULL && fclose(f) != 0) g.io_error = errno;
}

/* New bytes in one half: libnids keeps only undiscarded data in the buffer
 * and we never discard, so the buffer holds exactly the count_new new bytes
 * (or, for urgent data, the single byte urgdata). */
static void deliver(struct tcp_stream* a_tcp, struct stream_state* state, struct half_stream* half,
                    const char* suffix) {
  const int urgent = half->count_new_urg != 0;
  const size_t length = urgent ? 1 : (size_t)half->count_new;
  if (length == 0) return;
  g.bytes += length;
  if (state == NULL) return;
  if (state->stem[0] == '\0') name_stream(state, &a_tcp->addr);
  if (urgent) {
    append(state, suffix, &half->urgdata, 1);
  } else {
    append(state, suffix, half->data, length);
  }
}

static void on_tcp(struct tcp_stream* a_tcp, void** param) {
  switch (a_tcp->nids_state) {
    case NIDS_JUST_EST: {
      g.streams++;
      a_tcp->client.collect++;
      a_tcp->server.collect++;
      /* libnids takes the urgent byte out of the stream and reports it
       * separately, in order; the stacks we observe (and rcds) keep it
       * inline (RFC 6093), so collect it and append it where it was. */
      a_tcp->client.collect_urg++;
      a_tcp->server.collect_urg++;
      struct stream_state* state = NULL;
      if (g.dump_dir != NULL) {
        state = calloc(1, sizeof *state);
        if (state == NULL) out_of_memory("stream state");
        state->next = g.states;
        g.states = state;
      }
      *param = state;
      return;
    }
    case NIDS_DATA:
      /* a_tcp->server receives what the client sends. */
      deliver(a_tcp, *param, &a_tcp->server, "c2s");
      deliver(a_tcp, *param, &a_tcp->client, "s2c");
      return;
    default: /* NIDS_CLOSE, NIDS_RESET, NIDS_TIMED_OUT, NIDS_EXITING */
      return;
  }
}

/* Replaces nids_syslog, which would write every warning to syslog. */
static void count_warning(int type, int error, struct ip* iph, void* data) {
  (void)iph;
  (void)data;
  /* IP (1..5) and TCP (6..9) warning numbers do not overlap; scan
   * warnings cannot occur with scan detection off. */
  if ((type == NIDS_WARN_IP || type == NIDS_WARN_TCP) && error >= 0 &&
      error <= NIDS_WARN_TCP_BADFLAGS) {
    g.warnings[error]++;
  } else {
    g.warnings[NIDS_WARN_UNDEFINED]++;
  }
}

/* libnids verifies IPv4 header checksums unconditionally (nids_chksum_ctl
 * covers only TCP/UDP), and some captures carry zeroed ones (anonymised or
 * offloaded). ip_filter sees the header before that check, in the capture
 * buffer, so recomputing the checksum there switches the check off without
 * changing anything libnids reassembles. */
static int fix_ip_checksum(struct ip* iph, int len) {
  /* Byte access only: after a 14-byte Ethernet header the IP header is not
   * 4-byte aligned, so struct ip members must not be read. */
  unsigned char* p = (unsigned char*)iph;
  const int header = 4 * (p[0] & 0x0F);
  if (len < (int)sizeof(struct ip) || (p[0] >> 4) != 4 || header < 20 || len < header) {
    return 1; /* libnids rejects it itself */
  }
  uint32_t sum = 0;
  p[10] = p[11] = 0;
  for (int i = 0; i < header; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  p[10] = (unsigned char)(~sum >> 8);
  p[11] = (unsigned char)~sum;
  return 1;
}

static int usage(void) {
  fprintf(stderr, "usage: nids_reassemble FILE [--dump DIR] [--max-streams N]\n");
  return 2;
}

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  char* file = argv[1];
  /* The hash table must hold every concurrent connection: libnids follows at
   * most 3/4 of it and silently evicts the oldest beyond that. 1<<18 follows
   * 196k connections (about 60 MB, allocated up front). */
  long max_streams = 1L << 18;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
      g.dump_dir = argv[++i];
    } else if (strcmp(argv[i], "--max-streams") == 0 && i + 1 < argc) {
      max_streams = strtol(argv[++i], NULL, 10);
      if (max_streams < 1 || max_streams > (1L << 26)) return usage();
    } else {
      return usage();
    }
  }
  if (g.dump_dir != NULL && mkdir(g.dump_dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "nids_reassemble: %s: %s\n", g.dump_dir, strerror(errno));
    return 1;
  }

  nids_params.filename = file;
  nids_params.device = NULL;
  nids_params.pcap_filter = NULL;
  nids_params.scan_num_hosts = 0; /* no port-scan detection */
  nids_params.n_tcp_streams = (int)(max_streams * 4 / 3 + 1);
  nids_params.n_hosts = 1 << 16; /* IP defragmentation hash */
  nids_params.syslog = count_warning;
  nids_params.ip_filter = fix_ip_checksum;
  /* In 1.26 tcp_workarounds only adds a 10 s (capture time) timeout that
   * frees a connection whose two FINs were seen but one of them waits behind
   * a hole that will never be filled. It changes no delivered byte; it lets
   * a later connection on the same 4-tuple be followed (otherwise its SYN
   * hits the stuck stream and is ignored), as rcds follows it. */
  nids_params.tcp_workarounds = 1;
  /* When both FINs wait behind holes, not even that timeout applies: the
   * connection stays until tcp_flow_timeout (1 h by default) has passed
   * since its handshake, and until then a new SYN from the client on the
   * same 4-tuple is ignored. 10 s lets libnids follow a reused 4-tuple as
   * rcds does; the only other effect is that a client SYN on a connection
   * older than 10 s replaces it, which a live connection never sees. */
  nids_params.tcp_flow_timeout = 10;

  /* Captures from the sending host carry offloaded (wrong) TCP checksums;
   * rcds does not verify them by default either. A zero mask matches every
   * address. */
  static struct nids_chksum_ctl no_checksums = {0, 0, NIDS_DONT_CHKSUM, 0};
  nids_register_chksum_ctl(&no_checksums, 1);

  if (!nids_init()) {
    fprintf(stderr, "nids_reassemble: %s: %s\n", file, nids_errbuf);
    return 1;
  }
  /* nids_register_tcp takes the callback as void*; ISO C has no conversion
   * from a function pointer to void*, so copy the representation (POSIX
   * guarantees they are the same size, as dlsym relies on). */
  void (*callback)(struct tcp_stream*, void**) = on_tcp;
  void* callback_object;
  _Static_assert(sizeof callback == sizeof callback_object, "function and object pointers");
  memcpy(&callback_object, &callback, sizeof callback_object);
  nids_register_tcp(callback_object);

  nids_run();
  nids_exit();
  free(g.table);
  while (g.states != NULL) {
    struct stream_state* next = g.states->next;
    free(g.states);
    g.states = next;
  }

  static const char* const names[] = {"other",
                                      "IP datagram too large",
                                      "invalid IP fragment list",
                                      "overlapping IP fragments",
                                      "bad IP header",
                                      "IP source routing",
                                      "too many connections (oldest evicted)",
                                      "bad TCP header",
                                      "queue over 64 KiB (pruned: that direction stops)",
                                      "bad TCP flags"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (g.warnings[i] != 0) {
      fprintf(stderr, "nids_reassemble: libnids warning x%llu: %s\n", g.warnings[i], names[i]);
    }
  }
  printf("streams=%llu bytes=%llu\n", g.streams, g.bytes);
  if (g.io_error != 0) {
    fprintf(stderr, "nids_reassemble: writing to %s: %s\n", g.dump_dir, strerror(g.io_error));
    return 1;
  }
  return 0;
}

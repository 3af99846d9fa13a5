/* Batched UDP receive and send for a selected ICE pair, beside libnice rather than through it.
 * libnice 0.1.21 reads each datagram with its own recvmsg (and a GSocketAddress per datagram);
 * this opens a sibling socket on the same local address and port, joins both to one SO_REUSEPORT
 * group and attaches a classic BPF program that steers STUN (first byte 0-3, RFC 7983) to
 * libnice's socket and everything else (DTLS, RTP, RTCP) to the sibling, which is read with
 * recvmmsg. libnice keeps answering connectivity and consent checks on its own socket; closing
 * the sibling returns every datagram to libnice. Worker thread only; called by ice.c. */
#pragma once
#include <glib.h>
#include <nice/agent.h>
#include <sys/socket.h>

/* Receive buffers for one worker, shared by its transports: a batch is read and handed up
 * before the next one is read, so one set of buffers per thread is enough. */
typedef struct ArUdpBatch ArUdpBatch;

ArUdpBatch *ar_udp_batch_new(guint n_messages);
void ar_udp_batch_free(ArUdpBatch *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArUdpBatch, ar_udp_batch_free)

/* After ar_udp_fast_recv returned n > 0: the i-th accepted datagram (i < n), writable in place
 * and valid until the next receive into this batch. */
guint8 *ar_udp_batch_packet(ArUdpBatch *b, guint i, gsize *len);

typedef struct ArUdpFast ArUdpFast;

typedef struct {
  guint64 received;          /* datagrams handed up */
  guint64 batches;           /* recvmmsg calls that returned at least one datagram */
  guint64 dropped_foreign;   /* from an address other than the selected remote candidate */
  guint64 dropped_truncated; /* longer than a pool buffer */
} ArUdpFastStats;

/* Splits media off shared_fd, a bound UDP socket libnice reads (it gets SO_REUSEPORT set).
 * peer: the selected remote candidate; datagrams from anywhere else are dropped. */
ArUdpFast *ar_udp_fast_new(int shared_fd, const struct sockaddr *peer, socklen_t peer_len,
                           GError **error);
void ar_udp_fast_free(ArUdpFast *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArUdpFast, ar_udp_fast_free)

/* The sibling socket, to poll for G_IO_IN. */
int ar_udp_fast_fd(const ArUdpFast *f);
/* The socket libnice reads, as given to ar_udp_fast_new. */
int ar_udp_fast_shared_fd(const ArUdpFast *f);
/* The selected pair moved to another remote address on the same local socket. */
void ar_udp_fast_set_peer(ArUdpFast *f, const struct sockaddr *peer, socklen_t peer_len);

/* One recvmmsg into b. Returns how many datagrams were accepted (0: nothing waiting, or all
 * dropped), -1 on a socket error. Fills at most the batch's size: call again while it returns
 * that many. */
int ar_udp_fast_recv(ArUdpFast *f, ArUdpBatch *b);
guint ar_udp_batch_size(const ArUdpBatch *b);

/* Sends to the peer with sendmmsg. Returns how many datagrams the kernel took. */
int ar_udp_fast_send(ArUdpFast *f, const NiceOutputMessage *msgs, guint n);

void ar_udp_fast_stats(const ArUdpFast *f, ArUdpFastStats *out);

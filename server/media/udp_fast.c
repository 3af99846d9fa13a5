/* The sibling socket and its steering program; see udp_fast.h for why it exists. */
#include "udp_fast.h"

#include "pool.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

#define SEND_CHUNK 64

#define AR_UDP_FAST_ERROR (ar_udp_fast_error_quark())
G_DEFINE_QUARK(ar - udp - fast - error - quark, ar_udp_fast_error)

/* GLib's vectors are laid out as struct iovec on every Unix (gsocket.c casts them the same way),
 * so messages go to sendmmsg without a copy. */
G_STATIC_ASSERT(sizeof(GOutputVector) == sizeof(struct iovec));
G_STATIC_ASSERT(G_STRUCT_OFFSET(GOutputVector, size) == G_STRUCT_OFFSET(struct iovec, iov_len));

struct ArUdpBatch {
  guint n;
  guint8 *slab;
  struct mmsghdr *hdrs;
  struct iovec *iov;
  struct sockaddr_storage *from;
  guint *accepted; /* indexes into hdrs of the datagrams handed up */
};

struct ArUdpFast {
  int fd, shared_fd;
  struct sockaddr_storage peer;
  socklen_t peer_len;
  ArUdpFastStats stats;
};

ArUdpBatch *
ar_udp_batch_new(guint n_messages)
{
  ArUdpBatch *b = g_new0(ArUdpBatch, 1);
  b->n = MAX(n_messages, 1);
  if (posix_memalign((void **)&b->slab, 64, (gsize)b->n * AR_PACKET_CAP) != 0)
    g_error("out of memory for %u receive buffers", b->n);
  b->hdrs = g_new0(struct mmsghdr, b->n);
  b->iov = g_new0(struct iovec, b->n);
  b->from = g_new0(struct sockaddr_storage, b->n);
  b->accepted = g_new0(guint, b->n);
  for (guint i = 0; i < b->n; i++) {
    b->iov[i] = (struct iovec){b->slab + (gsize)i * AR_PACKET_CAP, AR_PACKET_CAP};
    b->hdrs[i].msg_hdr.msg_iov = &b->iov[i];
    b->hdrs[i].msg_hdr.msg_iovlen = 1;
    b->hdrs[i].msg_hdr.msg_name = &b->from[i];
  }
  return b;
}

void
ar_udp_batch_free(ArUdpBatch *b)
{
  if (!b)
    return;
  free(b->slab);
  g_free(b->hdrs);
  g_free(b->iov);
  g_free(b->from);
  g_free(b->accepted);
  g_free(b);
}

guint
ar_udp_batch_size(const ArUdpBatch *b)
{
  return b->n;
}

guint8 *
ar_udp_batch_packet(ArUdpBatch *b, guint i, gsize *len)
{
  guint k = b->accepted[i];
  *len = b->hdrs[k].msg_len;
  return b->iov[k].iov_base;
}

/* socks[0] of the group is libnice's socket (it was there first: the kernel creates the group
 * around it when the sibling binds), socks[1] the sibling. The program sees the UDP payload. An
 * empty datagram fails the load, which returns 0: libnice. */
static const struct sock_filter steer[] = {
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 4, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, 0),
    BPF_STMT(BPF_RET | BPF_K, 1),
};

static gboolean
fail(GError **error, const char *what)
{
  int e = errno;
  g_set_error(error, AR_UDP_FAST_ERROR, e, "batched receive: %s: %s", what, g_strerror(e));
  return FALSE;
}

ArUdpFast *
ar_udp_fast_new(int shared_fd, const struct sockaddr *peer, socklen_t peer_len, GError **error)
{
  struct sockaddr_storage local;
  socklen_t local_len = sizeof local;
  int one = 1;
  if (getsockname(shared_fd, (struct sockaddr *)&local, &local_len) != 0) {
    fail(error, "getsockname");
    return NULL;
  }
  int type = 0;
  socklen_t type_len = sizeof type;
  if (getsockopt(shared_fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_DGRAM) {
    g_set_error(error, AR_UDP_FAST_ERROR, 0, "batched receive: not a UDP socket");
    return NULL;
  }
  g_autoptr(ArUdpFast) f = g_new0(ArUdpFast, 1);
  f->shared_fd = shared_fd;
  f->fd = socket(local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (f->fd < 0) {
    fail(error, "socket");
    return NULL;
  }
  struct sock_fprog prog = {G_N_ELEMENTS(steer), (struct sock_filter *)steer};
  if (local.ss_family == AF_INET6)
    setsockopt(f->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  /* libnice's socket must carry SO_REUSEPORT for the sibling's bind to join it; the kernel reads
   * the flag at the sibling's bind, so setting it after libnice bound is enough. */
  if (setsockopt(shared_fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      setsockopt(f->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    return fail(error, "SO_REUSEPORT"), NULL;
  if (bind(f->fd, (struct sockaddr *)&local, local_len) != 0)
    return fail(error, "bind"), NULL;
  if (setsockopt(f->fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) != 0)
    return fail(error, "SO_ATTACH_REUSEPORT_CBPF"), NULL;
  ar_udp_fast_set_peer(f, peer, peer_len);
  return g_steal_pointer(&f);
}

void
ar_udp_fast_free(ArUdpFast *f)
{
  if (!f)
    return;
  if (f->fd >= 0)
    close(f->fd); /* the group shrinks to libnice's socket, which gets every datagram again */
  g_free(f);
}

int
ar_udp_fast_fd(const ArUdpFast *f)
{
  return f->fd;
}

int
ar_udp_fast_shared_fd(const ArUdpFast *f)
{
  return f->shared_fd;
}

void
ar_udp_fast_set_peer(ArUdpFast *f, const struct sockaddr *peer, socklen_t peer_len)
{
  memset(&f->peer, 0, sizeof f->peer);
  f->peer_len = MIN(peer_len, (socklen_t)sizeof f->peer);
  memcpy(&f->peer, peer, f->peer_len);
}

static gboolean
same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
  if (a->ss_family != b->ss_family)
    return FALSE;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port &&
           memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  return FALSE;
}

int
ar_udp_fast_recv(ArUdpFast *f, ArUdpBatch *b)
{
  for (guint i = 0; i < b->n; i++)
    b->hdrs[i].msg_hdr.msg_namelen = sizeof b->from[i];
  int got = recvmmsg(f->fd, b->hdrs, b->n, MSG_DONTWAIT, NULL);
  if (got < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
  if (got > 0)
    f->stats.batches++;
  guint n = 0;
  for (int i = 0; i < got; i++) {
    struct msghdr *h = &b->hdrs[i].msg_hdr;
    if (h->msg_flags & MSG_TRUNC)
      f->stats.dropped_truncated++;
    else if (!same_address(&b->from[i], &f->peer))
      f->stats.dropped_foreign++;
    else
      b->accepted[n++] = (guint)i;
  }
  f->stats.received += n;
  return (int)n;
}

int
ar_udp_fast_send(ArUdpFast *f, const NiceOutputMessage *msgs, guint n)
{
  struct mmsghdr hdrs[SEND_CHUNK];
  guint sent = 0;
  while (sent < n) {
    guint k = MIN(n - sent, SEND_CHUNK);
    for (guint i = 0; i < k; i++) {
      const NiceOutputMessage *m = &msgs[sent + i];
      hdrs[i] = (struct mmsghdr){0};
      hdrs[i].msg_hdr.msg_name = &f->peer;
      hdrs[i].msg_hdr.msg_namelen = f->peer_len;
      hdrs[i].msg_hdr.msg_iov = (struct iovec *)m->buffers;
      gint nb = m->n_buffers;
      if (nb < 0) /* NULL-terminated vector */
        for (nb = 0; m->buffers[nb].buffer; nb++)
          ;
      hdrs[i].msg_hdr.msg_iovlen = (size_t)nb;
    }
    int r = sendmmsg(f->fd, hdrs, k, MSG_DONTWAIT);
    if (r <= 0)
      break; /* full socket buffer: the rest is dropped, as libnice's non-blocking send does */
    sent += (guint)r;
  }
  return (int)sent;
}

void
ar_udp_fast_stats(const ArUdpFast *f, ArUdpFastStats *out)
{
  *out = f->stats;
}

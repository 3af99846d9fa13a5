/* floor_bench: the least work any SFU must do to forward one SRTP packet, measured on this
 * machine: recvmmsg a batch from a loopback UDP socket, SRTP-unprotect each packet
 * (AEAD_AES_128_GCM through server/media/srtp.c with the OpenSSL types installed), rewrite the
 * SSRC and sequence number for each receiver, protect again with that receiver's session, and
 * sendmmsg the batch. No routing, no RTCP, no timers, no locks. The forwarder's thread CPU time
 * divided by packets delivered is the floor that anteroom's ns per forwarded packet is compared
 * with (bench/run: ratio_vs_floor).
 *
 * The packet mix is the load generator's: per participant 50 pkt/s of 100-byte audio and 150
 * pkt/s of 1,200-byte video, i.e. one audio to three video packets. --fanout F delivers each
 * received packet to F receivers (2 in a three-party visit, 1 for an echo).
 *
 * Usage: floor_bench [--packets N] [--fanout F] [--batch B]; prints one JSON line. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "srtp.h"
#include "srtp_openssl.h"

#define MAX_BATCH 64
#define MAX_FANOUT 4
#define CAP 1500

static gint64
thread_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
udp_socket(struct sockaddr_in *addr)
{
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int big = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0)
    return -1;
  socklen_t l = sizeof *addr;
  getsockname(fd, (struct sockaddr *)addr, &l);
  return fd;
}

static ArSrtpSession *
session(const guint8 *km, gboolean client)
{
  g_autoptr(GError) error = NULL;
  ArSrtpSession *s = ar_srtp_session_new(AR_SRTP_AEAD_AES_128_GCM, km, 56, client, &error);
  if (!s) {
    fprintf(stderr, "floor_bench: %s\n", error->message);
    exit(1);
  }
  return s;
}

int
main(int argc, char **argv)
{
  int packets = 200000, fanout = 1, batch = 32;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--packets"))
      packets = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--fanout"))
      fanout = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--batch"))
      batch = atoi(argv[i + 1]);
  }
  if (fanout < 1 || fanout > MAX_FANOUT || batch < 1 || batch > MAX_BATCH || packets < batch) {
    fprintf(stderr, "usage: floor_bench [--packets N] [--fanout 1-4] [--batch 1-64]\n");
    return 2;
  }
  g_autoptr(GError) error = NULL;
  if (!ar_srtp_init(&error) || !ar_srtp_openssl_install(&error)) {
    fprintf(stderr, "floor_bench: %s\n", error->message);
    return 1;
  }
  guint8 km_in[56], km_out[MAX_FANOUT][56];
  for (gsize i = 0; i < sizeof km_in; i++)
    km_in[i] = (guint8)g_random_int();
  for (int f = 0; f < MAX_FANOUT; f++)
    for (gsize i = 0; i < 56; i++)
      km_out[f][i] = (guint8)g_random_int();
  ArSrtpSession *sender = session(km_in, TRUE);
  ArSrtpSession *rx = session(km_in, FALSE);
  ArSrtpSession *tx[MAX_FANOUT];
  for (int f = 0; f < fanout; f++)
    tx[f] = session(km_out[f], FALSE);

  struct sockaddr_in a_src, a_fwd, a_sink;
  int src = udp_socket(&a_src), fwd = udp_socket(&a_fwd), sink = udp_socket(&a_sink);
  if (src < 0 || fwd < 0 || sink < 0) {
    perror("floor_bench: socket");
    return 1;
  }
  connect(src, (struct sockaddr *)&a_fwd, sizeof a_fwd);

  static guint8 inbuf[MAX_BATCH][CAP], outbuf[MAX_BATCH * MAX_FANOUT][CAP], pkt[CAP], drain[CAP];
  struct mmsghdr in[MAX_BATCH], out[MAX_BATCH * MAX_FANOUT];
  struct iovec in_iov[MAX_BATCH], out_iov[MAX_BATCH * MAX_FANOUT];
  guint16 out_seq[MAX_FANOUT] = {0};
  guint64 seq = 0, delivered = 0, received = 0;
  gint64 cpu = 0, bytes = 0;

  while ((int)received < packets) {
    /* Untimed: the source protects and sends one batch (one audio packet to three video). */
    for (int i = 0; i < batch; i++, seq++) {
      gboolean video = seq % 4 != 0;
      gsize payload = video ? 1200 : 100;
      memset(pkt, 0, 12 + payload);
      pkt[0] = 0x80;
      pkt[1] = video ? 96 : 111;
      ar_put_be16(pkt + 2, (guint16)seq);
      ar_put_be32(pkt + 4, (guint32)(seq * 960));
      ar_put_be32(pkt + 8, video ? 0x1111 : 0x2222);
      gsize len = 12 + payload;
      if (ar_srtp_protect_rtp(sender, pkt, &len, CAP) != AR_SRTP_OK)
        return 1;
      send(src, pkt, len, 0);
    }
    /* Timed: the forwarder. */
    gint64 t0 = thread_ns();
    for (int i = 0; i < batch; i++) {
      in_iov[i] = (struct iovec){inbuf[i], CAP};
      in[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &in_iov[i], .msg_iovlen = 1}};
    }
    int n = recvmmsg(fwd, in, (unsigned)batch, MSG_WAITFORONE, NULL);
    int o = 0;
    for (int i = 0; i < n; i++) {
      gsize len = in[i].msg_len;
      if (ar_srtp_unprotect_rtp(rx, inbuf[i], &len) != AR_SRTP_OK)
        continue;
      received++;
      for (int f = 0; f < fanout; f++, o++) {
        memcpy(outbuf[o], inbuf[i], len);
        ar_put_be32(outbuf[o] + 8, 0xabc0 + (guint32)f);
        ar_put_be16(outbuf[o] + 2, out_seq[f]++);
        gsize olen = len;
        if (ar_srtp_protect_rtp(tx[f], outbuf[o], &olen, CAP) != AR_SRTP_OK)
          return 1;
        out_iov[o] = (struct iovec){outbuf[o], olen};
        out[o] = (struct mmsghdr){.msg_hdr = {.msg_name = &a_sink,
                                              .msg_namelen = sizeof a_sink,
                                              .msg_iov = &out_iov[o],
                                              .msg_iovlen = 1}};
        bytes += (gint64)olen;
      }
    }
    int sent = o ? sendmmsg(fwd, out, (unsigned)o, 0) : 0;
    cpu += thread_ns() - t0;
    delivered += sent > 0 ? (guint64)sent : 0;
    /* Untimed: the sink drains. */
    while (recv(sink, drain, sizeof drain, MSG_DONTWAIT) > 0)
      ;
  }
  printf("{\"floor_ns_per_forwarded_packet\":%.1f,\"fanout\":%d,\"batch\":%d,"
         "\"received\":%" G_GUINT64_FORMAT ",\"delivered\":%" G_GUINT64_FORMAT
         ",\"profile\":\"SRTP_AEAD_AES_128_GCM\",\"backend\":\"openssl\"}\n",
         delivered ? (double)cpu / (double)delivered : 0.0, fanout, batch, received, delivered);
  ar_srtp_session_free(sender);
  ar_srtp_session_free(rx);
  for (int f = 0; f < fanout; f++)
    ar_srtp_session_free(tx[f]);
  close(src);
  close(fwd);
  close(sink);
  return 0;
}

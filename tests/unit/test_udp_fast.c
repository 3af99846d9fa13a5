/* Unit tests for udp_fast.c and its use in ice.c: STUN stays on the socket libnice reads while
 * DTLS/RTP/RTCP reach the sibling in batches; foreign sources and oversized datagrams are
 * dropped; closing the sibling gives libnice everything back; sends leave from the shared port;
 * and a real libnice peer connects to an ArIce whose media then takes the batched path. */
#include "ice.h"
#include "pool.h"
#include "udp_fast.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

static int
udp_bound(struct sockaddr_in *addr)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  g_assert_cmpint(fd, >=, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof a), ==, 0);
  socklen_t len = sizeof *addr;
  g_assert_cmpint(getsockname(fd, (struct sockaddr *)addr, &len), ==, 0);
  return fd;
}

static void
send_byte_led(int from, const struct sockaddr_in *to, guint8 first, gsize len)
{
  guint8 buf[2048];
  memset(buf, 0xAB, sizeof buf);
  buf[0] = first;
  g_assert_cmpint(sendto(from, buf, len, 0, (const struct sockaddr *)to, sizeof *to), ==,
                  (gssize)len);
}

/* Waits until fd is readable (loopback delivery is synchronous, but be generous). */
static void
wait_readable(int fd)
{
  fd_set s;
  FD_ZERO(&s);
  FD_SET(fd, &s);
  struct timeval tv = {2, 0};
  g_assert_cmpint(select(fd + 1, &s, NULL, NULL, &tv), ==, 1);
}

static int
drain_plain(int fd, guint8 *first_bytes, int max)
{
  int n = 0;
  guint8 buf[2048];
  gssize r;
  while ((r = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) >= 0)
    if (n < max)
      first_bytes[n++] = r > 0 ? buf[0] : 0xFF;
  g_assert_cmpint(errno, ==, EAGAIN);
  return n;
}

typedef struct {
  int shared, peer, stranger;
  struct sockaddr_in shared_addr, peer_addr, stranger_addr;
  ArUdpFast *fast;
  ArUdpBatch *batch;
} Fixture;

static void
setup(Fixture *fx, gconstpointer data)
{
  fx->shared = udp_bound(&fx->shared_addr); /* as libnice binds: no SO_REUSEPORT */
  fx->peer = udp_bound(&fx->peer_addr);
  fx->stranger = udp_bound(&fx->stranger_addr);
  g_autoptr(GError) error = NULL;
  fx->fast =
      ar_udp_fast_new(fx->shared, (struct sockaddr *)&fx->peer_addr, sizeof fx->peer_addr, &error);
  g_assert_no_error(error);
  fx->batch = ar_udp_batch_new(32);
}

static void
teardown(Fixture *fx, gconstpointer data)
{
  ar_udp_fast_free(fx->fast);
  ar_udp_batch_free(fx->batch);
  close(fx->shared);
  close(fx->peer);
  close(fx->stranger);
}

static void
test_steering(Fixture *fx, gconstpointer data)
{
  const guint8 leads[] = {0x00, 0x80, 0x01, 0x16, 0x81, 0x03, 0x90};
  for (guint i = 0; i < G_N_ELEMENTS(leads); i++)
    send_byte_led(fx->peer, &fx->shared_addr, leads[i], 100);
  wait_readable(ar_udp_fast_fd(fx->fast));
  int n = ar_udp_fast_recv(fx->fast, fx->batch);
  g_assert_cmpint(n, ==, 4);
  const guint8 want[] = {0x80, 0x16, 0x81, 0x90}; /* RTP, DTLS, RTCP, RTP: in order */
  for (int i = 0; i < n; i++) {
    gsize len;
    guint8 *p = ar_udp_batch_packet(fx->batch, (guint)i, &len);
    g_assert_cmpuint(len, ==, 100);
    g_assert_cmphex(p[0], ==, want[i]);
    g_assert_cmphex(p[1], ==, 0xAB);
  }
  guint8 firsts[8];
  g_assert_cmpint(drain_plain(fx->shared, firsts, 8), ==, 3); /* the three STUN datagrams */
  g_assert_cmphex(firsts[0], ==, 0x00);
  g_assert_cmphex(firsts[1], ==, 0x01);
  g_assert_cmphex(firsts[2], ==, 0x03);
  g_assert_cmpint(ar_udp_fast_recv(fx->fast, fx->batch), ==, 0);
}

static void
test_batches_and_drops(Fixture *fx, gconstpointer data)
{
  for (int i = 0; i < 40; i++)
    send_byte_led(fx->peer, &fx->shared_addr, 0x80, 1200);
  send_byte_led(fx->stranger, &fx->shared_addr, 0x80, 1200);
  send_byte_led(fx->peer, &fx->shared_addr, 0x80, AR_PACKET_CAP + 100);
  wait_readable(ar_udp_fast_fd(fx->fast));
  g_assert_cmpint(ar_udp_fast_recv(fx->fast, fx->batch), ==, 32);
  g_assert_cmpint(ar_udp_fast_recv(fx->fast, fx->batch), ==, 8);
  g_assert_cmpint(ar_udp_fast_recv(fx->fast, fx->batch), ==, 0);
  ArUdpFastStats st;
  ar_udp_fast_stats(fx->fast, &st);
  g_assert_cmpuint(st.received, ==, 40);
  g_assert_cmpuint(st.batches, ==, 2);
  g_assert_cmpuint(st.dropped_foreign, ==, 1);
  g_assert_cmpuint(st.dropped_truncated, ==, 1);

  /* The selected pair moves: the old address becomes foreign. */
  ar_udp_fast_set_peer(fx->fast, (struct sockaddr *)&fx->stranger_addr, sizeof fx->stranger_addr);
  send_byte_led(fx->peer, &fx->shared_addr, 0x80, 200);
  send_byte_led(fx->stranger, &fx->shared_addr, 0x80, 300);
  wait_readable(ar_udp_fast_fd(fx->fast));
  g_assert_cmpint(ar_udp_fast_recv(fx->fast, fx->batch), ==, 1);
  gsize len;
  ar_udp_batch_packet(fx->batch, 0, &len);
  g_assert_cmpuint(len, ==, 300);
}

static void
test_close_returns_everything(Fixture *fx, gconstpointer data)
{
  g_clear_pointer(&fx->fast, ar_udp_fast_free);
  send_byte_led(fx->peer, &fx->shared_addr, 0x80, 100);
  send_byte_led(fx->peer, &fx->shared_addr, 0x00, 100);
  wait_readable(fx->shared);
  guint8 firsts[4];
  g_assert_cmpint(drain_plain(fx->shared, firsts, 4), ==, 2);
  g_assert_cmphex(firsts[0], ==, 0x80);
}

static void
test_send_from_shared_port(Fixture *fx, gconstpointer data)
{
  guint8 a[100] = {0x80}, b[1200] = {0x81};
  GOutputVector v[2] = {{a, sizeof a}, {b, sizeof b}};
  NiceOutputMessage m[2] = {{&v[0], 1}, {&v[1], 1}};
  g_assert_cmpint(ar_udp_fast_send(fx->fast, m, 2), ==, 2);
  wait_readable(fx->peer);
  for (int i = 0; i < 2; i++) {
    guint8 buf[2048];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    gssize r = recvfrom(fx->peer, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
    g_assert_cmpint(r, ==, i == 0 ? 100 : 1200);
    g_assert_cmpuint(from.sin_port, ==, fx->shared_addr.sin_port);
  }
}

/* --- ArIce against a real libnice peer (controlling), on one main context --- */

typedef struct {
  ArIceState state;
  int received;
  gsize last_len;
} IceSide;

static void
ice_state(ArIce *ice, ArIceState s, gpointer user_data)
{
  ((IceSide *)user_data)->state = s;
}

static void
ice_receive(ArIce *ice, guint8 *buf, gsize len, gpointer user_data)
{
  IceSide *side = user_data;
  side->received++;
  side->last_len = len;
  buf[0] ^= 0xFF; /* writable in place */
}

static int peer_received;

static void
peer_recv(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf, gpointer data)
{
  if (len > 0 && (guint8)buf[0] >= 128)
    peer_received++;
}

static void
iterate_until(GMainContext *ctx, gboolean (*done)(gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!done(data) && g_get_monotonic_time() < deadline)
    g_main_context_iteration(ctx, TRUE);
  g_assert_true(done(data));
}

static gboolean
connected(gpointer data)
{
  return ((IceSide *)data)->state == AR_ICE_CONNECTED;
}

static gboolean
got_ten(gpointer data)
{
  return ((IceSide *)data)->received >= 10;
}

static gboolean
peer_got_five(gpointer data)
{
  return peer_received >= 5;
}

static void
test_ice_takes_batched_path(void)
{
  g_autoptr(GMainContext) ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  g_autoptr(ArUdpBatch) batch = ar_udp_batch_new(16);
  const char *addrs[] = {"127.0.0.1", NULL};
  ArIceConfig cfg = {.addresses = addrs, .batch = batch};
  IceSide side = {0};
  ArIceCallbacks cb = {NULL, NULL, ice_state, ice_receive};
  g_autoptr(GError) error = NULL;
  g_autoptr(ArIce) ice = ar_ice_new(ctx, &cfg, &cb, &side, &error);
  g_assert_no_error(error);

  NiceAgent *peer = nice_agent_new(ctx, NICE_COMPATIBILITY_RFC5245);
  g_object_set(peer, "controlling-mode", TRUE, "upnp", FALSE, NULL);
  NiceAddress a;
  nice_address_init(&a);
  nice_address_set_from_string(&a, "127.0.0.1");
  nice_agent_add_local_address(peer, &a);
  guint ps = nice_agent_add_stream(peer, 1);
  nice_agent_attach_recv(peer, ps, 1, ctx, peer_recv, NULL);
  g_assert_true(nice_agent_gather_candidates(peer, ps));
  while (!ar_ice_gathering_done(ice))
    g_main_context_iteration(ctx, TRUE);

  g_autofree char *ufrag = NULL, *pwd = NULL, *pufrag = NULL, *ppwd = NULL;
  ar_ice_local_credentials(ice, &ufrag, &pwd);
  nice_agent_get_local_credentials(peer, ps, &pufrag, &ppwd);
  g_assert_true(ar_ice_set_remote_credentials(ice, pufrag, ppwd, &error));
  g_assert_true(nice_agent_set_remote_credentials(peer, ps, ufrag, pwd));
  const GPtrArray *cands = ar_ice_local_candidates(ice);
  GSList *remote = NULL;
  for (guint i = 0; i < cands->len; i++) {
    g_autofree char *line = g_strconcat("a=", g_ptr_array_index(cands, i), NULL);
    NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(peer, ps, line);
    if (c)
      remote = g_slist_append(remote, c);
  }
  g_assert_nonnull(remote);
  nice_agent_set_remote_candidates(peer, ps, 1, remote);
  g_slist_free_full(remote, (GDestroyNotify)nice_candidate_free);
  /* The agent learns the peer from its checks (peer-reflexive), as with a browser's mDNS. */
  iterate_until(ctx, connected, &side);
  /* Nomination may still move the pair; the path follows it. */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration(ctx, FALSE);
  g_assert_true(ar_ice_batched(ice, NULL));

  guint8 rtp[300] = {0x80, 96};
  for (int i = 0; i < 10; i++)
    nice_agent_send(peer, ps, 1, sizeof rtp, (const gchar *)rtp);
  iterate_until(ctx, got_ten, &side);
  g_assert_cmpuint(side.last_len, ==, sizeof rtp);
  ArUdpFastStats st;
  g_assert_true(ar_ice_batched(ice, &st));
  g_assert_cmpuint(st.received, >=, 10);

  /* Sends from the agent reach the peer (through the sibling socket, same port). */
  GOutputVector v = {rtp, sizeof rtp};
  NiceOutputMessage m[5];
  for (int i = 0; i < 5; i++)
    m[i] = (NiceOutputMessage){&v, 1};
  g_assert_cmpint(ar_ice_send(ice, m, 5), ==, 5);
  iterate_until(ctx, peer_got_five, NULL);

  g_clear_pointer(&ice, ar_ice_free);
  g_object_unref(peer);
  g_main_context_pop_thread_default(ctx);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/udp_fast/steering", Fixture, NULL, setup, test_steering, teardown);
  g_test_add("/udp_fast/batches_and_drops", Fixture, NULL, setup, test_batches_and_drops, teardown);
  g_test_add("/udp_fast/close_returns_everything", Fixture, NULL, setup,
             test_close_returns_everything, teardown);
  g_test_add("/udp_fast/send_from_shared_port", Fixture, NULL, setup, test_send_from_shared_port,
             teardown);
  g_test_add_func("/udp_fast/ice_takes_batched_path", test_ice_takes_batched_path);
  return g_test_run();
}

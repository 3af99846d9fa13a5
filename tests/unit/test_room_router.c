/* Room router slot assignment when a participant's transport ends (issue 12): a participant
 * whose transport failed stays for its grace period, but the receive slots it held in the
 * others go at once to whoever waits for one (the same person rejoined as a new participant),
 * with a media.slot notification and a keyframe request to the new publisher. Runs on a real
 * media worker with real (never connected) transports, as the server does. */
#include "cert.h"
#include "media_context.h"
#include "room_router.h"
#include "transport.h"
#include "worker.h"

#define FP                                                                                         \
  "72:CA:97:B2:85:09:E6:E5:7E:6C:B9:54:FF:52:BF:BD:AE:1F:A8:F6:E6:6C:E8:F9:CF:4A:52:17:DE:E4:"     \
  "AA:AF"

/* One video m-line: a publisher's (sendonly, with its SSRC) or a receive slot (recvonly). */
static ArSdpSession *
offer(guint32 ssrc)
{
  g_autofree char *text = g_strdup_printf(
      "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "a=fingerprint:sha-256 " FP "\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef01234567\r\na=setup:actpass\r\n"
      "a=mid:0\r\na=%s\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n",
      ssrc ? ssrc : 7, ssrc ? "sendonly" : "recvonly");
  g_autofree char *full =
      ssrc ? g_strdup_printf("%sa=ssrc:%u cname:c\r\n", text, ssrc) : g_strdup(text);
  g_autoptr(GError) error = NULL;
  ArSdpSession *s = ar_sdp_parse(full, &error);
  g_assert_no_error(error);
  return s;
}

static ArSdpSession *
answer(const ArSdpSession *o, gboolean slot)
{
  ArSdpLocalMedia lm = {.direction = slot ? AR_SDP_DIR_SENDONLY : AR_SDP_DIR_RECVONLY,
                        .ssrc = slot ? 0x5107u : 0,
                        .msid = slot ? "s t" : NULL};
  ArSdpLocal local = {.session_id = 1,
                      .session_version = 1,
                      .ice_ufrag = "wxyz",
                      .ice_pwd = "0123456789abcdef01234567",
                      .fingerprint = FP,
                      .cname = "anteroom",
                      .media = &lm,
                      .n_media = 1};
  g_autoptr(GError) error = NULL;
  ArSdpSession *a = ar_sdp_answer(o, &local, &error);
  g_assert_no_error(error);
  return a;
}

typedef struct {
  ArWorker *worker;
  ArMediaContext *mc;
  GMainLoop *loop;
  GPtrArray *slots; /* "subscriber mid publisher" for every media.slot notification */
} Fixture;

static void
on_slot(const char *sub, const char *mid, const char *pub, const char *kind, gpointer data)
{
  Fixture *f = data;
  g_ptr_array_add(f->slots, g_strdup_printf("%s %s %s", sub, mid, pub ? pub : "-"));
}

static const ArTransportCallbacks no_callbacks = {0};

static ArRoomPeer *
add_peer(ArRoomRouter *rr, const char *id, ArTransport *t, guint32 ssrc)
{
  ArRoomPeer *peer = ar_room_router_add(rr, id, t);
  g_assert_nonnull(peer);
  g_autoptr(ArSdpSession) o = offer(ssrc);
  g_autoptr(ArSdpSession) a = answer(o, ssrc == 0);
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_room_router_configure(rr, peer, o, a, FALSE, &error));
  g_assert_no_error(error);
  return peer;
}

static const char *
last_slot(Fixture *f)
{
  return f->slots->len ? g_ptr_array_index(f->slots, f->slots->len - 1) : "";
}

static gboolean
quit_main(gpointer data)
{
  g_main_loop_quit(data);
  return G_SOURCE_REMOVE;
}

static gboolean
run_on_worker(gpointer data)
{
  Fixture *f = data;
  g_autoptr(GError) error = NULL;
  ArTransport *t[3];
  for (guint i = 0; i < 3; i++) {
    t[i] = ar_transport_new(f->mc, &no_callbacks, NULL, &error);
    g_assert_no_error(error);
  }
  ArRoomRouter *rr = ar_room_router_new(f->mc, on_slot, NULL, f);
  /* The patient publishes; the interpreter has one video receive slot, which shows it. */
  ArRoomPeer *old = add_peer(rr, "par_old", t[0], 1111);
  ArRoomPeer *sub = add_peer(rr, "par_sub", t[1], 0);
  g_assert_cmpstr(last_slot(f), ==, "par_sub 0 par_old");
  /* The patient's network failed; it rejoined as a new participant, still parked as the old
   * one. First come, first served: the only slot stays with the old one. */
  ArRoomPeer *fresh = add_peer(rr, "par_new", t[2], 3333);
  g_assert_cmpstr(last_slot(f), ==, "par_sub 0 par_old");
  guint before = f->slots->len;
  ArMediaCounters *c = ar_media_context_counters(f->mc);
  guint64 sent_before = ar_counter_get(&c->send_fail) + ar_counter_get(&c->packets_out);

  ar_room_router_transport_ended(rr, old);
  /* The slot was given up and taken by the newcomer at once, and the subscriber heard both. */
  g_assert_cmpuint(f->slots->len, ==, before + 2);
  g_assert_cmpstr(g_ptr_array_index(f->slots, before), ==, "par_sub 0 -");
  g_assert_cmpstr(last_slot(f), ==, "par_sub 0 par_new");
  g_assert_false(ar_room_router_in_visit(rr, "par_old"));
  g_assert_true(ar_room_router_in_visit(rr, "par_new"));
  /* A keyframe request (PLI) went to the new publisher's transport: never connected here, so it
   * is counted as a send that failed rather than sent. */
  g_assert_cmpuint(ar_counter_get(&c->send_fail) + ar_counter_get(&c->packets_out), >, sent_before);

  /* The old participant's recording track list is empty; a new offer (a reload's new
   * transport) would declare its tracks again, and with no slot free it waits. */
  GArray *tracks = ar_room_router_visit_tracks(rr);
  g_assert_cmpuint(tracks->len, ==, 1);
  g_assert_cmpstr(g_array_index(tracks, ArRoomTrackInfo, 0).participant_id, ==, "par_new");
  g_array_unref(tracks);
  g_autoptr(ArSdpSession) o = offer(1112);
  g_autoptr(ArSdpSession) a = answer(o, FALSE);
  g_assert_true(ar_room_router_configure(rr, old, o, a, FALSE, &error));
  g_assert_cmpstr(last_slot(f), ==, "par_sub 0 par_new");
  g_assert_true(ar_room_router_in_visit(rr, "par_old"));

  /* When the newcomer leaves, the reloaded old participant gets the slot. */
  ar_room_router_remove(rr, fresh);
  g_assert_cmpstr(last_slot(f), ==, "par_sub 0 par_old");
  ar_room_router_remove(rr, old);
  ar_room_router_remove(rr, sub);
  ar_room_router_free(rr);
  for (guint i = 0; i < 3; i++)
    ar_transport_free(t[i]);
  ar_worker_post_main(f->worker, quit_main, f->loop, NULL);
  return G_SOURCE_REMOVE;
}

static void
test_failed_transport_gives_up_slots(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArWorkerPool) pool = ar_worker_pool_new(1, g_main_context_default(), &error);
  g_assert_no_error(error);
  g_autoptr(ArCert) cert = ar_cert_generate("test", &error);
  g_assert_no_error(error);
  g_autoptr(ArDtlsContext) dtls = ar_dtls_context_new(cert, &error);
  g_assert_no_error(error);
  static const char *const lo[] = {"127.0.0.1", NULL};
  ArIceConfig ice = {.addresses = lo};
  Fixture f = {.worker = ar_worker_pool_get(pool, 0),
               .loop = g_main_loop_new(NULL, FALSE),
               .slots = g_ptr_array_new_with_free_func(g_free)};
  f.mc = ar_media_context_new(f.worker, dtls, FP, &ice, FALSE, 64);
  ar_worker_post(f.worker, run_on_worker, &f, NULL);
  g_main_loop_run(f.loop);
  g_main_loop_unref(f.loop);
  g_ptr_array_unref(f.slots);
  g_clear_pointer(&pool, ar_worker_pool_free); /* before the context its sources use */
  ar_media_context_free(f.mc);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/room_router/failed-transport-gives-up-slots",
                  test_failed_transport_gives_up_slots);
  return g_test_run();
}

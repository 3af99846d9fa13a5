/* Receive: datagram -> demux -> DTLS handshake or SRTP unprotect (in libnice's buffer) -> room.
 * Send: room packet -> copy into a pool buffer -> SRTP protect in place -> queue -> one
 * nice_agent_send_messages_nonblocking per flush. */
#include "transport.h"
#include "demux.h"
#include "srtp.h"

#include <string.h>

#define SEND_QUEUE_MAX 64

struct ArTransport {
  ArMediaContext *mc;
  ArMediaCounters *counters;
  ArTransportCallbacks cb;
  gpointer user_data;
  ArIce *ice;
  ArDtls *dtls;
  GSource *dtls_timer;
  ArSrtpSession *srtp;
  const char *srtp_profile;
  ArTransportState state;
  gboolean dirty;
  guint n_queued;
  guint8 *queued[SEND_QUEUE_MAX];
  GOutputVector vecs[SEND_QUEUE_MAX];
  NiceOutputMessage msgs[SEND_QUEUE_MAX];
};

const char *
ar_transport_state_name(ArTransportState s)
{
  static const char *const names[] = {"new", "checking", "connected", "failed", "closed"};
  return s <= AR_TRANSPORT_CLOSED ? names[s] : "unknown";
}

static void
set_state(ArTransport *t, ArTransportState s, const char *detail)
{
  if (t->state == s || t->state == AR_TRANSPORT_FAILED || t->state == AR_TRANSPORT_CLOSED)
    return;
  t->state = s;
  if (t->cb.on_state)
    t->cb.on_state(t, s, detail, t->user_data);
}

static void
send_now(ArTransport *t, const guint8 *data, gsize len)
{
  GOutputVector v = {data, len};
  NiceOutputMessage m = {&v, 1};
  if (ar_ice_send(t->ice, &m, 1) != 1)
    ar_counter_add(&t->counters->send_fail, 1);
}

static void arm_dtls_timer(ArTransport *t);

static void
dtls_connected(ArTransport *t, const ArDtlsOutput *out)
{
  ArSrtpProfile profile;
  g_autoptr(GError) error = NULL;
  if (!ar_srtp_profile_from_name(out->srtp_profile, &profile) ||
      !(t->srtp = ar_srtp_session_new(profile, out->keying_material, out->keying_material_len,
                                      ar_dtls_role(t->dtls) == AR_DTLS_ROLE_CLIENT, &error))) {
    ar_counter_add(&t->counters->dtls_fail, 1);
    set_state(t, AR_TRANSPORT_FAILED, "srtp_keys");
    return;
  }
  t->srtp_profile = ar_srtp_profile_name(profile);
  set_state(t, AR_TRANSPORT_CONNECTED, t->srtp_profile);
}

static void
drain_dtls(ArTransport *t)
{
  ArDtlsOutput out;
  while (t->dtls && ar_dtls_poll_output(t->dtls, &out)) {
    switch (out.kind) {
    case AR_DTLS_OUTPUT_DATAGRAM:
      send_now(t, out.data, out.len);
      break;
    case AR_DTLS_OUTPUT_CONNECTED:
      dtls_connected(t, &out);
      break;
    case AR_DTLS_OUTPUT_FAILED:
      ar_counter_add(&t->counters->dtls_fail, 1);
      set_state(t, AR_TRANSPORT_FAILED, out.fail_reason == AR_DTLS_FAIL_FINGERPRINT_MISMATCH
                                          ? "fingerprint_mismatch"
                                          : ar_dtls_fail_reason_name(out.fail_reason));
      break;
    case AR_DTLS_OUTPUT_CLOSED:
      set_state(t, AR_TRANSPORT_CLOSED, "dtls_close_notify");
      break;
    }
  }
  arm_dtls_timer(t);
}

static gboolean
on_dtls_timer(gpointer data)
{
  ArTransport *t = data;
  g_clear_pointer(&t->dtls_timer, g_source_unref);
  ar_dtls_handle_timeout(t->dtls, g_get_monotonic_time());
  drain_dtls(t);
  return G_SOURCE_REMOVE;
}

static void
arm_dtls_timer(ArTransport *t)
{
  if (t->dtls_timer) {
    g_source_destroy(t->dtls_timer);
    g_clear_pointer(&t->dtls_timer, g_source_unref);
  }
  gint64 deadline = t->dtls ? ar_dtls_next_timeout(t->dtls) : -1;
  if (deadline < 0 || t->state >= AR_TRANSPORT_FAILED)
    return;
  gint64 wait_ms = MAX(0, (deadline - g_get_monotonic_time() + 999) / 1000);
  t->dtls_timer = g_timeout_source_new((guint)wait_ms);
  g_source_set_callback(t->dtls_timer, on_dtls_timer, t, NULL);
  g_source_attach(t->dtls_timer, ar_media_context_gcontext(t->mc));
}

static void
receive_srtp(ArTransport *t, ArPacketKind kind, guint8 *buf, gsize len, gint64 now)
{
  if (!t->srtp) {
    ar_counter_add(&t->counters->garbage_in, 1); /* media before keys: not ours to decrypt */
    return;
  }
  int rc = kind == AR_PKT_RTP ? ar_srtp_unprotect_rtp(t->srtp, buf, &len)
                              : ar_srtp_unprotect_rtcp(t->srtp, buf, &len);
  if (rc == AR_SRTP_ERR_REPLAY) {
    ar_counter_add(&t->counters->srtp_replay, 1);
    return;
  }
  if (rc != AR_SRTP_OK) {
    ar_counter_add(&t->counters->srtp_auth_fail, 1);
    return;
  }
  if (kind == AR_PKT_RTP) {
    ar_counter_add(&t->counters->rtp_in, 1);
    if (t->cb.on_rtp)
      t->cb.on_rtp(t, buf, len, now, t->user_data);
  } else {
    ar_counter_add(&t->counters->rtcp_in, 1);
    if (t->cb.on_rtcp)
      t->cb.on_rtcp(t, buf, len, now, t->user_data);
  }
}

static void
on_ice_receive(ArIce *ice, guint8 *buf, gsize len, gpointer user_data)
{
  ArTransport *t = user_data;
  gint64 now = g_get_monotonic_time();
  ar_counter_add(&t->counters->packets_in, 1);
  ar_counter_add(&t->counters->bytes_in, len);
  ArPacketKind kind = ar_demux_classify(buf, len);
  switch (kind) {
  case AR_PKT_DTLS:
    ar_counter_add(&t->counters->dtls_in, 1);
    if (t->dtls) {
      ar_dtls_handle_input(t->dtls, buf, len, now);
      drain_dtls(t);
    }
    break;
  case AR_PKT_RTP:
  case AR_PKT_RTCP:
    receive_srtp(t, kind, buf, len, now);
    break;
  case AR_PKT_STUN:
    ar_counter_add(&t->counters->stun_in, 1); /* libnice consumed its own; a stray one */
    break;
  default:
    ar_counter_add(&t->counters->garbage_in, 1);
    break;
  }
}

static void
on_ice_candidate(ArIce *ice, const char *candidate, gpointer user_data)
{
  ArTransport *t = user_data;
  if (t->cb.on_candidate)
    t->cb.on_candidate(t, candidate, t->user_data);
}

static void
on_ice_gathering_done(ArIce *ice, gpointer user_data)
{
  ArTransport *t = user_data;
  if (t->cb.on_gathering_done)
    t->cb.on_gathering_done(t, t->user_data);
}

static void
on_ice_state(ArIce *ice, ArIceState s, gpointer user_data)
{
  ArTransport *t = user_data;
  if (s == AR_ICE_FAILED) {
    set_state(t, AR_TRANSPORT_FAILED, "ice_failed");
  } else if (s == AR_ICE_CHECKING && t->state == AR_TRANSPORT_NEW) {
    set_state(t, AR_TRANSPORT_CHECKING, NULL);
  } else if (s == AR_ICE_CONNECTED && t->dtls && !ar_dtls_is_connected(t->dtls) &&
             ar_dtls_role(t->dtls) == AR_DTLS_ROLE_CLIENT) {
    ar_dtls_start(t->dtls, g_get_monotonic_time());
    drain_dtls(t);
  }
}

ArTransport *
ar_transport_new(ArMediaContext *mc, const ArTransportCallbacks *cb, gpointer user_data,
                 GError **error)
{
  g_autoptr(ArTransport) t = g_new0(ArTransport, 1);
  t->mc = mc;
  t->counters = ar_media_context_counters(mc);
  t->cb = *cb;
  t->user_data = user_data;
  for (guint i = 0; i < SEND_QUEUE_MAX; i++)
    t->msgs[i] = (NiceOutputMessage){&t->vecs[i], 1};
  static const ArIceCallbacks ice_cb = {on_ice_candidate, on_ice_gathering_done, on_ice_state,
                                        on_ice_receive};
  t->ice = ar_ice_new(ar_media_context_gcontext(mc), ar_media_context_ice(mc), &ice_cb, t, error);
  if (!t->ice)
    return NULL;
  return g_steal_pointer(&t);
}

static void
release_queue(ArTransport *t)
{
  ArPacketPool *pool = ar_media_context_pool(t->mc);
  for (guint i = 0; i < t->n_queued; i++)
    ar_pool_put(pool, t->queued[i]);
  t->n_queued = 0;
}

void
ar_transport_free(ArTransport *t)
{
  if (!t)
    return;
  ar_media_context_forget(t->mc, t);
  release_queue(t);
  if (t->dtls_timer) {
    g_source_destroy(t->dtls_timer);
    g_source_unref(t->dtls_timer);
  }
  g_clear_pointer(&t->srtp, ar_srtp_session_free);
  g_clear_pointer(&t->dtls, ar_dtls_free);
  g_clear_pointer(&t->ice, ar_ice_free);
  g_free(t);
}

void
ar_transport_local_ice(ArTransport *t, char **ufrag, char **pwd)
{
  ar_ice_local_credentials(t->ice, ufrag, pwd);
}

const GPtrArray *
ar_transport_local_candidates(ArTransport *t)
{
  return ar_ice_local_candidates(t->ice);
}

gboolean
ar_transport_set_remote(ArTransport *t, const char *ufrag, const char *pwd,
                        const char *fingerprint_sha256, ArDtlsRole role, GError **error)
{
  g_autoptr(ArDtls) dtls =
    ar_dtls_new_with_context(ar_media_context_dtls(t->mc), role, fingerprint_sha256, error);
  if (!dtls || !ar_ice_set_remote_credentials(t->ice, ufrag, pwd, error))
    return FALSE;
  g_clear_pointer(&t->dtls, ar_dtls_free);
  t->dtls = g_steal_pointer(&dtls);
  if (role == AR_DTLS_ROLE_SERVER) {
    ar_dtls_start(t->dtls, g_get_monotonic_time()); /* arms the handshake deadline */
    drain_dtls(t);
  }
  return TRUE;
}

gboolean
ar_transport_add_remote_candidate(ArTransport *t, const char *candidate, GError **error)
{
  return ar_ice_add_remote_candidate(t->ice, candidate, error);
}

gboolean
ar_transport_ice_restart(ArTransport *t, const char *ufrag, const char *pwd, GError **error)
{
  return ar_ice_restart(t->ice, error) && ar_ice_set_remote_credentials(t->ice, ufrag, pwd, error);
}

static gboolean
queue_packet(ArTransport *t, const guint8 *pkt, gsize len, gboolean rtcp)
{
  if (!t->srtp || len + AR_SRTP_MAX_RTCP_OVERHEAD > AR_PACKET_CAP) {
    ar_counter_add(&t->counters->send_fail, 1);
    return FALSE;
  }
  if (t->n_queued == SEND_QUEUE_MAX)
    ar_transport_flush(t);
  guint8 *buf = ar_pool_get(ar_media_context_pool(t->mc));
  if (!buf) {
    ar_counter_add(&t->counters->send_fail, 1);
    return FALSE;
  }
  memcpy(buf, pkt, len);
  int rc = rtcp ? ar_srtp_protect_rtcp(t->srtp, buf, &len, AR_PACKET_CAP)
                : ar_srtp_protect_rtp(t->srtp, buf, &len, AR_PACKET_CAP);
  if (rc != AR_SRTP_OK) {
    ar_pool_put(ar_media_context_pool(t->mc), buf);
    ar_counter_add(&t->counters->send_fail, 1);
    return FALSE;
  }
  t->queued[t->n_queued] = buf;
  t->vecs[t->n_queued] = (GOutputVector){buf, len};
  t->n_queued++;
  if (!t->dirty) {
    t->dirty = TRUE;
    ar_media_context_mark_dirty(t->mc, t);
  }
  return TRUE;
}

gboolean
ar_transport_send_rtp(ArTransport *t, const guint8 *pkt, gsize len)
{
  return queue_packet(t, pkt, len, FALSE);
}

gboolean
ar_transport_send_rtcp(ArTransport *t, const guint8 *pkt, gsize len)
{
  return queue_packet(t, pkt, len, TRUE);
}

void
ar_transport_flush(ArTransport *t)
{
  t->dirty = FALSE;
  if (t->n_queued == 0)
    return;
  int sent = ar_ice_send(t->ice, t->msgs, t->n_queued);
  guint ok = sent > 0 ? (guint)sent : 0;
  ar_counter_add(&t->counters->packets_out, ok);
  for (guint i = 0; i < ok; i++)
    ar_counter_add(&t->counters->bytes_out, t->vecs[i].size);
  if (ok < t->n_queued)
    ar_counter_add(&t->counters->send_fail, t->n_queued - ok);
  release_queue(t);
}

ArTransportState
ar_transport_state(const ArTransport *t)
{
  return t->state;
}

const char *
ar_transport_srtp_profile(const ArTransport *t)
{
  return t->srtp_profile;
}

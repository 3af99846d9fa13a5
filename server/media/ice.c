/* libnice glue. Candidates are converted to SDP text here and nowhere else, so the rest of the
 * server deals in strings; public_ip rewriting (1:1 NAT) happens on that text too. */
#include "ice.h"

#include <gio/gio.h>
#include <nice/interfaces.h>
#include <string.h>

#define AR_ICE_ERROR (ar_ice_error_quark())
G_DEFINE_QUARK(ar - ice - error - quark, ar_ice_error)

struct ArIce {
  NiceAgent *agent;
  guint stream;
  ArIceCallbacks cb;
  gpointer user_data;
  ArIceState state;
  char *public_ip;
  GPtrArray *candidates; /* local candidate lines, for answers after an ICE restart */
  gboolean gathered;
  guint rebinds;     /* times the selected pair followed the peer to a new address */
  ArUdpBatch *batch; /* the worker's; NULL: no batched path */
  ArCounter *batched_datagrams, *batched_calls;
  ArUdpFast *fast; /* the batched path for the selected pair, while there is one */
  GSource *fast_source;
  gint64 last_rx_us;      /* anything from the peer, on either path (loop time) */
  GSource *silence_timer; /* while connected: fails the transport after AR_ICE_SILENCE_US */
};

/* Above libnice's sockets (G_PRIORITY_DEFAULT), so a readable sibling is drained before libnice
 * polls; below the worker's send flusher (G_PRIORITY_HIGH), so queued packets leave first. */
#define FAST_PRIORITY (G_PRIORITY_DEFAULT - 10)

typedef struct {
  GSource source;
  ArIce *ice;
} FastSource;

/* The worker's context the agent runs on (a pointer property: no reference taken). */
static GMainContext *
agent_context(ArIce *ice)
{
  GMainContext *ctx = NULL;
  g_object_get(ice->agent, "main-context", &ctx, NULL);
  return ctx;
}

/* One batch per dispatch: a full batch leaves the socket readable, so the next iteration reads
 * again after the flusher has sent what this one queued. */
static gboolean
fast_dispatch(GSource *source, GSourceFunc cb, gpointer user_data)
{
  ArIce *ice = ((FastSource *)source)->ice;
  ArUdpBatch *b = ice->batch;
  int n = ar_udp_fast_recv(ice->fast, b);
  if (n > 0 && ice->batched_calls) {
    ar_counter_add(ice->batched_calls, 1);
    ar_counter_add(ice->batched_datagrams, (guint64)n);
  }
  if (n > 0)
    ice->last_rx_us = g_source_get_time(source);
  for (int i = 0; i < n; i++) {
    gsize len;
    guint8 *buf = ar_udp_batch_packet(b, (guint)i, &len);
    ice->cb.on_receive(ice, buf, len, ice->user_data);
    /* The callback may have freed the agent (and destroyed this source with it). */
    if (g_source_is_destroyed(source))
      return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs fast_funcs = {NULL, NULL, fast_dispatch, NULL, NULL, NULL};

static void
fast_stop(ArIce *ice)
{
  if (ice->fast_source) {
    g_source_destroy(ice->fast_source);
    g_clear_pointer(&ice->fast_source, g_source_unref);
  }
  g_clear_pointer(&ice->fast, ar_udp_fast_free);
}

/* Follows the selected pair: a UDP host pair gets (or keeps) the batched path, anything else
 * (TCP, relayed, none) leaves every datagram to libnice. A failure to split is not an error:
 * libnice's own receive path still works, only slower. */
static void
fast_follow_selected_pair(ArIce *ice)
{
  if (!ice->batch || ice->state != AR_ICE_CONNECTED) {
    fast_stop(ice);
    return;
  }
  NiceCandidate *local = NULL, *remote = NULL;
  g_autoptr(GSocket) sock = nice_agent_get_selected_socket(ice->agent, ice->stream, 1);
  if (!sock || !nice_agent_get_selected_pair(ice->agent, ice->stream, 1, &local, &remote)) {
    fast_stop(ice);
    return;
  }
  struct sockaddr_storage peer;
  nice_address_copy_to_sockaddr(&remote->addr, (struct sockaddr *)&peer);
  socklen_t peer_len =
      peer.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  int fd = g_socket_get_fd(sock);
  if (ice->fast && ar_udp_fast_shared_fd(ice->fast) == fd) {
    ar_udp_fast_set_peer(ice->fast, (struct sockaddr *)&peer, peer_len);
    return;
  }
  fast_stop(ice);
  g_autoptr(GError) error = NULL;
  ice->fast = ar_udp_fast_new(fd, (struct sockaddr *)&peer, peer_len, &error);
  if (!ice->fast) {
    g_debug("[media] %s; libnice receives this pair", error->message);
    return;
  }
  ice->fast_source = g_source_new(&fast_funcs, sizeof(FastSource));
  ((FastSource *)ice->fast_source)->ice = ice;
  g_source_add_unix_fd(ice->fast_source, ar_udp_fast_fd(ice->fast), G_IO_IN);
  g_source_set_priority(ice->fast_source, FAST_PRIORITY);
  g_source_attach(ice->fast_source, agent_context(ice));
}

static void
on_selected_pair(NiceAgent *agent, guint stream, guint component, NiceCandidate *local,
                 NiceCandidate *remote, gpointer user_data)
{
  fast_follow_selected_pair(user_data);
}

static void
set_state(ArIce *ice, ArIceState s)
{
  if (ice->state == s)
    return;
  ice->state = s;
  if (ice->cb.on_state)
    ice->cb.on_state(ice, s, ice->user_data);
}

/* Replaces the connection address (5th field) of a candidate line with public_ip. */
static char *
announce(const ArIce *ice, char *line)
{
  if (!ice->public_ip)
    return line;
  g_auto(GStrv) f = g_strsplit(line, " ", -1);
  if (g_strv_length(f) < 8)
    return line;
  g_free(f[4]);
  f[4] = g_strdup(ice->public_ip);
  g_free(line);
  return g_strjoinv(" ", f);
}

static void
on_new_candidate(NiceAgent *agent, NiceCandidate *c, gpointer user_data)
{
  ArIce *ice = user_data;
  char *sdp = nice_agent_generate_local_candidate_sdp(agent, c);
  if (!sdp)
    return;
  sdp = announce(ice, sdp);
  const char *line = g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp;
  g_ptr_array_add(ice->candidates, g_strdup(line));
  if (ice->cb.on_candidate)
    ice->cb.on_candidate(ice, line, ice->user_data);
  g_free(sdp);
}

static void
on_gathering_done(NiceAgent *agent, guint stream, gpointer user_data)
{
  ArIce *ice = user_data;
  ice->gathered = TRUE;
  if (ice->cb.on_gathering_done)
    ice->cb.on_gathering_done(ice, ice->user_data);
}

/* Consent, as the server sees it: a connected peer sends media, RTCP (every few seconds at
 * least) and ICE checks, so total silence for AR_ICE_SILENCE_US means it has gone. libnice's own
 * consent freshness (RFC 7675) is not used: it fails the pair when two consent checks in a row
 * get no answer (about 10 s), which heavy loss does (20 % each way in net-faults), ending a visit
 * that was still carrying media. */
static void
silence_stop(ArIce *ice)
{
  if (ice->silence_timer) {
    g_source_destroy(ice->silence_timer);
    g_clear_pointer(&ice->silence_timer, g_source_unref);
  }
}

/* Terminal: nothing more is sent or read. The state callback comes last (it may free ice). */
static void
fail(ArIce *ice)
{
  silence_stop(ice);
  fast_stop(ice);
  set_state(ice, AR_ICE_FAILED);
}

static gboolean
on_silence_tick(gpointer user_data)
{
  ArIce *ice = user_data;
  if (ice->state != AR_ICE_CONNECTED ||
      g_source_get_time(ice->silence_timer) - ice->last_rx_us < AR_ICE_SILENCE_US)
    return G_SOURCE_CONTINUE;
  g_info("ICE: nothing from the peer for %d s: the transport has failed",
         (int)(AR_ICE_SILENCE_US / G_USEC_PER_SEC));
  fail(ice);
  return G_SOURCE_REMOVE;
}

static void
silence_watch(ArIce *ice)
{
  ice->last_rx_us = g_get_monotonic_time();
  if (ice->silence_timer)
    return;
  ice->silence_timer = g_timeout_source_new(1000);
  g_source_set_callback(ice->silence_timer, on_silence_tick, ice, NULL);
  g_source_attach(ice->silence_timer, agent_context(ice));
}

static void
on_component_state(NiceAgent *agent, guint stream, guint component, guint state, gpointer user_data)
{
  ArIce *ice = user_data;
  switch (state) {
  case NICE_COMPONENT_STATE_CONNECTING:
    set_state(ice, AR_ICE_CHECKING);
    break;
  case NICE_COMPONENT_STATE_CONNECTED:
  case NICE_COMPONENT_STATE_READY:
    silence_watch(ice);
    set_state(ice, AR_ICE_CONNECTED);
    fast_follow_selected_pair(ice);
    break;
  case NICE_COMPONENT_STATE_FAILED:
    fail(ice);
    break;
  default:
    break;
  }
}

/* NAT rebinding. A client whose NAT gives it a new source port mid-call keeps sending its
 * checks (consent, every few seconds, with USE-CANDIDATE on the pair it uses) from the new
 * address. libnice authenticates each one (our ufrag and password, MESSAGE-INTEGRITY), learns the
 * address as a peer-reflexive candidate and answers it, but it keeps sending to the old address:
 * it only replaces a selected pair with one of strictly higher priority, and the new pair's
 * priority equals the old one's (same PRIORITY attribute, same local candidate). So a pair whose
 * peer only moved never wins. This moves the selected pair to the new address when libnice
 * learns it from an authenticated check while connected, and its priority is not below the
 * selected remote's (a client's other, lower-preference network stays a backup). */
static gboolean
is_rebinding(ArIce *ice, const NiceCandidate *c, const NiceCandidate *remote)
{
  return ice->state == AR_ICE_CONNECTED && c->type == NICE_CANDIDATE_TYPE_PEER_REFLEXIVE &&
         c->transport == NICE_CANDIDATE_TRANSPORT_UDP && remote != c &&
         remote->transport == NICE_CANDIDATE_TRANSPORT_UDP &&
         nice_address_ip_version(&remote->addr) == nice_address_ip_version(&c->addr) &&
         !nice_address_equal(&remote->addr, &c->addr) && c->priority >= remote->priority;
}

/* Selects the pair (selected local, remote named rfoundation); TRUE when the remote it got has
 * addr. libnice names candidates by foundation only. */
static gboolean
select_pair(ArIce *ice, const char *lfoundation, const char *rfoundation, const NiceAddress *addr)
{
  NiceCandidate *local = NULL, *remote = NULL;
  return nice_agent_set_selected_pair(ice->agent, ice->stream, 1, lfoundation, rfoundation) &&
         nice_agent_get_selected_pair(ice->agent, ice->stream, 1, &local, &remote) &&
         nice_address_equal(&remote->addr, addr);
}

static void
on_new_remote_candidate(NiceAgent *agent, NiceCandidate *c, gpointer user_data)
{
  ArIce *ice = user_data;
  NiceCandidate *local = NULL, *remote = NULL;
  if (!nice_agent_get_selected_pair(agent, ice->stream, 1, &local, &remote) ||
      !is_rebinding(ice, c, remote))
    return;
  /* c is a copy (the signal boxes it); local and remote are libnice's own. libnice gives every
   * peer-reflexive candidate of one IP the same foundation, and nice_agent_set_selected_pair
   * takes the first remote candidate of that name, which is the old address: the old one is
   * renamed first (the name is only a label once its pairs exist), so the name finds the new
   * one. If yet another candidate of the name comes first, the old pair is put back. */
  char lfoundation[NICE_CANDIDATE_MAX_FOUNDATION], old[NICE_CANDIDATE_MAX_FOUNDATION];
  g_strlcpy(lfoundation, local->foundation, sizeof lfoundation);
  NiceAddress old_addr = remote->addr;
  if (g_str_equal(remote->foundation, c->foundation))
    g_snprintf(remote->foundation, NICE_CANDIDATE_MAX_FOUNDATION, "moved%u", ice->rebinds + 1);
  g_strlcpy(old, remote->foundation, sizeof old);
  if (select_pair(ice, lfoundation, c->foundation, &c->addr)) {
    ice->rebinds++;
    g_info("ICE: the peer moved to a new address (NAT rebinding); media follows it");
  } else if (!select_pair(ice, lfoundation, old, &old_addr)) {
    g_warning("ICE: could not follow the peer to a new address nor keep the old one");
  }
}

static void
on_recv(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf, gpointer user_data)
{
  ArIce *ice = user_data;
  ice->last_rx_us = g_get_monotonic_time();
  ice->cb.on_receive(ice, (guint8 *)buf, len, ice->user_data);
}

static gboolean
add_address(NiceAgent *agent, const char *ip, GError **error)
{
  NiceAddress addr;
  nice_address_init(&addr);
  if (!nice_address_set_from_string(&addr, ip) || !nice_agent_add_local_address(agent, &addr)) {
    g_set_error(error, AR_ICE_ERROR, 0, "[media] ice address '%s' is not usable", ip);
    return FALSE;
  }
  return TRUE;
}

static gboolean
add_addresses(NiceAgent *agent, const ArIceConfig *cfg, GError **error)
{
  if (cfg->addresses && cfg->addresses[0]) {
    for (int i = 0; cfg->addresses[i]; i++)
      if (!add_address(agent, cfg->addresses[i], error))
        return FALSE;
    return TRUE;
  }
  GList *ips = nice_interfaces_get_local_ips(FALSE);
  gboolean ok = TRUE;
  for (GList *l = ips; l && ok; l = l->next)
    ok = add_address(agent, l->data, error);
  /* A namespace with only lo (tests) or a host without networking: loopback is all there is,
   * and libnice skips it when it enumerates. */
  if (!ips)
    ok = add_address(agent, "127.0.0.1", error);
  g_list_free_full(ips, g_free);
  return ok;
}

ArIce *
ar_ice_new(GMainContext *ctx, const ArIceConfig *cfg, const ArIceCallbacks *cb, gpointer user_data,
           GError **error)
{
  g_autoptr(ArIce) ice = g_new0(ArIce, 1);
  ice->cb = *cb;
  ice->user_data = user_data;
  ice->public_ip = cfg->public_ip && *cfg->public_ip ? g_strdup(cfg->public_ip) : NULL;
  ice->candidates = g_ptr_array_new_with_free_func(g_free);
  ice->batch = cfg->batch;
  ice->batched_datagrams = cfg->batched_datagrams;
  ice->batched_calls = cfg->batched_calls;
  ice->agent = nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
  g_object_set(ice->agent, "controlling-mode", FALSE, "upnp", FALSE, "ice-udp", TRUE, "ice-tcp",
               cfg->tcp, NULL);
  if (!add_addresses(ice->agent, cfg, error))
    return NULL;
  ice->stream = nice_agent_add_stream(ice->agent, 1);
  if (cfg->port_min || cfg->port_max)
    nice_agent_set_port_range(ice->agent, ice->stream, 1, cfg->port_min, cfg->port_max);
  g_signal_connect(ice->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), ice);
  g_signal_connect(ice->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), ice);
  g_signal_connect(ice->agent, "component-state-changed", G_CALLBACK(on_component_state), ice);
  g_signal_connect(ice->agent, "new-remote-candidate-full", G_CALLBACK(on_new_remote_candidate),
                   ice);
  g_signal_connect(ice->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), ice);
  nice_agent_attach_recv(ice->agent, ice->stream, 1, ctx, on_recv, ice);
  if (!nice_agent_gather_candidates(ice->agent, ice->stream)) {
    g_set_error(error, AR_ICE_ERROR, 0,
                "ICE could not gather candidates (no usable address or port range full)");
    return NULL;
  }
  return g_steal_pointer(&ice);
}

void
ar_ice_free(ArIce *ice)
{
  if (!ice)
    return;
  fast_stop(ice);
  silence_stop(ice);
  if (ice->agent) {
    g_signal_handlers_disconnect_by_data(ice->agent, ice);
    nice_agent_attach_recv(ice->agent, ice->stream, 1, NULL, NULL, NULL);
    nice_agent_remove_stream(ice->agent, ice->stream);
    g_object_unref(ice->agent);
  }
  g_free(ice->public_ip);
  g_clear_pointer(&ice->candidates, g_ptr_array_unref);
  g_free(ice);
}

void
ar_ice_local_credentials(ArIce *ice, char **ufrag, char **pwd)
{
  nice_agent_get_local_credentials(ice->agent, ice->stream, ufrag, pwd);
}

gboolean
ar_ice_set_remote_credentials(ArIce *ice, const char *ufrag, const char *pwd, GError **error)
{
  if (!nice_agent_set_remote_credentials(ice->agent, ice->stream, ufrag, pwd)) {
    g_set_error(error, AR_ICE_ERROR, 0, "ICE credentials refused (ufrag or pwd malformed)");
    return FALSE;
  }
  return TRUE;
}

gboolean
ar_ice_add_remote_candidate(ArIce *ice, const char *candidate, GError **error)
{
  if (!candidate || !*candidate) {
    ar_ice_remote_gathering_done(ice);
    return TRUE;
  }
  g_autofree char *line =
      g_str_has_prefix(candidate, "a=") ? g_strdup(candidate) : g_strconcat("a=", candidate, NULL);
  NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(ice->agent, ice->stream, line);
  if (!c) {
    g_set_error(error, AR_ICE_ERROR, 0, "not a valid ICE candidate");
    return FALSE;
  }
  /* mDNS (.local) candidates from browsers cannot be resolved here; the peer's checks reveal
   * its address as a peer-reflexive candidate instead. */
  GSList one = {c, NULL};
  int added = nice_agent_set_remote_candidates(ice->agent, ice->stream, 1, &one);
  nice_candidate_free(c);
  if (added < 0) {
    g_set_error(error, AR_ICE_ERROR, 0, "ICE candidate refused");
    return FALSE;
  }
  return TRUE;
}

void
ar_ice_remote_gathering_done(ArIce *ice)
{
  nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream);
}

gboolean
ar_ice_restart(ArIce *ice, GError **error)
{
  if (!nice_agent_restart_stream(ice->agent, ice->stream)) {
    g_set_error(error, AR_ICE_ERROR, 0, "ICE restart failed");
    return FALSE;
  }
  /* libnice keeps the local candidates across a restart; only the credentials change. */
  ice->state = AR_ICE_CHECKING;
  return TRUE;
}

const GPtrArray *
ar_ice_local_candidates(const ArIce *ice)
{
  return ice->candidates;
}

gboolean
ar_ice_gathering_done(const ArIce *ice)
{
  return ice->gathered;
}

int
ar_ice_send(ArIce *ice, const NiceOutputMessage *msgs, guint n)
{
  if (n == 0 || ice->state != AR_ICE_CONNECTED)
    return 0;
  if (ice->fast)
    return ar_udp_fast_send(ice->fast, msgs, n);
  return nice_agent_send_messages_nonblocking(ice->agent, ice->stream, 1, msgs, n, NULL, NULL);
}

gboolean
ar_ice_batched(const ArIce *ice, ArUdpFastStats *stats)
{
  if (stats) {
    if (ice->fast)
      ar_udp_fast_stats(ice->fast, stats);
    else
      *stats = (ArUdpFastStats){0};
  }
  return ice->fast != NULL;
}

ArIceState
ar_ice_state(const ArIce *ice)
{
  return ice->state;
}

const char *
ar_ice_selected_transport(ArIce *ice)
{
  NiceCandidate *local = NULL, *remote = NULL;
  if (!nice_agent_get_selected_pair(ice->agent, ice->stream, 1, &local, &remote))
    return NULL;
  return local->transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp";
}

/* Each command is a small heap closure posted to the room's worker; rooms are created and freed
 * on that worker, and the main thread keeps only room id -> worker and a participant count. */
#include "visits.h"

typedef struct {
  ArVisits *visits;
  ArWorker *worker;
  ArMediaContext *mc;
  ArRoom *room;        /* worker thread only */
  GHashTable *members; /* main thread only: participant ids with media */
} RoomEntry;

struct ArVisits {
  ArWorkerPool *workers;
  ArMediaContext **contexts;
  ArVisitsHandler handler;
  gpointer user_data;
  GHashTable *rooms; /* room id -> RoomEntry* */
};

typedef enum {
  CMD_OFFER,
  CMD_CANDIDATE,
  CMD_PURPOSE,
  CMD_LEAVE,
  CMD_RECORD_START,
  CMD_RECORD_STOP,
  CMD_MUTE,
  CMD_VIEWPORT,
} CommandKind;

typedef struct {
  ArVisits *visits;
  RoomEntry *entry;
  CommandKind kind;
  char *room_id, *participant_id, *text;
  ArSdpSession *offer;
  ArRoomPurpose purpose;
  gint64 request_id;
  gboolean free_room; /* LEAVE of the last participant */
  gboolean muted;     /* MUTE */
  const void *pipelines; /* RECORD_START; text is the path, participant_id the recording id */
  guint max_height;      /* VIEWPORT; text is the slot's mid */
} Command;

typedef struct {
  ArVisits *visits;
  ArRoomEvent *ev;
} Delivery;

static gboolean
deliver_on_main(gpointer data)
{
  Delivery *d = data;
  d->visits->handler(d->ev, d->visits->user_data);
  return G_SOURCE_REMOVE;
}

static void
delivery_free(gpointer data)
{
  Delivery *d = data;
  ar_room_event_free(d->ev);
  g_free(d);
}

/* Runs on the worker: hand the event to the main thread. */
static void
emit_to_main(ArRoomEvent *ev, gpointer user_data)
{
  RoomEntry *e = user_data;
  Delivery *d = g_new0(Delivery, 1);
  d->visits = e->visits;
  d->ev = ev;
  ar_worker_post_main(e->worker, deliver_on_main, d, delivery_free);
}

static gboolean
run_command(gpointer data)
{
  Command *c = data;
  RoomEntry *e = c->entry;
  if (!e->room)
    e->room = ar_room_new(e->mc, c->room_id, emit_to_main, e);
  switch (c->kind) {
  case CMD_OFFER:
    ar_room_offer(e->room, c->participant_id, g_steal_pointer(&c->offer), c->purpose,
                  c->request_id);
    break;
  case CMD_CANDIDATE:
    ar_room_candidate(e->room, c->participant_id, c->text, NULL);
    break;
  case CMD_PURPOSE:
    ar_room_set_purpose(e->room, c->participant_id, c->purpose);
    break;
  case CMD_RECORD_START:
    ar_room_record_start(e->room, c->participant_id, c->text, c->pipelines);
    break;
  case CMD_RECORD_STOP:
    ar_room_record_stop(e->room, c->participant_id);
    break;
  case CMD_MUTE:
    ar_room_set_muted(e->room, c->participant_id, c->muted);
    break;
  case CMD_VIEWPORT:
    ar_room_viewport(e->room, c->participant_id, c->text, c->max_height);
    break;
  case CMD_LEAVE:
    ar_room_remove(e->room, c->participant_id);
    if (c->free_room) {
      g_clear_pointer(&e->room, ar_room_free);
      g_hash_table_unref(e->members);
      g_free(e); /* the main thread forgot it when it posted this command */
    }
    break;
  }
  return G_SOURCE_REMOVE;
}

static void
command_free(gpointer data)
{
  Command *c = data;
  g_free(c->room_id);
  g_free(c->participant_id);
  g_free(c->text);
  g_clear_pointer(&c->offer, ar_sdp_session_free);
  g_free(c);
}

static RoomEntry *
entry_for(ArVisits *v, const char *room_id, gboolean create)
{
  RoomEntry *e = g_hash_table_lookup(v->rooms, room_id);
  if (e || !create)
    return e;
  e = g_new0(RoomEntry, 1);
  e->visits = v;
  e->members = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  e->worker = ar_worker_pool_least_loaded(v->workers);
  e->mc = v->contexts[ar_worker_index(e->worker)];
  ar_worker_rooms_add(e->worker, 1);
  g_hash_table_insert(v->rooms, g_strdup(room_id), e);
  return e;
}

static void
post(ArVisits *v, RoomEntry *e, Command *c)
{
  c->visits = v;
  c->entry = e;
  ar_worker_post(e->worker, run_command, c, command_free);
}

void
ar_visits_offer(ArVisits *v, const char *room_id, const char *participant_id,
                ArSdpSession *offer, ArRoomPurpose purpose, gint64 request_id)
{
  RoomEntry *e = entry_for(v, room_id, TRUE);
  g_hash_table_add(e->members, g_strdup(participant_id));
  Command *c = g_new0(Command, 1);
  *c = (Command){.kind = CMD_OFFER, .room_id = g_strdup(room_id),
                 .participant_id = g_strdup(participant_id), .offer = offer,
                 .purpose = purpose, .request_id = request_id};
  post(v, e, c);
}

void
ar_visits_candidate(ArVisits *v, const char *room_id, const char *participant_id,
                    const char *candidate)
{
  RoomEntry *e = entry_for(v, room_id, FALSE);
  if (!e)
    return;
  Command *c = g_new0(Command, 1);
  *c = (Command){.kind = CMD_CANDIDATE, .room_id = g_strdup(room_id),
                 .participant_id = g_strdup(participant_id), .text = g_strdup(candidate)};
  post(v, e, c);
}

gboolean
ar_visits_set_purpose(ArVisits *v, const char *room_id, const char *participant_id,
                      ArRoomPurpose purpose)
{
  RoomEntry *e = entry_for(v, room_id, FALSE);
  if (!e || !g_hash_table_contains(e->members, participant_id))
    return FALSE;
  Command *c = g_new0(Command, 1);
  *c = (Command){.kind = CMD_PURPOSE, .room_id = g_strdup(room_id),
                 .participant_id = g_strdup(participant_id), .purpose = purpose};
  post(v, e, c);
  return TRUE;
}

gboolean
ar_visits_set_muted(ArVisits *v, const char *room_id, const char *participant_id,
                    gboolean muted)
{
  RoomEntry *e = entry_for(v, room_id, FALSE);
  if (!e || !g_hash_table_contains(e->members, participant_id))
    return FALSE;
  Command *c = g_new0(Command, 1);
  *c = (Command){.kind = CMD_MUTE, .room_id = g_strdup(room_id),
                 .participant_id = g_strdup(participant_id), .muted = muted};
  post(v, e, c);
  return TRUE;
}

gboolean
ar_visits_viewport(ArVisits *v, const char *room_id, const char *participant_id, const char *mid,
                   guint max_height)
{
  RoomEntry *e = entry_for(v, room_id, FALSE);
  if (!e || !g_hash_table_contains(e->members, participant_id))
    return FALSE;
  Command *c = g_new0(Command, 1);
  *c = (Command){.kind = CMD_VIEWPORT, .room_id = g_strdup(room_id),
                 .participant_id = g_strdup(participant_id), .text = g_strdup(mid),
                 .max_height = max_height};
  post(v, e, c);
  return TRUE;
}

gboolean
ar_visits_has_media(const ArVisits *v, const char *room_id, const char *participant_id)
{
  RoomEntry *e = g_hash_table_lookup(v->rooms, room_id);
  return e && g_hash_table_contains(e->members, participant_id);
}

gboolean
ar_visits_record_start(ArVisits *v, const char *room_id, const char *recording_id,
                       const char *path, const void *pipelines)
{
  RoomEntry *e = entry_for(v, room_id, FALSE);
  if (!e)
    return FALSE;
  Command *c = g_new0(Command, 1);
  *c = (Command){.kind = CMD_RECORD_START, .room_id = g_strdup(room_id),
                 .participant_id = g_strdup(recording_id), .text = g_strdup(path),
                 .pipelines = pipelines};
  post(v, e, c);
  return TRUE;
}

void
ar_visits_record_stop(ArVisits *v, const char *room_id, const char *recording_id)
{
  RoomEntry *e = entry_for(v, room_id, FALSE);
  if (!e)
    return;
  Command *c = g_new0(Command, 1);
  *c = (Command){.kind = CMD_RECORD_STOP, .room_id = g_strdup(room_id),
                 .participant_id = g_strdup(recording_id)};
  post(v, e, c);
}

void
ar_visits_leave(ArVisits *v, const char *room_id, const char *participant_id)
{
  RoomEntry *e = entry_for(v, room_id, FALSE);
  if (!e || !g_hash_table_remove(e->members, participant_id))
    return;
  Command *c = g_new0(Command, 1);
  *c = (Command){.kind = CMD_LEAVE, .room_id = g_strdup(room_id),
                 .participant_id = g_strdup(participant_id)};
  if (g_hash_table_size(e->members) == 0) {
    c->free_room = TRUE;
    ar_worker_rooms_add(e->worker, -1);
    gpointer key = NULL;
    g_hash_table_steal_extended(v->rooms, room_id, &key, NULL);
    g_free(key);
  }
  post(v, e, c);
}

guint
ar_visits_active(const ArVisits *v)
{
  return g_hash_table_size(v->rooms);
}

ArVisits *
ar_visits_new(ArWorkerPool *workers, ArMediaContext **contexts, ArVisitsHandler handler,
              gpointer user_data)
{
  ArVisits *v = g_new0(ArVisits, 1);
  v->workers = workers;
  v->contexts = contexts;
  v->handler = handler;
  v->user_data = user_data;
  v->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return v;
}

/* Called before the worker pool stops: every room is freed on its own worker, in order after
 * the commands already queued there. */
void
ar_visits_free(ArVisits *v)
{
  if (!v)
    return;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, v->rooms);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    RoomEntry *e = value;
    Command *c = g_new0(Command, 1);
    *c = (Command){.kind = CMD_LEAVE, .room_id = g_strdup(key), .participant_id = g_strdup(""),
                   .free_room = TRUE};
    post(v, e, c);
  }
  g_hash_table_unref(v->rooms);
  g_free(v);
}

/* A visit's roster is a small array: visits have a handful of participants, so a linear scan
 * beats any index and keeps join order for the participant list. */
#include "roster.h"
#include "signaling_private.h"

struct ArRoster {
  GHashTable *visits; /* appointment id -> GPtrArray of ArSession* (borrowed) */
};

ArRoster *
ar_roster_new(void)
{
  ArRoster *r = g_new0(ArRoster, 1);
  r->visits =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  return r;
}

void
ar_roster_free(ArRoster *r)
{
  if (!r)
    return;
  g_hash_table_unref(r->visits);
  g_free(r);
}

void
ar_roster_add(ArRoster *r, const char *appointment_id, ArSession *se)
{
  GPtrArray *a = g_hash_table_lookup(r->visits, appointment_id);
  if (!a) {
    a = g_ptr_array_new();
    g_hash_table_insert(r->visits, g_strdup(appointment_id), a);
  }
  if (!g_ptr_array_find(a, se, NULL))
    g_ptr_array_add(a, se);
}

void
ar_roster_remove(ArRoster *r, const char *appointment_id, ArSession *se)
{
  GPtrArray *a = g_hash_table_lookup(r->visits, appointment_id);
  if (!a)
    return;
  g_ptr_array_remove(a, se);
  if (a->len == 0)
    g_hash_table_remove(r->visits, appointment_id);
}

guint
ar_roster_size(ArRoster *r, const char *appointment_id)
{
  GPtrArray *a = g_hash_table_lookup(r->visits, appointment_id);
  return a ? a->len : 0;
}

void
ar_roster_foreach(ArRoster *r, const char *appointment_id, ArRosterFunc fn, gpointer user_data)
{
  GPtrArray *a = g_hash_table_lookup(r->visits, appointment_id);
  if (!a)
    return;
  g_autoptr(GPtrArray) snapshot = g_ptr_array_copy(a, NULL, NULL);
  for (guint i = 0; i < snapshot->len; i++)
    fn(g_ptr_array_index(snapshot, i), user_data);
}

guint
ar_roster_broadcast(ArRoster *r, const char *appointment_id, const char *json,
                    const ArSession *except)
{
  GPtrArray *a = g_hash_table_lookup(r->visits, appointment_id);
  guint n = 0;
  for (guint i = 0; a && i < a->len; i++) {
    ArSession *se = g_ptr_array_index(a, i);
    if (se == except || !se->conn)
      continue;
    if (ar_ws_conn_send(se->conn, json, -1))
      n++;
  }
  return n;
}

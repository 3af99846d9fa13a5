/* Demo data. Appointments are laid on a 20-minute grid starting two hours before now, so the
 * waiting room has visits done, one in progress and a line of patients still to come. */
#include "demo.h"
#include "password.h"

#include <openssl/rand.h>
#include <string.h>

#define SLOT_S (20 * 60)
#define LINK_TTL_S (24 * 3600)

static const char *const first_names[] = {"Maria", "James", "Aisha", "Chen", "Olga", "Diego",
                                          "Fatima", "Noah", "Priya", "Tomasz", "Grace", "Kwame"};
static const char *const last_names[] = {"Lopez", "Smith", "Bello", "Wang", "Ivanova", "Ramos",
                                         "Haddad", "Miller", "Nair", "Nowak", "Kim", "Mensah"};

typedef struct {
  ArStore *store;
  GError **error;
  gboolean ok;
} Seeder;

/* Binds NULL-terminated text arguments in order and runs the statement once. */
static void
run(Seeder *s, const char *sql, ...)
{
  if (!s->ok)
    return;
  sqlite3_stmt *st = ar_store_prepare(s->store, sql, s->error);
  if (!st) {
    s->ok = FALSE;
    return;
  }
  va_list ap;
  va_start(ap, sql);
  int n = sqlite3_bind_parameter_count(st);
  for (int i = 1; i <= n; i++) {
    const char *v = va_arg(ap, const char *);
    sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
  }
  va_end(ap);
  s->ok = ar_store_step_done(s->store, st, s->error);
}

static char *
num(gint64 v)
{
  return g_strdup_printf("%" G_GINT64_FORMAT, v);
}

static char *
random_password(void)
{
  static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
  guint8 raw[12];
  RAND_bytes(raw, sizeof raw);
  char *pw = g_malloc(sizeof raw + 1);
  for (gsize i = 0; i < sizeof raw; i++)
    pw[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
  pw[sizeof raw] = '\0';
  return pw;
}

static void
add_practitioner(Seeder *s, const char *id, const char *name, const char *role,
                 const char *languages, const char *login, const char *password_hash,
                 const char *now)
{
  run(s,
      "INSERT INTO practitioner (id, clinic_id, display_name, role, languages)"
      " VALUES (?, 'cl_demo', ?, ?, ?)",
      id, name, role, languages);
  g_autofree char *account = g_strconcat("acc_", id + 4, NULL);
  run(s, "INSERT INTO account (id, practitioner_id, login, password_hash, created_at)"
         " VALUES (?, ?, ?, ?, ?)",
      account, id, login, password_hash, now);
  if (g_str_equal(role, "clinician")) {
    g_autofree char *sched = g_strconcat("sch_", id + 4, NULL);
    run(s, "INSERT INTO schedule (id, practitioner_id) VALUES (?, ?)", sched, id);
  }
}

static void
add_patient(Seeder *s, int i, const char *now)
{
  g_autofree char *id = g_strdup_printf("pat_demo%02d", i);
  g_autofree char *name = g_strdup_printf("%s %s", first_names[i % 12], last_names[(i * 5) % 12]);
  g_autofree char *phone = g_strdup_printf("+1 555 01%02d %04d", i, 1000 + i * 37);
  run(s, "INSERT INTO patient (id, display_name, phone, language, created_at) VALUES (?,?,?,?,?)",
      id, name, phone, i % 4 == 1 ? "es" : "en", now);
}

static void
add_appointment(Seeder *s, const char *id, int patient, const char *prac, gint64 start,
                gint64 len, const char *status, const char *now)
{
  g_autofree char *pat = g_strdup_printf("pat_demo%02d", patient);
  g_autofree char *slot = g_strconcat("slot_", id + 3, NULL);
  g_autofree char *sched = g_strconcat("sch_", prac + 4, NULL);
  g_autofree char *a = num(start), *b = num(start + len);
  run(s, "INSERT INTO slot (id, schedule_id, start_ts, end_ts, status, modality)"
         " VALUES (?, ?, ?, ?, 'busy', 'video')",
      slot, sched, a, b);
  run(s, "INSERT INTO appointment (id, patient_id, practitioner_id, slot_id, status, start_ts,"
         " end_ts, created_at) VALUES (?,?,?,?,?,?,?,?)",
      id, pat, prac, slot, status, a, b, now);
  run(s, "INSERT INTO appointment_participant VALUES (?, 'patient', ?)", id, pat);
  run(s, "INSERT INTO appointment_participant VALUES (?, 'practitioner', ?)", id, prac);
}

/* Today: both clinicians on a 20-minute grid from two hours ago to six hours ahead. */
static char *
seed_day(Seeder *s, gint64 now, const char *now_text)
{
  gint64 first = (now / SLOT_S) * SLOT_S - 2 * 3600;
  const char *pracs[] = {"prac_okafor", "prac_berg"};
  char *next_for_okafor = NULL;
  int patient = 0;
  for (int p = 0; p < 2; p++) {
    for (gint64 t = first; t < now + 6 * 3600; t += SLOT_S) {
      g_autofree char *id = g_strdup_printf("ap_%s_%" G_GINT64_FORMAT, pracs[p] + 5, t);
      const char *status = t + SLOT_S <= now ? "fulfilled" : "booked";
      if (t + SLOT_S <= now && (t / SLOT_S) % 5 == 0)
        status = "noshow";
      add_appointment(s, id, patient++ % 12, pracs[p], t, SLOT_S, status, now_text);
      if (p == 0 && !next_for_okafor && t >= now)
        next_for_okafor = g_strdup(id);
    }
  }
  return next_for_okafor;
}

/* Patients booked 2-5 weeks out who would take an earlier video visit. */
static void
seed_waitlist(Seeder *s, gint64 now, const char *now_text)
{
  for (int i = 12; i < 20; i++) {
    g_autofree char *ap = g_strdup_printf("ap_later_%02d", i);
    g_autofree char *wl = g_strdup_printf("wl_demo%02d", i);
    g_autofree char *pat = g_strdup_printf("pat_demo%02d", i);
    const char *prac = i % 2 ? "prac_berg" : "prac_okafor";
    gint64 start = (now / 86400 + 14 + (i - 12) * 3) * 86400 + 9 * 3600;
    add_appointment(s, ap, i, prac, start, SLOT_S, "booked", now_text);
    g_autofree char *earliest = num(now), *latest = num(start);
    run(s, "INSERT INTO waitlist_entry (id, patient_id, appointment_id, practitioner_id,"
           " visit_type, earliest_ts, latest_ts, min_notice_s, short_notice_ok, created_at)"
           " VALUES (?,?,?,?, 'general', ?, ?, ?, ?, ?)",
        wl, pat, ap, prac, earliest, latest, i % 3 ? "3600" : "0", i % 3 ? "0" : "1", now_text);
  }
}

static char *
link_for(const ArTokenKeyring *keys, const char *base, const char *page, ArTokenRole role,
         const char *visit, const char *subject, gint64 now, GError **error)
{
  ArTokenClaims c;
  if (!ar_token_claims_init(&c, role, visit, subject, now, LINK_TTL_S, 0))
    return NULL;
  g_autofree char *token = ar_token_sign(keys, &c, error);
  return token ? g_strdup_printf("%s/%s#t=%s", base, page, token) : NULL;
}

static gboolean
make_links(const ArTokenKeyring *keys, const char *base, const char *appointment, gint64 now,
           ArDemoLinks *links, GError **error)
{
  links->appointment_id = g_strdup(appointment);
  links->patient = link_for(keys, base, "patient.html", AR_TOKEN_ROLE_PATIENT, appointment,
                            "pat_demo00", now, error);
  links->clinician = link_for(keys, base, "clinician.html", AR_TOKEN_ROLE_CLINICIAN, "cl_demo",
                              "prac_okafor", now, error);
  links->interpreter = link_for(keys, base, "guest.html", AR_TOKEN_ROLE_INTERPRETER, appointment,
                                "prac_interp", now, error);
  links->caregiver = link_for(keys, base, "guest.html", AR_TOKEN_ROLE_CAREGIVER, appointment,
                              "guest_caregiver", now, error);
  return links->patient && links->clinician && links->interpreter && links->caregiver;
}

static gboolean
make_waiting_token(const ArTokenKeyring *keys, const char *appointment, gint64 now,
                   ArDemoLinks *links, GError **error)
{
  ArTokenClaims c;
  if (!ar_token_claims_init(&c, AR_TOKEN_ROLE_PATIENT, appointment, "pat_demo01", now, LINK_TTL_S,
                            0))
    return FALSE;
  links->waiting_appointment_id = g_strdup(appointment);
  links->waiting_token = ar_token_sign(keys, &c, error);
  return links->waiting_token != NULL;
}

gboolean
ar_demo_seed(ArStore *store, const ArTokenKeyring *keys, const char *public_url,
             gint64 now_unix, ArDemoLinks *links, GError **error)
{
  Seeder s = {store, error, TRUE};
  g_autofree char *now_text = num(now_unix);
  links->clinician_password = random_password();
  links->clinician_login = g_strdup("dr.okafor");
  g_autofree char *hash = ar_password_hash(links->clinician_password, error);
  if (!hash || !ar_store_begin(store, error))
    return FALSE;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local();
  run(&s, "INSERT INTO clinic VALUES ('cl_demo', 'Riverside Family Clinic', ?)",
      g_time_zone_get_identifier(tz));
  add_practitioner(&s, "prac_okafor", "Dr. Amara Okafor", "clinician", "en", "dr.okafor", hash,
                   now_text);
  add_practitioner(&s, "prac_berg", "Dr. Lucas Berg", "clinician", "en,de", "dr.berg", hash,
                   now_text);
  add_practitioner(&s, "prac_interp", "Sofia Marquez", "interpreter", "es,en", "interpreter",
                   hash, now_text);
  add_practitioner(&s, "prac_sched", "Jordan Lee", "staff", "en", "scheduler", hash, now_text);
  for (int i = 0; i < 20; i++)
    add_patient(&s, i, now_text);
  g_autofree char *next = seed_day(&s, now_unix, now_text);
  seed_waitlist(&s, now_unix, now_text);
  /* The demo patient holds the next appointment with Dr. Okafor. */
  run(&s, "UPDATE appointment SET patient_id = 'pat_demo00' WHERE id = ?", next);
  run(&s, "UPDATE appointment_participant SET actor_id = 'pat_demo00'"
          " WHERE appointment_id = ? AND kind = 'patient'",
      next);
  /* The demo peer's patient is due now (the slot under way, still booked), so it is first in
   * line; on an exact slot boundary that slot is the patient link's, and it takes the next. */
  gint64 current = (now_unix / SLOT_S) * SLOT_S;
  g_autofree char *waiting = g_strdup_printf("ap_okafor_%" G_GINT64_FORMAT,
                                             current < now_unix ? current : current + SLOT_S);
  run(&s, "UPDATE appointment SET patient_id = 'pat_demo01' WHERE id = ?", waiting);
  run(&s, "UPDATE appointment_participant SET actor_id = 'pat_demo01'"
          " WHERE appointment_id = ? AND kind = 'patient'",
      waiting);
  if (!s.ok || !ar_store_commit(store, error)) {
    ar_store_rollback(store);
    return FALSE;
  }
  return make_links(keys, public_url, next, now_unix, links, error) &&
         make_waiting_token(keys, waiting, now_unix, links, error);
}

void
ar_demo_links_clear(ArDemoLinks *links)
{
  g_free(links->patient);
  g_free(links->clinician);
  g_free(links->interpreter);
  g_free(links->caregiver);
  g_free(links->clinician_login);
  g_free(links->clinician_password);
  g_free(links->appointment_id);
  g_free(links->waiting_token);
  g_free(links->waiting_appointment_id);
  memset(links, 0, sizeof *links);
}

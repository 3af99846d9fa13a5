/* Schema history. Names follow FHIR R4 where one exists (Practitioner, Schedule, Slot,
 * Appointment, AppointmentResponse); times are Unix seconds in UTC. Columns that hold PHI
 * (patient.display_name, patient.phone, free-text comments) are never written to logs. */
#include "store_migrations.h"

static const char *const migrations[] = {
  /* 1: the clinic, people, calendar, waitlist, offers, visits, tokens and the audit log. */
  "CREATE TABLE clinic ("
  "  id TEXT PRIMARY KEY, name TEXT NOT NULL, timezone TEXT NOT NULL);"
  "CREATE TABLE practitioner ("
  "  id TEXT PRIMARY KEY, clinic_id TEXT NOT NULL REFERENCES clinic(id),"
  "  display_name TEXT NOT NULL,"
  "  role TEXT NOT NULL CHECK (role IN ('clinician','staff','interpreter')),"
  "  languages TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1);"
  "CREATE TABLE account ("
  "  id TEXT PRIMARY KEY, practitioner_id TEXT NOT NULL REFERENCES practitioner(id),"
  "  login TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);"
  "CREATE TABLE patient ("
  "  id TEXT PRIMARY KEY, display_name TEXT NOT NULL, phone TEXT,"
  "  language TEXT NOT NULL DEFAULT 'en', created_at INTEGER NOT NULL);"
  "CREATE TABLE schedule ("
  "  id TEXT PRIMARY KEY, practitioner_id TEXT NOT NULL REFERENCES practitioner(id),"
  "  active INTEGER NOT NULL DEFAULT 1);"
  "CREATE TABLE slot ("
  "  id TEXT PRIMARY KEY, schedule_id TEXT NOT NULL REFERENCES schedule(id),"
  "  start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN"
  "    ('free','busy','busy-unavailable','busy-tentative','entered-in-error')),"
  "  modality TEXT NOT NULL CHECK (modality IN ('video','in-person')),"
  "  visit_type TEXT NOT NULL DEFAULT 'general', source TEXT NOT NULL DEFAULT 'local',"
  "  CHECK (end_ts > start_ts));"
  "CREATE INDEX slot_by_schedule_start ON slot(schedule_id, start_ts);"
  "CREATE TABLE appointment ("
  "  id TEXT PRIMARY KEY, patient_id TEXT NOT NULL REFERENCES patient(id),"
  "  practitioner_id TEXT NOT NULL REFERENCES practitioner(id), slot_id TEXT REFERENCES slot(id),"
  "  status TEXT NOT NULL CHECK (status IN ('proposed','pending','booked','arrived',"
  "    'fulfilled','cancelled','noshow','entered-in-error','checked-in','waitlist')),"
  "  visit_type TEXT NOT NULL DEFAULT 'general',"
  "  modality TEXT NOT NULL DEFAULT 'video' CHECK (modality IN ('video','in-person')),"
  "  start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL, created_at INTEGER NOT NULL,"
  "  interpreter_language TEXT, CHECK (end_ts > start_ts));"
  "CREATE INDEX appointment_by_practitioner_start ON appointment(practitioner_id, start_ts);"
  "CREATE INDEX appointment_by_patient ON appointment(patient_id);"
  /* At most one live appointment per slot: the database, not the code, stops double booking. */
  "CREATE UNIQUE INDEX one_live_appointment_per_slot ON appointment(slot_id)"
  "  WHERE slot_id IS NOT NULL AND status IN"
  "  ('proposed','pending','booked','arrived','checked-in','fulfilled');"
  "CREATE TABLE appointment_participant ("
  "  appointment_id TEXT NOT NULL REFERENCES appointment(id),"
  "  kind TEXT NOT NULL CHECK (kind IN ('patient','practitioner','translator','caregiver')),"
  "  actor_id TEXT NOT NULL, PRIMARY KEY (appointment_id, kind, actor_id));"
  "CREATE TABLE waitlist_entry ("
  "  id TEXT PRIMARY KEY, patient_id TEXT NOT NULL REFERENCES patient(id),"
  "  appointment_id TEXT REFERENCES appointment(id),"
  "  practitioner_id TEXT REFERENCES practitioner(id), visit_type TEXT NOT NULL,"
  "  earliest_ts INTEGER NOT NULL, latest_ts INTEGER NOT NULL,"
  "  min_notice_s INTEGER NOT NULL DEFAULT 0, short_notice_ok INTEGER NOT NULL DEFAULT 0,"
  "  active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL);"
  "CREATE TABLE offer ("
  "  id TEXT PRIMARY KEY, slot_id TEXT NOT NULL REFERENCES slot(id),"
  "  patient_id TEXT NOT NULL REFERENCES patient(id),"
  "  waitlist_entry_id TEXT REFERENCES waitlist_entry(id),"
  "  sent_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, channel TEXT NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN ('sent','accepted','declined','expired','withdrawn')),"
  "  answered_at INTEGER);"
  "CREATE INDEX offer_by_slot ON offer(slot_id);"
  "CREATE TABLE appointment_response ("
  "  id TEXT PRIMARY KEY, offer_id TEXT REFERENCES offer(id),"
  "  appointment_id TEXT REFERENCES appointment(id), actor_id TEXT NOT NULL,"
  "  participant_status TEXT NOT NULL CHECK (participant_status IN"
  "    ('accepted','declined','tentative','needs-action')),"
  "  comment TEXT, created_at INTEGER NOT NULL);"
  "CREATE TABLE visit ("
  "  id TEXT PRIMARY KEY, appointment_id TEXT REFERENCES appointment(id),"
  "  practitioner_id TEXT NOT NULL REFERENCES practitioner(id), state TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER);"
  "CREATE TABLE token_revocation ("
  "  token_id TEXT PRIMARY KEY, reason TEXT NOT NULL, revoked_at INTEGER NOT NULL);"
  "CREATE TABLE token_use (token_id TEXT PRIMARY KEY, used_at INTEGER NOT NULL);"
  "CREATE TABLE audit_event ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, actor TEXT NOT NULL,"
  "  action TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,"
  "  outcome TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}',"
  "  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
  "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event"
  "  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
  "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event"
  "  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
  /* 2: sign-in sessions (by the SHA-256 of the cookie, times in ms) and invite links. */
  "CREATE TABLE account_session ("
  "  key TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES account(id),"
  "  created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL, ended_at INTEGER);"
  "CREATE INDEX account_session_by_account ON account_session(account_id);"
  "CREATE TABLE invite ("
  "  token_id TEXT PRIMARY KEY, appointment_id TEXT NOT NULL REFERENCES appointment(id),"
  "  role TEXT NOT NULL CHECK (role IN ('interpreter','caregiver')), subject_id TEXT NOT NULL,"
  "  created_by TEXT NOT NULL, by_patient INTEGER NOT NULL, single_use INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
  "CREATE INDEX invite_by_appointment ON invite(appointment_id);",
  /* 3: scheduling. The offer engine speaks 64-bit numbers; engine_id maps them to text ids
   * (stable across restarts, so a pending offer keeps its number). The outbox holds offers for
   * patients not in the waiting room until the webhook gateway has them. */
  "CREATE TABLE engine_id ("
  "  num INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, text_id TEXT NOT NULL,"
  "  UNIQUE (kind, text_id));"
  "ALTER TABLE offer ADD COLUMN engine_num INTEGER;"
  "CREATE UNIQUE INDEX offer_by_engine_num ON offer(engine_num);"
  "ALTER TABLE waitlist_entry ADD COLUMN in_person_ok INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE slot ADD COLUMN opened_reason TEXT;"
  "CREATE TABLE notification_outbox ("
  "  id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
  "  patient_id TEXT NOT NULL REFERENCES patient(id), offer_id TEXT REFERENCES offer(id),"
  "  payload TEXT NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_at INTEGER NOT NULL, delivered_at INTEGER, last_error TEXT);"
  "CREATE INDEX outbox_due ON notification_outbox(delivered_at, next_attempt_at);",
  /* 4: the waiting room: each appointment's state today, kept so a restart loses no one's place
   * (waiting_room.c), the first ETA a patient was shown (eta_*) so its error against started_at
   * can be reported, and interpreter requests, whose single winner an UPDATE decides. */
  "CREATE TABLE lobby_state ("
  "  appointment_id TEXT PRIMARY KEY REFERENCES appointment(id),"
  "  state TEXT NOT NULL CHECK (state IN ('not_arrived','checking_devices','ready','away',"
  "    'in_visit','done','no_show')),"
  "  arrived_at INTEGER NOT NULL DEFAULT 0, ready_at INTEGER NOT NULL DEFAULT 0,"
  "  early INTEGER NOT NULL DEFAULT 0, network TEXT NOT NULL DEFAULT 'unknown',"
  "  devices INTEGER NOT NULL DEFAULT 0,"
  "  started_at INTEGER NOT NULL DEFAULT 0, ended_at INTEGER NOT NULL DEFAULT 0,"
  "  interpreter_language TEXT, interpreter_id TEXT,"
  "  eta INTEGER NOT NULL DEFAULT 0, eta_low INTEGER NOT NULL DEFAULT 0,"
  "  eta_high INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL,"
  "  guests TEXT NOT NULL DEFAULT 'direct' CHECK (guests IN ('direct','waiting')));"
  "CREATE TABLE interpreter_request ("
  "  id TEXT PRIMARY KEY, appointment_id TEXT NOT NULL REFERENCES appointment(id),"
  "  language TEXT NOT NULL, requested_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN ('open','assigned','cancelled')),"
  "  interpreter_id TEXT, answered_at INTEGER);",
  /* 5: recorded visits (signaling/recording_files.c); files live in [recording] dir. */
  "CREATE TABLE recording ("
  "  id TEXT PRIMARY KEY, appointment_id TEXT NOT NULL, file TEXT NOT NULL,"
  "  started_by TEXT NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER,"
  "  size INTEGER NOT NULL DEFAULT 0, tracks TEXT NOT NULL DEFAULT '[]', skipped TEXT,"
  "  status TEXT NOT NULL CHECK (status IN ('recording','complete','failed','interrupted')),"
  "  reason TEXT);"
  "CREATE INDEX recording_by_started ON recording(started_ms);",
  /* 6: FHIR Appointment.appointmentType (HL7 v2 table 0276): 'WALKIN' for a walk-in added at the
   * front desk (no slot, starts when added; waiting_walkin.c); NULL for one booked in a slot. */
  "ALTER TABLE appointment ADD COLUMN appointment_type TEXT;",
  /* 7: when each slot became open, why, and how it ended, for the staff metrics over a period
   * (scheduler_stats.c). Triggers record it, so every path that frees, publishes or books a slot
   * (scheduler, FHIR, a future one) is counted alike. A slot freed while already in the past is
   * not an opening. Slots open at upgrade time are counted as opened then. */
  "CREATE TABLE slot_opening ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT, slot_id TEXT NOT NULL REFERENCES slot(id),"
  "  practitioner_id TEXT NOT NULL, reason TEXT NOT NULL, opened_at INTEGER NOT NULL,"
  "  closed_at INTEGER, outcome TEXT CHECK (outcome IN ('filled','closed')));"
  "CREATE INDEX slot_opening_by_opened ON slot_opening(opened_at);"
  "CREATE INDEX slot_opening_by_slot ON slot_opening(slot_id, closed_at);"
  "CREATE INDEX offer_by_sent ON offer(sent_at);"
  "CREATE TRIGGER slot_opening_on_insert AFTER INSERT ON slot"
  "  WHEN NEW.status = 'free' AND NEW.opened_reason IS NOT NULL"
  "   AND NEW.start_ts > CAST(strftime('%s','now') AS INTEGER)"
  "  BEGIN INSERT INTO slot_opening (slot_id, practitioner_id, reason, opened_at)"
  "    SELECT NEW.id, practitioner_id, NEW.opened_reason, CAST(strftime('%s','now') AS INTEGER)"
  "    FROM schedule WHERE id = NEW.schedule_id; END;"
  "CREATE TRIGGER slot_opening_on_free AFTER UPDATE OF status ON slot"
  "  WHEN NEW.status = 'free' AND OLD.status != 'free'"
  "   AND NEW.start_ts > CAST(strftime('%s','now') AS INTEGER)"
  "  BEGIN INSERT INTO slot_opening (slot_id, practitioner_id, reason, opened_at)"
  "    SELECT NEW.id, practitioner_id, COALESCE(NEW.opened_reason, 'staff'),"
  "    CAST(strftime('%s','now') AS INTEGER) FROM schedule WHERE id = NEW.schedule_id; END;"
  "CREATE TRIGGER slot_opening_on_close AFTER UPDATE OF status ON slot"
  "  WHEN OLD.status = 'free' AND NEW.status != 'free'"
  "  BEGIN UPDATE slot_opening SET closed_at = CAST(strftime('%s','now') AS INTEGER),"
  "    outcome = CASE WHEN NEW.status = 'busy' AND EXISTS (SELECT 1 FROM appointment a"
  "      WHERE a.slot_id = NEW.id AND a.status IN ('proposed','pending','booked','arrived',"
  "      'checked-in','fulfilled')) THEN 'filled' ELSE 'closed' END"
  "    WHERE slot_id = NEW.id AND closed_at IS NULL; END;"
  "INSERT INTO slot_opening (slot_id, practitioner_id, reason, opened_at)"
  "  SELECT sl.id, sc.practitioner_id, sl.opened_reason, CAST(strftime('%s','now') AS INTEGER)"
  "  FROM slot sl JOIN schedule sc ON sc.id = sl.schedule_id WHERE sl.status = 'free'"
  "  AND sl.opened_reason IS NOT NULL AND sl.start_ts > CAST(strftime('%s','now') AS INTEGER);",
  /* 8: the patient's rating after a visit (signaling/rating.c); the comment is their words. */
  "CREATE TABLE visit_rating ("
  "  appointment_id TEXT NOT NULL, patient_id TEXT NOT NULL,"
  "  rating INTEGER CHECK (rating BETWEEN 1 AND 5), comment TEXT, created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (appointment_id, patient_id));",
};

const char *const *
ar_store_migrations(gsize *n)
{
  *n = G_N_ELEMENTS(migrations);
  return migrations;
}

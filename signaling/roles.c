/* The one place where the server decides which role may send which message, checked before any
 * handler runs. Types not listed are open to every connection (hello, ping, join, resume,
 * whoami); handlers still check what depends on the target (whose visit, whose participant).
 * A refusal is answered, audited, and counts toward the connection's bad-message limit. */
#include "signaling_private.h"

#define R(role) (1u << (role))
#define PATIENT R(AR_TOKEN_ROLE_PATIENT)
#define CLINICIAN R(AR_TOKEN_ROLE_CLINICIAN)
#define INTERPRETER R(AR_TOKEN_ROLE_INTERPRETER)
#define CAREGIVER R(AR_TOKEN_ROLE_CAREGIVER)
#define STAFF R(AR_TOKEN_ROLE_STAFF)
#define IN_VISIT (PATIENT | CLINICIAN | INTERPRETER | CAREGIVER)

typedef struct {
  const char *type;
  guint roles;
} RoleRule;

static const RoleRule rules[] = {
    /* media and the visit */
    {"media.offer", IN_VISIT | STAFF},
    {"media.candidate", IN_VISIT | STAFF},
    {"visit.join", CLINICIAN},
    {"chat.send", IN_VISIT},
    {"visit.mute", IN_VISIT}, /* others: clinician only, checked in visit_controls.c */
    {"visit.remove", CLINICIAN},
    {"visit.end", CLINICIAN},
    {"recording.start", CLINICIAN},
    {"recording.stop", CLINICIAN},
    /* links */
    {"invite.create", CLINICIAN | PATIENT}, /* a patient: caregiver only, in invites.c */
    {"token.revoke", CLINICIAN | STAFF},
    /* waiting room (handlers in the waiting-room module) */
    {"checkin", PATIENT},
    {"device_check.result", PATIENT},
    {"waiting.early", PATIENT},
    {"visit.rating", PATIENT},
    {"lobby.subscribe", CLINICIAN | STAFF},
    {"lobby.admit", CLINICIAN},
    {"admit", CLINICIAN},
    {"lobby.message", CLINICIAN | STAFF},
    {"lobby.noshow", CLINICIAN | STAFF},
    {"lobby.transfer", CLINICIAN | STAFF},
    {"lobby.walkin", CLINICIAN | STAFF},
    {"lobby.slots", CLINICIAN | STAFF},
    {"interpreter.request", CLINICIAN},
    {"interpreter.accept", INTERPRETER},
};

gboolean
ar_roles_check(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  for (gsize i = 0; i < G_N_ELEMENTS(rules); i++) {
    if (!g_str_equal(rules[i].type, m->type))
      continue;
    if (!ar_signaling_require_join(s, se, m))
      return FALSE;
    if (rules[i].roles & R(se->claims.role))
      return TRUE;
    g_autofree char *detail =
        g_strdup_printf("{\"participant\":\"%s\",\"type\":\"%s\"}", se->participant_id, m->type);
    ar_signaling_audit(s, se->claims.subject_id, "signaling.forbidden", "participant",
                       se->participant_id, "forbidden", detail);
    g_autofree char *why =
        g_strdup_printf("a %s may not send %s", ar_token_role_to_string(se->claims.role), m->type);
    ar_signaling_error(s, se, m->id, "forbidden", why);
    return FALSE;
  }
  return TRUE;
}

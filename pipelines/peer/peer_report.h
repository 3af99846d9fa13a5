/* anteroom-peer's output: one JSON line per report interval and a final line with the verdict
 * that decides the exit status. Pure functions over a report record, so the rules are unit
 * tested (tests/unit/test_peer_report.c); main.c fills the record and prints the lines. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

#include "peer_meter.h"

typedef enum {
  AR_PEER_PURPOSE_DEVICE_CHECK, /* the server echoes our media: we must receive it */
  AR_PEER_PURPOSE_VISIT,        /* others may or may not be there: connecting is enough */
} ArPeerPurpose;

typedef struct {
  gint64 t_ms;              /* since the peer started */
  const char *state;        /* the server's media.state, "new" before the first */
  const char *ice_state;    /* webrtcbin's ICE connection state */
  const char *srtp_profile; /* from media.state "connected"; NULL before */
  gboolean connected_once;  /* the server reported "connected" at least once */
  const char *failure;      /* why the run failed (media.state failed, pipeline error), or NULL */
  ArPeerMeterSnapshot meter;
  JsonNode *stats; /* the latest media.stats event (an object), or NULL */
} ArPeerReport;

typedef struct {
  ArPeerPurpose purpose;
  gboolean video; /* we send video, so a device check must receive video */
  gboolean audio;
} ArPeerExpect;

/* {"t_ms":..,"state":..,"ice_state":..,"video_frames_received":..,..,"srtp_profile":..,
 *  "stats":{..}} without a newline. */
char *ar_peer_report_line(const ArPeerReport *r);

/* TRUE when the run succeeded; otherwise *reason (static) says what was missing. */
gboolean ar_peer_report_verdict(const ArPeerReport *r, const ArPeerExpect *e, const char **reason);

/* The closing line: the report with totals ("audio_rms" over the whole run) plus "final":true,
 * "purpose", "result":"ok"|"fail", "reason" and "audio_rms_max". */
char *ar_peer_report_final_line(const ArPeerReport *r, const ArPeerExpect *e);

gboolean ar_peer_purpose_parse(const char *s, ArPeerPurpose *out);
const char *ar_peer_purpose_name(ArPeerPurpose p);

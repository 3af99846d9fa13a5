/* Waiting-room queue model: for one clinician's line today, each waiting patient's place in line
 * and an honest ETA with a range. Sans-IO: the waiting room hands it a snapshot of the day's
 * appointments, duration statistics and the time, and shows the result to patients and the
 * clinician; nothing here reads a clock, a socket or the store.
 *
 * Times are wall-clock unix seconds (not monotonic microseconds like the media cores) because
 * everything here is compared with scheduled appointment times.
 *
 * How the line is ordered (the rule, and why):
 *  1. Urgent patients (priority > 0) who are present go first, highest priority first, then by
 *     their line time. Clinical urgency beats the schedule; only someone present can go first.
 *  2. Otherwise, when the clinician becomes free at time F, the next patient is the one with the
 *     earliest scheduled start among scheduled patients who are *due* (scheduled start <= F) and
 *     present, or expected to be by then (F is in the future). A booked time is a promise, so a
 *     walk-in never goes ahead of a scheduled patient who is ready on time.
 *  3. If nobody scheduled is due, the walk-in who arrived first takes the gap. Walk-ins fill the
 *     clinician's idle time instead of waiting for the end of the day, and among themselves they
 *     are first come, first served.
 *  4. If nobody is due and no walk-in waits, the clinician waits for the next scheduled patient.
 * Nobody is seen before their scheduled start (the clinic does not call people early; urgent
 * patients and walk-ins have no booked time to wait for), and a
 * scheduled patient who has not arrived is still expected: they keep their place until the
 * waiting room marks them no-show. A patient whose connection dropped keeps their place for the
 * grace period: state AWAY counts as present.
 *
 * ETA: patient i starts at max(now, their scheduled start + lateness, the time the clinician is
 * free after everyone before them), where lateness is how late the clinician runs now
 * (ar_queue_model_running_late, or what they announced). Three runs of the same rule give the
 * range:
 *  - expected: visits take their type's median, the clinician stays as late as they run now;
 *  - low: visits take their p20, the clinician catches up (lateness 0), and patients ahead who
 *    have not arrived yet do not come (take no time);
 *  - high: visits take their p80, lateness as now.
 * Summing p20s and p80s treats a day as uniformly fast or slow, which is how clinic days go
 * (one long visit makes the next ones hurried or late together), so the range widens linearly
 * with each visit ahead instead of with its square root. */
#pragma once
#include <glib.h>

/* ---- duration statistics, one per visit type ---- */

#define AR_QUEUE_DURATION_RING 32       /* recent visits kept per type */
#define AR_QUEUE_DURATION_MIN_SAMPLES 5 /* fewer than this: the defaults are used */
#define AR_QUEUE_DEFAULT_MEDIAN_S (15 * 60)

typedef struct {
  gint64 default_median_s; /* used (with p20 = 2/3 and p80 = 4/3 of it) until history exists */
  gint64 ring[AR_QUEUE_DURATION_RING];
  guint count; /* samples in ring (<= AR_QUEUE_DURATION_RING) */
  guint next;  /* ring write position */
} ArDurationStats;

typedef struct {
  gint64 p20_s, p50_s, p80_s;
} ArDurationQuantiles;

/* default_median_s <= 0 means AR_QUEUE_DEFAULT_MEDIAN_S. */
void ar_queue_model_duration_init(ArDurationStats *s, gint64 default_median_s);
/* Records one finished visit's length (end - start). Lengths outside 30 s .. 6 h are ignored:
 * they are test calls or a console left open, not visits. Returns TRUE if recorded. */
gboolean ar_queue_model_duration_add(ArDurationStats *s, gint64 duration_s);
ArDurationQuantiles ar_queue_model_duration_quantiles(const ArDurationStats *s);

/* ---- the line ---- */

typedef enum {
  AR_QUEUE_STATE_NOT_ARRIVED,      /* booked, not checked in yet: still expected */
  AR_QUEUE_STATE_CHECKING_DEVICES, /* checked in, device check running: present */
  AR_QUEUE_STATE_READY,            /* waiting, device check passed: present */
  AR_QUEUE_STATE_AWAY,             /* connection dropped, grace period running: keeps place */
  AR_QUEUE_STATE_IN_VISIT,         /* admitted; started_at set */
  AR_QUEUE_STATE_DONE,
  AR_QUEUE_STATE_NO_SHOW,
} ArQueueState;

typedef struct {
  const char *id;         /* opaque appointment id; not used by the model, carried for callers */
  gint64 scheduled_start; /* unix s; ignored for walk-ins */
  guint visit_type;       /* index into ArQueueInput.durations; out of range: default stats */
  ArQueueState state;
  gint64 arrived_at; /* unix s of check-in, 0 if unknown; orders walk-ins */
  gint64 started_at; /* unix s the visit started (IN_VISIT, DONE), else 0 */
  gboolean walk_in;  /* no booked time; only in line while present */
  guint priority;    /* 0 normal; > 0 urgent, higher first */
} ArQueueAppointment;

typedef struct {
  const ArQueueAppointment *appointments; /* today's appointments of one clinician */
  guint n_appointments;
  const ArDurationStats *durations; /* indexed by visit_type */
  guint n_durations;
  /* What the clinician told the waiting room ("running 10 minutes late"), 0 if nothing. The
   * lateness used is the larger of this and what actual starts show. */
  gint64 announced_late_s;
} ArQueueInput;

typedef struct {
  gboolean in_line; /* FALSE for in-visit, done, no-show, and walk-ins not present */
  guint position;   /* 1 = next; counts only patients ahead who are present or expected */
  gint64 eta;       /* expected start, unix s */
  gint64 eta_low;   /* earliest plausible start */
  gint64 eta_high;  /* latest plausible start (p80 durations, not a bound) */
} ArQueueEstimate;

typedef struct {
  ArQueueEstimate *estimates; /* parallel to ArQueueInput.appointments, n_appointments long */
  guint n_estimates;
  guint line_length;        /* patients in line */
  gint64 running_late_s;    /* lateness the expected ETAs use */
  gint64 clinician_free_at; /* expected end of the visit in progress, or now */
} ArQueueResult;

/* Sizes out->estimates for n appointments (reusing the array when it is big enough). */
void ar_queue_model_result_init(ArQueueResult *out, guint n);
void ar_queue_model_result_clear(ArQueueResult *out);

/* How late the clinician runs, from the appointments alone: the median delay of the last three
 * started scheduled visits, each measured as start - max(scheduled, arrival) so that a patient's
 * own late arrival does not count against the clinician; never negative. */
gint64 ar_queue_model_running_late(const ArQueueInput *in);

/* Computes every appointment's estimate. out must have been sized for in->n_appointments with
 * ar_queue_model_result_init(). */
void ar_queue_model_compute(const ArQueueInput *in, gint64 now_unix, ArQueueResult *out);

/* ---- how good the ETAs were ---- */

#define AR_QUEUE_ERROR_RING 256

typedef struct {
  gint64 error_s[AR_QUEUE_ERROR_RING]; /* actual - estimated start, signed */
  gboolean in_range[AR_QUEUE_ERROR_RING];
  guint count, next;
  guint64 total; /* starts ever recorded */
} ArQueueErrorStats;

typedef struct {
  guint samples;        /* in the window (last AR_QUEUE_ERROR_RING starts) */
  gint64 mae_s;         /* mean absolute error */
  gint64 p90_abs_s;     /* 90th percentile of the absolute error */
  gint64 bias_s;        /* mean signed error: > 0 means patients started later than told */
  double in_range_frac; /* share of starts inside [eta_low, eta_high] */
} ArQueueErrorSummary;

void ar_queue_model_error_init(ArQueueErrorStats *stats);
/* Records that a patient told `estimate` (for example the one shown at check-in) actually
 * started at actual_start_unix. */
void ar_queue_model_record_start(ArQueueErrorStats *stats, const ArQueueEstimate *estimate,
                                 gint64 actual_start_unix);
void ar_queue_model_error_summary(const ArQueueErrorStats *stats, ArQueueErrorSummary *out);

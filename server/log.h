/* Log output for the whole process: levels, text or JSON lines on stderr, through GLib's
 * structured logging so library messages land in the same stream. Messages carry opaque ids
 * only (visit, participant, appointment ids): never names, phone numbers or free text. */
#pragma once
#include "config.h"
#include <glib.h>

typedef struct ArLog ArLog;

/* Installs the writer. The ArLog is owned by main.c and outlives every thread that logs. */
ArLog *ar_log_install(GLogLevelFlags level, ArLogFormat format);

/* SIGHUP: change level and format while running (atomic, safe while workers log). */
void ar_log_reconfigure(ArLog *log, GLogLevelFlags level, ArLogFormat format);

/* Formats one record as the writer would (tests use it). Returns a newly allocated line. */
char *ar_log_format_line(ArLogFormat format, GLogLevelFlags level, const GLogField *fields,
                         gsize n_fields, gint64 unix_us);

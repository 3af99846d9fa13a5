/* The most recent OpenSSL error as text, for GError messages from the DTLS certificate and
 * handshake code. OpenSSL's error queue is per thread: taking the reason also empties it, so a
 * stale entry is never blamed on the next connection handled on that thread. */
#pragma once
#include <glib.h>

/* Writes the reason (or "no detail") into buf and returns buf. */
const char *ar_openssl_reason(char *buf, gsize size);

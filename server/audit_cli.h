/* `anteroom --verify-audit DB`: checks the audit log's hash chain in a database file from the
 * command line, for an auditor or a cron job, without starting the server. Called by main.c;
 * the chain itself is walked by ar_audit_verify() (signaling/audit.c). */
#pragma once
#include <stdio.h>

#define AR_AUDIT_CLI_OK 0         /* chain intact */
#define AR_AUDIT_CLI_BROKEN 1     /* an event was edited, removed or inserted */
#define AR_AUDIT_CLI_UNREADABLE 2 /* no database, not a database, or a schema we cannot read */

/* Prints "audit log ok: N events" to out, or "audit log broken at event SEQ" to out, or one
 * line saying why the database cannot be read to err; returns one of the codes above. Never
 * creates, migrates or writes the database. */
int ar_audit_cli_verify(const char *db_path, FILE *out, FILE *err);

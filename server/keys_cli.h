/* `anteroom --config FILE --rotate-link-key` and `--retire-link-key ID`: the operator's commands
 * for the link-token keyring (signaling/token.c) in the state directory. Called by main.c; safe
 * while the server runs (the file is replaced atomically and the server only reads it), which
 * picks the change up on SIGHUP. Each change is appended to the audit log. */
#pragma once
#include "config.h"

#include <stdio.h>

#define AR_KEYS_CLI_OK 0
#define AR_KEYS_CLI_FAILED 1 /* keyring unreadable or unwritable, unknown or active key */

/* A new random key becomes the active one; older keys keep verifying links in flight. Prints
 * what it did (key ids, no secrets) to out, or why not to err. */
int ar_keys_cli_rotate(const ArConfig *cfg, FILE *out, FILE *err);
/* Removes a retired key: links signed with it stop working (`invalid_token`). The active key
 * cannot be retired (rotate first). key_id is the decimal id the rotate output printed. */
int ar_keys_cli_retire(const ArConfig *cfg, const char *key_id, FILE *out, FILE *err);
/* The keyring file of a configuration (state_dir/token-keys): the server and these commands. */
char *ar_keys_cli_path(const ArConfig *cfg);

/* The ordered list of schema migrations; index i upgrades version i to i + 1. Never edit a
 * migration that has shipped: add a new one. */
#pragma once
#include <glib.h>

const char *const *ar_store_migrations(gsize *n);

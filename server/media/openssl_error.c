#include "openssl_error.h"

#include <openssl/err.h>

const char *
ar_openssl_reason(char *buf, gsize size)
{
  unsigned long e = ERR_peek_last_error();
  if (e == 0)
    g_strlcpy(buf, "no detail", size);
  else
    ERR_error_string_n(e, buf, size);
  ERR_clear_error();
  return buf;
}

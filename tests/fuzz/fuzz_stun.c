/* libFuzzer target for stun.c: parse arbitrary bytes and, when they parse, exercise every
 * accessor, so each bound recorded by ar_stun_parse is read at least once. */
#include "stun.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ArStunMsg m;
  if (ar_stun_parse(&m, data, size) != AR_STUN_OK)
    return 0;
  (void)ar_stun_msg_class(&m);
  (void)ar_stun_msg_method(&m);
  ArStunIter it;
  ArStunAttr a;
  guint sum = 0, n = 0;
  ar_stun_iter_init(&it, &m);
  while (ar_stun_iter_next(&it, &a)) {
    for (guint16 i = 0; i < a.len; i++)
      sum += a.value[i]; /* touches every value byte: ASan reports any overrun */
    n++;
  }
  if (n != m.attr_count)
    __builtin_trap();
  gsize ulen = 0;
  const guint8 *u = ar_stun_username(&m, &ulen);
  for (gsize i = 0; u && i < ulen; i++)
    sum += u[i];
  ArStunAddress addr;
  (void)ar_stun_xor_mapped_address(&m, &addr);
  (void)ar_stun_check_fingerprint(&m);
  static const guint8 key[] = "VOkJxbRl1RmTxUk/WvJxBt";
  (void)ar_stun_check_integrity(&m, key, sizeof key - 1);
  return (int)(sum & 0); /* keep sum alive without changing the result */
}

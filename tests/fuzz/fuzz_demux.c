/* libFuzzer target for the receive-path front: classify a packet as demux.c does and, when it
 * is STUN, parse it as stun.c does, the way the ICE shell's receive callback will. */
#include "demux.h"
#include "stun.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ArPacketKind kind = ar_demux_classify(data, size);
  (void)ar_demux_kind_name(kind);
  if (kind == AR_PKT_STUN) {
    ArStunMsg m;
    if (ar_stun_parse(&m, data, size) == AR_STUN_OK) {
      (void)ar_stun_username(&m, NULL);
      (void)ar_stun_check_fingerprint(&m);
    }
  } else if (size > 0 && data[0] <= 3) {
    /* Too short for STUN: the parser must agree. */
    ArStunMsg m;
    if (ar_stun_parse(&m, data, size) == AR_STUN_OK)
      __builtin_trap();
  }
  return 0;
}

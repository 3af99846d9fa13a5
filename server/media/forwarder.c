/* Simulcast layer choice per subscriber; see forwarder.h. */
#include "forwarder.h"

void
ar_forwarder_init(ArForwarder *f, gboolean video, gint target)
{
  *f = (ArForwarder){0};
  f->video = video;
  f->target = (gint8)CLAMP(target, -1, 7);
  f->current = -1;
}

void
ar_forwarder_set_target(ArForwarder *f, gint layer)
{
  f->target = (gint8)CLAMP(layer, -1, 7);
}

gboolean
ar_forwarder_set_audio_only(ArForwarder *f, gboolean on)
{
  on = !!on;
  if (f->audio_only == on)
    return FALSE;
  f->audio_only = on;
  f->current = -1;
  return TRUE;
}

gint
ar_forwarder_effective_target(const ArForwarder *f, guint active_mask)
{
  if (f->audio_only || f->target < 0)
    return -1;
  if (active_mask == 0 || (active_mask & (1u << f->target)))
    return f->target;
  for (gint l = f->target - 1; l >= 0; l--)
    if (active_mask & (1u << l))
      return l;
  for (gint l = f->target + 1; l < 8; l++)
    if (active_mask & (1u << l))
      return l;
  return f->target;
}

ArForwardDecision
ar_forwarder_handle(ArForwarder *f, guint layer, gboolean keyframe, guint active_mask)
{
  if (!f->video)
    return AR_FORWARD;
  gint eff = ar_forwarder_effective_target(f, active_mask | (1u << layer));
  if (eff < 0) {
    f->current = -1;
    return AR_FORWARD_DROP;
  }
  if ((gint)layer == f->current && eff == f->current)
    return AR_FORWARD;
  if ((gint)layer == eff && keyframe) {
    f->current = (gint8)eff;
    f->switches++;
    return AR_FORWARD_SWITCHED;
  }
  /* Keep the old layer flowing until the new one offers a keyframe: a frozen picture while the
   * switch is pending would be worse than the old resolution. */
  if ((gint)layer == f->current)
    return AR_FORWARD;
  return AR_FORWARD_DROP;
}

gint
ar_forwarder_keyframe_layer(const ArForwarder *f, guint active_mask)
{
  if (!f->video)
    return -1;
  gint eff = ar_forwarder_effective_target(f, active_mask);
  return eff >= 0 && eff != f->current ? eff : -1;
}

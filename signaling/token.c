/* Signed link tokens and their keyring; see token.h for the format and who calls what. */
#include "token.h"

#include "base64.h"
#include "bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

GQuark
ar_token_error_quark(void)
{
  return g_quark_from_static_string("ar-token-error-quark");
}

#define FIXED_LEN (1 + 4 + AR_TOKEN_ID_BYTES + 1 + 1 + 8 + 8)
#define PAYLOAD_MAX (FIXED_LEN + 1 + AR_TOKEN_REF_MAX + 1 + AR_TOKEN_REF_MAX)
#define MAC_LEN 32
#define KEYRING_FILE_MAX (64 * 1024)
#define KEYRING_GROUP "keyring"
#define KEYS_GROUP "keys"

typedef struct {
  guint32 id;
  guint8 secret[AR_TOKEN_SECRET_BYTES];
} Key;

struct _ArTokenKeyring {
  char *path;   /* NULL: ephemeral */
  GArray *keys; /* of Key; a handful at most, so lookups are linear */
  guint32 active_id;
};

static const char *const role_names[] = {
    [AR_TOKEN_ROLE_PATIENT] = "patient",
    [AR_TOKEN_ROLE_CLINICIAN] = "clinician",
    [AR_TOKEN_ROLE_INTERPRETER] = "interpreter",
    [AR_TOKEN_ROLE_CAREGIVER] = "caregiver",
    [AR_TOKEN_ROLE_STAFF] = "staff",
    [AR_TOKEN_ROLE_OFFER] = "offer",
};

const char *
ar_token_role_to_string(ArTokenRole role)
{
  if (role < AR_TOKEN_ROLE_FIRST || role > AR_TOKEN_ROLE_LAST)
    return "unknown";
  return role_names[role];
}

ArTokenRole
ar_token_role_from_string(const char *name)
{
  for (int r = AR_TOKEN_ROLE_FIRST; name && r <= AR_TOKEN_ROLE_LAST; r++)
    if (strcmp(name, role_names[r]) == 0)
      return (ArTokenRole)r;
  return 0;
}

/* Opaque ids end up in logs and URLs: printable ASCII without spaces keeps both safe. */
static gboolean
ref_is_valid(const guint8 *s, gsize n)
{
  if (n > AR_TOKEN_REF_MAX)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (s[i] < 0x21 || s[i] > 0x7e)
      return FALSE;
  return TRUE;
}

static gboolean
copy_ref(char dst[AR_TOKEN_REF_MAX + 1], const char *src)
{
  gsize n = src ? strnlen(src, AR_TOKEN_REF_MAX + 1) : 0;
  if (!ref_is_valid((const guint8 *)src, n))
    return FALSE;
  memcpy(dst, src ? src : "", n);
  dst[n] = '\0';
  return TRUE;
}

gboolean
ar_token_claims_init(ArTokenClaims *claims, ArTokenRole role, const char *visit_id,
                     const char *subject_id, gint64 now_unix, gint64 ttl_s, guint flags)
{
  memset(claims, 0, sizeof *claims);
  claims->version = AR_TOKEN_VERSION;
  claims->role = role;
  claims->flags = flags;
  claims->issued_at = now_unix;
  claims->expires_at = now_unix + ttl_s;
  if (RAND_bytes(claims->token_id, sizeof claims->token_id) != 1)
    return FALSE;
  return copy_ref(claims->visit_id, visit_id) && copy_ref(claims->subject_id, subject_id);
}

void
ar_token_id_to_hex(const ArTokenClaims *claims, char out[2 * AR_TOKEN_ID_BYTES + 1])
{
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < AR_TOKEN_ID_BYTES; i++) {
    out[2 * i] = hex[claims->token_id[i] >> 4];
    out[2 * i + 1] = hex[claims->token_id[i] & 15];
  }
  out[2 * AR_TOKEN_ID_BYTES] = '\0';
}

/* ---- keyring ---- */

static const Key *
keyring_find(const ArTokenKeyring *kr, guint32 id)
{
  for (guint i = 0; i < kr->keys->len; i++) {
    const Key *k = &g_array_index(kr->keys, Key, i);
    if (k->id == id)
      return k;
  }
  return NULL;
}

static ArTokenKeyring *
keyring_new(const char *path)
{
  ArTokenKeyring *kr = g_new0(ArTokenKeyring, 1);
  kr->path = g_strdup(path);
  kr->keys = g_array_new(FALSE, TRUE, sizeof(Key));
  return kr;
}

void
ar_token_keyring_free(ArTokenKeyring *kr)
{
  if (!kr)
    return;
  if (kr->keys->len)
    OPENSSL_cleanse(kr->keys->data, kr->keys->len * sizeof(Key));
  g_array_unref(kr->keys);
  g_free(kr->path);
  g_free(kr);
}

static gboolean
keyring_save(const ArTokenKeyring *kr, GError **error)
{
  if (!kr->path)
    return TRUE;
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_key_file_set_comment(kf, NULL, NULL,
                         " anteroom link-token keyring: key id = hex HMAC-SHA256 secret.\n"
                         " Secret: keep mode 0600. Rotate with the server, not by hand.",
                         NULL);
  g_key_file_set_uint64(kf, KEYRING_GROUP, "version", 1);
  g_key_file_set_uint64(kf, KEYRING_GROUP, "active", kr->active_id);
  for (guint i = 0; i < kr->keys->len; i++) {
    const Key *k = &g_array_index(kr->keys, Key, i);
    char name[16];
    char hex[2 * AR_TOKEN_SECRET_BYTES + 1];
    g_snprintf(name, sizeof name, "%u", k->id);
    for (int j = 0; j < AR_TOKEN_SECRET_BYTES; j++)
      g_snprintf(hex + 2 * j, 3, "%02x", k->secret[j]);
    g_key_file_set_string(kf, KEYS_GROUP, name, hex);
    OPENSSL_cleanse(hex, sizeof hex);
  }
  gsize len = 0;
  g_autofree char *data = g_key_file_to_data(kf, &len, NULL);
  GError *local = NULL;
  gboolean ok = g_file_set_contents_full(kr->path, data, (gssize)len,
                                         G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local);
  OPENSSL_cleanse(data, len);
  if (!ok) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "cannot write keyring: %s",
                local->message);
    g_error_free(local);
  }
  return ok;
}

static gboolean
parse_hex_secret(const char *hex, guint8 out[AR_TOKEN_SECRET_BYTES])
{
  if (strlen(hex) != 2 * AR_TOKEN_SECRET_BYTES)
    return FALSE;
  for (int i = 0; i < AR_TOKEN_SECRET_BYTES; i++) {
    int hi = g_ascii_xdigit_value(hex[2 * i]);
    int lo = g_ascii_xdigit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return FALSE;
    out[i] = (guint8)(hi << 4 | lo);
  }
  return TRUE;
}

static gboolean
parse_key_id(const char *s, guint32 *id)
{
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned(s, 10, 1, G_MAXUINT32, &v, NULL))
    return FALSE;
  *id = (guint32)v;
  return TRUE;
}

static gboolean
keyring_parse(ArTokenKeyring *kr, const char *data, gsize len, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;
  if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "keyring %s: %s", kr->path,
                local->message);
    return FALSE;
  }
  g_autofree char *active = g_key_file_get_string(kf, KEYRING_GROUP, "active", NULL);
  g_auto(GStrv) names = g_key_file_get_keys(kf, KEYS_GROUP, NULL, NULL);
  if (!active || !parse_key_id(active, &kr->active_id) || !names) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING,
                "keyring %s: needs [keyring] active= and a [keys] group", kr->path);
    return FALSE;
  }
  for (char **n = names; *n; n++) {
    Key k = {0};
    g_autofree char *hex = g_key_file_get_string(kf, KEYS_GROUP, *n, NULL);
    gboolean ok = hex && parse_key_id(*n, &k.id) && parse_hex_secret(hex, k.secret) &&
                  !keyring_find(kr, k.id);
    if (hex)
      OPENSSL_cleanse(hex, strlen(hex));
    if (!ok) {
      g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING,
                  "keyring %s: bad or duplicate key entry", kr->path);
      return FALSE;
    }
    g_array_append_val(kr->keys, k);
    OPENSSL_cleanse(&k, sizeof k);
  }
  if (!keyring_find(kr, kr->active_id)) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING,
                "keyring %s: active key %u is not in [keys]", kr->path, kr->active_id);
    return FALSE;
  }
  return TRUE;
}

/* Reads the file through one descriptor so the mode we check is the mode of what we read. */
static gboolean
keyring_read(ArTokenKeyring *kr, int fd, GError **error)
{
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "keyring %s: not a regular file",
                kr->path);
    return FALSE;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING,
                "keyring %s: mode %03o lets others read or change it; chmod 600", kr->path,
                (unsigned)(st.st_mode & 0777));
    return FALSE;
  }
  if (st.st_size > KEYRING_FILE_MAX) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "keyring %s: too large", kr->path);
    return FALSE;
  }
  char *buf = g_malloc((gsize)st.st_size + 1);
  gsize got = 0;
  while (got < (gsize)st.st_size) {
    ssize_t r = read(fd, buf + got, (gsize)st.st_size - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (gsize)r;
  }
  gboolean ok = FALSE;
  if (got != (gsize)st.st_size)
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "keyring %s: short read", kr->path);
  else
    ok = keyring_parse(kr, buf, got, error);
  OPENSSL_cleanse(buf, got);
  g_free(buf);
  return ok;
}

static gboolean
random_key(Key *k, guint32 id, GError **error)
{
  k->id = id;
  if (RAND_bytes(k->secret, sizeof k->secret) != 1) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "no randomness for a new key");
    return FALSE;
  }
  return TRUE;
}

ArTokenKeyring *
ar_token_keyring_new_ephemeral(void)
{
  ArTokenKeyring *kr = keyring_new(NULL);
  Key k;
  if (!random_key(&k, 1, NULL)) {
    ar_token_keyring_free(kr);
    return NULL;
  }
  g_array_append_val(kr->keys, k);
  OPENSSL_cleanse(&k, sizeof k);
  kr->active_id = 1;
  return kr;
}

ArTokenKeyring *
ar_token_keyring_load_or_create(const char *path, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  g_autoptr(ArTokenKeyring) kr = keyring_new(path);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    gboolean ok = keyring_read(kr, fd, error);
    close(fd);
    return ok ? g_steal_pointer(&kr) : NULL;
  }
  if (errno != ENOENT) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "keyring %s: %s", path,
                g_strerror(errno));
    return NULL;
  }
  Key k;
  if (!random_key(&k, 1, error))
    return NULL;
  g_array_append_val(kr->keys, k);
  OPENSSL_cleanse(&k, sizeof k);
  kr->active_id = 1;
  if (!keyring_save(kr, error))
    return NULL;
  return g_steal_pointer(&kr);
}

gboolean
ar_token_keyring_reload(ArTokenKeyring *kr, GError **error)
{
  if (!kr->path)
    return TRUE;
  g_autoptr(ArTokenKeyring) fresh = keyring_new(kr->path);
  int fd = open(kr->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "keyring %s: %s", kr->path,
                g_strerror(errno));
    return FALSE;
  }
  gboolean ok = keyring_read(fresh, fd, error);
  close(fd);
  if (!ok)
    return FALSE;
  /* Swap contents: the old secrets are wiped when `fresh` is freed. */
  GArray *keys = kr->keys;
  kr->keys = fresh->keys;
  fresh->keys = keys;
  kr->active_id = fresh->active_id;
  return TRUE;
}

gboolean
ar_token_keyring_has(const ArTokenKeyring *kr, guint32 key_id)
{
  return keyring_find(kr, key_id) != NULL;
}

guint32
ar_token_keyring_id_at(const ArTokenKeyring *kr, guint i)
{
  return i < kr->keys->len ? g_array_index(kr->keys, Key, i).id : 0;
}

guint32
ar_token_keyring_active_id(const ArTokenKeyring *kr)
{
  return kr->active_id;
}

guint
ar_token_keyring_size(const ArTokenKeyring *kr)
{
  return kr->keys->len;
}

/* Appends k; on a failed save the keyring is put back as it was. */
static gboolean
keyring_append(ArTokenKeyring *kr, const Key *k, gboolean make_active, GError **error)
{
  guint32 old_active = kr->active_id;
  g_array_append_val(kr->keys, *k);
  if (make_active)
    kr->active_id = k->id;
  if (keyring_save(kr, error))
    return TRUE;
  OPENSSL_cleanse(&g_array_index(kr->keys, Key, kr->keys->len - 1), sizeof(Key));
  g_array_set_size(kr->keys, kr->keys->len - 1);
  kr->active_id = old_active;
  return FALSE;
}

guint32
ar_token_keyring_rotate(ArTokenKeyring *kr, GError **error)
{
  guint32 max_id = 0;
  for (guint i = 0; i < kr->keys->len; i++)
    max_id = MAX(max_id, g_array_index(kr->keys, Key, i).id);
  if (max_id == G_MAXUINT32) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "key ids exhausted");
    return 0;
  }
  Key k;
  if (!random_key(&k, max_id + 1, error))
    return 0;
  gboolean ok = keyring_append(kr, &k, TRUE, error);
  OPENSSL_cleanse(&k, sizeof k);
  return ok ? max_id + 1 : 0;
}

gboolean
ar_token_keyring_add(ArTokenKeyring *kr, guint32 key_id, const guint8 secret[AR_TOKEN_SECRET_BYTES],
                     gboolean make_active, GError **error)
{
  if (key_id == 0 || keyring_find(kr, key_id)) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "key id %u is 0 or taken", key_id);
    return FALSE;
  }
  Key k = {.id = key_id};
  memcpy(k.secret, secret, sizeof k.secret);
  gboolean ok = keyring_append(kr, &k, make_active, error);
  OPENSSL_cleanse(&k, sizeof k);
  return ok;
}

gboolean
ar_token_keyring_remove(ArTokenKeyring *kr, guint32 key_id, GError **error)
{
  if (key_id == kr->active_id) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING,
                "key %u is active; rotate before removing it", key_id);
    return FALSE;
  }
  for (guint i = 0; i < kr->keys->len; i++) {
    Key *k = &g_array_index(kr->keys, Key, i);
    if (k->id != key_id)
      continue;
    Key saved = *k;
    g_array_remove_index(kr->keys, i);
    if (keyring_save(kr, error)) {
      OPENSSL_cleanse(&saved, sizeof saved);
      /* g_array_remove_index moved the tail down; wipe the stale copy past the end. */
      OPENSSL_cleanse(kr->keys->data + kr->keys->len * sizeof(Key), sizeof(Key));
      return TRUE;
    }
    g_array_insert_val(kr->keys, i, saved);
    OPENSSL_cleanse(&saved, sizeof saved);
    return FALSE;
  }
  g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING, "no key %u", key_id);
  return FALSE;
}

/* ---- payload ---- */

static void
put_be64(guint8 *p, gint64 v)
{
  ar_put_be32(p, (guint32)((guint64)v >> 32));
  ar_put_be32(p + 4, (guint32)v);
}

static gint64
get_be64(const guint8 *p)
{
  return (gint64)(((guint64)ar_be32(p) << 32) | ar_be32(p + 4));
}

static gboolean
claims_valid(const ArTokenClaims *c)
{
  return c->role >= AR_TOKEN_ROLE_FIRST && c->role <= AR_TOKEN_ROLE_LAST &&
         (c->flags & ~AR_TOKEN_FLAGS_KNOWN) == 0 && c->expires_at > c->issued_at &&
         ref_is_valid((const guint8 *)c->visit_id, strnlen(c->visit_id, AR_TOKEN_REF_MAX + 1)) &&
         ref_is_valid((const guint8 *)c->subject_id, strnlen(c->subject_id, AR_TOKEN_REF_MAX + 1));
}

static gsize
payload_encode(const ArTokenClaims *c, guint32 key_id, guint8 out[PAYLOAD_MAX])
{
  gsize n = 0;
  out[n++] = AR_TOKEN_VERSION;
  ar_put_be32(out + n, key_id);
  n += 4;
  memcpy(out + n, c->token_id, AR_TOKEN_ID_BYTES);
  n += AR_TOKEN_ID_BYTES;
  out[n++] = (guint8)c->role;
  out[n++] = (guint8)c->flags;
  put_be64(out + n, c->issued_at);
  n += 8;
  put_be64(out + n, c->expires_at);
  n += 8;
  const char *refs[2] = {c->visit_id, c->subject_id};
  for (int i = 0; i < 2; i++) {
    gsize len = strlen(refs[i]);
    out[n++] = (guint8)len;
    memcpy(out + n, refs[i], len);
    n += len;
  }
  return n;
}

static gboolean
read_ref(const guint8 *p, gsize len, gsize *off, char dst[AR_TOKEN_REF_MAX + 1])
{
  if (*off >= len)
    return FALSE;
  gsize n = p[(*off)++];
  if (n > len - *off || !ref_is_valid(p + *off, n))
    return FALSE;
  memcpy(dst, p + *off, n);
  dst[n] = '\0';
  *off += n;
  return TRUE;
}

static gboolean
payload_decode(const guint8 *p, gsize len, ArTokenClaims *c)
{
  memset(c, 0, sizeof *c);
  if (len < FIXED_LEN)
    return FALSE;
  gsize off = 0;
  c->version = p[off++];
  c->key_id = ar_be32(p + off);
  off += 4;
  memcpy(c->token_id, p + off, AR_TOKEN_ID_BYTES);
  off += AR_TOKEN_ID_BYTES;
  c->role = p[off++];
  c->flags = p[off++];
  c->issued_at = get_be64(p + off);
  off += 8;
  c->expires_at = get_be64(p + off);
  off += 8;
  if (!read_ref(p, len, &off, c->visit_id) || !read_ref(p, len, &off, c->subject_id))
    return FALSE;
  return off == len && c->version == AR_TOKEN_VERSION && claims_valid(c);
}

static void
mac(const Key *k, const guint8 *payload, gsize n, guint8 out[MAC_LEN])
{
  unsigned int out_len = MAC_LEN;
  if (!HMAC(EVP_sha256(), k->secret, sizeof k->secret, payload, n, out, &out_len))
    /* Only on allocation failure inside OpenSSL: make the result unusable, never zero. */
    RAND_bytes(out, MAC_LEN);
}

char *
ar_token_sign(const ArTokenKeyring *kr, const ArTokenClaims *claims, GError **error)
{
  const Key *k = keyring_find(kr, kr->active_id);
  if (!claims_valid(claims) || !k) {
    g_set_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_INVALID_CLAIMS,
                "claims cannot be signed (role, flags, times or ids out of range)");
    return NULL;
  }
  guint8 payload[PAYLOAD_MAX];
  guint8 sig[MAC_LEN];
  gsize n = payload_encode(claims, k->id, payload);
  mac(k, payload, n, sig);
  gsize plen = ar_base64_encoded_len(n);
  char *out = g_malloc(plen + 1 + ar_base64_encoded_len(MAC_LEN) + 1);
  ar_base64_encode(AR_BASE64_URL, payload, n, out);
  out[plen] = '.';
  ar_base64_encode(AR_BASE64_URL, sig, MAC_LEN, out + plen + 1);
  return out;
}

static gboolean
fail(GError **error, ArTokenError code, const char *what)
{
  g_set_error_literal(error, AR_TOKEN_ERROR, code, what);
  return FALSE;
}

gboolean
ar_token_verify(const ArTokenKeyring *kr, const char *token, gint64 now_unix, ArTokenClaims *out,
                GError **error)
{
  if (!token)
    return fail(error, AR_TOKEN_ERROR_MALFORMED, "no token");
  gsize len = strnlen(token, AR_TOKEN_MAX_LEN + 1);
  if (len > AR_TOKEN_MAX_LEN)
    return fail(error, AR_TOKEN_ERROR_MALFORMED, "token too long");
  const char *dot = memchr(token, '.', len);
  if (!dot)
    return fail(error, AR_TOKEN_ERROR_MALFORMED, "token has no signature part");
  gsize plen = (gsize)(dot - token);
  gsize slen = len - plen - 1;

  guint8 payload[PAYLOAD_MAX];
  guint8 sig[MAC_LEN];
  gssize n = ar_base64_decode(AR_BASE64_URL, token, plen, payload, sizeof payload);
  if (n < FIXED_LEN || slen != ar_base64_encoded_len(MAC_LEN) ||
      ar_base64_decode(AR_BASE64_URL, dot + 1, slen, sig, sizeof sig) != MAC_LEN)
    return fail(error, AR_TOKEN_ERROR_MALFORMED, "token encoding or length is wrong");
  if (payload[0] != AR_TOKEN_VERSION)
    return fail(error, AR_TOKEN_ERROR_MALFORMED, "unknown token version");

  const Key *k = keyring_find(kr, ar_be32(payload + 1));
  if (!k)
    return fail(error, AR_TOKEN_ERROR_UNKNOWN_KEY, "token signed by an unknown or retired key");
  guint8 expect[MAC_LEN];
  mac(k, payload, (gsize)n, expect);
  if (CRYPTO_memcmp(expect, sig, MAC_LEN) != 0)
    return fail(error, AR_TOKEN_ERROR_BAD_SIGNATURE, "token signature does not match");

  ArTokenClaims c;
  if (!payload_decode(payload, (gsize)n, &c))
    return fail(error, AR_TOKEN_ERROR_MALFORMED, "token payload is malformed");
  if (now_unix >= c.expires_at)
    return fail(error, AR_TOKEN_ERROR_EXPIRED, "token expired");
  if (c.issued_at > now_unix + AR_TOKEN_CLOCK_SKEW_S)
    return fail(error, AR_TOKEN_ERROR_NOT_YET_VALID, "token not yet valid");
  if (out)
    *out = c;
  return TRUE;
}

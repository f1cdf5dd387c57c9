/* FNV-1a 64: the one hash of hnnc (the gcc cache's file names, checkpoint
 * checksums, model hashes). Not cryptographic; stable across platforms. */
#ifndef HN_HASH_H
#define HN_HASH_H
#include <stddef.h>
#include <stdint.h>

#define HN_FNV_INIT 0xcbf29ce484222325ULL

/* continues the hash h over n bytes (start with HN_FNV_INIT) */
static inline uint64_t hn_fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}
#endif

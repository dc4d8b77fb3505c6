/* file_format.c — the snapshot file checksum (FORMAT.md): 64-bit little-endian words, one multiply and one
 * rotate each, so that verifying a file costs far less than reading it. */
#include "file_format.h"

#define CHECKSUM_SEED 0x746d74726163650aull /* "tmtrace\n" */
#define CHECKSUM_MULTIPLIER 0x9e3779b97f4a7c15ull

static uint64_t rotl(uint64_t v, int r)
{
    return (v << r) | (v >> (64 - r));
}

void tm_checksum_init(tm_checksum *c)
{
    c->state = CHECKSUM_SEED;
    c->length = 0;
}

static uint64_t step(uint64_t h, const unsigned char *word)
{
    return rotl((h ^ tm_get_u64(word)) * CHECKSUM_MULTIPLIER, 29);
}

void tm_checksum_update(tm_checksum *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t pending = c->length % 8;
    c->length += len;
    if (pending) {
        size_t fill = 8 - pending < len ? 8 - pending : len;
        memcpy(c->pending + pending, p, fill);
        p += fill;
        len -= fill;
        if (pending + fill < 8)
            return;
        c->state = step(c->state, c->pending);
    }
    uint64_t h = c->state;
    for (; len >= 8; p += 8, len -= 8)
        h = step(h, p);
    c->state = h;
    memcpy(c->pending, p, len);
}

/* The last incomplete word counts zero-padded, then the length is mixed in. */
uint64_t tm_checksum_final(const tm_checksum *c)
{
    uint64_t h = c->state;
    size_t pending = c->length % 8;
    if (pending) {
        unsigned char word[8] = {0};
        memcpy(word, c->pending, pending);
        h = step(h, word);
    }
    h ^= c->length;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

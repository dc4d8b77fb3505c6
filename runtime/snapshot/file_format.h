/* file_format.h — constants and the checksum of the snapshot file format (FORMAT.md), shared by dump.c and
 * load.c. All integers in the file are little-endian. */
#ifndef TMTRACE_SNAPSHOT_FILE_FORMAT_H
#define TMTRACE_SNAPSHOT_FILE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Model internals: hidden, so that libtmtrace.so exports only the public tmtrace_* API. */
#pragma GCC visibility push(hidden)

#define TM_FILE_MAGIC "TMTSNAP" /* 8 bytes with its NUL */
#define TM_FILE_VERSION 1u
#define TM_FILE_BYTE_ORDER 0x01020304u
#define TM_FILE_HEADER_SIZE 32u  /* magic, version, byte order, flags, reserved, file size */
#define TM_FILE_TRAILER_SIZE 8u  /* checksum */
#define TM_FILE_FRAME_SIZE 20u
#define TM_FILE_TRACE_SIZE 16u

/* The running checksum over the file's bytes, fed in pieces of any size. */
typedef struct tm_checksum {
    uint64_t state;
    uint64_t length;
    unsigned char pending[8]; /* bytes of an incomplete word: length % 8 of them */
} tm_checksum;

void tm_checksum_init(tm_checksum *c);
void tm_checksum_update(tm_checksum *c, const void *data, size_t len);
uint64_t tm_checksum_final(const tm_checksum *c);

static inline void tm_put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void tm_put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t tm_get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t tm_get_u64(const unsigned char *p)
{
    return (uint64_t)tm_get_u32(p) | (uint64_t)tm_get_u32(p + 4) << 32;
}

#pragma GCC visibility pop

#endif

/* domains.c — the domains: 0 is the C heap (its map is heap_table.c's per-thread tables); every other
 * domain gets its own smaller map on first tmtrace_track(), and any domain may carry a name for reports.
 * The registry is a short array searched under one lock: only tmtrace_track()/untrack() of non-zero domains
 * and name changes go through it. */
#include <string.h>

#include "spinlock.h"
#include "tracer.h"

#define TM_DOMAIN_SHARD_BITS 3

struct domain_entry {
    unsigned domain;
    struct tm_trace_map *map; /* NULL until the first track */
    char *name;               /* NULL until named */
    size_t name_size;
};

static tm_spinlock registry_lock;
static struct domain_entry *entries;
static size_t nentries, entries_cap;

/* The entry of domain, added when `create`. Caller holds registry_lock. */
static struct domain_entry *find_entry(unsigned domain, int create)
{
    for (size_t i = 0; i < nentries; i++)
        if (entries[i].domain == domain)
            return &entries[i];
    if (!create)
        return NULL;
    if (nentries == entries_cap) {
        size_t cap = entries_cap ? entries_cap * 2 : 8;
        struct domain_entry *grown = tm_tracer_alloc(cap * sizeof *grown);
        if (!grown)
            return NULL;
        if (entries)
            memcpy(grown, entries, nentries * sizeof *grown);
        tm_tracer_free(entries, entries_cap * sizeof *entries);
        entries = grown;
        entries_cap = cap;
    }
    struct domain_entry *e = &entries[nentries++];
    memset(e, 0, sizeof *e);
    e->domain = domain;
    return e;
}

struct tm_trace_map *tm_domain_map(unsigned domain, int create)
{
    if (domain == 0)
        return tm_trace_map_heap();
    tm_spin_lock(&registry_lock);
    struct domain_entry *e = find_entry(domain, create);
    if (e && !e->map && create)
        e->map = tm_trace_map_new(TM_DOMAIN_SHARD_BITS);
    struct tm_trace_map *map = e ? e->map : NULL;
    tm_spin_unlock(&registry_lock);
    return map;
}

int tm_domain_set_name(unsigned domain, const char *name, int only_if_unnamed)
{
    size_t size = strlen(name) + 1;
    tm_spin_lock(&registry_lock);
    struct domain_entry *e = find_entry(domain, 1);
    int rc = 0;
    if (!e) {
        rc = tm_error("out of tracer memory naming domain %u", domain);
    } else if (!(only_if_unnamed && e->name)) {
        char *copy = tm_tracer_alloc(size);
        if (!copy) {
            rc = tm_error("out of tracer memory naming domain %u", domain);
        } else {
            memcpy(copy, name, size);
            tm_tracer_free(e->name, e->name_size);
            e->name = copy;
            e->name_size = size;
        }
    }
    tm_spin_unlock(&registry_lock);
    return rc;
}

int tm_domains_each(int (*fn)(void *ctx, unsigned domain, struct tm_trace_map *map, const char *name), void *ctx)
{
    int rc = fn(ctx, 0, tm_trace_map_heap(), NULL);
    /* Entries are only appended and maps/names only replaced under the lock: walk by index, re-reading. */
    for (size_t i = 0; rc == 0; i++) {
        tm_spin_lock(&registry_lock);
        if (i >= nentries) {
            tm_spin_unlock(&registry_lock);
            break;
        }
        struct domain_entry e = entries[i];
        tm_spin_unlock(&registry_lock);
        if (e.domain == 0)
            rc = fn(ctx, 0, NULL, e.name);
        else
            rc = fn(ctx, e.domain, e.map, e.name);
    }
    return rc;
}

static int add_trace_size(void *ctx, uintptr_t ptr, uint64_t value)
{
    (void)ptr;
    *(int64_t *)ctx += (int64_t)tm_packed_size(value);
    return 0;
}

static int add_domain_size(void *ctx, unsigned domain, struct tm_trace_map *map, const char *name)
{
    (void)domain;
    (void)name;
    return map ? tm_trace_map_each(map, add_trace_size, ctx) : 0;
}

int64_t tm_domains_traced_size(void)
{
    int64_t traced = 0;
    tm_domains_each(add_domain_size, &traced);
    return traced;
}

int64_t tm_domains_clear_traces(void)
{
    int64_t removed = tm_trace_map_clear(tm_trace_map_heap());
    tm_spin_lock(&registry_lock);
    for (size_t i = 0; i < nentries; i++)
        if (entries[i].map)
            removed += tm_trace_map_clear(entries[i].map);
    tm_spin_unlock(&registry_lock);
    return removed;
}

void tm_domains_lock_all(void)
{
    tm_spin_lock(&registry_lock);
    tm_trace_map_lock_all(tm_trace_map_heap());
    for (size_t i = 0; i < nentries; i++)
        if (entries[i].map)
            tm_trace_map_lock_all(entries[i].map);
}

void tm_domains_unlock_all(void)
{
    for (size_t i = 0; i < nentries; i++)
        if (entries[i].map)
            tm_trace_map_unlock_all(entries[i].map);
    tm_trace_map_unlock_all(tm_trace_map_heap());
    tm_spin_unlock(&registry_lock);
}

/* oracle_leaks.c — blocks alive at exit of every kind memcheck distinguishes: definitely lost (direct), indirectly
 * lost (reachable only from a lost block), lost cycles, possibly lost (only an interior pointer), still
 * reachable (from globals and from another thread's data), malloc(0) kept and lost, blocks leaked by threads
 * that exited, realloc'd and freed blocks (which must not count). oracle.py compares tmtrace's count at exit
 * with valgrind's. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *next;
    char payload[40];
};

static void *volatile sink;        /* overwritten: what it held is lost */
static char *interior;             /* points into the middle of its block only */
static void *reachable[3];         /* still reachable at exit */
static struct node *volatile kept; /* a reachable list */

static void lose(void *p)
{
    sink = p;
    sink = NULL;
}

static struct node *new_node(struct node *next)
{
    struct node *n = malloc(sizeof *n);
    n->next = next;
    memset(n->payload, 'n', sizeof n->payload);
    return n;
}

static void *leaky_thread(void *arg)
{
    uintptr_t i = (uintptr_t)arg;
    for (uintptr_t k = 0; k <= i; k++)
        lose(malloc(64 + k));
    if (i == 0)
        reachable[2] = calloc(3, 33);
    return NULL;
}

int main(void)
{
    lose(malloc(100));                                   /* direct */
    lose(new_node(new_node(new_node(NULL))));            /* direct + 2 indirect */
    struct node *a = new_node(NULL), *b = new_node(a);   /* a cycle */
    a->next = b;
    lose(a);
    a = b = NULL;
    interior = (char *)malloc(256) + 100;                /* possibly lost */
    reachable[0] = malloc(0);                            /* kept malloc(0) */
    lose(malloc(0));                                     /* lost malloc(0) */
    reachable[1] = realloc(malloc(10), 500);             /* realloc'd: one block */
    kept = new_node(new_node(NULL));                     /* reachable list */
    free(malloc(1000));                                  /* freed: not counted */
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, leaky_thread, (void *)(uintptr_t)i);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    puts("oracle_leaks: done");
    return 0;
}

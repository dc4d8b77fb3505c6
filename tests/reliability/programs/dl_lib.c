/* dl_lib.c — an instrumented shared library that dl_main.c loads and unloads again and again: its blocks
 * outlive it, and their frames must still print (file, line, function) after dlclose. */
#include <stdlib.h>

static void *lib_inner(size_t size)
{
    return malloc(size);
}

void *dl_lib_allocate(size_t size)
{
    return lib_inner(size);
}

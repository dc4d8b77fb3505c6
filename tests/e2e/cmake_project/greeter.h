/* greeter.h — the library target of the CMake e2e project. */
#ifndef GREETER_H
#define GREETER_H
#include <stddef.h>
char *greeting_for(const char *name);
void *greeter_buffer(size_t size);
#endif

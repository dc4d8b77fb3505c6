/* greeter.h — the library target of the CMake e2e project. */
#ifndef GREETER_H
#define GREETER_H
char *greeting_for(const char *name);
#endif

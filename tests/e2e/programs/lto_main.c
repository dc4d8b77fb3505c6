/* lto_main.c — with lto_helpers.c: under -flto the linker inlines the helpers into main across files; the
 * frames must be the same as without LTO. */
#include "show.h"

char *make_label(int n);
char *make_label_twice(int n);

int main(void)
{
    char *label = make_label(3);
    char *other = make_label_twice(4);
    show_traceback("label", label);
    show_traceback("other", other);
    fflush(stdout);
    return 0;
}

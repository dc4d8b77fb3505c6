/* response_files.h — the wrappers' view of clang's @file arguments (response files), so that options inside
 * them (CMake's Ninja generator puts the compile flags there, -fsanitize=tmtrace included) count as if they
 * were on the command line. */
#ifndef TMTRACE_RESPONSE_FILES_H
#define TMTRACE_RESPONSE_FILES_H

enum arg_kind {
    ARG_PLAIN,    /* a command-line argument, or one read from a response file that is spliced in */
    ARG_RSP_FILE, /* an @file passed on to clang as it is; its arguments follow as ARG_FROM_RSP */
    ARG_FROM_RSP, /* read from the preceding ARG_RSP_FILE: it counts, but clang reads it from the file */
};

struct arg {
    const char *text;
    enum arg_kind kind;
};

/* argv[1..argc) with every readable @file expanded as clang 19 expands it (GNU quoting; a nested @file is
 * relative to the working directory; an unreadable one is an ordinary argument). A response file stays an
 * @file unless `must_splice` holds for something in it (an option the wrapper rewrites, which clang would
 * reject): then its arguments are spliced into the command line. Returns NULL, with a message naming
 * `program`, when files nest too deeply (a cycle). *count receives the number of entries. */
struct arg *expand_response_files(int argc, char **argv, int (*must_splice)(const char *), const char *program,
                                  int *count);

#endif

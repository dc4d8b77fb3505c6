/* options.h — tmtrace-diff's command line: what the user asked for, parsed and checked. */
#ifndef TMTRACE_DIFF_OPTIONS_H
#define TMTRACE_DIFF_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include <tmtrace/tmtrace.h>

enum output_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_HTML };

struct diff_options {
    tmtrace_key key;
    int cumulative;
    size_t limit;        /* 0: no limit */
    int limit_given;
    tmtrace_filter *filters; /* --include and --exclude in command-line order: any include, every exclude */
    size_t nfilters;
    int domain_given; /* --domain restricts what the filename filters keep */
    tmtrace_filter domain;
    enum output_format format;
    const char *output; /* -o FILE; NULL: stdout */
    int fail_over_given;
    uint64_t fail_over;
    char **operands;
    size_t noperands;
};

/* Returns 0 to go on, 1 when --help/--version was handled (exit 0), 2 on a bad command line (message printed). */
int parse_options(int argc, char **argv, struct diff_options *opts);
void free_options(struct diff_options *opts);

#endif

/* tmtrace_clang.c — tmtrace-clang and tmtrace-clang++: clang-19 (clang++-19) that understands
 * -fsanitize=tmtrace like clang's own sanitizers.
 *
 * With tmtrace on (the last of -fsanitize=...tmtrace... / -fno-sanitize=...tmtrace... wins), a compile gets the
 * pass plugin (and -gline-directives-only when the user chose no -g level: the pass needs the lines, and removes
 * them from the output once the site records are built; a user whose own choice is -gline-directives-only gets
 * -mllvm -tmtrace-keep-line-directives so that they stay), a link gets the runtime (-ltmtrace with an rpath; not
 * a partial link, -r), and nothing is added to commands that neither compile nor link (-E, -M, -MM, --version,
 * -###, -print-*, -fsyntax-only, --analyze, -emit-ast). A compile also gets -isystem <include dir> so that <tmtrace/tmtrace.h> is found, as clang
 * finds <sanitizer/asan_interface.h>. Plugin, runtime and headers are found relative to this executable, so the
 * build tree (build/bin, build/lib, build/include) and any install prefix work alike. The compiler is clang-19
 * unless TMTRACE_CLANG (TMTRACE_CLANGXX for tmtrace-clang++) names another; such a compiler that is not clang 19
 * gets a clear error, since the plugin only loads into the clang major it was built for. Arguments inside
 * response files (@file) count as if on the command line (response_files.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "response_files.h"

extern char **environ;

#ifndef TMTRACE_WRAPPER_CXX
#define TMTRACE_WRAPPER_CXX 0
#endif
#ifndef TMTRACE_REL_LIBDIR /* from bin/ to the install tree's lib/ (e.g. "../lib") */
#define TMTRACE_REL_LIBDIR "../lib"
#endif
#ifndef TMTRACE_REL_INCLUDEDIR /* from bin/ to the directory holding tmtrace/tmtrace.h */
#define TMTRACE_REL_INCLUDEDIR "../include"
#endif
#define TMTRACE_LLVM_MAJOR 19
#define PLUGIN_NAME "libtmtrace_pass.so"
#define RUNTIME_NAME "libtmtrace.so"

static const char *program_name(void) { return TMTRACE_WRAPPER_CXX ? "tmtrace-clang++" : "tmtrace-clang"; }

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", program_name());
        exit(1);
    }
    return p;
}

static char *concat(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = xmalloc(la + lb + lc + 1);
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

static int starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The first of `relative` (paths from this executable's directory) that holds the file `name`, resolved;
 * NULL if none does. */
static char *find_beside_self(const char *const *relative, size_t count, const char *name)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    for (size_t i = 0; i < count; i++) {
        char *dir = concat(exe, "/", relative[i]);
        char resolved[PATH_MAX];
        int ok = realpath(dir, resolved) != NULL;
        free(dir);
        if (!ok)
            continue;
        char *file = concat(resolved, "/", name);
        int found = is_file(file);
        free(file);
        if (found)
            return strdup(resolved);
    }
    return NULL;
}

/* Runs `compiler -dumpversion` and returns its major version, or -1 (with a message) if it cannot run. */
static int compiler_major(const char *compiler)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    char *argv[] = {(char *)compiler, "-dumpversion", NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, compiler, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        fprintf(stderr, "%s: cannot run the compiler '%s': %s\n", program_name(), compiler, strerror(rc));
        return -1;
    }
    char out[64] = {0};
    ssize_t got = read(fds[0], out, sizeof out - 1);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: '%s -dumpversion' failed; is it clang?\n", program_name(), compiler);
        return -1;
    }
    return atoi(out);
}

/* Options whose value is the next argument (so that value is not taken for an input file). */
static int takes_separate_value(const char *a)
{
    static const char *const opts[] = {"-o", "-I", "-D", "-U", "-include", "-imacros", "-isystem", "-idirafter",
                                       "-iquote", "-isysroot", "--sysroot", "-x", "-MF", "-MT", "-MQ", "-L",
                                       "-Xlinker", "-Xclang", "-Xassembler", "-Xpreprocessor", "-mllvm", "-target",
                                       "-arch", "-u", "-T", "-z", "-e", "-F", "-iprefix", "-iwithprefix",
                                       "-iwithprefixbefore", "-resource-dir", "-ivfsoverlay", "-dependency-file",
                                       "--config", "-main-file-name", "-serialize-diagnostics"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (strcmp(a, opts[i]) == 0)
            return 1;
    return 0;
}

/* A -g option that sets a debug level or format: the user chose what debug info to emit. */
static int is_debug_choice(const char *a)
{
    if (strcmp(a, "-g") == 0 || (a[0] == '-' && a[1] == 'g' && a[2] >= '0' && a[2] <= '3' && a[3] == '\0'))
        return 1;
    static const char *const prefixes[] = {"-ggdb", "-gline-tables-only", "-gline-directives-only", "-gdwarf",
                                           "-gfull", "-gmlt", "-gcodeview", "-glldb", "-gsce", "-gdbx"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (starts_with(a, prefixes[i]))
            return 1;
    return 0;
}

/* What clang does with an input: compile it and link the result, precompile it (a header: nothing is linked),
 * or only link it (objects, libraries; assembler is not compiled either). */
enum input_kind { INPUT_BY_EXTENSION, INPUT_LINKED, INPUT_SOURCE, INPUT_HEADER };

static int has_extension(const char *a, const char *const *exts, size_t count)
{
    const char *dot = strrchr(a, '.');
    if (!dot || strchr(dot, '/'))
        return 0;
    for (size_t i = 0; i < count; i++)
        if (strcmp(dot, exts[i]) == 0)
            return 1;
    return 0;
}

static enum input_kind input_kind_by_extension(const char *a)
{
    static const char *const sources[] = {".c", ".cc", ".cp", ".cpp", ".cxx", ".c++", ".C", ".CC", ".CPP", ".i",
                                          ".ii", ".m", ".mm", ".M", ".bc", ".ll"};
    static const char *const headers[] = {".h", ".hh", ".hpp", ".hxx", ".h++", ".H", ".HH", ".HPP"};
    if (has_extension(a, sources, sizeof sources / sizeof sources[0]))
        return INPUT_SOURCE;
    if (has_extension(a, headers, sizeof headers / sizeof headers[0]))
        return INPUT_HEADER;
    return INPUT_LINKED;
}

/* The kind -x <language> gives the inputs after it. */
static enum input_kind input_kind_of_language(const char *language)
{
    if (strcmp(language, "none") == 0)
        return INPUT_BY_EXTENSION;
    if (starts_with(language, "assembler"))
        return INPUT_LINKED;
    if (strstr(language, "header")) /* c-header, c++-header, c++-user-header, ... */
        return INPUT_HEADER;
    return INPUT_SOURCE;
}

/* An option the wrapper consumes or rewrites (clang itself would reject -fsanitize=tmtrace). */
static int is_sanitizer_option(const char *a)
{
    return starts_with(a, "-fsanitize=") || starts_with(a, "-fno-sanitize=") || starts_with(a, "-fsanitize-tmtrace");
}

/* Appends `list` (comma-separated sanitizers, tmtrace removed) as "<flag><rest>" to out; updates *enabled. */
static void split_sanitizers(const char *flag, const char *list, int turns_on, int *enabled, char **out, int *n)
{
    char *rest = xmalloc(strlen(list) + 1), *copy = strdup(list);
    rest[0] = '\0';
    for (char *save, *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        if (strcmp(s, "tmtrace") == 0 || (!turns_on && strcmp(s, "all") == 0)) {
            *enabled = turns_on;
            if (strcmp(s, "tmtrace") == 0)
                continue;
        }
        if (rest[0])
            strcat(rest, ",");
        strcat(rest, s);
    }
    free(copy);
    if (rest[0])
        out[(*n)++] = concat(flag, rest, "");
    free(rest);
}

/* Whether the comma-separated `list` names one of `names` (NULL-terminated). */
static int lists_any(const char *list, const char *const *names)
{
    char *copy = strdup(list);
    int found = 0;
    for (char *save, *s = strtok_r(copy, ",", &save); s && !found; s = strtok_r(NULL, ",", &save))
        for (const char *const *name = names; *name && !found; name++)
            found = strcmp(s, *name) == 0;
    free(copy);
    return found;
}

int main(int argc, char **argv)
{
    const char *env_compiler = getenv(TMTRACE_WRAPPER_CXX ? "TMTRACE_CLANGXX" : "TMTRACE_CLANG");
    const char *compiler = env_compiler && *env_compiler ? env_compiler
                                                         : (TMTRACE_WRAPPER_CXX ? "clang++-19" : "clang-19");

    int count;
    struct arg *in = expand_response_files(argc, argv, is_sanitizer_option, program_name(), &count);
    if (!in)
        return 1;
    /* The compiler, every argument at most once, then what the wrapper adds (extra, below: at most 10 when
     * compiling and 5 when linking today) and the NULL, with room to spare for the next option. */
    enum { EXTRA_ARGS = 24 };
    char **args = xmalloc(sizeof(char *) * (1 + (size_t)count + EXTRA_ARGS));
    int n = 0, enabled = 0, links = 1, compiles = 0, has_input = 0, info_only = 0, user_debug = 0, is_static = 0;
    int linked_inputs = 0, user_line_directives = 0;
    /* DataFlowSanitizer and coverage of loads and stores would take the pass's %fs-relative shadow pointer for an
     * address (ShadowStack.cpp) and cannot be seen in the IR: the pass gets -tmtrace-shadow-tls-address when one
     * is named anywhere (turning it off again is not followed: the option only costs a few instructions). */
    int shadow_tls_address = 0;
    static const char *const address_sanitizers[] = {"dataflow", NULL};
    static const char *const address_coverage[] = {"trace-loads", "trace-stores", NULL};
    enum input_kind forced_kind = INPUT_BY_EXTENSION; /* from -x */
    const char *allocators = NULL;
    args[n++] = (char *)compiler;
    for (int i = 0; i < count; i++) {
        const char *a = in[i].text;
        if (in[i].kind == ARG_RSP_FILE) { /* clang reads it; its arguments follow */
            args[n++] = (char *)a;
            continue;
        }
        if (starts_with(a, "-fsanitize=")) {
            shadow_tls_address |= lists_any(a + strlen("-fsanitize="), address_sanitizers);
            split_sanitizers("-fsanitize=", a + strlen("-fsanitize="), 1, &enabled, args, &n);
            continue;
        }
        if (starts_with(a, "-fno-sanitize=")) {
            split_sanitizers("-fno-sanitize=", a + strlen("-fno-sanitize="), 0, &enabled, args, &n);
            continue;
        }
        if (starts_with(a, "-fsanitize-tmtrace-allocators=")) {
            allocators = a + strlen("-fsanitize-tmtrace-allocators=");
            continue;
        }
        if (starts_with(a, "-fsanitize-tmtrace")) {
            fprintf(stderr, "%s: unknown option '%s' (tmtrace's only option is -fsanitize-tmtrace-allocators=FILE)\n",
                    program_name(), a);
            return 1;
        }
        if (starts_with(a, "-fsanitize-coverage="))
            shadow_tls_address |= lists_any(a + strlen("-fsanitize-coverage="), address_coverage);
        if (in[i].kind == ARG_PLAIN)
            args[n++] = (char *)a;
        /* -r: a partial link (ld -r finds no shared library); the final link adds the runtime. */
        if (strcmp(a, "-c") == 0 || strcmp(a, "-S") == 0 || strcmp(a, "-E") == 0 || strcmp(a, "-M") == 0 ||
            strcmp(a, "-MM") == 0 || strcmp(a, "-fsyntax-only") == 0 || strcmp(a, "--precompile") == 0 ||
            strcmp(a, "-r") == 0)
            links = 0;
        else if (strcmp(a, "--version") == 0 || strcmp(a, "-###") == 0 || strcmp(a, "--help") == 0 ||
                 starts_with(a, "-dump") || starts_with(a, "-print-") || starts_with(a, "--print-"))
            info_only = 1;
        else if (strcmp(a, "-static") == 0 || strcmp(a, "-static-pie") == 0)
            is_static = 1;
        else if (is_debug_choice(a)) {
            user_debug = 1;
            user_line_directives = strcmp(a, "-gline-directives-only") == 0; /* the last -g option wins */
        }
        if (strcmp(a, "-E") == 0 || strcmp(a, "-M") == 0 || strcmp(a, "-MM") == 0 ||
            strcmp(a, "-fsyntax-only") == 0 || strcmp(a, "--analyze") == 0 || strcmp(a, "-emit-ast") == 0)
            info_only = 1; /* preprocessing, checking or analysing only: no code, no plugin */
        if (starts_with(a, "-x") && a[2])
            forced_kind = input_kind_of_language(a + 2);
        if (takes_separate_value(a) && i + 1 < count) {
            /* The value is the next argument clang sees: the first one inside a response file that comes next
             * (clang expands it in place), which must still be passed on. */
            while (i + 1 < count && in[i + 1].kind == ARG_RSP_FILE)
                args[n++] = (char *)in[++i].text;
            if (i + 1 == count)
                continue;
            if (in[++i].kind == ARG_PLAIN)
                args[n++] = (char *)in[i].text;
            if (strcmp(a, "-x") == 0)
                forced_kind = input_kind_of_language(in[i].text);
            continue;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            enum input_kind kind = forced_kind != INPUT_BY_EXTENSION ? forced_kind : input_kind_by_extension(a);
            has_input = 1;
            compiles |= kind == INPUT_SOURCE || kind == INPUT_HEADER;
            linked_inputs |= kind != INPUT_HEADER;
        }
    }
    if (!linked_inputs)
        links = 0; /* only headers: clang precompiles them, and links nothing */
    if (!enabled || info_only || !has_input) {
        args[n] = NULL;
        execvp(compiler, args);
        fprintf(stderr, "%s: cannot run the compiler '%s': %s\n", program_name(), compiler, strerror(errno));
        return 127;
    }

    /* Only a compiler named by TMTRACE_CLANG(XX) is asked its version: clang-19 is clang 19 by its name, and
     * starting it once more (-dumpversion) would cost every compile about 0.3% of a large file's time. */
    int major = env_compiler && *env_compiler ? compiler_major(compiler) : TMTRACE_LLVM_MAJOR;
    if (major < 0)
        return 1;
    if (major != TMTRACE_LLVM_MAJOR) {
        fprintf(stderr,
                "%s: '%s' is clang %d, but -fsanitize=tmtrace needs clang %d (the pass plugin only loads into the "
                "clang it was built for); set %s to a clang-%d\n",
                program_name(), compiler, major, TMTRACE_LLVM_MAJOR, TMTRACE_WRAPPER_CXX ? "TMTRACE_CLANGXX"
                                                                                         : "TMTRACE_CLANG",
                TMTRACE_LLVM_MAJOR);
        return 1;
    }
    if (links && is_static) {
        fprintf(stderr, "%s: -fsanitize=tmtrace cannot link statically: the runtime is a shared library (%s)\n",
                program_name(), RUNTIME_NAME);
        return 1;
    }
    /* The install layout's directories relative to bin/, else the build tree's. */
    const char *const libdirs[] = {TMTRACE_REL_LIBDIR, "../lib"};
    const char *const includedirs[] = {TMTRACE_REL_INCLUDEDIR, "../include"};
    char *libdir = find_beside_self(libdirs, 2, PLUGIN_NAME);
    if (!libdir) {
        fprintf(stderr, "%s: cannot find %s in %s or ../lib next to this program\n", program_name(), PLUGIN_NAME,
                TMTRACE_REL_LIBDIR);
        return 1;
    }
    char **extra = args + n; /* room for EXTRA_ARGS, the NULL included */
    int e = 0;
    if (compiles) {
        char *plugin = concat(libdir, "/", PLUGIN_NAME);
        extra[e++] = concat("-fpass-plugin=", plugin, "");
        if (!user_debug)
            extra[e++] = "-gline-directives-only";
        char *includedir = find_beside_self(includedirs, 2, "tmtrace/tmtrace.h");
        if (includedir) {
            extra[e++] = "-isystem";
            extra[e++] = includedir;
        }
        /* -fplugin loads the plugin before -mllvm is parsed, so that the pass's options exist. */
        if (allocators || user_line_directives || shadow_tls_address)
            extra[e++] = concat("-fplugin=", plugin, "");
        if (user_line_directives) {
            extra[e++] = "-mllvm";
            extra[e++] = "-tmtrace-keep-line-directives";
        }
        if (shadow_tls_address) {
            extra[e++] = "-mllvm";
            extra[e++] = "-tmtrace-shadow-tls-address";
        }
        if (allocators) {
            char resolved[PATH_MAX];
            if (!realpath(allocators, resolved)) {
                fprintf(stderr, "%s: -fsanitize-tmtrace-allocators=%s: %s\n", program_name(), allocators,
                        strerror(errno));
                return 1;
            }
            extra[e++] = "-mllvm";
            extra[e++] = concat("-tmtrace-allocators=", resolved, "");
        }
    }
    if (links) {
        char *runtime = concat(libdir, "/", RUNTIME_NAME);
        if (!is_file(runtime)) {
            fprintf(stderr, "%s: cannot find the tmtrace runtime %s\n", program_name(), runtime);
            return 1;
        }
        extra[e++] = concat("-L", libdir, "");
        extra[e++] = concat("-Wl,-rpath,", libdir, "");
        /* The runtime must be loaded even when no instrumented code references it (interposition). */
        extra[e++] = "-Wl,--push-state,--no-as-needed";
        extra[e++] = "-ltmtrace";
        extra[e++] = "-Wl,--pop-state";
    }
    extra[e] = NULL;
    execvp(compiler, args);
    fprintf(stderr, "%s: cannot run the compiler '%s': %s\n", program_name(), compiler, strerror(errno));
    return 127;
}

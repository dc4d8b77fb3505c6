// snapshot_files.cc — writes DIR/<Suite>.<Test>.{before,after}.tmsnap with the model's dump.
#include "snapshot_files.h"

#include <tmtrace/tmtrace.h>

namespace tmtrace_gtest {

std::string EscapedTestName(const char *suite, const char *test)
{
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    auto escape = [&out](const char *s) {
        for (; *s; s++) {
            unsigned char c = static_cast<unsigned char>(*s);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')
                out += static_cast<char>(c);
            else {
                out += '%';
                out += hex[c >> 4];
                out += hex[c & 15];
            }
        }
    };
    escape(suite);
    out += '.';
    escape(test);
    return out;
}

bool DumpTestSnapshot(const std::string &dir, const std::string &name, const char *phase, std::string *error)
{
    std::string path = dir + "/" + name + "." + phase + ".tmsnap";
    tmtrace_snapshot *snap = tmtrace_take_snapshot();
    if (!snap || tmtrace_snapshot_dump(snap, path.c_str()) < 0) {
        *error = "cannot write " + path + ": " + tmtrace_last_error();
        tmtrace_snapshot_free(snap);
        return false;
    }
    tmtrace_snapshot_free(snap);
    return true;
}

}  // namespace tmtrace_gtest

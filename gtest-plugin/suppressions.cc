// suppressions.cc — reads the suppressions file and applies it with the model's filter_traces.
#include "suppressions.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace tmtrace_gtest {

namespace {

std::string Trim(const std::string &s)
{
    size_t b = s.find_first_not_of(" \t\r");
    size_t e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

bool Suppressions::Load(const std::string &path, std::string *error)
{
    std::ifstream in(path);
    if (!in) {
        *error = "cannot read suppressions file " + path + ": " + std::strerror(errno);
        return false;
    }
    std::string raw;
    for (int lineno = 1; std::getline(in, raw); lineno++) {
        std::string line = Trim(raw);
        if (line.empty() || line[0] == '#')
            continue;
        int frame_line = -1;
        size_t colon = line.rfind(':');
        if (colon != std::string::npos && colon + 1 < line.size() &&
            line.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
            char *end = nullptr;
            long v = std::strtol(line.c_str() + colon + 1, &end, 10);
            if (v <= 0 || v > 0x7fffffff) {
                *error = path + ":" + std::to_string(lineno) + ": line number out of range in '" + line + "'";
                return false;
            }
            frame_line = static_cast<int>(v);
            line.resize(colon);
        }
        if (line.empty()) {
            *error = path + ":" + std::to_string(lineno) + ": empty file pattern";
            return false;
        }
        patterns_.push_back(line);
        lines_.push_back(frame_line);
    }
    return true;
}

tmtrace_snapshot *Suppressions::Apply(const tmtrace_snapshot *leaks) const
{
    std::vector<tmtrace_filter> filters;
    for (size_t i = 0; i < patterns_.size(); i++)
        filters.push_back(tmtrace_filter{0, patterns_[i].c_str(), lines_[i], 1, -1});
    return tmtrace_snapshot_filter_traces(leaks, filters.data(), filters.size());
}

}  // namespace tmtrace_gtest

// user_frame.cpp — with the default frames=1, a std::vector growth in user code still has the user's line
// available (issue 3: "the innermost frame outside system headers is available to reports"), although the
// one frame kept is libstdc++'s new_allocator.h.
#include <cstdio>
#include <vector>

#include "show.h"

int main()
{
    std::vector<long> grown;
    grown.push_back(7);
    show_user_frame("grown", grown.data());
    std::fflush(stdout);
    return 0;
}

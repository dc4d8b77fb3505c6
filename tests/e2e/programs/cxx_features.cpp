// cxx_features.cpp — C++: operator new in a factory, a constructor that fills a std::vector (frames in
// libstdc++'s headers, user frame in the constructor), a std::string built inside libstdc++.so (uninstrumented:
// attributed to the calling line), a std::vector growth at the user's line, and a caught exception thrown from
// deep recursion before all of these, which must leave no stale frame behind.
#include <stdexcept>
#include <string>
#include <vector>

#include "show.h"

struct Widget {
    std::vector<int> data;
    explicit Widget(int n) : data(n) {}
};

[[noreturn]] static void fail(int depth)
{
    if (depth == 0)
        throw std::runtime_error("deep");
    fail(depth - 1);
}

static Widget *make_widget()
{
    return new Widget(8);
}

int main()
{
    try {
        fail(20);
    } catch (const std::exception &) {
    }
    Widget *widget = make_widget();
    std::string *text = new std::string(std::string(300, 'x') + "y");
    std::vector<long> grown;
    grown.push_back(7);
    show_traceback("widget", widget);
    show_user_frame("widget data", widget->data.data());
    show_user_frame("text buffer", text->data());
    show_user_frame("grown", grown.data());
    std::fflush(stdout);
    return 0;
}

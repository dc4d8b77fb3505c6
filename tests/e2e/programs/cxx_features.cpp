// cxx_features.cpp — C++: operator new in a factory, a constructor that fills a std::vector (frames in
// libstdc++'s headers, user frame in the constructor), a std::string built inside libstdc++.so (uninstrumented:
// attributed to the calling line), a std::vector growth at the user's line, and a caught exception thrown from
// deep recursion before all of these, which must leave no stale frame behind. Also a new in a constructor's
// initializer list, in a lambda and in a function template, each inlined into main at -O2: one frame per level.
#include <stdexcept>
#include <string>
#include <vector>

#include "show.h"

struct Widget {
    std::vector<int> data;
    explicit Widget(int n) : data(n) {}
};

struct Holder {
    int *value;
    Holder() : value(new int(3)) {}
};

template <typename T> static T *make_one()
{
    return new T();
}

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
    Holder holder;
    auto make_chars = [](int n) { return new char[n]; };
    char *chars = make_chars(5);
    double *one = make_one<double>();
    show_traceback("initializer list", holder.value);
    show_traceback("lambda", chars);
    show_traceback("template", one);
    std::fflush(stdout);
    return 0;
}

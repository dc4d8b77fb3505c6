// uninstrumented.cpp — built WITHOUT the tmtrace pass (plain clang++): a frame that pushes nothing on the shadow
// stack, that exceptions from instrumented code unwind through, and that allocates itself (blamed on the
// innermost instrumented caller).
#include <string>

extern "C" void *uninstrumented_call(void *(*callback)(int), int depth)
{
    std::string local(100, 'x'); // destroyed by the unwinding
    return callback(depth + static_cast<int>(local.size()) - 100);
}

extern "C" char *uninstrumented_strdup(const char *text)
{
    return new char[std::char_traits<char>::length(text) + 1];
}

// user_main.cc — a test program with its own main and no tmtrace code at all: linking -ltmtrace_gtest alone
// must install the listener.
#include <cstdlib>

#include <gtest/gtest.h>

TEST(UserMain, Clean) { std::free(std::malloc(10)); }

TEST(UserMain, Leaks)
{
    (void)new char[41];  // expect: UserMain.Leaks#1
}

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}

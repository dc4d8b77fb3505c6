// parser_test.cc — one test that leaks and one that does not.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

static char *copy_token(const char *s)
{
    char *out = static_cast<char *>(std::malloc(std::strlen(s) + 1));
    std::strcpy(out, s);
    return out;
}

TEST(Parser, FreesItsTokens)
{
    char *token = copy_token("identifier");
    EXPECT_STREQ(token, "identifier");
    std::free(token);
}

TEST(Parser, LeaksAToken)
{
    char *token = copy_token("leaked-token");
    EXPECT_STREQ(token, "leaked-token");
}

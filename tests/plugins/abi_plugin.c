/* A plugin built in variants that a host must refuse (see CMakeLists). */
#include <budgetd/plugin.h>
#include <stddef.h>

#ifndef TEST_NAME
#define TEST_NAME "abi_good"
#endif
#ifndef TEST_MAJOR
#define TEST_MAJOR BD_ABI_MAJOR
#endif
#ifndef TEST_MINOR
#define TEST_MINOR BD_ABI_MINOR
#endif
#ifndef TEST_SIZE
#define TEST_SIZE sizeof(struct bd_plugin)
#endif

static int initialised;

static int abi_init(const struct bd_host *host, struct bd_plugin_handle *self,
		    void **state)
{
	(void)host, (void)self;
	initialised++;
	*state = &initialised;
	return 0;
}

static const struct bd_config_key abi_config[] = {
    {"colour", BD_CONFIG_STRING, "blue", "a key the host must accept"},
    {"depth", BD_CONFIG_INT, "3", "an int the host range-checks", .min = 1,
     .max = 9},
    {"buffer", BD_CONFIG_SIZE, "64k", "a size", .min = 1024, .max = 1 << 30},
    {"loud", BD_CONFIG_BOOL, "no", "a bool"},
#ifdef TEST_BAD_RANGE
    {"broken", BD_CONFIG_INT, "5", "min above max", .min = 9, .max = 1},
#endif
    {0},
};

static int abi_query(void *state, const char *op, const struct bd_scope *scope,
		     struct bd_query *query)
{
	(void)state, (void)op, (void)scope, (void)query;
	return 0;
}

static const struct bd_query_op abi_ops[] = {
#ifdef TEST_BAD_FLAGS
    {"abi.echo", 1u << 7, "a flag from the future"},
#else
    {"abi.echo", BD_QUERY_SCOPED, "answers nothing"},
#endif
    {0},
};

#ifdef TEST_WRONG_SYMBOL
BD_PLUGIN_EXPORT const struct bd_plugin not_the_plugin = {
#else
BD_PLUGIN_DEFINE = {
#endif
    .abi_major = TEST_MAJOR,
    .abi_minor = TEST_MINOR,
    .struct_size = TEST_SIZE,
    .name = TEST_NAME,
    .version = "test",
    .config = abi_config,
    .query_ops = abi_ops,
    .init = abi_init,
    .query = abi_query,
};

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "utf8.h"

static void test_columns_line_up(void **state)
{
	static const char *const headers[] = {"code", "name", "amount"};
	static const bool right[] = {false, false, true};
	struct table t;
	char *buf = NULL;
	size_t len = 0;
	(void)state;
	table_init(&t, 3, headers, right);
	const char *r1[] = {"2010301", "行政运行", "65.14"};
	const char *r2[] = {"2210201", "住房公积金", "8.57"};
	table_add_row(&t, r1);
	table_add_row(&t, r2);
	FILE *out = open_memstream(&buf, &len);
	table_print(&t, out);
	fclose(out);
	/* Every line ends its amount column at the same display column. */
	char *save = NULL;
	size_t widths[4], n = 0;
	for (char *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (n < 4)
			widths[n++] = utf8_display_width(line);
	assert_int_equal(n, 4);
	assert_int_equal(widths[0], widths[2]);
	assert_int_equal(widths[2], widths[3]);
	free(buf);
	table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_columns_line_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

static bd_fen parse_ok(const char *text, enum bd_unit unit)
{
	bd_fen fen = -12345;
	const char *why = NULL;
	int rc = money_parse(text, unit, &fen, &why);
	if (rc != 0)
		fail_msg("\"%s\" refused: %s", text, why);
	return fen;
}

static int parse_rc(const char *text, enum bd_unit unit)
{
	bd_fen fen;
	const char *why = NULL;
	int rc = money_parse(text, unit, &fen, &why);
	if (rc != 0)
		assert_non_null(why);
	return rc;
}

static void test_parse_yuan(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("0", BD_UNIT_YUAN), 0);
	assert_int_equal(parse_ok("0.00", BD_UNIT_YUAN), 0);
	assert_int_equal(parse_ok("1", BD_UNIT_YUAN), 100);
	assert_int_equal(parse_ok("0.01", BD_UNIT_YUAN), 1);
	assert_int_equal(parse_ok("0.1", BD_UNIT_YUAN), 10);
	assert_int_equal(parse_ok("232.31", BD_UNIT_YUAN), 23231);
	assert_int_equal(parse_ok("189767551", BD_UNIT_YUAN), 18976755100LL);
	assert_int_equal(parse_ok("007.50", BD_UNIT_YUAN), 750);
	/* Trailing zeros past the unit's precision say nothing new. */
	assert_int_equal(parse_ok("1.2300", BD_UNIT_YUAN), 123);
	assert_int_equal(parse_ok("-5", BD_UNIT_YUAN), -500);
}

static void test_parse_wanyuan(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("232.31", BD_UNIT_WANYUAN), 232310000LL);
	assert_int_equal(parse_ok("0.000001", BD_UNIT_WANYUAN), 1);
	assert_int_equal(parse_ok("16.82", BD_UNIT_WANYUAN), 16820000LL);
	assert_int_equal(parse_ok("1", BD_UNIT_WANYUAN), 1000000LL);
}

static void test_parse_limits(void **state)
{
	(void)state;
	/* ±9e15 元 is the largest amount a document may carry. */
	assert_int_equal(parse_ok("9000000000000000", BD_UNIT_YUAN),
			 BD_FEN_LIMIT);
	assert_int_equal(parse_ok("9000000000000000.00", BD_UNIT_YUAN),
			 BD_FEN_LIMIT);
	assert_int_equal(parse_ok("900000000000", BD_UNIT_WANYUAN),
			 BD_FEN_LIMIT);
	assert_int_equal(parse_ok("-9000000000000000", BD_UNIT_YUAN),
			 -BD_FEN_LIMIT);
	assert_int_equal(parse_rc("9000000000000000.01", BD_UNIT_YUAN),
			 -ERANGE);
	assert_int_equal(parse_rc("900000000000.000001", BD_UNIT_WANYUAN),
			 -ERANGE);
	assert_int_equal(parse_rc("99999999999999999999999", BD_UNIT_YUAN),
			 -ERANGE);
	assert_int_equal(parse_rc("1"
				  "000000000000000000000000000000",
				  BD_UNIT_YUAN),
			 -ERANGE);
}

static void test_parse_refusals(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",	  " 1",	 "1 ",	 "1 234.50", "1,234",	 "+1",	".5",
	    "5.", "1e3", "0x10", "NaN",	     "Infinity", "--1", "1.2.3",
	    "¥5", "5元", "１２", "-",	     "1.",	 "12a",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse_rc(bad[i], BD_UNIT_YUAN);
		if (rc == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
	}
	assert_int_equal(parse_rc("0.001", BD_UNIT_YUAN), -EINVAL);
	assert_int_equal(parse_rc("0.0000001", BD_UNIT_WANYUAN), -EINVAL);
	assert_int_equal(parse_rc(NULL, BD_UNIT_YUAN), -EINVAL);
}

static void test_from_double(void **state)
{
	bd_fen fen;
	const char *why;
	(void)state;
	assert_int_equal(money_from_double(232.31, BD_UNIT_WANYUAN, &fen, &why),
			 0);
	assert_int_equal(fen, 232310000LL);
	assert_int_equal(money_from_double(0.1, BD_UNIT_YUAN, &fen, &why), 0);
	assert_int_equal(fen, 10);
	assert_int_equal(money_from_double(408000, BD_UNIT_YUAN, &fen, &why),
			 0);
	assert_int_equal(fen, 40800000);
	assert_int_equal(money_from_double(1e12, BD_UNIT_YUAN, &fen, &why), 0);
	assert_int_equal(fen, 100000000000000LL);
	assert_int_equal(money_from_double(0.005, BD_UNIT_YUAN, &fen, &why),
			 -EINVAL);
	assert_int_equal(money_from_double(1.0 / 3.0, BD_UNIT_YUAN, &fen, &why),
			 -ERANGE);
	assert_int_equal(money_from_double(1e300, BD_UNIT_YUAN, &fen, &why),
			 -ERANGE);
	assert_true(money_from_double(0.0 / 0.0, BD_UNIT_YUAN, &fen, &why) < 0);
}

static void format(bd_fen fen, enum bd_unit unit, const char *expected)
{
	char buf[MONEY_TEXT_MAX];
	int n = money_format(fen, unit, buf, sizeof buf);
	assert_int_equal(n, (int)strlen(expected));
	assert_string_equal(buf, expected);
}

static void test_format(void **state)
{
	(void)state;
	format(0, BD_UNIT_YUAN, "0.00");
	format(1, BD_UNIT_YUAN, "0.01");
	format(-1, BD_UNIT_YUAN, "-0.01");
	format(23231, BD_UNIT_YUAN, "232.31");
	format(0, BD_UNIT_WANYUAN, "0.00");
	format(1, BD_UNIT_WANYUAN, "0.000001");
	format(232310000LL, BD_UNIT_WANYUAN, "232.31");
	format(232310001LL, BD_UNIT_WANYUAN, "232.310001");
	format(-960000LL * 10, BD_UNIT_WANYUAN, "-9.60");
	format(INT64_MAX, BD_UNIT_YUAN, "92233720368547758.07");
	format(INT64_MIN, BD_UNIT_YUAN, "-92233720368547758.08");
	format(INT64_MIN, BD_UNIT_WANYUAN, "-9223372036854.775808");
}

static void test_format_small_buffer(void **state)
{
	char buf[4];
	(void)state;
	assert_int_equal(money_format(23231, BD_UNIT_YUAN, buf, sizeof buf),
			 -ENOSPC);
}

/* Whatever is printed parses back to the same 分, in both units. */
static void test_round_trip(void **state)
{
	char buf[MONEY_TEXT_MAX];
	const char *why;
	(void)state;
	srand(20231);
	for (int i = 0; i < 20000; i++) {
		bd_fen fen = ((bd_fen)rand() << 31 ^ rand()) % BD_FEN_LIMIT;
		if (i % 3 == 0)
			fen = -fen;
		for (int u = 0; u < 2; u++) {
			bd_fen back;
			assert_true(money_format(fen, (enum bd_unit)u, buf,
						 sizeof buf) > 0);
			assert_int_equal(
			    money_parse(buf, (enum bd_unit)u, &back, &why), 0);
			assert_int_equal(back, fen);
		}
	}
}

static void test_units(void **state)
{
	enum bd_unit unit;
	(void)state;
	assert_int_equal(money_unit_parse("元", &unit), 0);
	assert_int_equal(unit, BD_UNIT_YUAN);
	assert_int_equal(money_unit_parse("万元", &unit), 0);
	assert_int_equal(unit, BD_UNIT_WANYUAN);
	assert_int_equal(money_unit_parse("千元", &unit), -EINVAL);
	assert_string_equal(money_unit_name(BD_UNIT_WANYUAN), "万元");
}

static void test_checked_add(void **state)
{
	bd_fen acc = INT64_MAX - 1;
	(void)state;
	assert_true(bd_fen_add(&acc, 1));
	assert_false(bd_fen_add(&acc, 1));
	assert_int_equal(acc, INT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_yuan),
	    cmocka_unit_test(test_parse_wanyuan),
	    cmocka_unit_test(test_parse_limits),
	    cmocka_unit_test(test_parse_refusals),
	    cmocka_unit_test(test_from_double),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_format_small_buffer),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_units),
	    cmocka_unit_test(test_checked_add),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

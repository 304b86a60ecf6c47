/* The integer codes of the totals plugin (plugins/totals/keys.c): every
 * value comes back as the text of its level of the printed code, and no
 * two values of a dimension share a key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "district.h"

/* The text of a fact's value in a dimension. */
static void assert_text(enum dim d, const struct dept *dep,
			const struct fact *f, const char *want)
{
	char text[32];
	district_dim_text(d, district_dim_code(d, dep, f), text, sizeof text);
	assert_string_equal(text, want);
	/* The scan writes the same (district_dim_value). */
	district_dim_value(d, dep, f, text, sizeof text);
	assert_string_equal(text, want);
}

/* What a printed code of each level comes back as, cut at the level. */
static void expect_levels(const char *function, const char *economic,
			  const char *f_class, const char *f_section,
			  const char *e_class, const char *e_section)
{
	struct dept dep = {.year = 2025};
	struct fact f = {.amount = 1};
	f.function = district_code_value(function, 7);
	f.economic = district_code_value(economic, 5);
	assert_text(DIM_FUNCTION_CLASS, &dep, &f, f_class);
	assert_text(DIM_FUNCTION_SECTION, &dep, &f, f_section);
	assert_text(DIM_FUNCTION_ITEM, &dep, &f, *function ? function : "-");
	assert_text(DIM_ECONOMIC_CLASS, &dep, &f, e_class);
	assert_text(DIM_ECONOMIC_SECTION, &dep, &f, e_section);
}

static void test_values_round_trip(void **state)
{
	(void)state;
	expect_levels("2010301", "30101", "201", "20103", "301", "30101");
	expect_levels("2080502", "301", "208", "20805", "301", "-");
	expect_levels("0000000", "01001", "000", "00000", "010", "01001");
	expect_levels("2299999", "39999", "229", "22999", "399", "39999");
	expect_levels("", "", "-", "-", "-", "-");
	struct dept dep = {.year = 2025};
	struct fact f = {.amount = 1};
	const char *codes[] = {"057001", "000", "123456789012", "9"};
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
		snprintf(dep.code, sizeof dep.code, "%s", codes[i]);
		snprintf(dep.parent, sizeof dep.parent, "%s",
			 i == 3 ? "" : codes[(i + 1) % 4]);
		assert_text(DIM_DEPARTMENT, &dep, &f, codes[i]);
		assert_text(DIM_PARENT, &dep, &f,
			    i == 3 ? "-" : codes[(i + 1) % 4]);
	}
	/* A code of any level cut to a coarser one, or kept at its own;
	 * never made finer. */
	assert_true(district_code_level(district_code_value("2010301", 7), 5) ==
		    district_code_value("20103", 5));
	assert_true(district_code_level(district_code_value("20103", 5), 3) ==
		    district_code_value("201", 3));
	assert_true(district_code_level(district_code_value("30101", 5), 5) ==
		    district_code_value("30101", 5));
	assert_true(district_code_level(district_code_value("301", 3), 5) == 0);
	assert_true(district_code_level(0, 3) == 0);
	/* Every dimension's name fits the room an answer's row reserves. */
	for (int d = 0; d < DIM_COUNT; d++)
		assert_true(strlen(district_dim_names[d]) <=
			    DISTRICT_DIM_NAME_MAX);
	/* A buffer too short keeps the leading digits, NUL-terminated. */
	char cut[5];
	assert_int_equal(
	    district_dim_text(DIM_DEPARTMENT,
			      district_code_value("123456789012", 12), cut,
			      sizeof cut),
	    4);
	assert_string_equal(cut, "1234");
	/* Every length from one digit to fifteen, odd and even. */
	char code[16] = "", text[32];
	for (size_t n = 1; n < sizeof code; n++) {
		code[n - 1] = (char)('0' + (n * 7) % 10);
		code[n] = '\0';
		district_dim_text(DIM_DEPARTMENT, district_code_value(code, n),
				  text, sizeof text);
		assert_string_equal(text, code);
	}
	/* The year is a code too: the year - 2000, written as the year. */
	assert_text(DIM_YEAR, &dep, &f, "2025");
	dep.year = 2000;
	assert_text(DIM_YEAR, &dep, &f, "2000");
	dep.year = 2100;
	assert_text(DIM_YEAR, &dep, &f, "2100");
	assert_true(district_dim_code(DIM_YEAR, &dep, &f) <
		    UINT64_C(1) << district_value_bits(DIM_YEAR));
	for (int s = 0; s < BD_SOURCE_COUNT; s++) {
		f.source = (unsigned)s;
		assert_text(DIM_SOURCE, &dep, &f,
			    bd_source_key((enum bd_source)s));
	}
	for (int c = 0; c < BD_COL_COUNT; c++) {
		f.column = (unsigned)c;
		assert_text(DIM_KIND, &dep, &f,
			    bd_column_kind((enum bd_column)c));
	}
}

static void test_codes_stay_apart(void **state)
{
	(void)state;
	struct dept dep = {.year = 2025};
	struct fact a = {0}, b = {0};
	/* A leading zero is part of the code, and so is its length. */
	memcpy(dep.code, "0570", 5);
	uint64_t with_zero = district_dim_code(DIM_DEPARTMENT, &dep, NULL);
	memcpy(dep.code, "570", 4);
	assert_true(with_zero != district_dim_code(DIM_DEPARTMENT, &dep, NULL));
	a.economic = district_code_value("301", 5);
	b.economic = district_code_value("30101", 5);
	assert_true(district_dim_code(DIM_ECONOMIC_CLASS, &dep, &a) ==
		    district_dim_code(DIM_ECONOMIC_CLASS, &dep, &b));
	assert_true(district_dim_code(DIM_ECONOMIC_SECTION, &dep, &a) !=
		    district_dim_code(DIM_ECONOMIC_SECTION, &dep, &b));
	/* Columns of one kind share its value; other kinds do not. */
	for (int x = 0; x < BD_COL_COUNT; x++)
		for (int y = 0; y < BD_COL_COUNT; y++) {
			a.column = (unsigned)x;
			b.column = (unsigned)y;
			bool same_kind =
			    strcmp(bd_column_kind(x), bd_column_kind(y)) == 0;
			assert_int_equal(
			    district_dim_code(DIM_KIND, &dep, &a) ==
				district_dim_code(DIM_KIND, &dep, &b),
			    same_kind);
		}
}

static void test_keys_pack_and_unpack(void **state)
{
	(void)state;
	assert_true(district_pairs_fit());
	assert_true(district_year_fits(2000));
	assert_true(district_year_fits(2100));
	assert_false(district_year_fits(1999));
	/* The widest values of the widest dimension, every slot and year. */
	uint64_t widest = 19999999999999ULL; /* 10^13 - 1: "999999999999" */
	for (unsigned slot = 0; slot < DIM_COUNT + DISTRICT_N_PAIRS; slot++)
		for (int year = 2000; year <= 2100; year += 25) {
			uint64_t k =
			    district_key(slot, year, widest % 2000000000000ULL);
			assert_int_equal(district_key_slot(k), slot);
			assert_int_equal(district_key_year(k), year);
			assert_int_equal(district_key_value(k),
					 widest % 2000000000000ULL);
			assert_true(k != CELLMAP_EMPTY);
		}
	/* A pair's two values come back apart. */
	for (size_t p = 0; p < DISTRICT_N_PAIRS; p++) {
		const struct district_pair *pair = &district_pairs[p];
		struct dept dep = {.year = 2025};
		struct fact f = {.source = 2, .column = BD_COL_TARGETED};
		memcpy(dep.code, "999999999999", 13);
		memcpy(dep.parent, "999999999999", 13);
		f.function = district_code_value("2299999", 7);
		f.economic = district_code_value("39999", 5);
		uint64_t first = district_dim_code(pair->first, &dep, &f);
		uint64_t second = district_dim_code(pair->second, &dep, &f);
		uint64_t value = district_pair_value(pair, first, second);
		uint64_t k = district_key(DIM_COUNT + (unsigned)p, 2100, value);
		uint64_t f2, s2;
		district_pair_split(pair, district_key_value(k), &f2, &s2);
		assert_true(f2 == first);
		assert_true(s2 == second);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_round_trip),
	    cmocka_unit_test(test_codes_stay_apart),
	    cmocka_unit_test(test_keys_pack_and_unpack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

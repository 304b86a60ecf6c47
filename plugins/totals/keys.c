/*
 * The integer keys of the maintained totals.  A key packs
 *
 *	bits 60..63  the slot: a dimension (DIM_YEAR for the grand total) or
 *	             DIM_COUNT + a pair's index
 *	bits 53..59  the year - 2000 (the model admits 2000..2100)
 *	bits  0..52  the value: a code of n digits is 10^n + its number (so
 *	             "0101" and "101" differ and the length is kept), a source
 *	             or kind its index + 1, "-" (none) is 0; a pair's value is
 *	             its first value shifted past the second's width
 *
 * so that apply sums a department's facts without printing a digit; the
 * text of a key is made only for a total that moved or a row of an answer.
 */
#include <string.h>

#include "digits.h"
#include "district.h"

#define YEAR_BASE  2000
#define YEAR_BITS  7
#define VALUE_BITS 53

_Static_assert(DIM_COUNT + DISTRICT_N_PAIRS < 15,
	       "slot 15 holds CELLMAP_EMPTY's key");

/* The kinds of the columns, in the order of bd_column: two columns share
 * basic.personnel and two basic.public (test_totals_keys checks this
 * against bd_column_kind). */
static const uint8_t kind_of_column[BD_COL_COUNT] = {1, 1, 2, 2, 3, 4, 5, 6};
static const enum bd_column column_of_kind[7] = {
    0,
    BD_COL_WAGES,
    BD_COL_GOODS,
    BD_COL_BASIC_UNSPLIT,
    BD_COL_OPERATING,
    BD_COL_TARGETED,
    BD_COL_PROJECT_UNSPLIT,
};

/* Bits a value of each dimension can take (10^n + a number of n digits is
 * under 2·10^n). */
static const unsigned value_bits[DIM_COUNT] = {
    [DIM_FUNCTION_CLASS] = 11,
    [DIM_FUNCTION_SECTION] = 18,
    [DIM_FUNCTION_ITEM] = 25,
    [DIM_ECONOMIC_CLASS] = 11,
    [DIM_ECONOMIC_SECTION] = 18,
    [DIM_SOURCE] = 4,
    [DIM_KIND] = 3,
    [DIM_DEPARTMENT] = 41,
    [DIM_PARENT] = 41,
    [DIM_YEAR] = YEAR_BITS,
};

unsigned district_value_bits(enum dim d)
{
	return value_bits[d];
}

uint64_t district_year_code(int year)
{
	return (uint64_t)(year - YEAR_BASE);
}

bool district_pairs_fit(void)
{
	for (size_t p = 0; p < DISTRICT_N_PAIRS; p++)
		if (value_bits[district_pairs[p].first] +
			value_bits[district_pairs[p].second] >
		    VALUE_BITS)
			return false;
	return true;
}

uint64_t district_code_value(const char *code, size_t n)
{
	uint64_t v = 1;
	size_t i = 0;
	for (; i < n && code[i] >= '0' && code[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(code[i] - '0');
	return i == 0 ? 0 : v;
}

uint64_t district_code_level(uint64_t value, size_t to_digits)
{
	/* 10^n + a number of n digits lies in [10^n, 2·10^n): the level
	 * shows in the value itself. */
	static const uint64_t base[8] = {
	    [3] = 1000, [5] = 100000, [7] = DISTRICT_ITEM_BASE};
	size_t digits = value >= base[7]   ? 7
			: value >= base[5] ? 5
			: value >= base[3] ? 3
					   : 0;
	if (digits == 0 || to_digits > digits || to_digits >= 8 ||
	    base[to_digits] == 0)
		return 0;
	uint64_t divisor = 1;
	for (size_t i = to_digits; i < digits; i++)
		divisor *= 10;
	return base[to_digits] + (value - base[digits]) / divisor;
}

uint64_t district_dim_code(enum dim d, const struct dept *dep,
			   const struct fact *f)
{
	switch (d) {
	case DIM_FUNCTION_CLASS:
		return district_code_level(f->function, 3);
	case DIM_FUNCTION_SECTION:
		return district_code_level(f->function, 5);
	case DIM_FUNCTION_ITEM:
		return f->function;
	case DIM_ECONOMIC_CLASS:
		return district_code_level(f->economic, 3);
	case DIM_ECONOMIC_SECTION:
		return district_code_level(f->economic, 5);
	case DIM_SOURCE:
		return (uint64_t)f->source + 1;
	case DIM_KIND:
		return f->column < BD_COL_COUNT ? kind_of_column[f->column] : 0;
	case DIM_DEPARTMENT:
		return district_code_value(dep->code, sizeof dep->code - 1);
	case DIM_PARENT:
		return district_code_value(dep->parent, sizeof dep->parent - 1);
	case DIM_YEAR:
		return district_year_code(dep->year);
	default:
		return 0;
	}
}

/* "-" for 0, else the digits of a code made by code_value: v's own
 * decimal digits without their leading 1. */
static size_t code_text(uint64_t v, char *buf, size_t size)
{
	char digits[24];
	if (v == 0 || size < 2) {
		memcpy(buf, "-", size < 2 ? 0 : 2);
		return size < 2 ? 0 : 1;
	}
	char *p = digits_before(digits + sizeof digits, v);
	p++; /* the leading 1 of 10^n */
	size_t len = (size_t)(digits + sizeof digits - p);
	if (len >= size)
		len = size - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return len;
}

static size_t copy_text(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s);
	if (n >= size)
		n = size ? size - 1 : 0;
	memcpy(buf, s, n);
	if (size)
		buf[n] = '\0';
	return n;
}

/* A year of the key's range (2000..2127): four digits. */
static size_t year_text(uint64_t code, char *buf, size_t size)
{
	unsigned year = YEAR_BASE + (unsigned)code;
	if (size < 5)
		return copy_text("", buf, size);
	for (int i = 3; i >= 0; i--, year /= 10)
		buf[i] = (char)('0' + year % 10);
	buf[4] = '\0';
	return 4;
}

size_t district_dim_text(enum dim d, uint64_t value, char *buf, size_t size)
{
	switch (d) {
	case DIM_YEAR:
		return year_text(value, buf, size);
	case DIM_SOURCE:
		return value == 0 ? copy_text("-", buf, size)
				  : copy_text(bd_source_key(
						  (enum bd_source)(value - 1)),
					      buf, size);
	case DIM_KIND:
		return value == 0 || value > 6
			   ? copy_text("-", buf, size)
			   : copy_text(bd_column_kind(column_of_kind[value]),
				       buf, size);
	default:
		return code_text(value, buf, size);
	}
}

uint64_t district_pair_value(const struct district_pair *p, uint64_t first,
			     uint64_t second)
{
	return first << value_bits[p->second] | second;
}

void district_pair_split(const struct district_pair *p, uint64_t value,
			 uint64_t *first, uint64_t *second)
{
	*first = value >> value_bits[p->second];
	*second = value & ((UINT64_C(1) << value_bits[p->second]) - 1);
}

uint64_t district_key(unsigned slot, int year, uint64_t value)
{
	return (uint64_t)slot << (VALUE_BITS + YEAR_BITS) |
	       (uint64_t)(year - YEAR_BASE) << VALUE_BITS | value;
}

bool district_year_fits(int year)
{
	return year >= YEAR_BASE && year < YEAR_BASE + (1 << YEAR_BITS);
}

unsigned district_key_slot(uint64_t key)
{
	return (unsigned)(key >> (VALUE_BITS + YEAR_BITS));
}

int district_key_year(uint64_t key)
{
	return YEAR_BASE +
	       (int)((key >> VALUE_BITS) & ((UINT64_C(1) << YEAR_BITS) - 1));
}

uint64_t district_key_value(uint64_t key)
{
	return key & ((UINT64_C(1) << VALUE_BITS) - 1);
}

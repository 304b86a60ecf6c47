#include "money.h"

#include "digits.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decimal places of the unit relative to 分: 1 元 = 10^2 分, 1 万元 = 10^6 分.
 */
static int unit_scale(enum bd_unit unit)
{
	return unit == BD_UNIT_WANYUAN ? 6 : 2;
}

/*
 * The shared core: a sign, integer digits, optional fraction digits and
 * (only for number-derived text) an exponent, scaled into 分 with every
 * multiplication overflow-checked.
 */
static int parse_decimal(const char *s, enum bd_unit unit, bool allow_exponent,
			 bd_fen *fen, const char **why)
{
	bool negative = false;
	uint64_t mantissa = 0;
	int fraction_digits = 0, int_digits = 0, exponent = 0;
	const char *p = s;

	if (*p == '-') {
		negative = true;
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++, int_digits++) {
		if (mantissa > (UINT64_MAX - 9) / 10) {
			*why = "amount is too large (limit 9e15 元)";
			return -ERANGE;
		}
		mantissa = mantissa * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, fraction_digits++) {
			if (mantissa > (UINT64_MAX - 9) / 10) {
				*why = "amount has too many digits";
				return -ERANGE;
			}
			mantissa = mantissa * 10 + (uint64_t)(*p - '0');
		}
		if (fraction_digits == 0) {
			*why = "a decimal point must be followed by digits";
			return -EINVAL;
		}
	}
	if (int_digits == 0) {
		*why = "not a plain decimal number (digits expected)";
		return -EINVAL;
	}
	if (allow_exponent && (*p == 'e' || *p == 'E')) {
		char *end;
		long e = strtol(p + 1, &end, 10);
		if (end == p + 1 || e > 40 || e < -40) {
			*why = "exponent out of range";
			return -ERANGE;
		}
		exponent = (int)e;
		p = end;
	}
	if (*p != '\0') {
		*why = "not a plain decimal number (only digits, one '.' and a "
		       "leading '-' are allowed; no spaces, commas or units)";
		return -EINVAL;
	}

	/* value = mantissa × 10^(exponent − fraction_digits) units. */
	int shift = unit_scale(unit) + exponent - fraction_digits;
	if (shift < 0) {
		/* Only trailing zeros may be dropped. */
		for (; shift < 0; shift++) {
			if (mantissa % 10 != 0) {
				*why = unit == BD_UNIT_WANYUAN
					   ? "more than 6 decimals for 万元"
					   : "more than 2 decimals for 元";
				return -EINVAL;
			}
			mantissa /= 10;
		}
	}
	for (; shift > 0; shift--) {
		if (mantissa > (uint64_t)BD_FEN_LIMIT / 10 + 1) {
			*why = "amount is too large (limit 9e15 元)";
			return -ERANGE;
		}
		mantissa *= 10;
	}
	if (mantissa > (uint64_t)BD_FEN_LIMIT) {
		*why = "amount is too large (limit 9e15 元)";
		return -ERANGE;
	}
	*fen = negative ? -(bd_fen)mantissa : (bd_fen)mantissa;
	return 0;
}

int money_parse(const char *text, enum bd_unit unit, bd_fen *fen,
		const char **why)
{
	if (text == NULL || *text == '\0') {
		*why = "empty amount";
		return -EINVAL;
	}
	return parse_decimal(text, unit, false, fen, why);
}

int money_from_double(double value, enum bd_unit unit, bd_fen *fen,
		      const char **why)
{
	char text[64];

	if (!isfinite(value)) {
		*why = "amount is not a finite number";
		return -EINVAL;
	}
	for (int precision = 1; precision <= 17; precision++) {
		snprintf(text, sizeof text, "%.*g", precision, value);
		if (strtod(text, NULL) != value)
			continue;
		if (precision > 15) {
			*why =
			    "number has more than 15 significant digits; send "
			    "the amount as a string to keep it exact";
			return -ERANGE;
		}
		return parse_decimal(text, unit, true, fen, why);
	}
	*why = "number cannot be represented exactly";
	return -ERANGE;
}

int money_format(bd_fen fen, enum bd_unit unit, char *buf, size_t size)
{
	/* Written from the right by integer division: every moved total and
	 * every reply amount passes here, and printf is most of their cost.
	 * Unsigned, so that INT64_MIN prints too. */
	uint64_t magnitude =
	    fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	int decimals = unit == BD_UNIT_WANYUAN ? 6 : 2;
	uint64_t scale = unit == BD_UNIT_WANYUAN ? 1000000 : 100;
	uint64_t whole = magnitude / scale, part = magnitude % scale;
	char text[MONEY_TEXT_MAX];
	char *p = text + sizeof text;
	*--p = '\0';
	/* 万元 keep at least two decimals and drop the zeros after them. */
	int shown = decimals;
	while (shown > 2 && part % 10 == 0) {
		part /= 10;
		shown--;
	}
	for (int i = 0; i < shown; i++) {
		*--p = (char)('0' + part % 10);
		part /= 10;
	}
	*--p = '.';
	p = digits_before(p, whole);
	if (fen < 0)
		*--p = '-';
	size_t n = (size_t)(text + sizeof text - 1 - p);
	if (n >= size)
		return -ENOSPC;
	memcpy(buf, p, n + 1);
	return (int)n;
}

int money_unit_parse(const char *text, enum bd_unit *unit)
{
	if (text == NULL)
		return -EINVAL;
	if (strcmp(text, "元") == 0) {
		*unit = BD_UNIT_YUAN;
		return 0;
	}
	if (strcmp(text, "万元") == 0) {
		*unit = BD_UNIT_WANYUAN;
		return 0;
	}
	return -EINVAL;
}

const char *money_unit_name(enum bd_unit unit)
{
	return unit == BD_UNIT_WANYUAN ? "万元" : "元";
}

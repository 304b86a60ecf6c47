/* Exact money: decimal text ⇄ integer 分, in 元 or 万元. */
#ifndef BUDGETD_MONEY_H
#define BUDGETD_MONEY_H

#include <budgetd/plugin.h>

/* Longest text money_format() writes, with the terminating NUL. */
#define MONEY_TEXT_MAX 32

/*
 * Parses a plain decimal ("232.31", "0", "-5") written in `unit` into 分.
 * Refuses signs other than a leading '-', spaces, separators, exponents,
 * more decimals than the unit allows and magnitudes over BD_FEN_LIMIT.
 * Negative amounts parse (diffs need them); callers that forbid them check.
 * On error returns -EINVAL or -ERANGE and points *why at a sentence.
 */
int money_parse(const char *text, enum bd_unit unit, bd_fen *fen,
		const char **why);

/*
 * Converts a JSON number (which cJSON hands over as a double) exactly: the
 * shortest decimal that reads back as the same double is taken as what the
 * sender wrote.  Beyond 15 significant digits that is not guaranteed, so
 * such numbers are refused with advice to send a string.
 */
int money_from_double(double value, enum bd_unit unit, bd_fen *fen,
		      const char **why);

/* Writes fen in unit: 元 with 2 decimals, 万元 with 2 to 6 (exact).
 * Returns the length written, or -ENOSPC. */
int money_format(bd_fen fen, enum bd_unit unit, char *buf, size_t size);

/* "元" / "万元" ⇄ enum.  Returns 0 or -EINVAL. */
int money_unit_parse(const char *text, enum bd_unit *unit);
const char *money_unit_name(enum bd_unit unit);

#endif

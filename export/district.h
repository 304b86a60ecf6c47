/*
 * The district workbook (一般公共预算, all sources, 财政拨款, 政府性基金
 * and other funds by 类/款/项; economic class; departments under their
 * 主管部门; 三公经费; against the year before), built from the answers of
 * the totals, departments and three_public ops.  The caller says how a
 * question reaches those ops: budgetctl over nng, budgetd in process.
 */
#ifndef BUDGETD_EXPORT_DISTRICT_H
#define BUDGETD_EXPORT_DISTRICT_H

#include <cjson/cJSON.h>

#include "catalog_names.h"
#include "sheet.h"

/*
 * Answers one request ({"op":…, …}, which it takes and frees): the ok
 * reply, or NULL after a sentence in err saying what went wrong.
 */
typedef cJSON *(*district_ask_fn)(void *ctx, cJSON *request, char *err,
				  size_t err_size);

struct district_export {
	int year;
	enum bd_unit unit;
	const char *date; /* YYYY-MM-DD, printed on each sheet */
	const struct names *function, *economic; /* the catalogue's names */
	district_ask_fn ask;
	void *ctx;
};

/*
 * Fills wb (zeroed by the caller, released with workbook_free() whatever
 * the outcome) with the district's sheets.  Returns 0; -EPROTO when a
 * question went unanswered or an answer made no sense, -ENOMEM; err then
 * says which.
 */
int district_workbook(const struct district_export *in, struct workbook *wb,
		      char *err, size_t err_size);

#endif

/*
 * totals: district-wide totals by classification.
 *
 * Each department's latest revision is kept as a list of facts (function
 * 项, source, column, amount).  Single-dimension totals per year, and the
 * pairs asked for together, are maintained incrementally on apply under
 * integer keys: the department's old facts are taken out and the new ones
 * put in, and every single-dimension total that moved is reported with
 * its old and new value.  Queries those totals answer read them; any other
 * drilldown or cut scans the facts.
 */
#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "district.h"
#include "strmap.h"

static void totals_free(struct totals *t)
{
	for (size_t i = 0; i < t->n_depts; i++)
		district_dept_free(t->dept_list[i]);
	free(t->dept_list);
	strmap_free(&t->depts);
	for (int i = 0; i < DIM_COUNT; i++)
		cellmap_free(&t->aggregates[i]);
	for (int i = 0; i < DISTRICT_N_PAIRS; i++)
		cellmap_free(&t->pair_aggregates[i]);
	cellmap_free(&t->moved);
	free(t->moved_totals);
	district_parents_free(t);
	district_rendered_free(t);
	free(t);
}

static int totals_init(const struct bd_host *host,
		       struct bd_plugin_handle *self, void **state)
{
	/* A pair whose values cannot share one key would mix its cells. */
	if (!district_pairs_fit())
		return -EINVAL;
	struct totals *t = calloc(1, sizeof *t);
	if (t == NULL)
		return -ENOMEM;
	t->host = host;
	t->self = self;
	int rc = strmap_init(&t->depts);
	for (int i = 0; i < DIM_COUNT && rc == 0; i++)
		rc = cellmap_init(&t->aggregates[i]);
	for (int i = 0; i < DISTRICT_N_PAIRS && rc == 0; i++)
		rc = cellmap_init(&t->pair_aggregates[i]);
	if (rc == 0)
		rc = cellmap_init(&t->moved);
	for (int d = 0; d < DIM_COUNT; d++)
		for (int e = 0; e < DIM_COUNT; e++)
			t->dim_rank[d] += strcmp(district_total_name(e),
						 district_total_name(d)) < 0;
	if (rc < 0) {
		totals_free(t);
		return -ENOMEM;
	}
	*state = t;
	return 0;
}

static void totals_fini(void *state)
{
	totals_free(state);
}

/* Every answer is within the scope the host hands over. */
static const struct bd_query_op totals_ops[] = {
    {"totals", BD_QUERY_SCOPED, "district totals by any dimensions"},
    {"three_public", BD_QUERY_SCOPED, "三公经费 by department"},
    {"projects", BD_QUERY_SCOPED, "projects, largest first"},
    {0},
};

static int district_query(void *state, const char *op,
			  const struct bd_scope *scope, struct bd_query *q)
{
	if (strcmp(op, "three_public") == 0)
		return lists_three_public(state, scope, q);
	if (strcmp(op, "projects") == 0)
		return lists_projects(state, scope, q);
	return district_totals(state, scope, q);
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .flags = BD_PLUGIN_APPLY_WITHOUT_PREV,
    .name = "totals",
    .version = "1.0",
    .description = "district totals by function, economic class, source, "
		   "kind, department, parent and year",
    .query_ops = totals_ops,
    .init = totals_init,
    .fini = totals_fini,
    .apply = district_apply,
    .query = district_query,
};

/*
 * A deliberately careless plugin: it keeps every department's total and
 * answers "careless.totals" with all of them, ignoring "where" and the
 * scope it is handed.  It does not declare BD_QUERY_SCOPED, so the host
 * must refuse that op to a department's or a 主管部门's credential: the
 * test that loads it shows the host, not the plugin, keeps figures apart.
 * "careless.broken" writes its rows as raw text that is not JSON: the
 * host's readers in process must be told, not handed half an answer.
 */
#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CARELESS_MAX 64

struct careless {
	const struct bd_host *host;
	struct {
		char code[13];
		bd_fen total;
	} seen[CARELESS_MAX];
	size_t n;
};

static int careless_init(const struct bd_host *host,
			 struct bd_plugin_handle *self, void **state)
{
	(void)self;
	struct careless *c = calloc(1, sizeof *c);
	if (c == NULL)
		return -ENOMEM;
	c->host = host;
	*state = c;
	return 0;
}

static void careless_fini(void *state)
{
	free(state);
}

static int careless_apply(void *state, const struct bd_revision *prev,
			  const struct bd_revision *next,
			  struct bd_apply *apply)
{
	struct careless *c = state;
	(void)prev, (void)apply;
	if (c->n == CARELESS_MAX)
		return 0;
	const struct bd_submission *s = next->submission;
	bd_fen total = 0;
	for (size_t i = 0; i < s->n_lines; i++)
		total += bd_line_total(&s->lines[i]);
	snprintf(c->seen[c->n].code, sizeof c->seen[c->n].code, "%s",
		 s->department.code);
	c->seen[c->n++].total = total;
	return 0;
}

static int careless_query(void *state, const char *op,
			  const struct bd_scope *scope, struct bd_query *q)
{
	struct careless *c = state;
	(void)scope; /* the whole point: it ignores it */
	if (strcmp(op, "careless.broken") == 0) {
		/* Careless with its text too: a raw member cut short. */
		cJSON_AddRawToObject(c->host->query_reply(q), "rows",
				     "[{\"department\":");
		return 0;
	}
	cJSON *rows = cJSON_AddArrayToObject(c->host->query_reply(q), "rows");
	for (size_t i = 0; i < c->n; i++) {
		char amount[32];
		cJSON *row = cJSON_CreateObject();
		c->host->format_amount(c->seen[i].total, BD_UNIT_YUAN, amount,
				       sizeof amount);
		cJSON_AddStringToObject(row, "department", c->seen[i].code);
		cJSON_AddStringToObject(row, "total", amount);
		cJSON_AddItemToArray(rows, row);
	}
	return 0;
}

static const struct bd_query_op careless_ops[] = {
    {"careless.totals", 0, "every department's total, whoever asks"},
    {"careless.broken", 0, "rows written as text that is not JSON"},
    {0},
};

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .name = "careless",
    .version = "test",
    .description = "ignores where and scope (a test of the host)",
    .query_ops = careless_ops,
    .init = careless_init,
    .fini = careless_fini,
    .apply = careless_apply,
    .query = careless_query,
};

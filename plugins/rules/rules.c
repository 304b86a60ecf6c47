/*
 * rules: the operator's own audit formulas, read from rule files
 * (every .rules file under conf/rules by default).  A file with a syntax error
 * is refused with file:line:column; on a reload the previous rules stay in
 * force.
 */
#include <budgetd/plugin.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

struct rules_state {
	const struct bd_host *host;
	struct bd_plugin_handle *self;
	struct rule_set set;
};

static const struct bd_config_key rules_config[] = {
    {"files", BD_CONFIG_STRING, "rules/*.rules",
     "glob of rule files (relative: to the config directory)"},
    {0},
};

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0;
	char *text = malloc(cap);
	size_t got;
	while (text && (got = fread(text + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap) {
			char *grown = realloc(text, cap * 2);
			if (grown == NULL) {
				free(text);
				text = NULL;
				break;
			}
			text = grown;
			cap *= 2;
		}
	}
	fclose(f);
	if (text)
		text[n] = '\0';
	return text;
}

/* Loads every file of the glob into a fresh set; -EINVAL on any error. */
static int load(struct rules_state *st, struct rule_set *set)
{
	char pattern[4096], err[512];
	glob_t g;
	const char *files = st->host->config_string(st->self, "files");
	if (st->host->resolve_path(st->self, files, pattern, sizeof pattern) <
	    0)
		return -ENAMETOOLONG;
	int grc = glob(pattern, 0, NULL, &g);
	if (grc == GLOB_NOMATCH) {
		st->host->log(st->self, BD_LOG_WARNING,
			      "no rule files match %s", pattern);
		return 0;
	}
	if (grc != 0)
		return -EIO;
	int rc = 0;
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
		char *text = read_text(g.gl_pathv[i]);
		if (text == NULL) {
			st->host->log(st->self, BD_LOG_ERROR, "cannot read %s",
				      g.gl_pathv[i]);
			rc = -EIO;
			break;
		}
		rc = rules_parse(g.gl_pathv[i], text, set, err, sizeof err);
		free(text);
		if (rc < 0)
			st->host->log(st->self, BD_LOG_ERROR, "%s", err);
	}
	if (rc == 0)
		st->host->log(st->self, BD_LOG_INFO,
			      "%zu rules from %zu files (%s)", set->n,
			      g.gl_pathc, pattern);
	globfree(&g);
	return rc;
}

static int rules_reconfigure(void *state)
{
	struct rules_state *st = state;
	struct rule_set fresh = {0};
	int rc = load(st, &fresh);
	if (rc < 0) {
		rules_free(&fresh);
		return rc; /* the old rules stay */
	}
	rules_free(&st->set);
	st->set = fresh;
	return 0;
}

static int rules_init(const struct bd_host *host, struct bd_plugin_handle *self,
		      void **state)
{
	struct rules_state *st = calloc(1, sizeof *st);
	if (st == NULL)
		return -ENOMEM;
	st->host = host;
	st->self = self;
	int rc = rules_reconfigure(st);
	if (rc < 0) {
		free(st); /* a failed init gets no fini */
		return rc;
	}
	*state = st;
	return 0;
}

static void rules_fini(void *state)
{
	struct rules_state *st = state;
	rules_free(&st->set);
	free(st);
}

static int rules_validate(void *state, const struct bd_submission *s,
			  struct bd_audit *audit)
{
	struct rules_state *st = state;
	return rules_evaluate(&st->set, st->host, s, audit);
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .flags = BD_PLUGIN_CONCURRENT_VALIDATE,
    .name = "rules",
    .version = "1.0",
    .description = "audit formulas written by the operator in rule files",
    .config = rules_config,
    .init = rules_init,
    .fini = rules_fini,
    .reconfigure = rules_reconfigure,
    .validate = rules_validate,
};

#include "host_mock.h"
#include "test_files.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config_value.h"
#include "abi.h"
#include "model.h"
#include "money.h"

struct bd_plugin_handle {
	struct mock_plugin *mock;
};

const struct bd_scope mock_unrestricted = {.restricted = false};

/* One mock at a time is enough for a unit test. */
static struct bd_plugin_handle the_handle;

static void mock_log(const struct bd_plugin_handle *self,
		     enum bd_log_level level, const char *fmt, ...)
{
	va_list ap;
	(void)self;
	if (level > BD_LOG_WARNING)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "[plugin log %d] ", (int)level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* The text given for key in the test's "key=value" pairs, or NULL. */
static const char *given(const struct mock_plugin *m, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < 16 && m->config[i]; i++)
		if (strncmp(m->config[i], key, n) == 0 &&
		    m->config[i][n] == '=')
			return m->config[i] + n + 1;
	return NULL;
}

static const char *mock_config_string(const struct bd_plugin_handle *self,
				      const char *key)
{
	const struct bd_config_key *k =
	    config_value_key(self->mock->desc->config, key);
	if (k == NULL)
		return NULL;
	const char *v = given(self->mock, key);
	return v ? v : k->default_value;
}

static int64_t mock_config_int(const struct bd_plugin_handle *self,
			       const char *key)
{
	const struct bd_config_key *k =
	    config_value_key(self->mock->desc->config, key);
	int64_t n = 0;
	char why[200];
	if (k != NULL)
		config_value_parse(k, mock_config_string(self, key), &n, why,
				   sizeof why);
	return n;
}

static bool mock_config_bool(const struct bd_plugin_handle *self,
			     const char *key)
{
	return mock_config_int(self, key) != 0;
}

/* As the host does before init: every pair names a declared key, and
 * every declared key's value is of its type and range. */
static int check_config(const struct mock_plugin *m)
{
	char why[200];
	int64_t n;
	for (size_t i = 0; i < 16 && m->config[i]; i++) {
		char key[64];
		const char *eq = strchr(m->config[i], '=');
		snprintf(key, sizeof key, "%.*s",
			 eq ? (int)(eq - m->config[i]) : 0, m->config[i]);
		if (eq == NULL ||
		    config_value_key(m->desc->config, key) == NULL) {
			fprintf(stderr, "mock: no config key in \"%s\"\n",
				m->config[i]);
			return -EINVAL;
		}
	}
	for (const struct bd_config_key *k = m->desc->config; k && k->name;
	     k++) {
		const char *v = given(m, k->name);
		if (config_value_parse(k, v ? v : k->default_value, &n, why,
				       sizeof why) < 0) {
			fprintf(stderr, "mock: %s\n", why);
			return -EINVAL;
		}
	}
	return 0;
}

static int mock_finding_cb(struct bd_audit *audit, const struct bd_finding *f)
{
	if (audit->n == MOCK_MAX)
		return -ENOMEM;
	struct mock_finding *m = &audit->items[audit->n++];
	snprintf(m->rule, sizeof m->rule, "%s", f->rule);
	snprintf(m->path, sizeof m->path, "%s", f->path ? f->path : "");
	snprintf(m->message, sizeof m->message, "%s",
		 f->message ? f->message : "");
	m->severity = f->severity;
	m->expected = f->expected;
	m->actual = f->actual;
	return 0;
}

static int mock_format_amount(bd_fen fen, enum bd_unit unit, char *buf,
			      size_t size)
{
	return money_format(fen, unit, buf, size);
}

static int mock_report_change(struct bd_apply *apply,
			      const struct bd_total_change *c)
{
	if (apply == NULL)
		return 0;
	if (apply->n == sizeof apply->items / sizeof apply->items[0])
		return -ENOMEM;
	struct mock_change *m = &apply->items[apply->n++];
	m->year = c->year;
	snprintf(m->dimension, sizeof m->dimension, "%s", c->dimension);
	snprintf(m->key, sizeof m->key, "%s", c->key);
	m->before = c->before;
	m->after = c->after;
	return 0;
}

static int mock_publish(const struct bd_plugin_handle *self, const char *topic,
			const char *body, size_t len)
{
	struct mock_plugin *m = self->mock;
	if (m->n_published == 32)
		return -ENOMEM;
	struct mock_publication *p = &m->published[m->n_published++];
	snprintf(p->topic, sizeof p->topic, "%s", topic);
	snprintf(p->body, sizeof p->body, "%.*s", (int)len, body);
	return 0;
}

static const cJSON *mock_query_request(const struct bd_query *q)
{
	return q->request;
}

static cJSON *mock_query_reply(struct bd_query *q)
{
	return q->reply;
}

static int mock_query_error(struct bd_query *q, const char *code,
			    const char *fmt, ...)
{
	va_list ap;
	q->failed = true;
	snprintf(q->code, sizeof q->code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(q->message, sizeof q->message, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int mock_resolve_path(const struct bd_plugin_handle *self,
			     const char *path, char *buf, size_t size)
{
	(void)self;
	int n = path[0] == '/'
		    ? snprintf(buf, size, "%s", path)
		    : snprintf(buf, size, "%s/%s", BUDGETD_TEST_CONF_DIR, path);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

static const struct bd_revision *
mock_latest(const struct bd_plugin_handle *self, int year,
	    const char *department)
{
	(void)self, (void)year, (void)department;
	return NULL;
}

static const struct bd_control *
mock_control_numbers(const struct bd_plugin_handle *self, int year,
		     const char *department)
{
	const struct bd_control *c = self->mock->control;
	if (c == NULL || c->year != year || department == NULL ||
	    strcmp(c->department, department) != 0)
		return NULL;
	return c;
}

static enum bd_stage mock_audit_stage(const struct bd_audit *audit)
{
	return audit->stage;
}

int mock_plugin_load(struct mock_plugin *m, const char *name,
		     const char *const *config)
{
	char path[1024];
	memset(m, 0, sizeof *m);
	for (size_t i = 0; config && config[i] && i < 16; i++)
		m->config[i] = config[i];
	snprintf(path, sizeof path, "%s/%s.so", BUDGETD_TEST_PLUGIN_DIR, name);
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (m->dl == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return -ENOENT;
	}
	m->desc = dlsym(m->dl, BD_PLUGIN_SYMBOL);
	if (m->desc == NULL)
		return -EPROTO;
	/* The daemon's own check, not a copy of it. */
	char why[256];
	if (abi_check(m->desc, why, sizeof why) < 0) {
		fprintf(stderr, "mock: %s refused: %s\n", path, why);
		return -EPROTO;
	}
	if (check_config(m) < 0)
		return -EINVAL;
	m->host = (struct bd_host){
	    .abi_major = BD_ABI_MAJOR,
	    .abi_minor = BD_ABI_MINOR,
	    .struct_size = sizeof(struct bd_host),
	    .log = mock_log,
	    .config_string = mock_config_string,
	    .config_int = mock_config_int,
	    .config_bool = mock_config_bool,
	    .finding = mock_finding_cb,
	    .format_amount = mock_format_amount,
	    .report_change = mock_report_change,
	    .publish = mock_publish,
	    .query_request = mock_query_request,
	    .query_reply = mock_query_reply,
	    .query_error = mock_query_error,
	    .resolve_path = mock_resolve_path,
	    .latest_revision = mock_latest,
	    .control_numbers = mock_control_numbers,
	    .audit_stage = mock_audit_stage,
	};
	the_handle.mock = m;
	int rc = m->desc->init(&m->host, &the_handle, &m->state);
	m->initialised = rc == 0;
	return rc;
}

void mock_plugin_unload(struct mock_plugin *m)
{
	if (m->desc && m->desc->fini && m->initialised)
		m->desc->fini(m->state);
	if (m->dl)
		dlclose(m->dl);
	memset(m, 0, sizeof *m);
}

int mock_submission_parse(struct mock_submission *ms, const char *json)
{
	struct model_problems *problems = calloc(1, sizeof *problems);
	cJSON *doc = cJSON_Parse(json);
	int rc = -EINVAL;

	memset(ms, 0, sizeof *ms);
	arena_init(&ms->arena);
	if (problems != NULL && doc != NULL) {
		rc = model_parse(doc, &ms->arena, &ms->s, problems);
		for (size_t i = 0; rc < 0 && i < problems->n; i++)
			fprintf(stderr, "model: %s: %s\n",
				problems->items[i].path,
				problems->items[i].message);
	}
	free(problems);
	cJSON_Delete(doc);
	return rc;
}

char *mock_read_data(const char *file)
{
	char path[1024];
	size_t len;
	snprintf(path, sizeof path, "%s/%s", BUDGETD_TEST_DATA_DIR, file);
	return test_read_file(path, &len);
}

int mock_submission_load(struct mock_submission *ms, const char *file)
{
	char *text = mock_read_data(file);
	if (text == NULL)
		return -ENOENT;
	int rc = mock_submission_parse(ms, text);
	free(text);
	return rc;
}

void mock_submission_free(struct mock_submission *ms)
{
	arena_release(&ms->arena);
	ms->s = NULL;
}

const struct mock_finding *mock_find(const struct bd_audit *audit,
				     const char *rule, const char *path)
{
	for (size_t i = 0; i < audit->n; i++)
		if (strcmp(audit->items[i].rule, rule) == 0 &&
		    (path == NULL || strcmp(audit->items[i].path, path) == 0))
			return &audit->items[i];
	return NULL;
}

#include "config.h"

#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct load_state {
	struct config *config;
	char *err;
	size_t err_size;
	int failed;
};

int config_set_string(char **field, const char *value)
{
	char *copy = strdup(value);
	if (copy == NULL)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static void free_list(char **list, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free(list[i]);
	*n = 0;
}

int config_set_list(char **list, size_t *n, const char *value)
{
	char *copy = strdup(value), *save = NULL;
	if (copy == NULL)
		return -ENOMEM;
	free_list(list, n);
	int rc = 0;
	for (char *tok = strtok_r(copy, ", \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (*n >= CONFIG_MAX_LIST) {
			rc = -E2BIG;
			break;
		}
		list[*n] = strdup(tok);
		if (list[*n] == NULL) {
			rc = -ENOMEM;
			break;
		}
		(*n)++;
	}
	free(copy);
	return rc;
}

/* "4M", "512K", "1048576" → bytes. */
static int parse_size(const char *text, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno != 0 || end == text)
		return -EINVAL;
	unsigned long long mult = 1;
	if (*end == 'K' || *end == 'k')
		mult = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mult = 1024 * 1024, end++;
	if (*end != '\0' || v == 0 || v > (1ULL << 30) / mult)
		return -EINVAL;
	*out = (size_t)(v * mult);
	return 0;
}

static int parse_int(const char *text, int min, int max, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int config_parse_severity(const char *text, enum bd_severity *severity)
{
	if (strcmp(text, "error") == 0)
		*severity = BD_SEVERITY_ERROR;
	else if (strcmp(text, "warning") == 0)
		*severity = BD_SEVERITY_WARNING;
	else if (strcmp(text, "off") == 0)
		*severity = BD_SEVERITY_OFF;
	else
		return -EINVAL;
	return 0;
}

/* Applies one [daemon] key; returns a complaint or NULL. */
static const char *apply_daemon_key(struct config *c, const char *key,
				    const char *value)
{
	int rc = 0;
	if (strcmp(key, "listen") == 0)
		rc = config_set_list(c->listen, &c->n_listen, value);
	else if (strcmp(key, "publish") == 0)
		rc = config_set_string(&c->publish, value);
	else if (strcmp(key, "state_dir") == 0)
		rc = config_set_string(&c->state_dir, value);
	else if (strcmp(key, "plugin_dir") == 0)
		rc = config_set_string(&c->plugin_dir, value);
	else if (strcmp(key, "plugins") == 0)
		rc = config_set_list(c->plugins, &c->n_plugins, value);
	else if (strcmp(key, "trust") == 0)
		rc = config_set_list(c->trust, &c->n_trust, value);
	else if (strcmp(key, "tls_cert_key") == 0)
		rc = config_set_string(&c->tls_cert_key, value);
	else if (strcmp(key, "tls_client_ca") == 0)
		rc = config_set_string(&c->tls_client_ca, value);
	else if (strcmp(key, "max_message_size") == 0)
		return parse_size(value, &c->max_message_size) < 0
			   ? "max_message_size must be a size such as 4M, "
			     "512K or 1048576 (at most 1G)"
			   : NULL;
	else if (strcmp(key, "request_contexts") == 0)
		return parse_int(value, 1, 1024, &c->request_contexts) < 0
			   ? "request_contexts must be an integer 1..1024"
			   : NULL;
	else if (strcmp(key, "audit_workers") == 0) {
		if (strcmp(value, "auto") == 0) {
			c->audit_workers = -1;
			return NULL;
		}
		return parse_int(value, 0, 256, &c->audit_workers) < 0
			   ? "audit_workers must be auto (one per core) or an "
			     "integer 0..256 (0: audit on the loop thread)"
			   : NULL;
	} else if (strcmp(key, "commit_batch_max") == 0)
		return parse_int(value, 1, 100000, &c->commit_batch_max) < 0
			   ? "commit_batch_max must be an integer 1..100000"
			   : NULL;
	else if (strcmp(key, "rate_limit") == 0)
		return parse_int(value, 0, 1000000, &c->rate_limit) < 0
			   ? "rate_limit must be requests per second, "
			     "0..1000000 (0: off)"
			   : NULL;
	else if (strcmp(key, "rate_burst") == 0)
		return parse_int(value, 0, 10000000, &c->rate_burst) < 0
			   ? "rate_burst must be an integer 0..10000000"
			   : NULL;
	else if (strcmp(key, "max_in_flight") == 0)
		return parse_int(value, 0, 1000000, &c->max_in_flight) < 0
			   ? "max_in_flight must be an integer 0..1000000 (0: "
			     "off)"
			   : NULL;
	else if (strcmp(key, "max_in_flight_per_connection") == 0)
		return parse_int(value, 0, 1000000,
				 &c->max_in_flight_per_connection) < 0
			   ? "max_in_flight_per_connection must be an integer "
			     "0..1000000"
			   : NULL;
	else if (strcmp(key, "log_level") == 0) {
		if (strcmp(value, "error") && strcmp(value, "warning") &&
		    strcmp(value, "info") && strcmp(value, "debug"))
			return "log_level must be error, warning, info or "
			       "debug";
		rc = config_set_string(&c->log_level, value);
	} else
		return "unknown key in [daemon]";
	if (rc == -E2BIG)
		return "too many items in the list";
	return rc < 0 ? "out of memory" : NULL;
}

/* Applies one [http] key; returns a complaint or NULL. */
static const char *apply_http_key(struct config *c, const char *key,
				  const char *value)
{
	if (strcmp(key, "listen") == 0)
		return config_set_string(&c->http_listen, value) < 0
			   ? "out of memory"
			   : NULL;
	if (strcmp(key, "console") == 0)
		return config_set_string(&c->http_console, value) < 0
			   ? "out of memory"
			   : NULL;
	if (strcmp(key, "cors_origin") == 0)
		return config_set_string(&c->http_cors_origin, value) < 0
			   ? "out of memory"
			   : NULL;
	if (strcmp(key, "max_header_size") == 0)
		return parse_size(value, &c->http_max_headers) < 0 ||
			       c->http_max_headers < 1024
			   ? "max_header_size must be a size of 1K or more"
			   : NULL;
	if (strcmp(key, "timeout") == 0)
		return parse_int(value, 1, 3600, &c->http_timeout) < 0
			   ? "timeout must be seconds, 1..3600"
			   : NULL;
	if (strcmp(key, "max_connections") == 0)
		return parse_int(value, 0, 100000, &c->http_max_connections) < 0
			   ? "max_connections must be an integer 0..100000 "
			     "(0: no limit)"
			   : NULL;
	return "unknown key in [http] (listen, console, cors_origin, "
	       "max_header_size, timeout, max_connections)";
}

/* Applies one [workflow] key; returns a complaint or NULL. */
static const char *apply_workflow_key(struct config *c, const char *key,
				      const char *value)
{
	if (strcmp(key, "require_control_numbers") == 0) {
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
			c->require_control_numbers = true;
		else if (strcmp(value, "no") == 0 ||
			 strcmp(value, "false") == 0)
			c->require_control_numbers = false;
		else
			return "require_control_numbers must be yes or no";
		return NULL;
	}
	return "unknown key in [workflow] (require_control_numbers)";
}

/* Returns 1 to go on, 0 on failure (st->failed says whether it was ours). */
static int on_entry(struct load_state *st, const char *section, const char *key,
		    const char *value, int line)
{
	struct config *c = st->config;
	const char *complaint = NULL;

	if (st->failed)
		return 0;
	if (strcmp(section, "daemon") == 0) {
		complaint = apply_daemon_key(c, key, value);
	} else if (strcmp(section, "http") == 0) {
		complaint = apply_http_key(c, key, value);
	} else if (strcmp(section, "workflow") == 0) {
		complaint = apply_workflow_key(c, key, value);
	} else if (strcmp(section, "severity") == 0) {
		enum bd_severity sev;
		if (config_parse_severity(value, &sev) < 0)
			complaint = "severity must be error, warning or off";
	} else if (strncmp(section, "plugin.", 7) != 0 || section[7] == '\0') {
		complaint = "unknown section (expected [daemon], [http], "
			    "[workflow], [severity] or [plugin.NAME])";
	}
	if (complaint != NULL) {
		snprintf(st->err, st->err_size, "%s:%d: [%s] %s = %s: %s",
			 c->path, line, section, key, value, complaint);
		st->failed = 1;
		return 0;
	}

	struct config_entry *grown =
	    realloc(c->entries, (c->n_entries + 1) * sizeof *c->entries);
	if (grown == NULL)
		return 0;
	c->entries = grown;
	struct config_entry *e = &c->entries[c->n_entries];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = line;
	if (!e->section || !e->key || !e->value) {
		free(e->section), free(e->key), free(e->value);
		return 0;
	}
	c->n_entries++;
	return 1;
}

int config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->max_message_size = 4u << 20;
	c->http_max_headers = 16u << 10;
	c->http_timeout = 30;
	c->http_max_connections = 256;
	c->request_contexts = 32;
	c->audit_workers = -1;
	c->commit_batch_max = 256;
	c->rate_limit = 0;
	c->rate_burst = 0;
	c->max_in_flight = 4096;
	c->max_in_flight_per_connection = 64;
	/* A budget (二上) is sent within control numbers (一下). */
	c->require_control_numbers = true;
	if (config_set_list(c->listen, &c->n_listen, CONFIG_DEFAULT_LISTEN) <
		0 ||
	    config_set_string(&c->publish, CONFIG_DEFAULT_PUBLISH) < 0 ||
	    config_set_string(&c->state_dir, CONFIG_DEFAULT_STATE_DIR) < 0 ||
	    config_set_list(c->plugins, &c->n_plugins, CONFIG_DEFAULT_PLUGINS) <
		0 ||
	    config_set_string(&c->log_level, "info") < 0 ||
	    config_set_list(c->trust, &c->n_trust, "ipc") < 0) {
		config_free(c);
		return -ENOMEM;
	}
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/*
 * The INI dialect: "[section]", "key = value", comments from '#' or ';' at
 * the start of a line.  Values run to the end of the line so that rule
 * text may contain ';'.
 */
static int parse_ini(FILE *f, struct load_state *st)
{
	char buf[4096], section[128] = "";
	int line = 0;

	while (fgets(buf, sizeof buf, f) != NULL) {
		line++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			snprintf(st->err, st->err_size, "%s:%d: line too long",
				 st->config->path, line);
			return -EINVAL;
		}
		char *s = trim(buf);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL || close[1] != '\0' ||
			    close == s + 1 ||
			    (size_t)(close - s) >= sizeof section) {
				snprintf(st->err, st->err_size,
					 "%s:%d: malformed section header %s",
					 st->config->path, line, s);
				return -EINVAL;
			}
			*close = '\0';
			snprintf(section, sizeof section, "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL || eq == s) {
			snprintf(st->err, st->err_size,
				 "%s:%d: expected \"key = value\", got %.60s",
				 st->config->path, line, s);
			return -EINVAL;
		}
		if (section[0] == '\0') {
			snprintf(st->err, st->err_size,
				 "%s:%d: key outside of any [section]",
				 st->config->path, line);
			return -EINVAL;
		}
		*eq = '\0';
		if (!on_entry(st, section, trim(s), trim(eq + 1), line))
			return st->failed ? -EINVAL : -ENOMEM;
	}
	return 0;
}

int config_load(const char *path, struct config *c, char *err, size_t err_size)
{
	struct load_state st = {.config = c, .err = err, .err_size = err_size};
	if (config_set_string(&c->path, path) < 0)
		return -ENOMEM;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, err_size, "%s: cannot open: %s", path,
			 strerror(errno));
		return -ENOENT;
	}
	int rc = parse_ini(f, &st);
	fclose(f);
	if (rc == -ENOMEM)
		snprintf(err, err_size, "%s: out of memory", path);
	return rc;
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < c->n_entries; i++) {
		free(c->entries[i].section);
		free(c->entries[i].key);
		free(c->entries[i].value);
	}
	free(c->entries);
	free_list(c->listen, &c->n_listen);
	free_list(c->plugins, &c->n_plugins);
	free_list(c->trust, &c->n_trust);
	free(c->path);
	free(c->publish);
	free(c->state_dir);
	free(c->http_listen);
	free(c->http_cors_origin);
	free(c->http_console);
	free(c->plugin_dir);
	free(c->log_level);
	free(c->tls_cert_key);
	free(c->tls_client_ca);
	memset(c, 0, sizeof *c);
}

const char *config_get(const struct config *c, const char *section,
		       const char *key)
{
	for (size_t i = c->n_entries; i-- > 0;)
		if (strcmp(c->entries[i].section, section) == 0 &&
		    strcmp(c->entries[i].key, key) == 0)
			return c->entries[i].value;
	return NULL;
}

enum bd_severity config_severity(const struct config *c, const char *rule,
				 enum bd_severity fallback)
{
	size_t best = 0;
	enum bd_severity result = fallback;
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct config_entry *e = &c->entries[i];
		if (strcmp(e->section, "severity") != 0)
			continue;
		size_t n = strlen(e->key);
		size_t weight;
		if (n > 0 && e->key[n - 1] == '*') {
			if (strncmp(e->key, rule, n - 1) != 0)
				continue;
			weight = n; /* a prefix: shorter than an exact match */
		} else if (strcmp(e->key, rule) == 0) {
			weight = SIZE_MAX;
		} else {
			continue;
		}
		if (weight >= best) {
			enum bd_severity sev;
			if (config_parse_severity(e->value, &sev) == 0) {
				best = weight;
				result = sev;
			}
		}
	}
	return result;
}

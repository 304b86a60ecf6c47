/* The daemon's configuration: an INI file  plus flags. */
#ifndef BUDGETD_CONFIG_H
#define BUDGETD_CONFIG_H

#include <budgetd/plugin.h>
#include <stdbool.h>
#include <stddef.h>

#define CONFIG_DEFAULT_LISTEN	 "ipc:///run/budgetd/budgetd.sock"
#define CONFIG_DEFAULT_PUBLISH	 "ipc:///run/budgetd/events.sock"
#define CONFIG_DEFAULT_STATE_DIR "/var/lib/budgetd"
#define CONFIG_DEFAULT_PLUGINS                                                 \
	"arith,catalog,plausibility,narrative,rules,control,totals,publisher"
#define CONFIG_MAX_LIST 32

struct config_entry {
	char *section;
	char *key;
	char *value;
	int line;
};

struct config {
	char *path; /* NULL: built-in defaults only */
	struct config_entry *entries;
	size_t n_entries;

	/* [daemon] */
	char *listen[CONFIG_MAX_LIST];
	size_t n_listen;
	char *publish;
	char *state_dir;
	char *
	    plugin_dir; /* NULL: next to the executable, then the install dir */
	char *plugins[CONFIG_MAX_LIST];
	size_t n_plugins;
	size_t max_message_size;
	int request_contexts;
	int audit_workers; /* threads auditing documents; -1: one per core */
	int commit_batch_max;
	char *log_level;
	/* Listeners whose peers are trusted with full rights: URLs, or
	 * schemes ("ipc", "tcp", "tls+tcp"); every other one requires a
	 * credential. */
	char *trust[CONFIG_MAX_LIST];
	size_t n_trust;
	/* tls+tcp:// listeners: our certificate and key in one PEM file, and
	 * (optional) the CA whose client certificates are required. */
	char *tls_cert_key;
	char *tls_client_ca;
	/* limits; 0 switches one off */
	int rate_limit; /* requests per second per connection */
	int rate_burst;
	int max_in_flight; /* submissions waiting for the disk, overall */
	int max_in_flight_per_connection;
	bool require_control_numbers; /* [workflow] */

	/* [http] */
	char *http_listen; /* HOST:PORT; NULL: no HTTP listener */
	size_t http_max_headers;
	int http_timeout;	  /* seconds a connection may take */
	int http_max_connections; /* 0: no limit */
	char *http_cors_origin;	  /* NULL: no CORS headers */
	char *http_console;	  /* NULL: the default console directory */
};

/* Fills in the built-in defaults (no file). */
int config_defaults(struct config *config);

/*
 * Reads a config file over the defaults.  On error returns -EINVAL (or
 * -ENOENT) and writes "file:line: what" into err.
 */
int config_load(const char *path, struct config *config, char *err,
		size_t err_size);

void config_free(struct config *config);

/* Replaces a string field (flags override the file). */
int config_set_string(char **field, const char *value);
/* Splits "a, b c" into a list; -E2BIG past CONFIG_MAX_LIST items. */
int config_set_list(char **list, size_t *n, const char *value);

/* The last value of section.key, or NULL. */
const char *config_get(const struct config *config, const char *section,
		       const char *key);

/* The operator's severity for a rule ([severity] section: exact ids, or a
 * prefix ending in '*'; the longest match wins), else `fallback`. */
enum bd_severity config_severity(const struct config *config, const char *rule,
				 enum bd_severity fallback);

int config_parse_severity(const char *text, enum bd_severity *severity);

#endif

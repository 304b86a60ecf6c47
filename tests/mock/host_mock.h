/*
 * A stand-in for the daemon, so plugins are unit-tested on their own: it
 * loads the real plugin .so, hands it a bd_host table and records what the
 * plugin reports (findings, total changes, publications).
 */
#ifndef BUDGETD_HOST_MOCK_H
#define BUDGETD_HOST_MOCK_H

#include <budgetd/plugin.h>
#include <cjson/cJSON.h>

#define MOCK_MAX 256

struct mock_finding {
	char rule[96];
	enum bd_severity severity;
	char path[128];
	char message[1024];
	struct bd_stated expected, actual;
};

struct mock_change {
	int year;
	char dimension[32];
	char key[32];
	bd_fen before, after;
};

struct mock_publication {
	char topic[256];
	char body[8192];
};

struct bd_audit {
	struct mock_finding items[MOCK_MAX];
	size_t n;
	enum bd_stage stage; /* what audit_stage() answers */
};

struct bd_apply {
	struct mock_change items[4096];
	size_t n;
};

struct bd_query {
	const cJSON *request;
	cJSON *reply;
	char code[64];
	char message[512];
	bool failed;
};

struct mock_plugin {
	void *dl;
	const struct bd_plugin *desc;
	void *state;
	bool initialised; /* as the host: fini only after a successful init */
	struct bd_host host;
	/* config: "key=value" pairs the plugin reads through config_* */
	const char *config[16];
	struct mock_publication published[32];
	size_t n_published;
	/* what control_numbers() answers for its year and department */
	const struct bd_control *control;
};

/* The scope of an operator: everything. */
extern const struct bd_scope mock_unrestricted;

/* Loads NAME.so from BUDGETD_TEST_PLUGIN_DIR and initialises it. */
int mock_plugin_load(struct mock_plugin *m, const char *name,
		     const char *const *config);
void mock_plugin_unload(struct mock_plugin *m);

#include "arena.h"

/* A parsed submission and the arena it lives in. */
struct mock_submission {
	struct arena arena;
	struct bd_submission *s;
};

/* Reads a file of BUDGETD_TEST_DATA_DIR (malloc'ed, NUL-terminated). */
char *mock_read_data(const char *file);
/* Parses JSON text / a data file; 0, or negative with problems on stderr. */
int mock_submission_parse(struct mock_submission *ms, const char *json);
int mock_submission_load(struct mock_submission *ms, const char *file);
void mock_submission_free(struct mock_submission *ms);

/* The first finding with this rule (and path, when not NULL), or NULL. */
const struct mock_finding *mock_find(const struct bd_audit *audit,
				     const char *rule, const char *path);

#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_mock.h"

static struct mock_plugin plugin;
static char dir[128];

/* Loads the rules plugin over one rules file with this text. */
static int load_rules(const char *text)
{
	char path[256], setting[300];
	snprintf(dir, sizeof dir, "/tmp/budgetd-rules-%d", getpid());
	snprintf(path, sizeof path, "mkdir -p %s", dir);
	if (system(path) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/test.rules", dir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	snprintf(setting, sizeof setting, "files=%s/*.rules", dir);
	const char *config[] = {setting, NULL};
	mock_plugin_unload(&plugin);
	return mock_plugin_load(&plugin, "rules", config);
}

static int teardown(void **state)
{
	char cmd[256];
	(void)state;
	mock_plugin_unload(&plugin);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static struct bd_audit *audit_json(struct mock_plugin *p, const char *json)
{
	static struct bd_audit audit;
	struct mock_submission ms;
	assert_int_equal(mock_submission_parse(&ms, json), 0);
	memset(&audit, 0, sizeof audit);
	assert_int_equal(p->desc->validate(p->state, ms.s, &audit), 0);
	mock_submission_free(&ms);
	return &audit;
}

#define DOC(extra)                                                               \
	"{\"format\":\"budget-submission/1\",\"year\":2024,\"unit\":\"万元\"," \
	"\"department\":{\"code\":\"900001\",\"name\":\"t\"},"                   \
	"\"income\":{\"general_budget\":\"100\"},\"expenditure\":[{"             \
	"\"function\":\"2010301\","                                              \
	"\"basic\":{\"wages\":\"60\",\"goods\":\"40\"},\"total\":\"100\"}"       \
	"]" extra "}"

static void test_operator_rule(void **state)
{
	(void)state;
	assert_int_equal(
	    load_rules(
		"# the bureau's cap\n"
		"rule local.cap warning \"三公经费 over 5 万元\"\n"
		"    three_public.total <= 5 万元\n"
		"rule local.share error \"wages above 55% of spending\"\n"
		"    expenditure.wages <= expenditure * 55%\n"),
	    0);
	struct bd_audit *a =
	    audit_json(&plugin, DOC(",\"three_public\":{\"total\":\"6\"}"));
	assert_int_equal(a->n, 2);
	const struct mock_finding *f = mock_find(a, "local.cap", NULL);
	assert_non_null(f);
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
	assert_int_equal(f->actual.fen, 6000000);
	assert_int_equal(f->expected.fen, 5000000);
	assert_non_null(strstr(f->message, "three_public.total <= 5 万元"));
	f = mock_find(a, "local.share", NULL);
	assert_int_equal(f->expected.fen, 55000000);
	/* No 三公 table: the cap does not apply. */
	a = audit_json(&plugin, DOC(""));
	assert_int_equal(a->n, 1);
}

static void test_tolerance_and_units(void **state)
{
	(void)state;
	assert_int_equal(
	    load_rules("rule t.abs error \"x\"\n"
		       "  income == expenditure + 0.005 within 0.01\n"
		       "rule t.pct error \"y\"\n"
		       "  income == 101 within 1%\n"
		       "rule t.pct2 error \"z\"\n"
		       "  income == 102 within 1%\n"
		       "rule t.yuan error \"w\"\n"
		       "  income == 1000000 元\n"),
	    0);
	struct bd_audit *a = audit_json(&plugin, DOC(""));
	assert_int_equal(a->n, 1);
	assert_non_null(mock_find(a, "t.pct2", NULL));
}

static void expect_syntax_error(const char *text, const char *where,
				const char *words);

/* A 万元 三公 table beside a 元 economic table: 0.73 万元 and 7,315 元
 * agree at the 三公 table's precision (7,250–7,350 元), 7,400 元 does
 * not. */
static void test_precision_across_units(void **state)
{
	(void)state;
	assert_int_equal(load_rules("rule t.reception warning \"x\"\n"
				    "  economic[30217] <= "
				    "three_public.reception\n"),
			 0);
	static const struct {
		const char *economic;
		size_t findings;
	} cases[] = {{"7315", 0}, {"7350", 0}, {"7400", 1}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char json[1024];
		snprintf(json, sizeof json,
			 "{\"format\":\"budget-submission/1\",\"year\":2024,"
			 "\"unit\":\"元\",\"department\":{\"code\":\"900001\","
			 "\"name\":\"t\"},\"income\":{},\"expenditure\":[],"
			 "\"three_public\":{\"unit\":\"万元\",\"reception\":"
			 "\"0.73\",\"total\":\"0.73\"},\"economic\":[{"
			 "\"code\":\"30217\",\"name\":\"公务接待费\","
			 "\"amount\":\"%s\"}]}",
			 cases[i].economic);
		struct bd_audit *a = audit_json(&plugin, json);
		assert_int_equal(a->n, cases[i].findings);
		if (a->n)
			assert_non_null(
			    strstr(a->items[0].message, "printed precision"));
	}
}

/* economic[CODE:NAME] counts a row only under that name: 上海 numbers
 * 30212 机关事业单位退休人员活动费, which is no 因公出国 spending. */
static void test_economic_by_name(void **state)
{
	(void)state;
	assert_int_equal(load_rules("rule t.overseas warning \"x\"\n"
				    "  economic[30212:因公出国] <= "
				    "three_public.overseas\n"),
			 0);
	static const char *const rows[][2] = {
	    {"机关事业单位退休人员活动费", "0"}, /* another 款: no finding */
	    {"因公出国（境）费用", "1"},	 /* the national one: found */
	    {"", "1"},				 /* no name: taken as coded */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char extra[512];
		snprintf(extra, sizeof extra,
			 ",\"three_public\":{\"overseas\":\"0\"},"
			 "\"economic\":[{\"code\":\"30212\",\"name\":\"%s\","
			 "\"amount\":\"0.7\"}]",
			 rows[i][0]);
		char json[1024];
		snprintf(json, sizeof json, DOC("%s"), extra);
		struct bd_audit *a = audit_json(&plugin, json);
		assert_int_equal(a->n, (size_t)atoi(rows[i][1]));
	}
	expect_syntax_error("rule t.x error \"x\"\n  expenditure[201:a] >= 0\n",
			    "test.rules:2", "only economic[CODE:NAME]");
}

static void expect_syntax_error(const char *text, const char *where,
				const char *words)
{
	/* The plugin logs through the mock, which writes to stderr. */
	int saved = dup(2);
	fflush(stderr);
	FILE *tmp = tmpfile();
	dup2(fileno(tmp), 2);
	int rc = load_rules(text);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char log[2048] = "";
	rewind(tmp);
	size_t n = fread(log, 1, sizeof log - 1, tmp);
	log[n] = '\0';
	fclose(tmp);
	assert_true(rc < 0);
	if (strstr(log, where) == NULL || strstr(log, words) == NULL)
		fail_msg("log \"%s\" lacks \"%s\" / \"%s\"", log, where, words);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_syntax_error("rule a error \"m\"\n  income === 1\n",
			    "test.rules:2:12", "unexpected character '='");
	expect_syntax_error("rule a error \"m\"\n  income == 5%\n",
			    "test.rules:2:14", "a percentage only multiplies");
	expect_syntax_error("rule a fatal \"m\"\n  income == 1\n",
			    "test.rules:1:8", "expected a severity");
	expect_syntax_error("rule a error \"m\"\n  incom == 1\n",
			    "test.rules:2:3", "unknown quantity \"incom\"");
	expect_syntax_error("rule a error \"m\n  income == 1\n",
			    "test.rules:1:14", "unterminated string");
	expect_syntax_error("rule a error \"m\"\n  line.total == 1\n",
			    "test.rules:2:3", "needs \"per line\"");
	expect_syntax_error("rule a error \"m\"\n  income == 1\nrule a error "
			    "\"n\"\n  income == 2\n",
			    "test.rules:3:1", "already defined at");
	expect_syntax_error("rule a error \"m\"\n  income == 1 within\n",
			    "test.rules:2:21", "expected a quantity");
	expect_syntax_error("rule a error \"m\"\n  income 1\n",
			    "test.rules:2:10", "expected a comparison");
	expect_syntax_error("income == 1\n", "test.rules:1:1",
			    "expected \"rule\"");
	expect_syntax_error("rule a error \"m\"\n  expenditure[2a] == 1\n",
			    "test.rules:2:3", "must be digits");
}

/* ---- examples/arith.rules says what the arith plugin says ---- */

struct key {
	char suffix[96];
	bd_fen expected, actual;
};

static size_t keys_of(const struct bd_audit *a, const char *prefix,
		      struct key *out)
{
	size_t n = 0;
	for (size_t i = 0; i < a->n; i++) {
		const char *suffix = a->items[i].rule + strlen(prefix);
		if (strcmp(suffix, "projects.lines") == 0)
			continue; /* conditional in C; not part of the
				     comparison */
		snprintf(out[n].suffix, sizeof out[n].suffix, "%s", suffix);
		out[n].expected = a->items[i].expected.fen;
		out[n].actual = a->items[i].actual.fen;
		n++;
	}
	return n;
}

static int compare_keys(const void *x, const void *y)
{
	const struct key *a = x, *b = y;
	int c = strcmp(a->suffix, b->suffix);
	if (c)
		return c;
	if (a->expected != b->expected)
		return a->expected < b->expected ? -1 : 1;
	return a->actual < b->actual ? -1 : a->actual > b->actual;
}

static void test_arith_is_expressible(void **state)
{
	struct mock_plugin arith;
	struct key *k1 = calloc(MOCK_MAX, sizeof *k1),
		   *k2 = calloc(MOCK_MAX, sizeof *k2);
	(void)state;
	char setting[256];
	snprintf(setting, sizeof setting, "files=%s/rules/examples/arith.rules",
		 BUDGETD_TEST_CONF_DIR);
	const char *config[] = {setting, NULL};
	mock_plugin_unload(&plugin);
	/* The mock keeps one handle: load, audit, unload, one plugin at a time.
	 */
	char *sample = mock_read_data("fengquan-116001-2023.json");
	cJSON *doc = cJSON_Parse(sample);
	free(sample);
	srand(77);
	int disagreements = 0, findings = 0;
	for (int round = 0; round < 200; round++) {
		cJSON *copy = cJSON_Duplicate(doc, 1);
		/* Change a few amounts anywhere among the lines and stated
		 * totals. */
		for (int m = 0; round > 0 && m < 1 + rand() % 3; m++) {
			cJSON *target;
			if (rand() % 2) {
				cJSON *lines =
				    cJSON_GetObjectItem(copy, "expenditure");
				cJSON *line = cJSON_GetArrayItem(
				    lines, rand() % cJSON_GetArraySize(lines));
				target = cJSON_GetObjectItem(
				    line, rand() % 2 ? "basic" : "project");
				if (target == NULL)
					target = line;
			} else {
				target = cJSON_GetObjectItem(copy, "stated");
				if (rand() % 3 == 0)
					target = cJSON_GetObjectItem(
					    target, "appropriation");
			}
			cJSON *item = cJSON_GetArrayItem(
			    target, rand() % cJSON_GetArraySize(target));
			if (cJSON_IsString(item) &&
			    strcmp(item->string, "function") != 0 &&
			    strcmp(item->string, "name") != 0 &&
			    strcmp(item->string, "source") != 0) {
				char amount[32];
				snprintf(amount, sizeof amount, "%d.%02d",
					 rand() % 300, rand() % 100);
				cJSON_SetValuestring(item, amount);
			}
		}
		char *json = cJSON_PrintUnformatted(copy);
		cJSON_Delete(copy);
		/* arith.rules has no way to say which cell of a row is
		 * wrong, so the plugin is compared without that search. */
		static const char *const no_blame[] = {"blame_cells=false",
						       NULL};
		assert_int_equal(mock_plugin_load(&arith, "arith", no_blame),
				 0);
		struct bd_audit *a = audit_json(&arith, json);
		size_t n1 = keys_of(a, "arith.", k1);
		mock_plugin_unload(&arith);
		assert_int_equal(mock_plugin_load(&plugin, "rules", config), 0);
		a = audit_json(&plugin, json);
		size_t n2 = keys_of(a, "rules.", k2);
		mock_plugin_unload(&plugin);
		free(json);
		qsort(k1, n1, sizeof *k1, compare_keys);
		qsort(k2, n2, sizeof *k2, compare_keys);
		findings += (int)n1;
		bool same = n1 == n2;
		for (size_t i = 0; same && i < n1; i++)
			same = compare_keys(&k1[i], &k2[i]) == 0;
		if (!same) {
			disagreements++;
			for (size_t i = 0; i < n1; i++)
				fprintf(stderr, "  arith %s %lld %lld\n",
					k1[i].suffix, (long long)k1[i].expected,
					(long long)k1[i].actual);
			for (size_t i = 0; i < n2; i++)
				fprintf(stderr, "  rules %s %lld %lld\n",
					k2[i].suffix, (long long)k2[i].expected,
					(long long)k2[i].actual);
			break;
		}
	}
	cJSON_Delete(doc);
	free(k1);
	free(k2);
	fprintf(stderr, "  200 documents, %d findings, %d disagreements\n",
		findings, disagreements);
	assert_int_equal(disagreements, 0);
	assert_true(findings > 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_operator_rule, teardown),
	    cmocka_unit_test_teardown(test_tolerance_and_units, teardown),
	    cmocka_unit_test_teardown(test_economic_by_name, teardown),
	    cmocka_unit_test_teardown(test_precision_across_units, teardown),
	    cmocka_unit_test_teardown(test_syntax_errors, teardown),
	    cmocka_unit_test_teardown(test_arith_is_expressible, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * catalog: every function and economic code against that year's
 * classification catalogue (审核公式, family 3).
 *
 * Catalogues are data: DIR/YEAR/function.csv and DIR/YEAR/economic.csv
 * (code,level,name,parent,trust,alt_names).  A year without one uses the
 * nearest earlier year.  A catalogue is partial unless DIR/YEAR/COMPLETE
 * exists; then an unknown code is only a warning, since the catalogue,
 * not the document, may be what is missing.
 *
 * Names are compared after removing the damage real documents show
 * (spaces, line-wrap truncation, half/full-width brackets and
 * punctuation).  A different name is an error against a row the project
 * trusts and a warning against one it does not (trust K, M, R).
 *
 * Standard 项 names (行政运行, 一般行政管理事务, 机关服务, 事业运行, …)
 * recur under many 款, so a printed name suggests a miscoding only when
 * exactly one code carries it, that code is in another 类, and no code
 * under the printed 款 carries it; then the finding names that code.
 */
#include <budgetd/plugin.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "names.h"

/* A printed variant; `until` is the last fiscal year of an old name
 * ("医疗卫生与计划生育支出<=2018"), 0 for a variant valid in every year. */
struct alt_name {
	struct cp_string norm;
	int until;
};

struct entry {
	char code[8];
	char parent[8];
	char *name;
	struct cp_string norm;
	struct alt_name *alts;
	size_t n_alts;
	char trust[8];
	bool weak; /* trust K, M or R: its name alone proves nothing */
};

struct table {
	struct entry *entries; /* sorted by code */
	size_t n;
};

struct catalogue {
	int year;
	bool complete;
	struct table function, economic;
};

struct catalog {
	const struct bd_host *host;
	struct bd_plugin_handle *self;
	struct catalogue *years; /* sorted by year */
	size_t n_years;
};

static const struct bd_config_key catalog_config[] = {
    {"dir", BD_CONFIG_STRING, "catalog",
     "directory of YEAR/function.csv and YEAR/economic.csv (relative: "
     "to the config directory)"},
    {0},
};

/* ---- loading ---- */

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct entry *e = &t->entries[i];
		free(e->name);
		cp_free(&e->norm);
		for (size_t k = 0; k < e->n_alts; k++)
			cp_free(&e->alts[k].norm);
		free(e->alts);
	}
	free(t->entries);
	memset(t, 0, sizeof *t);
}

/* Splits one CSV line in place (fields may be "quoted"); returns the count. */
static size_t csv_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		char *start = p, *out = p;
		if (*p == '"') {
			start = out = ++p;
			while (*p && !(*p == '"' && p[1] != '"')) {
				if (*p == '"')
					p++;
				*out++ = *p++;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ',' && *p != '\n' && *p != '\r')
				out = ++p;
		}
		char end = *p;
		*out = '\0';
		fields[n++] = start;
		if (end != ',')
			break;
		p++;
	}
	return n;
}

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->code,
		      ((const struct entry *)b)->code);
}

static int table_load(struct catalog *c, const char *path, struct table *t)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	int lineno = 0, rc = 0;
	if (f == NULL) {
		c->host->log(c->self, BD_LOG_ERROR, "cannot open %s: %s", path,
			     strerror(errno));
		return -ENOENT;
	}
	size_t cap = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		char *fields[6] = {0};
		lineno++;
		if (lineno == 1 || line[0] == '#' || line[0] == '\n')
			continue; /* the header */
		size_t n = csv_split(line, fields, 6);
		size_t len = n >= 1 ? strlen(fields[0]) : 0;
		if (n < 3 || len < 3 || len > 7 ||
		    strspn(fields[0], "0123456789") != len) {
			c->host->log(
			    c->self, BD_LOG_ERROR,
			    "%s:%d: expected code,level,name,parent,trust,"
			    "alt_names with a 3 to 7 digit code",
			    path, lineno);
			rc = -EINVAL;
			break;
		}
		if (GROW(t->entries, cap, t->n + 1, 128) < 0) {
			rc = -ENOMEM;
			break;
		}
		struct entry *e = &t->entries[t->n];
		memset(e, 0, sizeof *e);
		snprintf(e->code, sizeof e->code, "%s", fields[0]);
		snprintf(e->parent, sizeof e->parent, "%.7s",
			 n > 3 ? fields[3] : "");
		snprintf(e->trust, sizeof e->trust, "%.7s",
			 n > 4 ? fields[4] : "");
		e->weak = strchr("KMR", e->trust[0]) != NULL;
		e->name = strdup(fields[2]);
		if (e->name == NULL || cp_normalise(fields[2], &e->norm) < 0) {
			free(e->name);
			rc = -ENOMEM;
			break;
		}
		t->n++;
		/* alt_names: ';'-separated printed variants seen in the wild.
		 */
		if (n > 5 && *fields[5]) {
			char *save = NULL;
			for (char *a = strtok_r(fields[5], ";", &save); a;
			     a = strtok_r(NULL, ";", &save)) {
				void *grown = realloc(
				    e->alts, (e->n_alts + 1) * sizeof *e->alts);
				if (grown == NULL) {
					rc = -ENOMEM;
					break;
				}
				e->alts = grown;
				struct alt_name *alt = &e->alts[e->n_alts];
				char *until = strstr(a, "<=");
				alt->until = 0;
				if (until != NULL) {
					*until = '\0';
					alt->until = atoi(until + 2);
				}
				if (cp_normalise(a, &alt->norm) == 0)
					e->n_alts++;
			}
		}
	}
	fclose(f);
	if (rc == 0 && t->n > 0)
		qsort(t->entries, t->n, sizeof *t->entries, compare_entries);
	return rc;
}

static void catalog_free_years(struct catalog *c)
{
	for (size_t i = 0; i < c->n_years; i++) {
		table_free(&c->years[i].function);
		table_free(&c->years[i].economic);
	}
	free(c->years);
	c->years = NULL;
	c->n_years = 0;
}

static int compare_years(const void *a, const void *b)
{
	return ((const struct catalogue *)a)->year -
	       ((const struct catalogue *)b)->year;
}

static int catalog_load(struct catalog *c)
{
	char dir[4096], path[4200];
	const char *configured = c->host->config_string(c->self, "dir");
	if (c->host->resolve_path(c->self, configured, dir, sizeof dir) < 0)
		return -ENAMETOOLONG;
	DIR *d = opendir(dir);
	if (d == NULL) {
		c->host->log(c->self, BD_LOG_ERROR,
			     "cannot open catalogue directory %s: %s", dir,
			     strerror(errno));
		return -ENOENT;
	}
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 4 ||
		    strspn(de->d_name, "0123456789") != 4)
			continue;
		void *grown =
		    realloc(c->years, (c->n_years + 1) * sizeof *c->years);
		if (grown == NULL) {
			rc = -ENOMEM;
			break;
		}
		c->years = grown;
		struct catalogue *cat = &c->years[c->n_years++];
		memset(cat, 0, sizeof *cat);
		cat->year = atoi(de->d_name);
		snprintf(path, sizeof path, "%s/%.4s/COMPLETE", dir,
			 de->d_name);
		cat->complete = access(path, F_OK) == 0;
		snprintf(path, sizeof path, "%s/%.4s/function.csv", dir,
			 de->d_name);
		rc = table_load(c, path, &cat->function);
		snprintf(path, sizeof path, "%s/%.4s/economic.csv", dir,
			 de->d_name);
		if (rc == 0)
			rc = table_load(c, path, &cat->economic);
		if (rc == 0)
			c->host->log(
			    c->self, BD_LOG_INFO,
			    "catalogue %d: %zu function and %zu economic "
			    "codes (%s)",
			    cat->year, cat->function.n, cat->economic.n,
			    cat->complete ? "complete" : "partial");
	}
	closedir(d);
	if (rc == 0 && c->n_years == 0) {
		c->host->log(c->self, BD_LOG_ERROR,
			     "no YEAR/ catalogue under %s", dir);
		rc = -ENOENT;
	}
	if (rc == 0)
		qsort(c->years, c->n_years, sizeof *c->years, compare_years);
	return rc;
}

static int catalog_reconfigure(void *state)
{
	struct catalog *c = state;
	struct catalog fresh = {.host = c->host, .self = c->self};
	/* Load beside the old one, so a broken catalogue keeps the old. */
	int rc = catalog_load(&fresh);
	if (rc < 0) {
		catalog_free_years(&fresh);
		return rc;
	}
	catalog_free_years(c);
	c->years = fresh.years;
	c->n_years = fresh.n_years;
	return 0;
}

static int catalog_init(const struct bd_host *host,
			struct bd_plugin_handle *self, void **state)
{
	struct catalog *c = calloc(1, sizeof *c);
	if (c == NULL)
		return -ENOMEM;
	c->host = host;
	c->self = self;
	int rc = catalog_load(c);
	if (rc < 0) {
		/* A failed init gets no fini: nothing may be left behind. */
		catalog_free_years(c);
		free(c);
		return rc;
	}
	*state = c;
	return 0;
}

static void catalog_fini(void *state)
{
	struct catalog *c = state;
	catalog_free_years(c);
	free(c);
}

/* ---- lookups ---- */

/* The catalogue for a fiscal year: that year's, else the nearest earlier,
 * else the earliest there is. */
static const struct catalogue *catalogue_for(const struct catalog *c, int year)
{
	const struct catalogue *best = NULL;
	for (size_t i = 0; i < c->n_years; i++)
		if (c->years[i].year <= year)
			best = &c->years[i];
	return best ? best : &c->years[0];
}

static int compare_code(const void *code, const void *entry)
{
	return strcmp(code, ((const struct entry *)entry)->code);
}

static const struct entry *find(const struct table *t, const char *code)
{
	return bsearch(code, t->entries, t->n, sizeof *t->entries,
		       compare_code);
}

/* The entry of code's first n digits (its 类 or 款). */
static const struct entry *find_prefix(const struct table *t, const char *code,
				       size_t n)
{
	char prefix[sizeof t->entries->code];
	size_t len = strnlen(code, n < sizeof prefix ? n : sizeof prefix - 1);
	memcpy(prefix, code, len);
	prefix[len] = '\0';
	return find(t, prefix);
}

enum match { MATCH_SAME, MATCH_OLD, MATCH_VARIANT, MATCH_DIFFERENT };

/* How the printed name matches e's in `year`; *until is the last year of
 * an old name (MATCH_OLD). */
static enum match name_match(const struct entry *e,
			     const struct cp_string *printed, int year,
			     int *until)
{
	if (cp_equal(&e->norm, printed) ||
	    cp_is_wrapped_prefix(printed, &e->norm))
		return MATCH_SAME;
	for (size_t i = 0; i < e->n_alts; i++) {
		if (!cp_equal(&e->alts[i].norm, printed))
			continue;
		if (e->alts[i].until == 0 || year <= e->alts[i].until)
			return MATCH_SAME;
		*until = e->alts[i].until;
		return MATCH_OLD;
	}
	if (printed->n >= 6 && cp_distance(&e->norm, printed, 1) <= 1)
		return MATCH_VARIANT;
	return MATCH_DIFFERENT;
}

/* The codes other than `code`, of its length, whose name is the printed
 * one. */
struct name_owners {
	const struct entry *first; /* prefers one in another 类 */
	size_t count;
	bool in_section; /* one of them shares code's 款 (or 类) */
};

static void owners_of_name(const struct table *t, const char *code,
			   const struct cp_string *printed,
			   struct name_owners *o)
{
	size_t len = strlen(code), section = len == 7 ? 5 : 3;
	memset(o, 0, sizeof *o);
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = &t->entries[i];
		if (strlen(e->code) != len || strcmp(e->code, code) == 0)
			continue;
		bool same = cp_equal(&e->norm, printed);
		for (size_t k = 0; !same && k < e->n_alts; k++)
			same = cp_equal(&e->alts[k].norm, printed);
		if (!same)
			continue;
		o->count++;
		o->in_section |= strncmp(e->code, code, section) == 0;
		if (o->first == NULL || strncmp(o->first->code, code, 3) == 0)
			o->first = e;
	}
}

/*
 * Whether the printed name is evidence that `code` is a miscoding of
 * o->first: only a name exactly one code carries, and for function codes
 * one that belongs to another 类 and to nothing under the printed 款 (in
 * the economic classification names are unique, so one owner is enough).
 */
static bool names_other_code(const char *code, const struct name_owners *o,
			     bool function)
{
	if (o->count != 1)
		return false;
	if (!function)
		return true;
	return strncmp(o->first->code, code, 3) != 0 && !o->in_section;
}

/*
 * A name that proves a miscoding is as strong as the row it comes from;
 * in the economic classification only a name of another 类 proves one,
 * since provinces renumber the 款 within a 类.
 */
static enum bd_severity other_code_severity(const struct name_owners *o,
					    const char *code)
{
	if (o->first->weak)
		return BD_SEVERITY_WARNING;
	return strncmp(o->first->code, code, 3) != 0 ? BD_SEVERITY_ERROR
						     : BD_SEVERITY_WARNING;
}

/* ---- audit ---- */

struct run {
	struct catalog *c;
	const struct bd_submission *s;
	const struct catalogue *cat;
	struct bd_audit *audit;
	char note[96]; /* which catalogue answered, when not the year's own */
};

BD_PRINTF(5, 6)
static int report(struct run *r, const char *rule, enum bd_severity severity,
		  const char *path, const char *fmt, ...)
{
	char message[768];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof message && r->note[0])
		snprintf(message + n, sizeof message - (size_t)n, " %s",
			 r->note);
	struct bd_finding f = {.rule = rule,
			       .severity = severity,
			       .path = path,
			       .message = message};
	return r->c->host->finding(r->audit, &f);
}

/* Severity of "not in the catalogue": an error only where it is complete. */
static enum bd_severity unknown_severity(const struct run *r)
{
	return r->cat->complete ? BD_SEVERITY_ERROR : BD_SEVERITY_WARNING;
}

static const char *partial_note(const struct run *r)
{
	return r->cat->complete
		   ? ""
		   : "; the shipped catalogue is partial, so it may be "
		     "the catalogue that is incomplete";
}

/* Where a checked code is printed: list[index].member (the code) and
 * list[index].name (its name), written out only for a finding. */
struct printed_at {
	const char *list; /* "expenditure", "projects", "economic" */
	size_t index;
	const char *member; /* the code's member: "function", "code" */
};

static const char *path_of(char *buf, size_t size, const struct printed_at *at,
			   const char *member)
{
	snprintf(buf, size, "%s[%zu].%s", at->list, at->index, member);
	return buf;
}

/*
 * Checks one code and its printed name against a table: the code, its
 * parents, and the name.  `kind` names the classification in messages.
 * Nothing is formatted, and the table is not searched for other owners
 * of the name, unless something is found: this runs for every line of
 * every document.
 */
static int check_code(struct run *r, const struct table *t,
		      const char *rule_base, const char *kind,
		      const struct printed_at *at, const char *code,
		      const char *printed_name)
{
	char rule[64], where[96]; /* each branch reports once at most */
	size_t len = strlen(code);
	const struct entry *e = find(t, code);
	struct cp_string printed = {0};
	int rc = 0;

	if (printed_name != NULL && *printed_name &&
	    cp_normalise(printed_name, &printed) < 0)
		return -ENOMEM;

	/* 类 first: an unknown 类 is never the catalogue's fault. */
	if (find_prefix(t, code, 3) == NULL) {
		snprintf(rule, sizeof rule, "%s.unknown_class", rule_base);
		rc = report(r, rule, BD_SEVERITY_ERROR,
			    path_of(where, sizeof where, at, at->member),
			    "%s code %s: its 类 %.3s does not exist", kind,
			    code, code);
		goto out;
	}
	if (len == 7 && find_prefix(t, code, 5) == NULL) {
		snprintf(rule, sizeof rule, "%s.unknown", rule_base);
		rc = report(r, rule, unknown_severity(r),
			    path_of(where, sizeof where, at, at->member),
			    "%s code %s: its 款 %.5s is not in the %d "
			    "catalogue%s",
			    kind, code, code, r->cat->year, partial_note(r));
		goto out;
	}
	enum match match = MATCH_SAME;
	int until = 0;
	if (e != NULL && printed.n)
		match = name_match(e, &printed, r->s->year, &until);
	bool function = strcmp(kind, "function") == 0;
	struct name_owners owners = {0};
	/* Who else carries the name matters only for a code the catalogue
	 * lacks or a name that is not its own. */
	if (printed.n && (e == NULL || match == MATCH_DIFFERENT))
		owners_of_name(t, code, &printed, &owners);
	bool miscode = names_other_code(code, &owners, function);
	if (e == NULL) {
		if (miscode) {
			/* Only a complete catalogue proves the code wrong; in
			 * a partial one the code may simply be missing. */
			snprintf(rule, sizeof rule, "%s.name_of_other_code",
				 rule_base);
			rc = report(
			    r, rule,
			    r->cat->complete
				? other_code_severity(&owners, code)
				: BD_SEVERITY_WARNING,
			    path_of(where, sizeof where, at, at->member),
			    "%s code %s is not in the %d catalogue, and its "
			    "printed name \"%s\" belongs only to %s (%s %.3s, "
			    "not %.3s): did you mean %s?%s",
			    kind, code, r->cat->year, printed_name,
			    owners.first->code, function ? "类" : "class",
			    owners.first->code, code, owners.first->code,
			    partial_note(r));
		} else {
			snprintf(rule, sizeof rule, "%s.unknown", rule_base);
			rc =
			    report(r, rule, unknown_severity(r),
				   path_of(where, sizeof where, at, at->member),
				   "%s code %s is not in the %d catalogue%s",
				   kind, code, r->cat->year, partial_note(r));
		}
		goto out;
	}
	switch (match) {
	case MATCH_SAME:
		break;
	case MATCH_OLD:
		snprintf(rule, sizeof rule, "%s.old_name", rule_base);
		rc =
		    report(r, rule, BD_SEVERITY_WARNING,
			   path_of(where, sizeof where, at, "name"),
			   "%s %s is printed \"%s\", its name until %d; "
			   "since %d it is \"%s\"",
			   kind, code, printed_name, until, until + 1, e->name);
		break;
	case MATCH_VARIANT:
		snprintf(rule, sizeof rule, "%s.name_variant", rule_base);
		rc =
		    report(r, rule, BD_SEVERITY_WARNING,
			   path_of(where, sizeof where, at, "name"),
			   "%s %s is printed \"%s\"; the catalogue says \"%s\" "
			   "(one character apart)",
			   kind, code, printed_name, e->name);
		break;
	case MATCH_DIFFERENT:
		if (miscode) {
			/* The evidence is the other code's name, so it is as
			 * strong as that row. */
			snprintf(rule, sizeof rule, "%s.name_of_other_code",
				 rule_base);
			rc = report(
			    r, rule, other_code_severity(&owners, code),
			    path_of(where, sizeof where, at, at->member),
			    "%s code %s is %s, but the printed name \"%s\" "
			    "belongs only to %s: did you mean %s?",
			    kind, code, e->name, printed_name,
			    owners.first->code, owners.first->code);
			break;
		}
		char also[160] = "";
		if (owners.count == 1)
			snprintf(also, sizeof also,
				 " (\"%s\" is the name of %s)", printed_name,
				 owners.first->code);
		else if (owners.count > 1)
			snprintf(also, sizeof also,
				 " (a name %zu other codes carry, such as %s)",
				 owners.count, owners.first->code);
		/* Provinces number and name the economic 款 their own way
		 * (上海 has 30211 事业单位离退休人员福利费), so there only a
		 * name of another 类 is an error. */
		bool weak = e->weak || !function;
		snprintf(rule, sizeof rule, "%s.name_mismatch", rule_base);
		rc = report(r, rule,
			    weak ? BD_SEVERITY_WARNING : BD_SEVERITY_ERROR,
			    path_of(where, sizeof where, at, "name"),
			    "%s %s is printed \"%s\"; the catalogue says "
			    "\"%s\"%s%s",
			    kind, code, printed_name, e->name, also,
			    e->weak ? " (a catalogue row not checked against "
				      "the official list)"
			    : !function ? " (a provincial numbering of the "
					  "economic 款?)"
					: "");
		break;
	}
out:
	cp_free(&printed);
	return rc;
}

/*
 * A province's own numbering of the economic 款 (上海 prints 30202 咨询费,
 * 30203 水费, … where the national list has 30202 印刷费, 30203 咨询费):
 * known codes of a 类 printed with other names of that 类, or names the
 * national list lacks.  From RENUMBERED_MIN such rows on, the table gets
 * one warning instead of one per row.
 */
enum { RENUMBERED_MIN = 3 };

/* 1 when the row is renumbered in that sense, 0 when not, or -ENOMEM. */
static int is_renumbered(const struct run *r, const char *code,
			 const char *name)
{
	const struct table *t = &r->cat->economic;
	const struct entry *e = find(t, code);
	struct cp_string printed = {0};
	if (e == NULL || strlen(code) != 5 || name == NULL || !*name)
		return 0;
	if (cp_normalise(name, &printed) < 0)
		return -ENOMEM;
	int until = 0, moved = 0;
	if (name_match(e, &printed, r->s->year, &until) == MATCH_DIFFERENT) {
		struct name_owners owners;
		owners_of_name(t, code, &printed, &owners);
		moved = owners.count == 0 ||
			(owners.count == 1 &&
			 strncmp(owners.first->code, code, 3) == 0);
	}
	cp_free(&printed);
	return moved;
}

/* Counts the renumbered rows and, from RENUMBERED_MIN on, reports them
 * once with a few examples.  Returns the count or -ENOMEM. */
static int renumbered_rows(struct run *r)
{
	char examples[400] = "";
	size_t used = 0;
	int count = 0;
	for (size_t i = 0; i < r->s->n_economic; i++) {
		const struct bd_economic_line *l = &r->s->economic[i];
		int moved = is_renumbered(r, l->code, l->name);
		if (moved < 0)
			return -ENOMEM;
		if (!moved)
			continue;
		if (count++ < 4 && used < sizeof examples) {
			const struct entry *e =
			    find(&r->cat->economic, l->code);
			int n = snprintf(
			    examples + used, sizeof examples - used,
			    "%s%s %s (nationally %s)", used ? ", " : "",
			    l->code, l->name, e->name);
			used += n > 0 ? (size_t)n : 0;
		}
	}
	if (count < RENUMBERED_MIN)
		return count;
	if (report(r, "catalog.economic.local_numbering", BD_SEVERITY_WARNING,
		   "economic",
		   "the economic table numbers %d 款 differently from the "
		   "national 部门预算支出经济分类 (%s%s), as a province's own "
		   "list does (款 the national list lacks are taken as more of "
		   "the same); its 类 totals are as printed, but its 款 count "
		   "under other codes in the district's economic totals",
		   count, examples, count > 4 ? ", …" : "") < 0)
		return -ENOMEM;
	return count;
}

static int catalog_validate(void *state, const struct bd_submission *s,
			    struct bd_audit *audit)
{
	struct catalog *c = state;
	struct run r = {
	    .c = c, .s = s, .audit = audit, .cat = catalogue_for(c, s->year)};
	if (r.cat->year != s->year)
		snprintf(r.note, sizeof r.note, "(catalogue %d used for %d)",
			 r.cat->year, s->year);
	for (size_t i = 0; i < s->n_lines; i++) {
		struct printed_at at = {"expenditure", i, "function"};
		if (check_code(&r, &r.cat->function, "catalog.function",
			       "function", &at, s->lines[i].function,
			       s->lines[i].name) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_projects; i++) {
		if (!s->projects[i].function[0])
			continue;
		struct printed_at at = {"projects", i, "function"};
		if (check_code(&r, &r.cat->function, "catalog.project",
			       "function", &at, s->projects[i].function,
			       NULL) < 0)
			return -ENOMEM;
	}
	int renumbered = renumbered_rows(&r);
	if (renumbered < 0)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_economic; i++) {
		const struct bd_economic_line *l = &s->economic[i];
		int moved = renumbered >= RENUMBERED_MIN
				? is_renumbered(&r, l->code, l->name)
				: 0;
		if (moved < 0)
			return -ENOMEM;
		/* A 款 the national list lacks, in a renumbered table, is
		 * one more of the province's own. */
		if (renumbered >= RENUMBERED_MIN && strlen(l->code) == 5 &&
		    find(&r.cat->economic, l->code) == NULL &&
		    find_prefix(&r.cat->economic, l->code, 3) != NULL)
			moved = 1;
		if (moved)
			continue; /* in the one finding about the numbering */
		struct printed_at at = {"economic", i, "code"};
		if (check_code(&r, &r.cat->economic, "catalog.economic",
			       "economic", &at, l->code, l->name) < 0)
			return -ENOMEM;
	}
	return 0;
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .flags = BD_PLUGIN_CONCURRENT_VALIDATE,
    .name = "catalog",
    .version = "1.0",
    .description = "function and economic codes and names against the "
		   "year's classification catalogue",
    .config = catalog_config,
    .init = catalog_init,
    .fini = catalog_fini,
    .reconfigure = catalog_reconfigure,
    .validate = catalog_validate,
};

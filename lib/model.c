/*
 * The budget-submission/1 model: the whole wire format (docs/protocol.md,
 * submission-format) read into the typed, exact structs of the plugin
 * API, with every problem at its JSON path.  It is one file of about 900
 * lines on purpose: the format is one contract, and its rules (units,
 * amounts in 分, duplicate keys and rows, sums that cannot overflow) are
 * easiest to check against the spec when they stand together.
 */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "json_scratch.h"
#include "money.h"
#include "utf8.h"

/* No object of the format has more members than this; a larger one is
 * hostile or broken, and refusing it keeps the duplicate check linear. */
#define MODEL_MAX_MEMBERS 64

/* Deeper than any path of the format (project.indicators[i].value). */
#define MODEL_PATH_DEPTH 16

struct parser {
	struct arena *arena;
	struct model_problems *problems;
	enum bd_unit unit;
	/* The most decimals an amount was printed with, where the amounts
	 * being read count (the document's, or the 三公 table's). */
	int *decimals;
	bd_fen grand_sum; /* of every amount, to rule out overflow later */
	bool sum_overflowed;
	bool out_of_memory;
	/* A document read back from the store, which passed this parser
	 * when it came: its members are not checked again. */
	bool stored;
	/* Where the parser is: rendered into a JSON path ("expenditure[3].
	 * total") only when a problem is reported, since most lines have
	 * none. */
	struct path_step {
		const char *key; /* NULL: an index */
		size_t index;
	} steps[MODEL_PATH_DEPTH];
	size_t depth; /* may exceed MODEL_PATH_DEPTH; deeper steps unkept */
};

/* ---- paths and problems ---------------------------------------------------
 */

static size_t path_push_key(struct parser *p, const char *key)
{
	size_t saved = p->depth;
	if (p->depth < MODEL_PATH_DEPTH)
		p->steps[p->depth] = (struct path_step){key, 0};
	p->depth++;
	return saved;
}

static size_t path_push_index(struct parser *p, size_t index)
{
	size_t saved = p->depth;
	if (p->depth < MODEL_PATH_DEPTH)
		p->steps[p->depth] = (struct path_step){NULL, index};
	p->depth++;
	return saved;
}

static void path_pop(struct parser *p, size_t saved)
{
	p->depth = saved;
}

/* The JSON path of where the parser is ("$" at the top). */
static void path_render(const struct parser *p, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->depth && i < MODEL_PATH_DEPTH; i++) {
		const struct path_step *s = &p->steps[i];
		int n = s->key ? snprintf(buf + used, size - used, "%s%s",
					  i ? "." : "", s->key)
			       : snprintf(buf + used, size - used, "[%zu]",
					  s->index);
		if (n < 0 || (size_t)n >= size - used) {
			used = strnlen(buf, size - 1);
			break;
		}
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, size, "$");
}

BD_PRINTF(3, 4)
static void problem(struct parser *p, bool is_error, const char *fmt, ...)
{
	struct model_problems *ps = p->problems;
	if (is_error)
		ps->n_errors++;
	if (ps->n >= MODEL_MAX_PROBLEMS) {
		ps->n_dropped++;
		return;
	}
	struct model_problem *pr = &ps->items[ps->n++];
	pr->is_error = is_error;
	path_render(p, pr->path, sizeof pr->path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pr->message, sizeof pr->message, fmt, ap);
	va_end(ap);
	utf8_trim_partial(pr->message);
}

#define error(p, ...)	problem((p), true, __VA_ARGS__)
#define warning(p, ...) problem((p), false, __VA_ARGS__)

static const char *type_name(const cJSON *item)
{
	if (item == NULL)
		return "nothing";
	if (cJSON_IsString(item))
		return "a string";
	if (cJSON_IsNumber(item))
		return "a number";
	if (cJSON_IsBool(item))
		return "a boolean";
	if (cJSON_IsNull(item))
		return "null";
	if (cJSON_IsArray(item))
		return "an array";
	if (cJSON_IsObject(item))
		return "an object";
	return "an invalid value";
}

/* ---- object shape ---- */

/* Whether two keys are the same: the first byte inline, so that the
 * checks below call strcmp only for keys that begin alike (its calls were
 * a tenth of an audit worker's time). */
static inline bool same_key(const char *a, const char *b)
{
	return a[0] == b[0] && strcmp(a, b) == 0;
}

/*
 * An object's member by key, the first of that name, or NULL (as
 * cJSON_GetObjectItemCaseSensitive, which runs strcmp on every member it
 * passes: a line's six lookups and its parts' eight were the largest
 * share of strcmp, a tenth of the rebuild's CPU at 10,000 × 200).
 */
static const cJSON *member(const cJSON *object, const char *key)
{
	if (object == NULL)
		return NULL;
	for (const cJSON *m = object->child; m != NULL && m->string != NULL;
	     m = m->next)
		if (same_key(m->string, key))
			return m;
	return NULL;
}

/*
 * Checks an object's members against the keys the format defines: unknown
 * keys are warnings (the format may grow), duplicates are errors (which of
 * two values would count is anyone's guess).  Returns false when the value
 * is not an object at all.
 */
static bool check_object(struct parser *p, const cJSON *object,
			 const char *const *known, const char *what)
{
	if (!cJSON_IsObject(object)) {
		error(p, "expected %s (an object), got %s", what,
		      type_name(object));
		return false;
	}
	int n = cJSON_GetArraySize(object);
	if (n > MODEL_MAX_MEMBERS) {
		error(p, "%s has %d members; at most %d are possible", what, n,
		      MODEL_MAX_MEMBERS);
		return false;
	}
	/* Unknown keys only warn, and a stored document has no duplicate
	 * (it would have been refused): at a cold start these scans were 8 %
	 * of the instructions. */
	if (p->stored)
		return true;
	for (const cJSON *m = object->child; m != NULL; m = m->next) {
		for (const cJSON *o = object->child; o != m; o = o->next) {
			if (same_key(o->string, m->string)) {
				size_t s = path_push_key(p, m->string);
				error(p, "duplicate key \"%s\"", m->string);
				path_pop(p, s);
				break;
			}
		}
		if (known == NULL)
			continue;
		bool found = false;
		for (const char *const *k = known; *k != NULL && !found; k++)
			found = same_key(*k, m->string);
		if (!found) {
			size_t s = path_push_key(p, m->string);
			warning(p, "unknown key \"%s\" in %s is ignored",
				m->string, what);
			path_pop(p, s);
		}
	}
	return true;
}

/* ---- scalars ---- */

static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A string member; NULL (with an error when required) if absent or not a
 * string.  The text is copied into the arena. */
static const char *read_string(struct parser *p, const cJSON *object,
			       const char *key, bool required)
{
	const cJSON *item = member(object, key);
	size_t s = path_push_key(p, key);
	const char *out = NULL;

	if (item == NULL || cJSON_IsNull(item)) {
		if (required)
			error(p, "required string \"%s\" is missing", key);
	} else if (!cJSON_IsString(item)) {
		error(p, "expected a string, got %s", type_name(item));
	} else {
		out = arena_strdup(p->arena, item->valuestring);
		if (out == NULL)
			p->out_of_memory = true;
	}
	path_pop(p, s);
	return out;
}

/* A code of digits copied into a fixed buffer; false when absent/invalid. */
static bool read_code(struct parser *p, const cJSON *object, const char *key,
		      bool required, size_t min, size_t max, char *buf,
		      size_t size, const char *what)
{
	const cJSON *item = member(object, key);
	size_t s = path_push_key(p, key);
	bool ok = false;

	buf[0] = '\0';
	if (item == NULL || cJSON_IsNull(item)) {
		if (required)
			error(p, "required %s is missing", what);
	} else if (!cJSON_IsString(item)) {
		error(p, "%s must be a string of digits, got %s", what,
		      type_name(item));
	} else if (!all_digits(item->valuestring, min, max) ||
		   strlen(item->valuestring) >= size) {
		if (min == max)
			error(p, "%s must be %zu digits, got \"%.40s\"", what,
			      min, item->valuestring);
		else
			error(p, "%s must be %zu to %zu digits, got \"%.40s\"",
			      what, min, max, item->valuestring);
	} else {
		memcpy(buf, item->valuestring, strlen(item->valuestring) + 1);
		ok = true;
	}
	path_pop(p, s);
	return ok;
}

/* Digits after the point of a decimal string ("0.70": 2). */
static int printed_decimals(const char *text)
{
	const char *dot = strchr(text, '.');
	return dot ? (int)strspn(dot + 1, "0123456789") : 0;
}

/* The fewest decimals that write fen in unit: a JSON number has no
 * printed form of its own. */
static int fen_decimals(bd_fen fen, enum bd_unit unit)
{
	int d = unit == BD_UNIT_WANYUAN ? 6 : 2;
	while (d > 0 && fen % 10 == 0) {
		fen /= 10;
		d--;
	}
	return d;
}

/* One step of the last of `decimals` in unit, in 分. */
static bd_fen step_of(int decimals, enum bd_unit unit)
{
	bd_fen step = 1;
	for (int k = decimals; k < (unit == BD_UNIT_WANYUAN ? 6 : 2); k++)
		step *= 10;
	return step;
}

/*
 * An amount at the current path.  Missing, null and "" are a blank cell:
 * not present, zero.  Everything else must be an exact non-negative amount
 * in the document's unit.
 */
static void read_amount_item(struct parser *p, const cJSON *item,
			     struct bd_stated *out)
{
	const char *why = NULL;
	bd_fen fen = 0;
	int rc;

	out->fen = 0;
	out->present = false;
	if (item == NULL || cJSON_IsNull(item) ||
	    (cJSON_IsString(item) && item->valuestring[0] == '\0'))
		return;
	if (cJSON_IsString(item)) {
		rc = money_parse(item->valuestring, p->unit, &fen, &why);
		if (rc < 0) {
			error(p, "invalid amount \"%.40s\": %s",
			      item->valuestring, why);
			return;
		}
	} else if (cJSON_IsNumber(item)) {
		rc = money_from_double(item->valuedouble, p->unit, &fen, &why);
		if (rc < 0) {
			error(p, "invalid amount %.17g: %s", item->valuedouble,
			      why);
			return;
		}
	} else {
		error(p,
		      "expected an amount (a decimal string such as \"232.31\" "
		      "or a number), got %s",
		      type_name(item));
		return;
	}
	if (fen < 0) {
		error(p, "budget amounts must not be negative, got %s",
		      cJSON_IsString(item) ? item->valuestring
					   : "a negative number");
		return;
	}
	if (!bd_fen_add(&p->grand_sum, fen))
		p->sum_overflowed = true;
	if (p->decimals != NULL) {
		int d = cJSON_IsString(item)
			    ? printed_decimals(item->valuestring)
			    : fen_decimals(fen, p->unit);
		if (d > *p->decimals)
			*p->decimals = d;
	}
	out->fen = fen;
	out->present = true;
}

static void read_amount(struct parser *p, const cJSON *object, const char *key,
			struct bd_stated *out)
{
	size_t s = path_push_key(p, key);
	read_amount_item(p, member(object, key), out);
	path_pop(p, s);
}

static const cJSON *member_array(struct parser *p, const cJSON *object,
				 const char *key, bool required)
{
	const cJSON *item = member(object, key);
	if (item == NULL || cJSON_IsNull(item)) {
		if (required) {
			size_t s = path_push_key(p, key);
			error(p, "required array \"%s\" is missing", key);
			path_pop(p, s);
		}
		return NULL;
	}
	if (!cJSON_IsArray(item)) {
		size_t s = path_push_key(p, key);
		error(p, "expected an array, got %s", type_name(item));
		path_pop(p, s);
		return NULL;
	}
	return item;
}

int model_source_from_key(const char *key, enum bd_source *source)
{
	for (int i = 0; i < BD_SOURCE_COUNT; i++) {
		if (strcmp(bd_source_key((enum bd_source)i), key) == 0) {
			*source = (enum bd_source)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *source_list(void)
{
	return "general_budget, fund_budget, state_capital, special_account, "
	       "business, operating, superior_subsidy, affiliated, other, "
	       "carryover";
}

/* ---- sections ---- */

static void parse_department(struct parser *p, const cJSON *doc,
			     struct bd_submission *sub)
{
	static const char *const known[] = {"code", "name", "parent", NULL};
	const cJSON *dept = member(doc, "department");
	size_t s = path_push_key(p, "department");

	if (dept == NULL) {
		error(p, "required object \"department\" is missing");
	} else if (check_object(p, dept, known, "department")) {
		read_code(p, dept, "code", true, 3, 12, sub->department.code,
			  sizeof sub->department.code,
			  "department code (预算单位编码)");
		sub->department.name = read_string(p, dept, "name", true);
		read_code(p, dept, "parent", false, 3, 12,
			  sub->department.parent, sizeof sub->department.parent,
			  "parent department code (主管部门编码)");
	}
	path_pop(p, s);
}

static void parse_income(struct parser *p, const cJSON *doc,
			 struct bd_submission *sub)
{
	const cJSON *income = member(doc, "income");
	size_t s = path_push_key(p, "income");

	if (income == NULL) {
		error(p, "required object \"income\" is missing");
	} else if (check_object(p, income, NULL, "income")) {
		for (const cJSON *m = income->child; m != NULL; m = m->next) {
			enum bd_source src;
			size_t s2 = path_push_key(p, m->string);
			if (model_source_from_key(m->string, &src) < 0)
				error(p,
				      "unknown source \"%.40s\"; expected one "
				      "of %s",
				      m->string, source_list());
			else
				read_amount_item(p, m, &sub->income[src]);
			path_pop(p, s2);
		}
	}
	path_pop(p, s);
}

/* Reads "basic" or "project": parts, or a lone subtotal, or both. */
static void parse_split(struct parser *p, const cJSON *line, const char *key,
			const char *const *part_keys,
			const enum bd_column *cols, size_t n_parts,
			enum bd_column unsplit, bool *split,
			struct bd_stated *stated_total, struct bd_line *out)
{
	const cJSON *obj = member(line, key);
	size_t s = path_push_key(p, key);
	const char *known[6] = {0};

	for (size_t i = 0; i < n_parts; i++)
		known[i] = part_keys[i];
	known[n_parts] = "total";
	if (obj == NULL || cJSON_IsNull(obj)) {
		path_pop(p, s);
		return;
	}
	if (check_object(p, obj, known, key)) {
		bool any_part = false;
		for (size_t i = 0; i < n_parts; i++) {
			struct bd_stated v;
			read_amount(p, obj, part_keys[i], &v);
			out->column[cols[i]] = v.fen;
			any_part |= v.present;
		}
		struct bd_stated total;
		read_amount(p, obj, "total", &total);
		if (any_part) {
			*split = true;
			*stated_total = total;
		} else {
			out->column[unsplit] = total.fen;
		}
	}
	path_pop(p, s);
}

static void parse_line(struct parser *p, const cJSON *item,
		       struct bd_line *line)
{
	static const char *const known[] = {
	    "function", "name", "source", "basic", "project", "total", NULL};
	static const char *const basic_keys[] = {"wages", "family", "goods",
						 "capital"};
	static const enum bd_column basic_cols[] = {
	    BD_COL_WAGES, BD_COL_FAMILY, BD_COL_GOODS, BD_COL_CAPITAL};
	static const char *const project_keys[] = {"operating", "targeted"};
	static const enum bd_column project_cols[] = {BD_COL_OPERATING,
						      BD_COL_TARGETED};

	if (!check_object(p, item, known, "an expenditure line"))
		return;
	read_code(p, item, "function", true, 7, 7, line->function,
		  sizeof line->function,
		  "function code (支出功能分类科目编码)");
	line->name = read_string(p, item, "name", false);
	line->source = BD_SOURCE_GENERAL_BUDGET;
	const char *source = read_string(p, item, "source", false);
	if (source != NULL) {
		size_t s = path_push_key(p, "source");
		if (model_source_from_key(source, &line->source) < 0)
			error(p, "unknown source \"%.40s\"; expected one of %s",
			      source, source_list());
		else if (line->source == BD_SOURCE_CARRYOVER)
			error(p, "\"carryover\" is an income source only; an "
				 "expenditure line cannot be funded by it");
		path_pop(p, s);
	}
	parse_split(p, item, "basic", basic_keys, basic_cols, 4,
		    BD_COL_BASIC_UNSPLIT, &line->basic_split,
		    &line->basic_total, line);
	parse_split(p, item, "project", project_keys, project_cols, 2,
		    BD_COL_PROJECT_UNSPLIT, &line->project_split,
		    &line->project_total, line);
	read_amount(p, item, "total", &line->total);
}

/* The index of the earlier line with line i's (function, source), or -1.
 * first_seen (mask + 1 slots, at least twice the lines) is an open-addressed
 * table of the first line of each pair, as index + 1: n lines are checked
 * in O(n), where comparing each with those before it made a 200-line
 * document 20,000 comparisons. */
static long earlier_line(const struct bd_line *lines, size_t i,
			 uint32_t *first_seen, size_t mask)
{
	const struct bd_line *line = &lines[i];
	if (line->function[0] == '\0')
		return -1;
	size_t at =
	    hash_step(hash_str(line->function), (uint64_t)line->source) & mask;
	for (; first_seen[at]; at = (at + 1) & mask) {
		const struct bd_line *first = &lines[first_seen[at] - 1];
		if (first->source == line->source &&
		    strcmp(first->function, line->function) == 0)
			return (long)first_seen[at] - 1;
	}
	first_seen[at] = (uint32_t)(i + 1);
	return -1;
}

static void parse_expenditure(struct parser *p, const cJSON *doc,
			      struct bd_submission *sub)
{
	const cJSON *array = member_array(p, doc, "expenditure", true);
	if (array == NULL)
		return;
	size_t n = (size_t)cJSON_GetArraySize(array);
	struct bd_line *lines = arena_calloc(p->arena, n, sizeof *lines);
	if (lines == NULL && n > 0) {
		p->out_of_memory = true;
		return;
	}
	size_t mask = 15; /* first_seen for earlier_line */
	while (mask + 1 < 2 * n)
		mask = mask * 2 + 1;
	uint32_t *first_seen = calloc(mask + 1, sizeof *first_seen);
	if (first_seen == NULL) {
		p->out_of_memory = true;
		return;
	}
	size_t s = path_push_key(p, "expenditure");
	size_t i = 0;
	for (const cJSON *item = array->child; item; item = item->next, i++) {
		size_t s2 = path_push_index(p, i);
		parse_line(p, item, &lines[i]);
		/* One (function, source) pair at most once: a second row would
		 * be counted twice in every total. */
		long j = earlier_line(lines, i, first_seen, mask);
		if (j >= 0)
			error(p,
			      "function %s with source %s already appears at "
			      "expenditure[%ld]; merge the two rows",
			      lines[i].function, bd_source_key(lines[i].source),
			      j);
		path_pop(p, s2);
	}
	free(first_seen);
	path_pop(p, s);
	sub->lines = lines;
	sub->n_lines = n;
}

static void parse_indicators(struct parser *p, const cJSON *project,
			     struct bd_project *out)
{
	static const char *const known[] = {"category", "name", "value", NULL};
	static const char *const categories[] = {"cost", "output", "benefit",
						 "satisfaction"};
	const cJSON *array = member_array(p, project, "indicators", false);
	if (array == NULL)
		return;
	size_t n = (size_t)cJSON_GetArraySize(array);
	struct bd_indicator *ind = arena_calloc(p->arena, n, sizeof *ind);
	if (ind == NULL && n > 0) {
		p->out_of_memory = true;
		return;
	}
	size_t s = path_push_key(p, "indicators");
	size_t i = 0;
	for (const cJSON *item = array->child; item; item = item->next, i++) {
		size_t s2 = path_push_index(p, i);
		if (check_object(p, item, known, "an indicator")) {
			const char *cat =
			    read_string(p, item, "category", true);
			if (cat != NULL) {
				bool found = false;
				for (int c = 0; c < 4 && !found; c++) {
					if (strcmp(cat, categories[c]) == 0) {
						ind[i].category =
						    (enum bd_indicator_category)
							c;
						found = true;
					}
				}
				if (!found) {
					size_t s3 =
					    path_push_key(p, "category");
					error(
					    p,
					    "unknown indicator category "
					    "\"%.40s\"; "
					    "expected cost, output, benefit or "
					    "satisfaction",
					    cat);
					path_pop(p, s3);
				}
			}
			ind[i].name = read_string(p, item, "name", false);
			ind[i].value = read_string(p, item, "value", false);
		}
		path_pop(p, s2);
	}
	path_pop(p, s);
	out->indicators = ind;
	out->n_indicators = n;
}

static void parse_project(struct parser *p, const cJSON *item,
			  struct bd_project *proj)
{
	static const char *const known[] = {"code",	  "name",    "function",
					    "kind",	  "sources", "total",
					    "indicators", NULL};
	if (!check_object(p, item, known, "a project"))
		return;
	const char *code = read_string(p, item, "code", false);
	if (code != NULL) {
		size_t s = path_push_key(p, "code");
		if (!all_digits(code, 1, 32))
			error(p,
			      "project code must be 1 to 32 digits, got "
			      "\"%.40s\"",
			      code);
		path_pop(p, s);
	}
	proj->code = code;
	proj->name = read_string(p, item, "name", true);
	read_code(p, item, "function", false, 7, 7, proj->function,
		  sizeof proj->function,
		  "function code (支出功能分类科目编码)");
	const char *kind = read_string(p, item, "kind", false);
	if (kind != NULL) {
		size_t s = path_push_key(p, "kind");
		if (strcmp(kind, "operating") == 0)
			proj->kind = BD_PROJECT_KIND_OPERATING;
		else if (strcmp(kind, "targeted") == 0)
			proj->kind = BD_PROJECT_KIND_TARGETED;
		else
			error(p,
			      "unknown project kind \"%.40s\"; expected "
			      "operating or targeted",
			      kind);
		path_pop(p, s);
	}
	const cJSON *sources = member(item, "sources");
	if (sources != NULL && !cJSON_IsNull(sources)) {
		size_t s = path_push_key(p, "sources");
		if (check_object(p, sources, NULL, "sources")) {
			for (const cJSON *m = sources->child; m; m = m->next) {
				enum bd_source src;
				size_t s2 = path_push_key(p, m->string);
				if (model_source_from_key(m->string, &src) <
				    0) {
					error(p,
					      "unknown source \"%.40s\"; "
					      "expected "
					      "one of %s",
					      m->string, source_list());
				} else {
					struct bd_stated v;
					read_amount_item(p, m, &v);
					proj->sources[src] = v.fen;
				}
				path_pop(p, s2);
			}
		}
		path_pop(p, s);
	}
	read_amount(p, item, "total", &proj->total);
	parse_indicators(p, item, proj);
}

static void parse_projects(struct parser *p, const cJSON *doc,
			   struct bd_submission *sub)
{
	const cJSON *array = member_array(p, doc, "projects", false);
	if (array == NULL)
		return;
	size_t n = (size_t)cJSON_GetArraySize(array);
	struct bd_project *projects =
	    arena_calloc(p->arena, n, sizeof *projects);
	if (projects == NULL && n > 0) {
		p->out_of_memory = true;
		return;
	}
	size_t s = path_push_key(p, "projects");
	size_t i = 0;
	for (const cJSON *item = array->child; item; item = item->next, i++) {
		size_t s2 = path_push_index(p, i);
		parse_project(p, item, &projects[i]);
		path_pop(p, s2);
	}
	path_pop(p, s);
	sub->projects = projects;
	sub->n_projects = n;
}

static void parse_three_public(struct parser *p, const cJSON *doc,
			       struct bd_submission *sub)
{
	static const char *const known[] = {"unit",
					    "overseas",
					    "vehicle_purchase",
					    "vehicle_operation",
					    "reception",
					    "total",
					    NULL};
	const cJSON *obj = member(doc, "three_public");
	if (obj == NULL || cJSON_IsNull(obj))
		return;
	size_t s = path_push_key(p, "three_public");
	if (check_object(p, obj, known, "three_public (三公经费)")) {
		struct bd_three_public *t = &sub->three_public;
		/* Its own unit where the table was printed in another one
		 * (a 万元 三公 table in a 元 budget): its amounts are read in
		 * it and keep their own precision. */
		enum bd_unit unit = sub->unit;
		const cJSON *u = member(obj, "unit");
		if (u != NULL) {
			size_t k = path_push_key(p, "unit");
			if (!cJSON_IsString(u) ||
			    money_unit_parse(u->valuestring, &unit) < 0)
				error(p, "the 三公 table's unit must be \"元\" "
					 "or \"万元\"");
			path_pop(p, k);
		}
		int decimals = 0, *doc_decimals = p->decimals;
		p->unit = unit;
		p->decimals = &decimals;
		t->present = true;
		read_amount(p, obj, "overseas", &t->overseas);
		read_amount(p, obj, "vehicle_purchase", &t->vehicle_purchase);
		read_amount(p, obj, "vehicle_operation", &t->vehicle_operation);
		read_amount(p, obj, "reception", &t->reception);
		read_amount(p, obj, "total", &t->total);
		p->unit = sub->unit;
		p->decimals = doc_decimals;
		if (u != NULL || decimals > 0)
			sub->three_public_step = step_of(decimals, unit);
	}
	path_pop(p, s);
}

static void parse_economic(struct parser *p, const cJSON *doc,
			   struct bd_submission *sub)
{
	static const char *const known[] = {"code", "name", "amount", NULL};
	const cJSON *array = member_array(p, doc, "economic", false);
	if (array == NULL)
		return;
	size_t n = (size_t)cJSON_GetArraySize(array);
	struct bd_economic_line *econ = arena_calloc(p->arena, n, sizeof *econ);
	if (econ == NULL && n > 0) {
		p->out_of_memory = true;
		return;
	}
	size_t s = path_push_key(p, "economic");
	size_t i = 0;
	for (const cJSON *item = array->child; item; item = item->next, i++) {
		size_t s2 = path_push_index(p, i);
		if (check_object(p, item, known, "an economic line")) {
			if (read_code(p, item, "code", true, 3, 5, econ[i].code,
				      sizeof econ[i].code,
				      "economic code (经济分类科目编码)") &&
			    strlen(econ[i].code) == 4) {
				size_t s3 = path_push_key(p, "code");
				error(p,
				      "economic code must be 3 (类) or 5 (款) "
				      "digits, got \"%s\"",
				      econ[i].code);
				path_pop(p, s3);
			}
			econ[i].name = read_string(p, item, "name", false);
			struct bd_stated v;
			read_amount(p, item, "amount", &v);
			econ[i].amount = v.fen;
		}
		path_pop(p, s2);
	}
	path_pop(p, s);
	sub->economic = econ;
	sub->n_economic = n;
}

static void parse_by_class(struct parser *p, const cJSON *parent,
			   const struct bd_class_amount **out, size_t *n_out)
{
	const cJSON *obj = member(parent, "expenditure_by_class");
	if (obj == NULL || cJSON_IsNull(obj))
		return;
	size_t s = path_push_key(p, "expenditure_by_class");
	if (check_object(p, obj, NULL, "expenditure_by_class")) {
		size_t n = (size_t)cJSON_GetArraySize(obj);
		struct bd_class_amount *by =
		    arena_calloc(p->arena, n, sizeof *by);
		size_t k = 0;
		if (by == NULL && n > 0)
			p->out_of_memory = true;
		for (const cJSON *m = obj->child; m && by; m = m->next) {
			size_t s2 = path_push_key(p, m->string);
			if (!all_digits(m->string, 3, 3)) {
				error(p,
				      "expenditure_by_class keys are 3-digit "
				      "function classes (类), got \"%.40s\"",
				      m->string);
			} else {
				struct bd_stated v;
				read_amount_item(p, m, &v);
				memcpy(by[k].class_code, m->string, 4);
				by[k].fen = v.fen;
				k++;
			}
			path_pop(p, s2);
		}
		*out = by;
		*n_out = k;
	}
	path_pop(p, s);
}

static void parse_stated(struct parser *p, const cJSON *doc,
			 struct bd_submission *sub)
{
	static const char *const known[] = {
	    "income_total",	    "expenditure_total",
	    "expenditure_by_class", "basic_total",
	    "personnel_total",	    "public_total",
	    "project_total",	    "project_operating",
	    "project_targeted",	    "projects_total",
	    "appropriation",	    "balance_used",
	    "carry_forward",	    NULL};
	static const char *const known_appr[] = {
	    "income_total", "expenditure_total", "expenditure_by_class", NULL};
	const cJSON *obj = member(doc, "stated");
	if (obj == NULL || cJSON_IsNull(obj))
		return;
	struct bd_stated_totals *st = &sub->stated;
	size_t s = path_push_key(p, "stated");
	if (check_object(p, obj, known, "stated")) {
		read_amount(p, obj, "income_total", &st->income_total);
		read_amount(p, obj, "expenditure_total",
			    &st->expenditure_total);
		parse_by_class(p, obj, &st->expenditure_by_class,
			       &st->n_expenditure_by_class);
		read_amount(p, obj, "basic_total", &st->basic_total);
		read_amount(p, obj, "personnel_total", &st->personnel_total);
		read_amount(p, obj, "public_total", &st->public_total);
		read_amount(p, obj, "project_total", &st->project_total);
		read_amount(p, obj, "project_operating",
			    &st->project_operating);
		read_amount(p, obj, "project_targeted", &st->project_targeted);
		read_amount(p, obj, "projects_total", &st->projects_total);
		read_amount(p, obj, "balance_used", &sub->balance_used);
		read_amount(p, obj, "carry_forward", &sub->carry_forward);
		const cJSON *appr = member(obj, "appropriation");
		if (appr != NULL && !cJSON_IsNull(appr)) {
			size_t s2 = path_push_key(p, "appropriation");
			if (check_object(p, appr, known_appr,
					 "appropriation")) {
				read_amount(p, appr, "income_total",
					    &st->appropriation.income_total);
				read_amount(
				    p, appr, "expenditure_total",
				    &st->appropriation.expenditure_total);
				parse_by_class(
				    p, appr,
				    &st->appropriation.expenditure_by_class,
				    &st->appropriation.n_expenditure_by_class);
			}
			path_pop(p, s2);
		}
	}
	path_pop(p, s);
}

static void parse_previous_year(struct parser *p, const cJSON *doc,
				struct bd_submission *sub)
{
	static const char *const known[] = {"total", "three_public", NULL};
	const cJSON *obj = member(doc, "previous_year");
	if (obj == NULL || cJSON_IsNull(obj))
		return;
	size_t s = path_push_key(p, "previous_year");
	if (check_object(p, obj, known, "previous_year")) {
		read_amount(p, obj, "total", &sub->previous_year_total);
		read_amount(p, obj, "three_public",
			    &sub->previous_year_three_public);
	}
	path_pop(p, s);
}

/* ---- the explanatory text (narrative) ---- */

/* A percentage as printed ("8.17", "-8.17"): mantissa and decimals. */
static bool parse_percent(const char *text, int64_t *mantissa, int *decimals)
{
	const char *q = text;
	bool negative = *q == '-';
	q += negative;
	int64_t m = 0;
	int d = -1, digits = 0;
	for (; *q; q++) {
		if (*q >= '0' && *q <= '9') {
			if (m > INT64_MAX / 100 || d >= 6)
				return false;
			m = m * 10 + (*q - '0');
			digits++;
			d += d >= 0;
		} else if (*q == '.' && d < 0) {
			d = 0;
		} else {
			return false;
		}
	}
	if (digits == 0)
		return false;
	*mantissa = negative ? -m : m;
	*decimals = d < 0 ? 0 : d;
	return true;
}

/* A figure's amount or change, in its own unit; keeps its precision. */
static bool read_figure_amount(struct parser *p, const cJSON *item,
			       const char *key, enum bd_unit unit,
			       struct bd_figure *f)
{
	const cJSON *v = member(item, key);
	if (v == NULL || cJSON_IsNull(v))
		return false;
	size_t s = path_push_key(p, key);
	const char *why = NULL;
	if (!cJSON_IsString(v) ||
	    money_parse(v->valuestring, unit, &f->fen, &why) < 0) {
		error(p, "expected an amount as a decimal string%s%s",
		      why ? ": " : "", why ? why : "");
		path_pop(p, s);
		return false;
	}
	if (f->fen < 0 && strcmp(key, "amount") == 0)
		error(p, "an amount the text states is not negative; a "
			 "decrease is a \"change\"");
	/* A zero is exact however it is printed ("0 万元"). */
	f->step =
	    f->fen == 0 ? 1 : step_of(printed_decimals(v->valuestring), unit);
	path_pop(p, s);
	return true;
}

static void parse_figure(struct parser *p, const cJSON *item,
			 struct bd_figure *f)
{
	static const char *const known[] = {"quantity", "amount", "unit",
					    "share",	"of",	  "change",
					    "percent",	NULL};
	if (!check_object(p, item, known, "a figure"))
		return;
	const char *quantity = read_string(p, item, "quantity", true);
	if (quantity != NULL)
		snprintf(f->quantity, sizeof f->quantity, "%s", quantity);
	const char *of = read_string(p, item, "of", false);
	if (of != NULL)
		snprintf(f->of, sizeof f->of, "%s", of);
	enum bd_unit unit = p->unit;
	const char *u = read_string(p, item, "unit", false);
	if (u != NULL && money_unit_parse(u, &unit) < 0) {
		size_t s = path_push_key(p, "unit");
		error(p, "unit must be \"元\" or \"万元\"");
		path_pop(p, s);
	}
	const char *share = read_string(p, item, "share", false);
	const char *percent = read_string(p, item, "percent", false);
	const char *pct_text = share ? share : percent;
	if (pct_text != NULL) {
		size_t s = path_push_key(p, share ? "share" : "percent");
		if (parse_percent(pct_text, &f->percent, &f->percent_decimals))
			f->has_percent = true;
		else
			error(p, "expected a percentage such as \"8.17\"");
		path_pop(p, s);
	}
	if (read_figure_amount(p, item, "change", unit, f)) {
		f->kind = BD_FIGURE_CHANGE;
		f->has_amount = true;
	} else {
		f->kind = share ? BD_FIGURE_SHARE : BD_FIGURE_AMOUNT;
		f->has_amount = read_figure_amount(p, item, "amount", unit, f);
		if (!f->has_amount && !share)
			error(p, "a figure states an amount, a change or a "
				 "share");
	}
	if (share && !f->of[0])
		error(p, "a share names what it is a share \"of\"");
}

static void parse_years(struct parser *p, const cJSON *item,
			struct bd_statement *st)
{
	static const char *const known[] = {"year", "role", NULL};
	static const char *const roles[] = {"stated", "compared", "period_end"};
	const cJSON *array = member_array(p, item, "years", false);
	if (array == NULL)
		return;
	size_t n = (size_t)cJSON_GetArraySize(array);
	struct bd_year_mention *years =
	    arena_calloc(p->arena, n, sizeof *years);
	if (years == NULL && n > 0) {
		p->out_of_memory = true;
		return;
	}
	size_t s = path_push_key(p, "years"), i = 0;
	for (const cJSON *y = array->child; y; y = y->next, i++) {
		size_t s2 = path_push_index(p, i);
		if (check_object(p, y, known, "a year mention")) {
			const cJSON *year = member(y, "year");
			if (!cJSON_IsNumber(year) || year->valuedouble < 1900 ||
			    year->valuedouble > 2200)
				error(p, "\"year\" is a year such as 2023");
			else
				years[i].year = (int)year->valuedouble;
			const char *role = read_string(p, y, "role", false);
			bool found = role == NULL;
			for (int r = 0; role && r < 3 && !found; r++)
				if (strcmp(role, roles[r]) == 0) {
					years[i].role = (enum bd_year_role)r;
					found = true;
				}
			if (!found)
				error(p, "role is stated, compared or "
					 "period_end");
		}
		path_pop(p, s2);
	}
	path_pop(p, s);
	st->years = years;
	st->n_years = n;
}

static void parse_narrative(struct parser *p, const cJSON *doc,
			    struct bd_submission *sub)
{
	static const char *const known[] = {"section", "page",	"line", "text",
					    "figures", "years", NULL};
	const cJSON *array = member_array(p, doc, "narrative", false);
	if (array == NULL)
		return;
	size_t n = (size_t)cJSON_GetArraySize(array);
	struct bd_statement *st = arena_calloc(p->arena, n, sizeof *st);
	if (st == NULL && n > 0) {
		p->out_of_memory = true;
		return;
	}
	size_t s = path_push_key(p, "narrative"), i = 0;
	for (const cJSON *item = array->child; item; item = item->next, i++) {
		size_t s2 = path_push_index(p, i);
		if (check_object(p, item, known, "a statement")) {
			st[i].section = read_string(p, item, "section", false);
			st[i].text = read_string(p, item, "text", true);
			const cJSON *page = member(item, "page");
			const cJSON *line = member(item, "line");
			if (cJSON_IsNumber(page) && page->valuedouble > 0 &&
			    page->valuedouble < 100000)
				st[i].page = (int)page->valuedouble;
			if (cJSON_IsNumber(line) && line->valuedouble > 0 &&
			    line->valuedouble < 10000000)
				st[i].line = (int)line->valuedouble;
			const cJSON *figs =
			    member_array(p, item, "figures", false);
			size_t nf = figs ? (size_t)cJSON_GetArraySize(figs) : 0;
			struct bd_figure *f =
			    arena_calloc(p->arena, nf, sizeof *f);
			if (f == NULL && nf > 0) {
				p->out_of_memory = true;
				break;
			}
			size_t s3 = path_push_key(p, "figures"), k = 0;
			for (const cJSON *fi = figs ? figs->child : NULL; fi;
			     fi = fi->next, k++) {
				size_t s4 = path_push_index(p, k);
				parse_figure(p, fi, &f[k]);
				path_pop(p, s4);
			}
			path_pop(p, s3);
			st[i].figures = f;
			st[i].n_figures = nf;
			parse_years(p, item, &st[i]);
		}
		path_pop(p, s2);
	}
	path_pop(p, s);
	sub->narrative = st;
	sub->n_narrative = n;
}

static void parse_header(struct parser *p, const cJSON *doc,
			 struct bd_submission *sub)
{
	const cJSON *year = member(doc, "year");
	size_t s = path_push_key(p, "year");
	if (year == NULL) {
		error(p, "required integer \"year\" is missing");
	} else if (!cJSON_IsNumber(year) ||
		   year->valuedouble != floor(year->valuedouble)) {
		error(p, "expected an integer fiscal year, got %s",
		      type_name(year));
	} else if (year->valuedouble < 2000 || year->valuedouble > 2100) {
		error(p, "fiscal year must be between 2000 and 2100, got %.0f",
		      year->valuedouble);
	} else {
		sub->year = (int)year->valuedouble;
	}
	path_pop(p, s);

	const cJSON *unit = member(doc, "unit");
	s = path_push_key(p, "unit");
	if (unit == NULL)
		error(p, "required \"unit\" is missing; expected \"元\" or "
			 "\"万元\"");
	else if (!cJSON_IsString(unit) ||
		 money_unit_parse(unit->valuestring, &sub->unit) < 0)
		error(p, "unit must be \"元\" or \"万元\", got %s%.20s%s",
		      cJSON_IsString(unit) ? "\"" : "",
		      cJSON_IsString(unit) ? unit->valuestring
					   : type_name(unit),
		      cJSON_IsString(unit) ? "\"" : "");
	p->unit = sub->unit;
	path_pop(p, s);
}

static int parse_document(const cJSON *doc, struct arena *arena,
			  struct bd_submission **out,
			  struct model_problems *problems, bool stored)
{
	static const char *const known[] = {
	    "format",	"year",	       "unit",		"department",
	    "income",	"expenditure", "projects",	"three_public",
	    "economic", "stated",      "previous_year", "narrative",
	    NULL};
	int decimals = 0;
	struct parser p = {.arena = arena,
			   .problems = problems,
			   .decimals = &decimals,
			   .stored = stored};

	*out = NULL;
	memset(problems, 0, sizeof *problems);
	if (!check_object(&p, doc, known, "a budget-submission/1 document"))
		return -EINVAL;

	/* The format decides what every other key means: stop at a wrong one.
	 */
	const cJSON *format = member(doc, "format");
	size_t s = path_push_key(&p, "format");
	if (format == NULL) {
		error(&p, "required \"format\" is missing; expected \"%s\"",
		      MODEL_FORMAT);
		return -EINVAL;
	}
	if (!cJSON_IsString(format) ||
	    strcmp(format->valuestring, MODEL_FORMAT) != 0) {
		error(
		    &p,
		    "unsupported format %s%.40s%s; this server accepts \"%s\"",
		    cJSON_IsString(format) ? "\"" : "",
		    cJSON_IsString(format) ? format->valuestring
					   : type_name(format),
		    cJSON_IsString(format) ? "\"" : "", MODEL_FORMAT);
		return -EINVAL;
	}
	path_pop(&p, s);

	struct bd_submission *sub = arena_calloc(arena, 1, sizeof *sub);
	if (sub == NULL)
		return -ENOMEM;
	parse_header(&p, doc, sub);
	parse_department(&p, doc, sub);
	parse_income(&p, doc, sub);
	parse_expenditure(&p, doc, sub);
	parse_projects(&p, doc, sub);
	parse_three_public(&p, doc, sub);
	parse_economic(&p, doc, sub);
	parse_stated(&p, doc, sub);
	parse_previous_year(&p, doc, sub);
	p.decimals = NULL; /* the text's figures are not the tables' */
	parse_narrative(&p, doc, sub);

	if (p.out_of_memory)
		return -ENOMEM;
	if (p.sum_overflowed) {
		p.depth = 0;
		error(&p, "the amounts of this document add up to more than "
			  "can be represented; check for misplaced units");
	}
	if (problems->n_errors > 0)
		return -EINVAL;
	sub->amount_step = step_of(decimals, sub->unit);
	if (sub->three_public_step == 0)
		sub->three_public_step = sub->amount_step;
	*out = sub;
	return 0;
}

int model_parse(const cJSON *doc, struct arena *arena,
		struct bd_submission **out, struct model_problems *problems)
{
	return parse_document(doc, arena, out, problems, false);
}

static int parse_brief(const cJSON *document, struct arena *arena,
		       struct bd_submission **out, char *why, size_t why_size,
		       bool stored)
{
	/* 25 KiB: too big for the stack of a callback. */
	struct model_problems *problems = malloc(sizeof *problems);
	*out = NULL;
	if (problems == NULL) {
		if (why)
			snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	int rc = parse_document(document, arena, out, problems, stored);
	if (why && rc == -ENOMEM)
		snprintf(why, why_size, "out of memory");
	else if (why && rc < 0) {
		const struct model_problem *first = NULL;
		for (size_t i = 0; i < problems->n && first == NULL; i++)
			if (problems->items[i].is_error)
				first = &problems->items[i];
		snprintf(why, why_size, "%s: %s", first ? first->path : "$",
			 first ? first->message : "not a valid document");
	}
	free(problems);
	return rc;
}

int model_parse_brief(const cJSON *document, struct arena *arena,
		      struct bd_submission **out, char *why, size_t why_size)
{
	return parse_brief(document, arena, out, why, why_size, false);
}

int model_parse_json(const char *text, size_t len, struct arena *arena,
		     struct bd_submission **out, char *why, size_t why_size)
{
	cJSON *doc = cJSON_ParseWithLength(text, len);
	if (doc == NULL) {
		*out = NULL;
		if (why)
			snprintf(why, why_size, "not valid JSON");
		return -EINVAL;
	}
	int rc = parse_brief(doc, arena, out, why, why_size, true);
	json_scratch_delete(doc); /* the rebuild parses into a scratch arena */
	return rc;
}

const struct bd_line *model_same_line(const struct bd_submission *s,
				      const struct bd_line *like)
{
	for (size_t i = 0; i < s->n_lines; i++)
		if (strcmp(s->lines[i].function, like->function) == 0 &&
		    s->lines[i].source == like->source)
			return &s->lines[i];
	return NULL;
}

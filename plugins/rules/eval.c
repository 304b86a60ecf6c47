/* Quantities of a submission, and the evaluation of rules over them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

enum quantity {
	Q_INCOME,      /* income without carry-over; .SOURCE, .all, .fiscal */
	Q_EXPENDITURE, /* lines; [CODE] prefix; .PART */
	Q_STATED,      /* stated.KEY */
	Q_STATED_BY_CLASS, /* stated.expenditure_by_class[CODE] */
	Q_STATED_APPR_BY_CLASS,
	Q_PROJECTS_TOTAL, /* sum of projects[].total */
	Q_THREE_PUBLIC,	  /* three_public.PART */
	Q_ECONOMIC,	  /* economic table; [CODE] prefix */
	Q_PREVIOUS_TOTAL,
	Q_PREVIOUS_THREE_PUBLIC,
	Q_BALANCE, /* stated.balance_used, stated.carry_forward: blank is 0 */
	Q_LINE,	   /* line.PART (per line) */
	Q_LINE_STATED,	 /* line.total, line.basic_total, line.project_total */
	Q_PROJECT_TOTAL, /* project.total (per project) */
	Q_PROJECT_SOURCES, /* project.sources */
	Q_CLASS,	   /* class.expenditure, class.fiscal_expenditure */
	Q_CLASS_STATED,	   /* class.stated, class.stated_appropriation */
};

/* Parts of an expenditure sum. */
enum part {
	PART_ALL,
	PART_BASIC,
	PART_PROJECT,
	PART_PERSONNEL,
	PART_PUBLIC,
	PART_WAGES,
	PART_FAMILY,
	PART_GOODS,
	PART_CAPITAL,
	PART_OPERATING,
	PART_TARGETED,
	PART_FISCAL,
	PART_COUNT
};

static const char *const part_names[PART_COUNT] = {
    "",	      "basic", "project", "personnel", "public",   "wages",
    "family", "goods", "capital", "operating", "targeted", "fiscal",
};

static int part_from(const char *name)
{
	for (int i = 1; i < PART_COUNT; i++)
		if (strcmp(part_names[i], name) == 0)
			return i;
	return -1;
}

/* The stated keys and where they live. */
static const struct {
	const char *name;
	size_t offset;
} stated_keys[] = {
#define K(field)                                                               \
	{                                                                      \
#field, offsetof(struct bd_stated_totals, field)               \
	}
    K(income_total),
    K(expenditure_total),
    K(basic_total),
    K(personnel_total),
    K(public_total),
    K(project_total),
    K(project_operating),
    K(project_targeted),
    K(projects_total),
#undef K
    {"appropriation.income_total",
     offsetof(struct bd_stated_totals, appropriation.income_total)},
    {"appropriation.expenditure_total",
     offsetof(struct bd_stated_totals, appropriation.expenditure_total)},
};

static const char *const three_public_parts[] = {
    "overseas", "vehicle_purchase", "vehicle_operation", "reception", "total"};

/* Splits "base[key:name].suffix" (":name" optional); false when
 * malformed. */
static bool split_path(const char *text, char *base, size_t base_size,
		       char *key, size_t key_size, char *name, size_t name_size,
		       char *suffix, size_t suffix_size)
{
	name[0] = '\0';
	const char *open = strchr(text, '[');
	key[0] = suffix[0] = '\0';
	if (open == NULL) {
		snprintf(base, base_size, "%s", text);
		return strchr(text, ']') == NULL;
	}
	const char *close = strchr(open, ']');
	if (close == NULL || (size_t)(open - text) >= base_size)
		return false;
	snprintf(base, base_size, "%.*s", (int)(open - text), text);
	const char *colon = memchr(open, ':', (size_t)(close - open));
	const char *key_end = colon ? colon : close;
	if ((size_t)(key_end - open - 1) >= key_size ||
	    (colon && (size_t)(close - colon - 1) >= name_size))
		return false;
	snprintf(key, key_size, "%.*s", (int)(key_end - open - 1), open + 1);
	if (colon != NULL) {
		snprintf(name, name_size, "%.*s", (int)(close - colon - 1),
			 colon + 1);
		if (name[0] == '\0')
			return false;
	}
	if (strspn(key, "0123456789") != strlen(key) || key[0] == '\0')
		return false;
	if (close[1] == '\0')
		return true;
	if (close[1] != '.')
		return false;
	snprintf(suffix, suffix_size, "%s", close + 2);
	return strchr(suffix, '[') == NULL;
}

int rules_resolve_quantity(struct node *n, enum rule_scope scope,
			   const char **why)
{
	char base[64], key[16], suffix[64];
	static _Thread_local char reason[200];
	const char *name = n->text;

	*why = reason;
	if (!split_path(name, base, sizeof base, key, sizeof key, n->key_name,
			sizeof n->key_name, suffix, sizeof suffix)) {
		snprintf(reason, sizeof reason,
			 "\"%.60s\": a code in [] must be digits, as in "
			 "expenditure[201], optionally with a name after a "
			 "colon, as in economic[30217:公务接待]",
			 name);
		return -EINVAL;
	}
	if (n->key_name[0] && strcmp(base, "economic") != 0) {
		snprintf(reason, sizeof reason,
			 "\"%.60s\": only economic[CODE:NAME] takes a name",
			 name);
		return -EINVAL;
	}
	snprintf(n->key, sizeof n->key, "%.7s", key);
	n->part = PART_ALL;

	/* expenditure[CODE].PART, expenditure.PART, expenditure */
	if (strcmp(base, "expenditure") == 0 ||
	    strncmp(base, "expenditure.", 12) == 0) {
		const char *part =
		    key[0] ? suffix : (base[11] ? base + 12 : "");
		n->quantity = Q_EXPENDITURE;
		if (*part && (n->part = part_from(part)) < 0)
			goto unknown_part;
		return 0;
	}
	if (strcmp(base, "income") == 0 || strncmp(base, "income.", 7) == 0) {
		n->quantity = Q_INCOME;
		const char *source = base[6] ? base + 7 : "";
		if (key[0])
			goto no_key;
		if (*source == '\0')
			n->part = -1; /* without carry-over */
		else if (strcmp(source, "all") == 0)
			n->part = -2;
		else if (strcmp(source, "fiscal") == 0)
			n->part = -3;
		else {
			for (int i = 0; i < BD_SOURCE_COUNT; i++)
				if (strcmp(bd_source_key((enum bd_source)i),
					   source) == 0)
					n->part = i;
			if (n->part == PART_ALL &&
			    strcmp(source, "general_budget") != 0) {
				snprintf(reason, sizeof reason,
					 "unknown income source \"%.40s\"",
					 source);
				return -EINVAL;
			}
		}
		return 0;
	}
	if (strcmp(base, "stated.expenditure_by_class") == 0 ||
	    strcmp(base, "stated.appropriation.expenditure_by_class") == 0) {
		if (strlen(key) != 3) {
			snprintf(reason, sizeof reason,
				 "\"%.60s\" needs a 3-digit 类 in []", name);
			return -EINVAL;
		}
		n->quantity =
		    base[7] == 'e' ? Q_STATED_BY_CLASS : Q_STATED_APPR_BY_CLASS;
		return 0;
	}
	if (strcmp(base, "stated.balance_used") == 0 ||
	    strcmp(base, "stated.carry_forward") == 0) {
		if (key[0])
			goto no_key;
		n->quantity = Q_BALANCE;
		n->part = base[7] == 'c';
		return 0;
	}
	if (strncmp(base, "stated.", 7) == 0) {
		if (key[0])
			goto no_key;
		for (size_t i = 0;
		     i < sizeof stated_keys / sizeof stated_keys[0]; i++) {
			if (strcmp(stated_keys[i].name, base + 7) == 0) {
				n->quantity = Q_STATED;
				n->part = (int)i;
				return 0;
			}
		}
		snprintf(reason, sizeof reason,
			 "unknown stated figure \"%.60s\"", name);
		return -EINVAL;
	}
	if (strcmp(base, "projects.total") == 0) {
		n->quantity = Q_PROJECTS_TOTAL;
		return 0;
	}
	if (strncmp(base, "three_public.", 13) == 0) {
		for (int i = 0; i < 5; i++) {
			if (strcmp(three_public_parts[i], base + 13) == 0) {
				n->quantity = Q_THREE_PUBLIC;
				n->part = i;
				return 0;
			}
		}
		snprintf(reason, sizeof reason,
			 "three_public has overseas, vehicle_purchase, "
			 "vehicle_operation, "
			 "reception and total");
		return -EINVAL;
	}
	if (strcmp(base, "economic") == 0) {
		n->quantity = Q_ECONOMIC;
		return 0;
	}
	if (strcmp(base, "previous_year.total") == 0) {
		n->quantity = Q_PREVIOUS_TOTAL;
		return 0;
	}
	if (strcmp(base, "previous_year.three_public") == 0) {
		n->quantity = Q_PREVIOUS_THREE_PUBLIC;
		return 0;
	}
	if (strncmp(base, "line.", 5) == 0) {
		if (scope != SCOPE_LINE) {
			snprintf(reason, sizeof reason,
				 "\"%.40s\" needs \"per line\"", name);
			return -EINVAL;
		}
		const char *what = base + 5;
		if (strcmp(what, "total") == 0 ||
		    strcmp(what, "basic_total") == 0 ||
		    strcmp(what, "project_total") == 0) {
			n->quantity = Q_LINE_STATED;
			n->part = what[0] == 't' ? 0 : what[0] == 'b' ? 1 : 2;
			return 0;
		}
		n->quantity = Q_LINE;
		if (strcmp(what, "sum") == 0)
			n->part = PART_ALL;
		else if ((n->part = part_from(what)) < 0 ||
			 n->part == PART_FISCAL)
			goto unknown_part;
		return 0;
	}
	if (strcmp(base, "project.total") == 0 ||
	    strcmp(base, "project.sources") == 0) {
		if (scope != SCOPE_PROJECT) {
			snprintf(reason, sizeof reason,
				 "\"%.40s\" needs \"per project\"", name);
			return -EINVAL;
		}
		n->quantity =
		    base[8] == 't' ? Q_PROJECT_TOTAL : Q_PROJECT_SOURCES;
		return 0;
	}
	if (strncmp(base, "class.", 6) == 0) {
		if (scope != SCOPE_CLASS) {
			snprintf(reason, sizeof reason,
				 "\"%.40s\" needs \"per class\"", name);
			return -EINVAL;
		}
		const char *what = base + 6;
		if (strcmp(what, "expenditure") == 0 ||
		    strcmp(what, "fiscal_expenditure") == 0) {
			n->quantity = Q_CLASS;
			n->part = what[0] == 'f' ? PART_FISCAL : PART_ALL;
			return 0;
		}
		if (strcmp(what, "stated") == 0 ||
		    strcmp(what, "stated_appropriation") == 0) {
			n->quantity = Q_CLASS_STATED;
			n->part = what[6] == '_';
			return 0;
		}
	}
	snprintf(reason, sizeof reason,
		 "unknown quantity \"%.60s\" (see docs/rules.md for the names)",
		 name);
	return -EINVAL;
unknown_part:
	snprintf(reason, sizeof reason,
		 "\"%.60s\": expected a part such as basic, project, "
		 "personnel, public, "
		 "wages, family, goods, capital, operating, targeted, fiscal",
		 name);
	return -EINVAL;
no_key:
	snprintf(reason, sizeof reason, "\"%.60s\" takes no [code]", name);
	return -EINVAL;
}

/* ---- evaluation ---- */

/* Values are in 分 × 10^4, so that percentages to 0.01% stay exact. */
#define SCALE 10000

struct context {
	const struct bd_submission *s;
	const struct bd_line *line;
	const struct bd_project *project;
	char class_code[4];
	bool absent; /* a printed figure the document lacks was named */
	bd_fen step; /* the coarsest printed precision among the figures
			named on the side being evaluated */
};

static bd_fen part_of_line(const struct bd_line *l, int part)
{
	const bd_fen *c = l->column;
	switch (part) {
	case PART_BASIC:
		return bd_line_basic(l);
	case PART_PROJECT:
		return bd_line_project(l);
	case PART_PERSONNEL:
		return c[BD_COL_WAGES] + c[BD_COL_FAMILY];
	case PART_PUBLIC:
		return c[BD_COL_GOODS] + c[BD_COL_CAPITAL];
	case PART_WAGES:
		return c[BD_COL_WAGES];
	case PART_FAMILY:
		return c[BD_COL_FAMILY];
	case PART_GOODS:
		return c[BD_COL_GOODS];
	case PART_CAPITAL:
		return c[BD_COL_CAPITAL];
	case PART_OPERATING:
		return c[BD_COL_OPERATING];
	case PART_TARGETED:
		return c[BD_COL_TARGETED];
	case PART_FISCAL:
		return bd_source_is_fiscal(l->source) ? bd_line_total(l) : 0;
	default:
		return bd_line_total(l);
	}
}

static bd_fen stated(struct context *c, struct bd_stated v)
{
	if (!v.present)
		c->absent = true;
	return v.fen;
}

static bd_fen by_class(struct context *c, const struct bd_class_amount *by,
		       size_t n, const char *class_code, bool zero_if_unlisted)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(by[i].class_code, class_code, 3) == 0)
			return by[i].fen;
	/* A summary table that has no row for a 类 prints it as zero. */
	if (!(zero_if_unlisted && by != NULL))
		c->absent = true;
	return 0;
}

static bd_fen quantity(struct context *c, const struct node *n)
{
	const struct bd_submission *s = c->s;
	bd_fen sum = 0;
	switch ((enum quantity)n->quantity) {
	case Q_INCOME:
		for (int k = 0; k < BD_SOURCE_COUNT; k++) {
			bool in = n->part == -2 ||
				  (n->part == -1 && k != BD_SOURCE_CARRYOVER) ||
				  (n->part == -3 &&
				   (bd_source_is_fiscal((enum bd_source)k) ||
				    k == BD_SOURCE_CARRYOVER)) ||
				  n->part == k;
			if (in)
				sum += s->income[k].fen;
		}
		return sum;
	case Q_EXPENDITURE:
		for (size_t i = 0; i < s->n_lines; i++)
			if (strncmp(s->lines[i].function, n->key,
				    strlen(n->key)) == 0)
				sum += part_of_line(&s->lines[i], n->part);
		return sum;
	case Q_STATED:
		return stated(
		    c,
		    *(const struct bd_stated *)((const char *)&s->stated +
						stated_keys[n->part].offset));
	case Q_STATED_BY_CLASS:
		return by_class(c, s->stated.expenditure_by_class,
				s->stated.n_expenditure_by_class, n->key,
				false);
	case Q_STATED_APPR_BY_CLASS:
		return by_class(c, s->stated.appropriation.expenditure_by_class,
				s->stated.appropriation.n_expenditure_by_class,
				n->key, false);
	case Q_PROJECTS_TOTAL:
		for (size_t i = 0; i < s->n_projects; i++)
			sum += s->projects[i].total.fen;
		return sum;
	case Q_THREE_PUBLIC: {
		if (!s->three_public.present)
			c->absent = true;
		const struct bd_stated *parts[] = {
		    &s->three_public.overseas,
		    &s->three_public.vehicle_purchase,
		    &s->three_public.vehicle_operation,
		    &s->three_public.reception, &s->three_public.total};
		/* Blank parts of a present table are zero; a blank total is
		 * absent. */
		return n->part == 4 ? stated(c, *parts[4])
				    : parts[n->part]->fen;
	}
	case Q_ECONOMIC:
		if (s->n_economic == 0)
			c->absent = true; /* no economic table printed */
		for (size_t i = 0; i < s->n_economic; i++) {
			const char *code = s->economic[i].code;
			bool section = strlen(code) == 5;
			/* Count 款 rows, and 类 rows only where no 款 of theirs
			 * is there. */
			bool counted =
			    strncmp(code, n->key, strlen(n->key)) == 0;
			if (counted && !section) {
				for (size_t k = 0; k < s->n_economic && counted;
				     k++)
					counted = !(
					    strlen(s->economic[k].code) == 5 &&
					    strncmp(s->economic[k].code, code,
						    3) == 0);
			}
			/* A row printed under another name is another 款 of a
			 * provincial numbering; a row without a name counts. */
			const char *printed = s->economic[i].name;
			if (counted && n->key_name[0] && printed && *printed &&
			    strstr(printed, n->key_name) == NULL)
				counted = false;
			if (counted)
				sum += s->economic[i].amount;
		}
		return sum;
	case Q_PREVIOUS_TOTAL:
		return stated(c, s->previous_year_total);
	case Q_PREVIOUS_THREE_PUBLIC:
		return stated(c, s->previous_year_three_public);
	case Q_BALANCE:
		/* Most budgets have no balance rows: none is zero. */
		return n->part ? s->carry_forward.fen : s->balance_used.fen;
	case Q_LINE:
		return part_of_line(c->line, n->part);
	case Q_LINE_STATED: {
		const struct bd_line *l = c->line;
		if (n->part == 1 && !l->basic_split)
			c->absent = true;
		if (n->part == 2 && !l->project_split)
			c->absent = true;
		return stated(c, n->part == 0	? l->total
				 : n->part == 1 ? l->basic_total
						: l->project_total);
	}
	case Q_PROJECT_TOTAL:
		return stated(c, c->project->total);
	case Q_PROJECT_SOURCES:
		for (int k = 0; k < BD_SOURCE_COUNT; k++)
			sum += c->project->sources[k];
		if (sum == 0)
			c->absent =
			    true; /* no sources printed: nothing to check */
		return sum;
	case Q_CLASS:
		for (size_t i = 0; i < s->n_lines; i++)
			if (strncmp(s->lines[i].function, c->class_code, 3) ==
			    0)
				sum += part_of_line(&s->lines[i], n->part);
		return sum;
	case Q_CLASS_STATED:
		return n->part
			   ? by_class(
				 c,
				 s->stated.appropriation.expenditure_by_class,
				 s->stated.appropriation.n_expenditure_by_class,
				 c->class_code, true)
			   : by_class(c, s->stated.expenditure_by_class,
				      s->stated.n_expenditure_by_class,
				      c->class_code, true);
	}
	return 0;
}

static __int128 amount_value(const struct node *n, enum bd_unit doc_unit)
{
	int scale = n->unit == UNIT_YUAN	  ? 2
		    : n->unit == UNIT_WANYUAN	  ? 6
		    : doc_unit == BD_UNIT_WANYUAN ? 6
						  : 2;
	__int128 v = (__int128)n->mantissa * SCALE;
	for (int k = n->decimals; k < scale; k++)
		v *= 10;
	for (int k = scale; k < n->decimals; k++)
		v /= 10;
	return v;
}

static __int128 eval(struct context *c, const struct node *n)
{
	switch (n->kind) {
	case NODE_AMOUNT:
		return amount_value(n, c->s->unit);
	case NODE_QUANTITY: {
		bd_fen step = n->quantity == Q_THREE_PUBLIC
				  ? c->s->three_public_step
				  : c->s->amount_step;
		if (step > c->step)
			c->step = step;
		return (__int128)quantity(c, n) * SCALE;
	}
	case NODE_ADD:
		return eval(c, n->left) + eval(c, n->right);
	case NODE_SUB:
		return eval(c, n->left) - eval(c, n->right);
	case NODE_PERCENT: {
		__int128 pct = (__int128)n->mantissa;
		for (int k = n->decimals; k < 2; k++)
			pct *= 10;
		return eval(c, n->left) * pct / SCALE;
	}
	}
	return 0;
}

static bool holds(enum compare cmp, __int128 l, __int128 r, __int128 tolerance)
{
	__int128 d = l - r;
	switch (cmp) {
	case CMP_EQ:
		return d <= tolerance && -d <= tolerance;
	case CMP_NE:
		return d > tolerance || -d > tolerance;
	case CMP_LE:
		return d <= tolerance;
	case CMP_GE:
		return -d <= tolerance;
	case CMP_LT:
		return d < tolerance;
	case CMP_GT:
		return -d < tolerance;
	}
	return true;
}

static const char *const compare_names[] = {"==", "!=", "<=", ">=", "<", ">"};

static int check(const struct rule *r, const struct bd_host *host,
		 struct context *c, const char *path, const char *where,
		 struct bd_audit *audit)
{
	c->absent = false;
	c->step = 0;
	__int128 l = eval(c, r->left);
	bd_fen left_step = c->step;
	c->step = 0;
	__int128 rv = eval(c, r->right);
	bd_fen right_step = c->step;
	if (c->absent)
		return 0;
	/* Figures printed at different precisions (a 万元 三公 table against
	 * a 元 economic table) agree when they agree at those precisions:
	 * each stands for anything within half its step. */
	__int128 printed = 0;
	if (left_step != right_step)
		printed = ((__int128)bd_half_step(left_step) +
			   bd_half_step(right_step)) *
			  SCALE;
	__int128 tolerance = printed;
	if (r->has_tolerance) {
		if (r->tolerance_percent) {
			__int128 base = rv < 0 ? -rv : rv;
			struct node pct = *r->tolerance;
			pct.unit = UNIT_DOCUMENT;
			/* N% of the right side. */
			__int128 share = base * (__int128)pct.mantissa;
			for (int k = 0; k < pct.decimals; k++)
				share /= 10;
			tolerance += share / 100;
		} else {
			tolerance += amount_value(r->tolerance, c->s->unit);
		}
	}
	if (holds(r->cmp, l, rv, tolerance))
		return 0;
	/* Values are whole 分 unless a percentage cut one; round toward zero.
	 */
	bd_fen left = (bd_fen)(l / SCALE), right = (bd_fen)(rv / SCALE);
	char a[40], b[40], message[768];
	const char *unit = c->s->unit == BD_UNIT_WANYUAN ? "万元" : "元";
	host->format_amount(left, c->s->unit, a, sizeof a);
	host->format_amount(right, c->s->unit, b, sizeof b);
	char precision[80] = "";
	if (printed > 0) {
		char half[40];
		host->format_amount((bd_fen)(printed / SCALE), c->s->unit, half,
				    sizeof half);
		snprintf(precision, sizeof precision,
			 " (at the printed precision, ±%s %s)", half, unit);
	}
	snprintf(message, sizeof message,
		 "%s%s: %s %s %s %s does not hold (%s %s, %s %s)%s", r->message,
		 where, r->left_text ? r->left_text : "left",
		 compare_names[r->cmp], r->right_text ? r->right_text : "right",
		 r->has_tolerance ? "within the tolerance" : "", a, unit, b,
		 unit, precision);
	struct bd_finding f = {
	    .rule = r->id,
	    .severity = r->severity,
	    .path = path,
	    .message = message,
	    .expected = {right, true},
	    .actual = {left, true},
	};
	return host->finding(audit, &f);
}

/* The 类 a per-class rule visits: those with lines or a summary row. */
static size_t classes_of(const struct bd_submission *s, char (*out)[4],
			 size_t max)
{
	size_t n = 0;
	const struct bd_class_amount *lists[] = {
	    s->stated.expenditure_by_class,
	    s->stated.appropriation.expenditure_by_class};
	size_t counts[] = {s->stated.n_expenditure_by_class,
			   s->stated.appropriation.n_expenditure_by_class};
	for (size_t i = 0; i < s->n_lines + counts[0] + counts[1] && n < max;
	     i++) {
		const char *code;
		if (i < s->n_lines)
			code = s->lines[i].function;
		else if (i < s->n_lines + counts[0])
			code = lists[0][i - s->n_lines].class_code;
		else
			code = lists[1][i - s->n_lines - counts[0]].class_code;
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = strncmp(out[k], code, 3) == 0;
		if (!seen)
			snprintf(out[n++], 4, "%.3s", code);
	}
	return n;
}

static int compare_class(const void *a, const void *b)
{
	return strcmp(a, b);
}

int rules_evaluate(const struct rule_set *set, const struct bd_host *host,
		   const struct bd_submission *s, struct bd_audit *audit)
{
	char path[64], where[48];
	for (size_t i = 0; i < set->n; i++) {
		const struct rule *r = &set->rules[i];
		struct context c = {.s = s};
		int rc = 0;
		if (r->severity == BD_SEVERITY_OFF)
			continue;
		switch (r->scope) {
		case SCOPE_DOCUMENT:
			rc = check(r, host, &c, "$", "", audit);
			break;
		case SCOPE_LINE:
			for (size_t k = 0; k < s->n_lines && rc == 0; k++) {
				c.line = &s->lines[k];
				snprintf(path, sizeof path, "expenditure[%zu]",
					 k);
				snprintf(where, sizeof where, " (%s)",
					 s->lines[k].function);
				rc = check(r, host, &c, path, where, audit);
			}
			break;
		case SCOPE_PROJECT:
			for (size_t k = 0; k < s->n_projects && rc == 0; k++) {
				c.project = &s->projects[k];
				snprintf(path, sizeof path, "projects[%zu]", k);
				rc = check(r, host, &c, path, "", audit);
			}
			break;
		case SCOPE_CLASS: {
			char classes[64][4];
			size_t n = classes_of(s, classes, 64);
			qsort(classes, n, sizeof classes[0], compare_class);
			for (size_t k = 0; k < n && rc == 0; k++) {
				memcpy(c.class_code, classes[k], 4);
				snprintf(path, sizeof path,
					 "stated.expenditure_by_class.%.3s",
					 classes[k]);
				snprintf(where, sizeof where, " (类 %.3s)",
					 classes[k]);
				rc = check(r, host, &c, path, where, audit);
			}
			break;
		}
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

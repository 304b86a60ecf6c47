/*
 * arith: the arithmetic audit (表内 and 表间 formulas, and balance).
 *
 * Every check compares a figure the department printed ("actual") with
 * what the detail it summarises adds up to ("expected"), so a finding
 * always names both numbers.
 */
#include <budgetd/plugin.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arith {
	const struct bd_host *host;
	struct bd_plugin_handle *self;
	bd_fen tolerance; /* in 分: published 万元 tables round each cell */
};

/* One audit run. */
struct run {
	struct arith *a;
	const struct bd_submission *s;
	struct bd_audit *audit;
};

static const struct bd_config_key arith_config[] = {
    {"tolerance_fen", BD_CONFIG_INT, "0",
     "largest difference, in 分, that still counts as equal", .min = 0,
     .max = 100000000},
    {0},
};

static int arith_reconfigure(void *state)
{
	struct arith *a = state;
	/* The host has checked the range. */
	a->tolerance = a->host->config_int(a->self, "tolerance_fen");
	return 0;
}

static int arith_init(const struct bd_host *host, struct bd_plugin_handle *self,
		      void **state)
{
	struct arith *a = calloc(1, sizeof *a);
	if (a == NULL)
		return -ENOMEM;
	a->host = host;
	a->self = self;
	*state = a;
	return arith_reconfigure(a);
}

static void arith_fini(void *state)
{
	free(state);
}

/* ---- reporting ---- */

static bool differs(const struct run *r, bd_fen expected, bd_fen actual)
{
	bd_fen d = expected - actual;
	return (d < 0 ? -d : d) > r->a->tolerance;
}

/*
 * Reports that `what` was printed as `actual` while its detail sums to
 * `expected`; `hint` (may be NULL) adds a likely cause.
 */
static int mismatch(struct run *r, const char *rule, const char *path,
		    const char *what, bd_fen expected, bd_fen actual,
		    const char *hint)
{
	char exp[40], act[40], diff[40], message[768];
	const char *unit = r->s->unit == BD_UNIT_WANYUAN ? "万元" : "元";
	r->a->host->format_amount(expected, r->s->unit, exp, sizeof exp);
	r->a->host->format_amount(actual, r->s->unit, act, sizeof act);
	r->a->host->format_amount(actual - expected, r->s->unit, diff,
				  sizeof diff);
	snprintf(message, sizeof message,
		 "%s is printed as %s %s but should be %s %s (difference "
		 "%s%s)%s%s",
		 what, act, unit, exp, unit, actual > expected ? "+" : "", diff,
		 hint ? "; " : "", hint ? hint : "");
	struct bd_finding f = {
	    .rule = rule,
	    .severity = BD_SEVERITY_ERROR,
	    .path = path,
	    .message = message,
	    .expected = {expected, true},
	    .actual = {actual, true},
	};
	return r->a->host->finding(r->audit, &f);
}

static int check(struct run *r, const char *rule, const char *path,
		 const char *what, bd_fen expected, struct bd_stated actual)
{
	if (!actual.present || !differs(r, expected, actual.fen))
		return 0;
	return mismatch(r, rule, path, what, expected, actual.fen, NULL);
}

/* ---- within a table (表内) ---- */

static int check_lines(struct run *r)
{
	char path[64], what[256];
	for (size_t i = 0; i < r->s->n_lines; i++) {
		const struct bd_line *l = &r->s->lines[i];
		const char *name = l->name ? l->name : "";
		bd_fen basic = bd_line_basic(l), project = bd_line_project(l);

		snprintf(path, sizeof path, "expenditure[%zu].basic.total", i);
		snprintf(what, sizeof what,
			 "the basic subtotal (基本支出小计) of %s %s",
			 l->function, name);
		if (l->basic_split && check(r, "arith.line.basic_total", path,
					    what, basic, l->basic_total) < 0)
			return -ENOMEM;
		snprintf(path, sizeof path, "expenditure[%zu].project.total",
			 i);
		snprintf(what, sizeof what,
			 "the project subtotal (项目支出小计) of %s %s",
			 l->function, name);
		if (l->project_split &&
		    check(r, "arith.line.project_total", path, what, project,
			  l->project_total) < 0)
			return -ENOMEM;
		snprintf(path, sizeof path, "expenditure[%zu].total", i);
		snprintf(what, sizeof what,
			 "the row total (合计) of %s %s, basic %s + project",
			 l->function, name, l->basic_split ? "parts" : "");
		if (check(r, "arith.line.total", path, what, basic + project,
			  l->total) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int check_projects(struct run *r)
{
	char path[64], what[256];
	for (size_t i = 0; i < r->s->n_projects; i++) {
		const struct bd_project *p = &r->s->projects[i];
		bd_fen sum = 0;
		bool any = false;
		for (int k = 0; k < BD_SOURCE_COUNT; k++) {
			sum += p->sources[k];
			any |= p->sources[k] != 0;
		}
		if (!any)
			continue;
		snprintf(path, sizeof path, "projects[%zu].total", i);
		snprintf(what, sizeof what,
			 "the total of project %s (%s), its sources summed",
			 p->code ? p->code : "", p->name ? p->name : "");
		if (check(r, "arith.project.total", path, what, sum, p->total) <
		    0)
			return -ENOMEM;
	}
	return 0;
}

static int check_three_public(struct run *r)
{
	const struct bd_three_public *t = &r->s->three_public;
	if (!t->present)
		return 0;
	bd_fen sum = t->overseas.fen + t->vehicle_purchase.fen +
		     t->vehicle_operation.fen + t->reception.fen;
	return check(
	    r, "arith.three_public.total", "three_public.total",
	    "the 三公经费 total (因公出国 + 公务用车购置 + 公务用车运行 + "
	    "公务接待)",
	    sum, t->total);
}

/* ---- across tables (表间) ---- */

struct sums {
	bd_fen income;	      /* without carry-over */
	bd_fen income_all;    /* with carry-over */
	bd_fen income_fiscal; /* fiscal sources plus carry-over */
	bd_fen expenditure, expenditure_fiscal;
	bd_fen basic, personnel, public_, basic_unsplit;
	bd_fen project, operating, targeted, project_unsplit;
	bd_fen projects;
	bool any_project_total;
};

static void add_sums(const struct bd_submission *s, struct sums *m)
{
	memset(m, 0, sizeof *m);
	for (int k = 0; k < BD_SOURCE_COUNT; k++) {
		bd_fen v = s->income[k].fen;
		m->income_all += v;
		if (k != BD_SOURCE_CARRYOVER)
			m->income += v;
		/* The model has one carry-over figure; the 财政拨款 table
		 * counts it in full (its non-fiscal part is rare and then shown
		 * in 单位资金). */
		if (bd_source_is_fiscal((enum bd_source)k) ||
		    k == BD_SOURCE_CARRYOVER)
			m->income_fiscal += v;
	}
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct bd_line *l = &s->lines[i];
		bd_fen total = bd_line_total(l);
		m->expenditure += total;
		if (bd_source_is_fiscal(l->source))
			m->expenditure_fiscal += total;
		m->basic += bd_line_basic(l);
		m->personnel +=
		    l->column[BD_COL_WAGES] + l->column[BD_COL_FAMILY];
		m->public_ +=
		    l->column[BD_COL_GOODS] + l->column[BD_COL_CAPITAL];
		m->basic_unsplit += l->column[BD_COL_BASIC_UNSPLIT];
		m->project += bd_line_project(l);
		m->operating += l->column[BD_COL_OPERATING];
		m->targeted += l->column[BD_COL_TARGETED];
		m->project_unsplit += l->column[BD_COL_PROJECT_UNSPLIT];
	}
	for (size_t i = 0; i < s->n_projects; i++) {
		m->projects += s->projects[i].total.fen;
		m->any_project_total |= s->projects[i].total.present;
	}
}

static bd_fen class_sum(const struct bd_submission *s, const char *class_code,
			bool fiscal_only)
{
	bd_fen sum = 0;
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct bd_line *l = &s->lines[i];
		if (strncmp(l->function, class_code, 3) != 0)
			continue;
		if (fiscal_only && !bd_source_is_fiscal(l->source))
			continue;
		sum += bd_line_total(l);
	}
	return sum;
}

static bool class_listed(const struct bd_class_amount *by, size_t n,
			 const char *class_code)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(by[i].class_code, class_code, 3) == 0)
			return true;
	return false;
}

/*
 * When one 类 is over by X and another under by X, a line of X is most
 * likely coded under the wrong 类: name it.
 */
static void shifted_line_hint(const struct run *r, const char *class_code,
			      bd_fen over, const struct bd_class_amount *by,
			      size_t n, bool fiscal_only, char *hint,
			      size_t size)
{
	hint[0] = '\0';
	if (over <= 0)
		return;
	for (size_t i = 0; i < r->s->n_lines; i++) {
		const struct bd_line *l = &r->s->lines[i];
		if (strncmp(l->function, class_code, 3) != 0 ||
		    bd_line_total(l) != over ||
		    (fiscal_only && !bd_source_is_fiscal(l->source)))
			continue;
		for (size_t k = 0; k < n; k++) {
			bd_fen other =
			    class_sum(r->s, by[k].class_code, fiscal_only);
			if (by[k].fen - other == over) {
				snprintf(hint, size,
					 "类 %.3s is short by the same amount: "
					 "expenditure[%zu] (%s %s) is probably "
					 "coded under the wrong 类",
					 by[k].class_code, i, l->function,
					 l->name ? l->name : "");
				return;
			}
		}
	}
}

static int check_by_class(struct run *r, const char *rule, const char *base,
			  const struct bd_class_amount *by, size_t n,
			  bool fiscal_only)
{
	char path[96], what[160], hint[400];
	if (by == NULL && n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		bd_fen detail = class_sum(r->s, by[i].class_code, fiscal_only);
		if (!differs(r, detail, by[i].fen))
			continue;
		snprintf(path, sizeof path, "%s.%s", base, by[i].class_code);
		snprintf(what, sizeof what, "the %s total of 类 %s",
			 fiscal_only ? "财政拨款" : "expenditure",
			 by[i].class_code);
		shifted_line_hint(r, by[i].class_code, detail - by[i].fen, by,
				  n, fiscal_only, hint, sizeof hint);
		if (mismatch(r, rule, path, what, detail, by[i].fen,
			     hint[0] ? hint : NULL) < 0)
			return -ENOMEM;
	}
	/* A 类 with expenditure but no line in the summary table. */
	for (size_t i = 0; i < r->s->n_lines; i++) {
		const struct bd_line *l = &r->s->lines[i];
		if (fiscal_only && !bd_source_is_fiscal(l->source))
			continue;
		if (class_listed(by, n, l->function))
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strncmp(r->s->lines[j].function, l->function,
				       3) == 0 &&
			       (!fiscal_only ||
				bd_source_is_fiscal(r->s->lines[j].source));
		if (seen)
			continue;
		bd_fen detail = class_sum(r->s, l->function, fiscal_only);
		if (!differs(r, detail, 0))
			continue;
		snprintf(path, sizeof path, "%s.%.3s", base, l->function);
		snprintf(what, sizeof what,
			 "the %s total of 类 %.3s (missing from the summary)",
			 fiscal_only ? "财政拨款" : "expenditure", l->function);
		if (mismatch(r, rule, path, what, detail, 0, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int check_stated(struct run *r, const struct sums *m)
{
	const struct bd_stated_totals *st = &r->s->stated;
	int rc = 0;
	rc |= check(r, "arith.stated.income_total", "stated.income_total",
		    "the income total (本年收入合计)", m->income,
		    st->income_total);
	rc |= check(r, "arith.stated.expenditure_total",
		    "stated.expenditure_total",
		    "the expenditure total (本年支出合计)", m->expenditure,
		    st->expenditure_total);
	rc |= check_by_class(r, "arith.stated.expenditure_by_class",
			     "stated.expenditure_by_class",
			     st->expenditure_by_class,
			     st->n_expenditure_by_class, false);
	rc |= check(r, "arith.stated.basic_total", "stated.basic_total",
		    "the basic expenditure total (基本支出)", m->basic,
		    st->basic_total);
	/* Personnel and public split only where every line is split. */
	if (m->basic_unsplit == 0) {
		rc |= check(r, "arith.stated.personnel_total",
			    "stated.personnel_total",
			    "the personnel total (人员经费 = 工资福利 + "
			    "对个人和家庭的补助)",
			    m->personnel, st->personnel_total);
		rc |= check(
		    r, "arith.stated.public_total", "stated.public_total",
		    "the public total (公用经费 = 商品和服务 + 资本性支出)",
		    m->public_, st->public_total);
	}
	rc |= check(r, "arith.stated.project_total", "stated.project_total",
		    "the project expenditure total (项目支出)", m->project,
		    st->project_total);
	if (m->project_unsplit == 0) {
		rc |= check(r, "arith.stated.project_operating",
			    "stated.project_operating",
			    "the 其他运转类 project total", m->operating,
			    st->project_operating);
		rc |= check(r, "arith.stated.project_targeted",
			    "stated.project_targeted",
			    "the 特定目标类 project total", m->targeted,
			    st->project_targeted);
	}
	if (r->s->n_projects > 0)
		rc |= check(r, "arith.stated.projects_total",
			    "stated.projects_total",
			    "the project table total (项目支出预算表合计)",
			    m->projects, st->projects_total);
	if (st->projects_total.present) {
		bd_fen project = st->project_total.present
				     ? st->project_total.fen
				     : m->project;
		rc |= check(r, "arith.projects.project_total",
			    "stated.projects_total",
			    "the project table total against 项目支出 of the "
			    "expenditure table",
			    project, st->projects_total);
	} else if (r->s->n_projects > 0 && m->any_project_total) {
		struct bd_stated sum = {m->projects, true};
		rc |= check(r, "arith.projects.lines", "projects",
			    "the sum of the project table", m->project, sum);
	}
	rc |= check(r, "arith.stated.appropriation.income_total",
		    "stated.appropriation.income_total",
		    "the 财政拨款 income total (fiscal sources of income plus "
		    "carry-over)",
		    m->income_fiscal, st->appropriation.income_total);
	rc |= check(r, "arith.stated.appropriation.expenditure_total",
		    "stated.appropriation.expenditure_total",
		    "the 财政拨款 expenditure total (lines funded by fiscal "
		    "sources)",
		    m->expenditure_fiscal, st->appropriation.expenditure_total);
	rc |=
	    check_by_class(r, "arith.stated.appropriation.expenditure_by_class",
			   "stated.appropriation.expenditure_by_class",
			   st->appropriation.expenditure_by_class,
			   st->appropriation.n_expenditure_by_class, true);
	return rc < 0 ? -ENOMEM : 0;
}

/* ---- balance (收支平衡) ---- */

static int check_balance(struct run *r, const struct sums *m)
{
	const struct bd_stated_totals *st = &r->s->stated;
	int rc = 0;
	struct bd_stated income = {m->income_all, true};
	rc |= check(r, "arith.balance", "income",
		    "income with carry-over (收入总计) against expenditure "
		    "(支出总计)",
		    m->expenditure, income);
	if (st->income_total.present && st->expenditure_total.present)
		rc |= check(r, "arith.balance.stated", "stated.income_total",
			    "the printed income total against the printed "
			    "expenditure total of 部门收支预算表",
			    st->expenditure_total.fen, st->income_total);
	if (st->appropriation.income_total.present) {
		bd_fen expenditure =
		    st->appropriation.expenditure_total.present
			? st->appropriation.expenditure_total.fen
			: m->expenditure_fiscal;
		rc |=
		    check(r, "arith.balance.appropriation",
			  "stated.appropriation.income_total",
			  "the 财政拨款收支总体情况表 income total against its "
			  "expenditure total",
			  expenditure, st->appropriation.income_total);
	}
	return rc < 0 ? -ENOMEM : 0;
}

static int arith_validate(void *state, const struct bd_submission *s,
			  struct bd_audit *audit)
{
	struct run r = {state, s, audit};
	struct sums m;
	add_sums(s, &m);
	if (check_lines(&r) < 0 || check_projects(&r) < 0 ||
	    check_three_public(&r) < 0 || check_stated(&r, &m) < 0 ||
	    check_balance(&r, &m) < 0)
		return -ENOMEM;
	return 0;
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .name = "arith",
    .version = "1.0",
    .description = "arithmetic audit: row and column totals, stated "
		   "totals against the detail, income = expenditure",
    .config = arith_config,
    .init = arith_init,
    .fini = arith_fini,
    .reconfigure = arith_reconfigure,
    .validate = arith_validate,
};

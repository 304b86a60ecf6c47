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
	bool blame_cells;
};

enum { FAILED_MAX = 24, BLAME_ROWS_MAX = 16 };

/* One audit run.  While `counting`, checks report nothing and only note
 * which figures disagree: that is how a correction is tried. */
struct run {
	struct arith *a;
	const struct bd_submission *s;
	struct bd_audit *audit;
	bool counting;
	int failures;
	char failed[FAILED_MAX][64]; /* paths of the first failures */
};

static const struct bd_config_key arith_config[] = {
    {"tolerance_fen", BD_CONFIG_INT, "0",
     "largest difference, in 分, that still counts as equal", .min = 0,
     .max = 100000000},
    {"blame_cells", BD_CONFIG_BOOL, "true",
     "when a row's parts miss its 合计, find the one part whose correction "
     "makes the row and every column total agree, and report that part "
     "instead of the 合计 and every total it inflates"},
    {0},
};

static int arith_reconfigure(void *state)
{
	struct arith *a = state;
	/* The host has checked the range. */
	a->tolerance = a->host->config_int(a->self, "tolerance_fen");
	a->blame_cells = a->host->config_bool(a->self, "blame_cells");
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
	int rc = arith_reconfigure(a);
	if (rc < 0) {
		free(a); /* a failed init gets no fini */
		return rc;
	}
	*state = a;
	return 0;
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
	if (r->counting) {
		if (r->failures < FAILED_MAX)
			snprintf(r->failed[r->failures], sizeof r->failed[0],
				 "%s", path);
		r->failures++;
		return 0;
	}
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

/* Whether a printed figure disagrees with its detail. */
static bool fails(const struct run *r, bd_fen expected, struct bd_stated actual)
{
	return actual.present && differs(r, expected, actual.fen);
}

static int check(struct run *r, const char *rule, const char *path,
		 const char *what, bd_fen expected, struct bd_stated actual)
{
	if (!fails(r, expected, actual))
		return 0;
	return mismatch(r, rule, path, what, expected, actual.fen, NULL);
}

/* ---- within a table (表内) ---- */

/* Messages are built only for the figures that disagree: most rows of
 * most documents add up, and the blame search runs these checks often. */
static int check_lines(struct run *r)
{
	char path[64], what[256];
	for (size_t i = 0; i < r->s->n_lines; i++) {
		const struct bd_line *l = &r->s->lines[i];
		const char *name = l->name ? l->name : "";
		bd_fen basic = bd_line_basic(l), project = bd_line_project(l);

		if (l->basic_split && fails(r, basic, l->basic_total)) {
			snprintf(path, sizeof path,
				 "expenditure[%zu].basic.total", i);
			snprintf(what, sizeof what,
				 "the basic subtotal (基本支出小计) of %s %s",
				 l->function, name);
			if (mismatch(r, "arith.line.basic_total", path, what,
				     basic, l->basic_total.fen, NULL) < 0)
				return -ENOMEM;
		}
		if (l->project_split && fails(r, project, l->project_total)) {
			snprintf(path, sizeof path,
				 "expenditure[%zu].project.total", i);
			snprintf(what, sizeof what,
				 "the project subtotal (项目支出小计) of %s %s",
				 l->function, name);
			if (mismatch(r, "arith.line.project_total", path, what,
				     project, l->project_total.fen, NULL) < 0)
				return -ENOMEM;
		}
		if (fails(r, basic + project, l->total)) {
			snprintf(path, sizeof path, "expenditure[%zu].total",
				 i);
			snprintf(what, sizeof what,
				 "the row total (合计) of %s %s, basic %s + "
				 "project",
				 l->function, name,
				 l->basic_split ? "parts" : "");
			if (mismatch(r, "arith.line.total", path, what,
				     basic + project, l->total.fen, NULL) < 0)
				return -ENOMEM;
		}
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
		if (!any || !fails(r, sum, p->total))
			continue;
		snprintf(path, sizeof path, "projects[%zu].total", i);
		snprintf(what, sizeof what,
			 "the total of project %s (%s), its sources summed",
			 p->code ? p->code : "", p->name ? p->name : "");
		if (mismatch(r, "arith.project.total", path, what, sum,
			     p->total.fen, NULL) < 0)
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
		hint[0] = '\0';
		if (!r->counting)
			shifted_line_hint(r, by[i].class_code,
					  detail - by[i].fen, by, n,
					  fiscal_only, hint, sizeof hint);
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
	/* 收入总计 = 支出总计: the year's income, what was carried over
	 * and the balance used on one side; what is spent and what is
	 * carried forward on the other. */
	const struct bd_submission *s = r->s;
	bd_fen used = s->balance_used.fen, forward = s->carry_forward.fen;
	struct bd_stated income = {m->income_all + used, true};
	rc |=
	    check(r, "arith.balance", "income",
		  "income with carry-over and balance used (收入总计) against "
		  "expenditure with what is carried forward (支出总计)",
		  m->expenditure + forward, income);
	if (st->income_total.present && st->expenditure_total.present) {
		struct bd_stated printed = {
		    st->income_total.fen + s->income[BD_SOURCE_CARRYOVER].fen +
			used,
		    true};
		rc |= check(r, "arith.balance.stated", "stated.income_total",
			    "the printed income total with carry-over and "
			    "balance used against the printed expenditure "
			    "total with what is carried forward, of "
			    "部门收支预算表",
			    st->expenditure_total.fen + forward, printed);
	}
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

static int run_checks(struct run *r)
{
	struct sums m;
	add_sums(r->s, &m);
	if (check_lines(r) < 0 || check_projects(r) < 0 ||
	    check_three_public(r) < 0 || check_stated(r, &m) < 0 ||
	    check_balance(r, &m) < 0)
		return -ENOMEM;
	return 0;
}

/* ---- blame: which cell of a row that does not add up is wrong ---- */

static const struct {
	const char *path; /* under expenditure[i] */
	const char *name;
} column_cells[BD_COL_COUNT] = {
    [BD_COL_WAGES] = {"basic.wages", "工资福利支出"},
    [BD_COL_FAMILY] = {"basic.family", "对个人和家庭的补助"},
    [BD_COL_GOODS] = {"basic.goods", "商品和服务支出"},
    [BD_COL_CAPITAL] = {"basic.capital", "资本性支出"},
    [BD_COL_BASIC_UNSPLIT] = {"basic.total", "基本支出"},
    [BD_COL_OPERATING] = {"project.operating", "其他运转类项目支出"},
    [BD_COL_TARGETED] = {"project.targeted", "特定目标类项目支出"},
    [BD_COL_PROJECT_UNSPLIT] = {"project.total", "项目支出"},
};

/* Whether the document printed that cell of the line. */
static bool column_printed(const struct bd_line *l, enum bd_column c)
{
	if (c == BD_COL_BASIC_UNSPLIT)
		return !l->basic_split;
	if (c == BD_COL_PROJECT_UNSPLIT)
		return !l->project_split;
	return bd_column_is_basic(c) ? l->basic_split : l->project_split;
}

/* The figures that disagree in `view`, noted in *out. */
static int count_failures(struct run *base, const struct bd_submission *view,
			  struct run *out)
{
	*out = (struct run){.a = base->a, .s = view, .counting = true};
	return run_checks(out) < 0 ? -ENOMEM : out->failures;
}

static bool failed_in(const struct run *r, const char *path)
{
	for (int i = 0; i < r->failures && i < FAILED_MAX; i++)
		if (strcmp(r->failed[i], path) == 0)
			return true;
	return false;
}

/* Reports the cell found wrong, naming the sums its correction settles. */
static int report_cell(struct run *r, size_t i, const struct bd_line *printed,
		       enum bd_column c, bd_fen expected,
		       const struct run *before, const struct run *after)
{
	char path[96], what[256], settled[400] = "", own[40];
	size_t used = 0;
	snprintf(own, sizeof own, "expenditure[%zu].", i);
	int n_settled = 0;
	for (int k = 0; k < before->failures && k < FAILED_MAX; k++) {
		if (failed_in(after, before->failed[k]) ||
		    strncmp(before->failed[k], own, strlen(own)) == 0)
			continue;
		n_settled++;
		if (used + 70 < sizeof settled) {
			int w = snprintf(settled + used, sizeof settled - used,
					 "%s%s", used ? ", " : "",
					 before->failed[k]);
			used += w > 0 ? (size_t)w : 0;
		}
	}
	snprintf(path, sizeof path, "expenditure[%zu].%s", i,
		 column_cells[c].path);
	snprintf(what, sizeof what, "the %s of %s%s%s", column_cells[c].name,
		 printed->function, printed->name ? " " : "",
		 printed->name ? printed->name : "");
	char hint[600];
	snprintf(hint, sizeof hint,
		 "with it the row adds up to its printed 合计 and %d sums "
		 "that disagree now agree (%s); nothing else is derived from "
		 "the printed figure",
		 n_settled, settled);
	return mismatch(r, "arith.line.cell", path, what, expected,
			printed->column[c], hint);
}

/*
 * A row whose parts do not add up to its 合计 is usually blamed on the
 * 合计.  But when one part is the wrong one, the column totals agree with
 * the 合计 and every one of them would be reported too.  So for each such
 * row try correcting each printed cell instead, and keep the correction
 * that leaves fewest figures in disagreement, if it is unique and leaves
 * fewer than blaming the 合计 (which settles only the row itself).
 * Corrections accumulate in `fixed`, a copy of the lines the remaining
 * checks then run on.
 */
static int blame_cells(struct run *r, struct bd_line *fixed,
		       struct bd_submission *view)
{
	int tried_rows = 0;
	for (size_t i = 0; i < view->n_lines; i++) {
		struct bd_line *l = &fixed[i];
		bd_fen sum = bd_line_total(l);
		if (!l->total.present || !differs(r, sum, l->total.fen))
			continue;
		/* Each row tried re-runs every check up to nine times; a
		 * document with more wrong rows than this is not one wrong
		 * cell, and its rows are blamed on their 合计 as before. */
		if (++tried_rows > BLAME_ROWS_MAX)
			break;
		bd_fen off = sum - l->total.fen;
		struct run before, tried, best_run;
		int base = count_failures(r, view, &before);
		if (base < 0)
			return -ENOMEM;
		int best = base - 1, ties = 0;
		enum bd_column best_col = BD_COL_COUNT;
		for (int c = 0; c < BD_COL_COUNT; c++) {
			if (!column_printed(l, (enum bd_column)c) ||
			    l->column[c] - off < 0)
				continue;
			l->column[c] -= off;
			int left = count_failures(r, view, &tried);
			l->column[c] += off;
			if (left < 0)
				return -ENOMEM;
			if (left < best) {
				best = left;
				best_col = (enum bd_column)c;
				best_run = tried;
				ties = 0;
			} else if (left == best && best_col != BD_COL_COUNT) {
				ties++;
			}
		}
		if (best_col == BD_COL_COUNT || ties > 0)
			continue; /* the 合计, or no one cell: as before */
		struct bd_line printed = r->s->lines[i];
		l->column[best_col] -= off;
		if (report_cell(r, i, &printed, best_col,
				printed.column[best_col] - off, &before,
				&best_run) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int arith_validate(void *state, const struct bd_submission *s,
			  struct bd_audit *audit)
{
	struct run r = {.a = state, .s = s, .audit = audit};
	bool any = false;
	for (size_t i = 0; r.a->blame_cells && i < s->n_lines && !any; i++)
		any = s->lines[i].total.present &&
		      differs(&r, bd_line_total(&s->lines[i]),
			      s->lines[i].total.fen);
	if (!any)
		return run_checks(&r);
	struct bd_line *fixed = malloc(s->n_lines * sizeof *fixed);
	if (fixed == NULL)
		return -ENOMEM;
	memcpy(fixed, s->lines, s->n_lines * sizeof *fixed);
	struct bd_submission view = *s;
	view.lines = fixed;
	int rc = blame_cells(&r, fixed, &view);
	if (rc == 0) {
		r.s = &view;
		rc = run_checks(&r);
	}
	free(fixed);
	return rc;
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .flags = BD_PLUGIN_CONCURRENT_VALIDATE,
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

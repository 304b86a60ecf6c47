/*
 * plausibility: figures that are legal and add up, yet contradict each
 * other or last year (审核公式, family 5).  Warnings by default: a finance
 * bureau asks about them, it does not refuse the budget for them.
 */
#include <budgetd/plugin.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct plausibility {
	const struct bd_host *host;
	struct bd_plugin_handle *self;
	long total_change_percent;
	long three_public_growth_percent;
	bd_fen min_total, max_total; /* in 分 */
};

static const struct bd_config_key plausibility_config[] = {
    {"total_change_percent", BD_CONFIG_INT, "30",
     "warn when the total moves more than this against previous_year.total",
     .min = 0, .max = 100000},
    {"min_total_yuan", BD_CONFIG_INT, "10000",
     "warn when a department's whole budget is below this many 元 (万元 "
     "figures sent as 元?)",
     .min = 0, .max = 9000000000000000LL},
    {"max_total_yuan", BD_CONFIG_INT, "10000000000",
     "warn when it is above this many 元 (元 figures sent as 万元?)", .min = 1,
     .max = 9000000000000000LL},
    {"three_public_growth_percent", BD_CONFIG_INT, "0",
     "warn when 三公经费 grow more than this against "
     "previous_year.three_public (policy: they only shrink)",
     .min = 0, .max = 100000},
    {0},
};

static int plausibility_reconfigure(void *state)
{
	struct plausibility *p = state;
	/* Types and ranges are the host's; only how keys relate is ours. */
	int64_t min = p->host->config_int(p->self, "min_total_yuan");
	int64_t max = p->host->config_int(p->self, "max_total_yuan");
	if (max <= min) {
		p->host->log(p->self, BD_LOG_ERROR,
			     "max_total_yuan (%lld) must be above "
			     "min_total_yuan (%lld)",
			     (long long)max, (long long)min);
		return -EINVAL;
	}
	p->total_change_percent =
	    (long)p->host->config_int(p->self, "total_change_percent");
	p->three_public_growth_percent =
	    (long)p->host->config_int(p->self, "three_public_growth_percent");
	p->min_total = (bd_fen)min * 100;
	p->max_total = (bd_fen)max * 100;
	return 0;
}

static int plausibility_init(const struct bd_host *host,
			     struct bd_plugin_handle *self, void **state)
{
	struct plausibility *p = calloc(1, sizeof *p);
	if (p == NULL)
		return -ENOMEM;
	p->host = host;
	p->self = self;
	int rc = plausibility_reconfigure(p);
	if (rc < 0) {
		free(p); /* a failed init gets no fini */
		return rc;
	}
	*state = p;
	return 0;
}

static void plausibility_fini(void *state)
{
	free(state);
}

struct run {
	struct plausibility *p;
	const struct bd_submission *s;
	struct bd_audit *audit;
};

BD_PRINTF(6, 7)
static int warn(struct run *r, const char *rule, const char *path,
		const struct bd_stated *expected,
		const struct bd_stated *actual, const char *fmt, ...)
{
	char message[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	struct bd_finding f = {.rule = rule,
			       .severity = BD_SEVERITY_WARNING,
			       .path = path,
			       .message = message};
	if (expected)
		f.expected = *expected;
	if (actual)
		f.actual = *actual;
	return r->p->host->finding(r->audit, &f);
}

static const char *fmt_amount(const struct run *r, bd_fen fen,
			      enum bd_unit unit, char *buf, size_t size)
{
	r->p->host->format_amount(fen, unit, buf, size);
	return buf;
}

/* ---- cost indicators (成本指标) ---- */

enum bound { BOUND_LE, BOUND_LT, BOUND_GE, BOUND_GT, BOUND_EQ };

/*
 * Reads "≤16. 82 万元", "≥408 000 元", ">10 万元" into a bound and an amount
 * in 分.  The digits may be broken by spaces (typesetting); the unit must be
 * there, or the indicator is not about money.  Returns false when the
 * text is not such an amount.
 */
static bool parse_cost(const char *text, enum bound *bound, bd_fen *fen,
		       bd_fen *step)
{
	const char *p = text;
	while (*p == ' ')
		p++;
	*bound = BOUND_EQ;
	if (strncmp(p, "≤", 3) == 0 || strncmp(p, "<=", 2) == 0) {
		*bound = BOUND_LE;
		p += *p == '<' ? 2 : 3;
	} else if (strncmp(p, "≥", 3) == 0 || strncmp(p, ">=", 2) == 0) {
		*bound = BOUND_GE;
		p += *p == '>' ? 2 : 3;
	} else if (*p == '<' || strncmp(p, "＜", 3) == 0) {
		*bound = BOUND_LT;
		p += *p == '<' ? 1 : 3;
	} else if (*p == '>' || strncmp(p, "＞", 3) == 0) {
		*bound = BOUND_GT;
		p += *p == '>' ? 1 : 3;
	} else if (*p == '=') {
		p++;
	}
	/* Digits with typeset spaces; at most 6 decimals. */
	uint64_t mantissa = 0;
	int decimals = -1, digits = 0;
	for (;; p++) {
		if (*p >= '0' && *p <= '9') {
			if (mantissa > UINT64_MAX / 100 || decimals >= 6)
				return false;
			mantissa = mantissa * 10 + (uint64_t)(*p - '0');
			digits++;
			if (decimals >= 0)
				decimals++;
		} else if (*p == '.' && decimals < 0) {
			decimals = 0;
		} else if (*p == ' ' || *p == ',') {
			continue;
		} else {
			break;
		}
	}
	if (digits == 0)
		return false;
	while (*p == ' ')
		p++;
	int scale;
	if (strncmp(p, "万元", 6) == 0)
		scale = 6;
	else if (strncmp(p, "元", 3) == 0)
		scale = 2;
	else
		return false;
	if (decimals < 0)
		decimals = 0;
	*step = 1;
	for (int k = decimals; k < scale; k++)
		*step *= 10;
	for (int k = decimals; k < scale; k++) {
		if (mantissa > (uint64_t)BD_FEN_LIMIT)
			return false;
		mantissa *= 10;
	}
	for (int k = scale; k < decimals; k++)
		mantissa /=
		    10; /* finer than a 分: not a budget figure anyway */
	if (mantissa > (uint64_t)BD_FEN_LIMIT)
		return false;
	*fen = (bd_fen)mantissa;
	return true;
}

/*
 * Whether the amount breaks the bound even at the precision both were
 * printed at (`slack`, the sum of their half steps): "≤16.82 万元" holds
 * for a project of 168,234 元, and 0.73 万元 equals 7,315 元.
 */
static bool contradicts(enum bound bound, bd_fen limit, bd_fen amount,
			bd_fen slack)
{
	bd_fen over = amount - limit;
	switch (bound) {
	case BOUND_LE:
		return over > slack;
	case BOUND_LT:
		return over >= slack;
	case BOUND_GE:
		return -over > slack;
	case BOUND_GT:
		return -over >= slack;
	default:
		return over > slack || -over > slack;
	}
}

static int check_cost_indicators(struct run *r)
{
	char path[96], a[40];
	for (size_t i = 0; i < r->s->n_projects; i++) {
		const struct bd_project *pr = &r->s->projects[i];
		bd_fen amount = pr->total.fen;
		if (!pr->total.present) {
			amount = 0;
			for (int k = 0; k < BD_SOURCE_COUNT; k++)
				amount += pr->sources[k];
		}
		for (size_t k = 0; k < pr->n_indicators; k++) {
			const struct bd_indicator *ind = &pr->indicators[k];
			enum bound bound;
			bd_fen limit, step;
			if (ind->category != BD_INDICATOR_COST ||
			    ind->value == NULL ||
			    !parse_cost(ind->value, &bound, &limit, &step) ||
			    !contradicts(bound, limit, amount,
					 bd_half_step(step) +
					     bd_half_step(r->s->amount_step)))
				continue;
			snprintf(path, sizeof path,
				 "projects[%zu].indicators[%zu].value", i, k);
			struct bd_stated exp = {limit, true},
					 act = {amount, true};
			if (warn(r, "plausibility.cost_indicator", path, &exp,
				 &act,
				 "project %s (%s) costs %s %s, but its cost "
				 "indicator "
				 "says \"%s\"",
				 pr->code ? pr->code : "",
				 pr->name ? pr->name : "",
				 fmt_amount(r, amount, r->s->unit, a, sizeof a),
				 r->s->unit == BD_UNIT_WANYUAN ? "万元" : "元",
				 ind->value) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* ---- year on year ---- */

/* |after − before| × 100 > percent × before, without overflow. */
static bool moved_more_than(bd_fen before, bd_fen after, long percent,
			    bool up_only)
{
	__int128 diff = (__int128)after - before;
	if (up_only && diff <= 0)
		return false;
	if (diff < 0)
		diff = -diff;
	return diff * 100 > (__int128)percent * before;
}

static int check_year_on_year(struct run *r)
{
	char a[40], b[40];
	const char *unit = r->s->unit == BD_UNIT_WANYUAN ? "万元" : "元";
	/* The department's own printed total, where there is one: a sum of
	 * the lines would carry a wrong cell into this comparison too. */
	bd_fen total = 0;
	for (size_t i = 0; i < r->s->n_lines; i++)
		total += bd_line_total(&r->s->lines[i]);
	if (r->s->stated.expenditure_total.present)
		total = r->s->stated.expenditure_total.fen;
	const struct bd_stated *prev = &r->s->previous_year_total;
	if (prev->present && prev->fen > 0 &&
	    moved_more_than(prev->fen, total, r->p->total_change_percent,
			    false)) {
		struct bd_stated act = {total, true};
		long long pct =
		    (long long)(((__int128)(total - prev->fen) * 1000) /
				prev->fen);
		if (warn(r, "plausibility.total_change", "previous_year.total",
			 prev, &act,
			 "the total moves from %s to %s %s (%+lld.%lld%%) "
			 "against last "
			 "year; more than %ld%% wants an explanation",
			 fmt_amount(r, prev->fen, r->s->unit, a, sizeof a),
			 fmt_amount(r, total, r->s->unit, b, sizeof b), unit,
			 pct / 10, (pct < 0 ? -pct : pct) % 10,
			 r->p->total_change_percent) < 0)
			return -ENOMEM;
	}
	const struct bd_three_public *t = &r->s->three_public;
	const struct bd_stated *prev3 = &r->s->previous_year_three_public;
	if (t->present && prev3->present) {
		bd_fen now = t->total.present
				 ? t->total.fen
				 : t->overseas.fen + t->vehicle_purchase.fen +
				       t->vehicle_operation.fen +
				       t->reception.fen;
		if (moved_more_than(prev3->fen, now,
				    r->p->three_public_growth_percent, true)) {
			struct bd_stated act = {now, true};
			if (warn(r, "plausibility.three_public_growth",
				 "three_public.total", prev3, &act,
				 "三公经费 grow from %s to %s %s; they are "
				 "meant not to "
				 "grow by more than %ld%%",
				 fmt_amount(r, prev3->fen, r->s->unit, a,
					    sizeof a),
				 fmt_amount(r, now, r->s->unit, b, sizeof b),
				 unit, r->p->three_public_growth_percent) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* ---- the economic table against the basic columns ---- */

static int check_economic(struct run *r)
{
	static const struct {
		const char *class_code;
		enum bd_column column;
		const char *what;
	} map[] = {
	    {"301", BD_COL_WAGES, "工资福利支出 (wages)"},
	    {"302", BD_COL_GOODS, "商品和服务支出 (goods)"},
	    {"303", BD_COL_FAMILY, "对个人和家庭的补助 (family)"},
	    {"310", BD_COL_CAPITAL, "资本性支出 (capital)"},
	};
	char path[64], a[40], b[40];
	const char *unit = r->s->unit == BD_UNIT_WANYUAN ? "万元" : "元";
	if (r->s->n_economic == 0)
		return 0;
	bool split = true;
	bd_fen basic = 0, column[BD_COL_COUNT] = {0};
	for (size_t i = 0; i < r->s->n_lines; i++) {
		const struct bd_line *l = &r->s->lines[i];
		if (!bd_source_is_fiscal(l->source))
			continue; /* the economic table is of fiscal funds */
		split &= l->column[BD_COL_BASIC_UNSPLIT] == 0;
		basic += bd_line_basic(l);
		for (int c = 0; c < BD_COL_COUNT; c++)
			column[c] += l->column[c];
	}
	/* By class: 款 rows where a class has them, else the class row. */
	bd_fen by_class[4] = {0}, all = 0;
	for (size_t k = 0; k < 4; k++) {
		bool sections = false;
		for (size_t i = 0; i < r->s->n_economic; i++)
			sections |= strlen(r->s->economic[i].code) == 5 &&
				    strncmp(r->s->economic[i].code,
					    map[k].class_code, 3) == 0;
		for (size_t i = 0; i < r->s->n_economic; i++) {
			const struct bd_economic_line *e = &r->s->economic[i];
			if (strncmp(e->code, map[k].class_code, 3) == 0 &&
			    (strlen(e->code) == 5) == sections)
				by_class[k] += e->amount;
		}
		all += by_class[k];
	}
	if (split) {
		for (size_t k = 0; k < 4; k++) {
			if (by_class[k] == column[map[k].column])
				continue;
			snprintf(path, sizeof path, "economic");
			struct bd_stated exp = {column[map[k].column], true},
					 act = {by_class[k], true};
			if (warn(
				r, "plausibility.economic_columns", path, &exp,
				&act,
				"the economic table gives %s %s for 类 %s, the "
				"expenditure lines %s %s for %s",
				fmt_amount(r, by_class[k], r->s->unit, a,
					   sizeof a),
				unit, map[k].class_code,
				fmt_amount(r, column[map[k].column], r->s->unit,
					   b, sizeof b),
				unit, map[k].what) < 0)
				return -ENOMEM;
		}
	} else if (all != basic) {
		struct bd_stated exp = {basic, true}, act = {all, true};
		if (warn(r, "plausibility.economic_columns", "economic", &exp,
			 &act,
			 "the economic table adds up to %s %s, the basic "
			 "expenditure of "
			 "the lines to %s %s",
			 fmt_amount(r, all, r->s->unit, a, sizeof a), unit,
			 fmt_amount(r, basic, r->s->unit, b, sizeof b),
			 unit) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- signs of a shifted row ---- */

/* 项 that are personnel costs by nature (工资福利支出). */
static bool is_personnel_item(const char *function)
{
	static const char *const items[] = {
	    "2080505", /* 机关事业单位基本养老保险缴费支出 */
	    "2080506", /* 机关事业单位职业年金缴费支出 */
	    "2101101", "2101102", "2101103", /* 行政事业单位医疗 */
	    "2210201",			     /* 住房公积金 */
	};
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		if (strcmp(function, items[i]) == 0)
			return true;
	return false;
}

static int check_shifted_rows(struct run *r)
{
	char path[64], a[40];
	bd_fen personnel = 0;
	bool split = false, has_personnel_items = false;
	for (size_t i = 0; i < r->s->n_lines; i++) {
		const struct bd_line *l = &r->s->lines[i];
		personnel += l->column[BD_COL_WAGES] + l->column[BD_COL_FAMILY];
		split |= l->basic_split;
		if (!is_personnel_item(l->function))
			continue;
		has_personnel_items = true;
		bd_fen elsewhere = l->column[BD_COL_GOODS] +
				   l->column[BD_COL_CAPITAL] +
				   bd_line_project(l);
		if (!l->basic_split && !l->project_split &&
		    bd_line_project(l) == 0)
			continue; /* only a subtotal: nothing to say */
		if (elsewhere == 0)
			continue;
		snprintf(path, sizeof path, "expenditure[%zu]", i);
		struct bd_stated act = {elsewhere, true};
		if (warn(
			r, "plausibility.shifted_row", path, NULL, &act,
			"%s %s is a personnel cost (工资福利支出), but %s %s "
			"of it "
			"is printed under 商品和服务/资本性/项目支出: a row or "
			"column shifted?",
			l->function, l->name ? l->name : "",
			fmt_amount(r, elsewhere, r->s->unit, a, sizeof a),
			r->s->unit == BD_UNIT_WANYUAN ? "万元" : "元") < 0)
			return -ENOMEM;
	}
	if (split && has_personnel_items && personnel == 0)
		return warn(
		    r, "plausibility.no_personnel", "expenditure", NULL, NULL,
		    "the department pays 住房公积金, 养老保险 or 医疗 but has "
		    "no 人员经费 at all: are the basic columns shifted?");
	return 0;
}

/* A whole budget far outside what a department spends: the unit is wrong. */
static int check_magnitude(struct run *r)
{
	char a[40], b[40];
	bd_fen total = 0;
	for (size_t i = 0; i < r->s->n_lines; i++)
		total += bd_line_total(&r->s->lines[i]);
	if (total == 0 ||
	    (total >= r->p->min_total && total <= r->p->max_total))
		return 0;
	bool small = total < r->p->min_total;
	struct bd_stated act = {total, true};
	return warn(
	    r, "plausibility.magnitude", "unit", NULL, &act,
	    "the whole budget is %s 元, %s than a department plausibly "
	    "spends (%s 元): is \"unit\" (%s) the unit the figures are in?",
	    fmt_amount(r, total, BD_UNIT_YUAN, a, sizeof a),
	    small ? "less" : "more",
	    fmt_amount(r, small ? r->p->min_total : r->p->max_total,
		       BD_UNIT_YUAN, b, sizeof b),
	    r->s->unit == BD_UNIT_WANYUAN ? "万元" : "元");
}

static int plausibility_validate(void *state, const struct bd_submission *s,
				 struct bd_audit *audit)
{
	struct run r = {state, s, audit};
	if (check_magnitude(&r) < 0 || check_cost_indicators(&r) < 0 ||
	    check_year_on_year(&r) < 0 || check_economic(&r) < 0 ||
	    check_shifted_rows(&r) < 0)
		return -ENOMEM;
	return 0;
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .flags = BD_PLUGIN_CONCURRENT_VALIDATE,
    .name = "plausibility",
    .version = "1.0",
    .description = "cost indicators against amounts, year on year, the "
		   "economic table against the columns, shifted rows",
    .config = plausibility_config,
    .init = plausibility_init,
    .fini = plausibility_fini,
    .reconfigure = plausibility_reconfigure,
    .validate = plausibility_validate,
};

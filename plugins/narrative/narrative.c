/*
 * narrative: the explanatory text (情况说明) against the tables.
 *
 * Each statement of the text comes typed by the importer (or the sender):
 * the figures it states and what they are figures of, and the years it
 * names.  Every figure is compared with the tables at the precision both
 * were printed at (0.73 万元 stands for 7,250–7,350 元), a share and a
 * change with what follows from the tables at the decimals printed, and a
 * year with the budget's.  The printed table figure is the one compared
 * where the document prints it: a wrong cell is arith's finding, not the
 * text's.
 */
#include <budgetd/plugin.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct narrative {
	const struct bd_host *host;
	struct bd_plugin_handle *self;
};

struct run {
	struct narrative *n;
	const struct bd_submission *s;
	struct bd_audit *audit;
};

/* A figure of the tables: its amount, its precision and where it is. */
struct table_figure {
	bd_fen fen;
	bd_fen step;
	const char *where; /* "stated.basic_total", "the lines" … */
	const char *name;  /* 基本支出 */
	bool whole; /* the document's own total: a mismatch is an error */
	bd_fen alternative; /* another reading as good (a 项's lines of all
			       sources where its fiscal ones differ) */
};

#define FISCAL                                                                 \
	((1u << BD_SOURCE_GENERAL_BUDGET) | (1u << BD_SOURCE_FUND_BUDGET) |    \
	 (1u << BD_SOURCE_STATE_CAPITAL))

static int narrative_init(const struct bd_host *host,
			  struct bd_plugin_handle *self, void **state)
{
	struct narrative *n = calloc(1, sizeof *n);
	if (n == NULL)
		return -ENOMEM;
	n->host = host;
	n->self = self;
	*state = n;
	return 0;
}

static void narrative_fini(void *state)
{
	free(state);
}

enum part { ALL, BASIC, PROJECT, PERSONNEL, PUBLIC_ };

#define ALL_SOURCES (~0u)

/* What the lines whose function code starts with `code` (NULL: every
 * line) and whose source is in the mask add up to, of one part. */
static bd_fen lines_sum(const struct bd_submission *s, enum part part,
			const char *code, unsigned sources)
{
	bd_fen sum = 0;
	size_t len = code ? strlen(code) : 0;
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct bd_line *l = &s->lines[i];
		const bd_fen *c = l->column;
		if ((code && strncmp(l->function, code, len) != 0) ||
		    !(sources & (1u << l->source)))
			continue;
		switch (part) {
		case BASIC:
			sum += bd_line_basic(l);
			break;
		case PROJECT:
			sum += bd_line_project(l);
			break;
		case PERSONNEL:
			sum += c[BD_COL_WAGES] + c[BD_COL_FAMILY];
			break;
		case PUBLIC_:
			sum += c[BD_COL_GOODS] + c[BD_COL_CAPITAL];
			break;
		default:
			sum += bd_line_total(l);
		}
	}
	return sum;
}

static bd_fen income_sum(const struct bd_submission *s, bool carryover)
{
	bd_fen sum = 0;
	for (int k = 0; k < BD_SOURCE_COUNT; k++)
		if (carryover || k != BD_SOURCE_CARRYOVER)
			sum += s->income[k].fen;
	return sum;
}

/* The printed figure where there is one, else what the detail adds up to. */
static void printed_or(struct table_figure *t, struct bd_stated printed,
		       const char *where, bd_fen detail)
{
	t->fen = printed.present ? printed.fen : detail;
	t->where = printed.present ? where : "the sum of the table's rows";
}

/* What the tables say of `quantity`; false for one they do not hold. */
static bool table_figure(const struct bd_submission *s, const char *quantity,
			 struct table_figure *t)
{
	const struct bd_stated_totals *st = &s->stated;
	memset(t, 0, sizeof *t);
	t->step = s->amount_step;
	bd_fen carry = s->income[BD_SOURCE_CARRYOVER].fen;
	if (strcmp(quantity, "income_grand") == 0) {
		printed_or(t, st->income_total, "stated.income_total",
			   income_sum(s, false));
		t->fen += carry + s->balance_used.fen;
		t->name = "收入总计";
		t->whole = true;
	} else if (strcmp(quantity, "income_year") == 0) {
		printed_or(t, st->income_total, "stated.income_total",
			   income_sum(s, false));
		t->name = "本年收入合计";
		t->whole = true;
	} else if (strcmp(quantity, "expenditure_grand") == 0) {
		printed_or(t, st->expenditure_total, "stated.expenditure_total",
			   lines_sum(s, ALL, NULL, ALL_SOURCES));
		t->fen += s->carry_forward.fen;
		t->name = "支出总计";
		t->whole = true;
	} else if (strcmp(quantity, "expenditure_year") == 0) {
		printed_or(t, st->expenditure_total, "stated.expenditure_total",
			   lines_sum(s, ALL, NULL, ALL_SOURCES));
		t->name = "本年支出合计";
		t->whole = true;
	} else if (strcmp(quantity, "basic_total") == 0) {
		printed_or(t, st->basic_total, "stated.basic_total",
			   lines_sum(s, BASIC, NULL, ALL_SOURCES));
		t->name = "基本支出";
	} else if (strcmp(quantity, "project_total") == 0) {
		printed_or(t, st->project_total, "stated.project_total",
			   lines_sum(s, PROJECT, NULL, ALL_SOURCES));
		t->name = "项目支出";
	} else if (strcmp(quantity, "personnel_total") == 0) {
		printed_or(t, st->personnel_total, "stated.personnel_total",
			   lines_sum(s, PERSONNEL, NULL, ALL_SOURCES));
		t->name = "人员经费";
	} else if (strcmp(quantity, "public_total") == 0) {
		printed_or(t, st->public_total, "stated.public_total",
			   lines_sum(s, PUBLIC_, NULL, ALL_SOURCES));
		t->name = "公用经费";
	} else if (strcmp(quantity, "general_expenditure") == 0) {
		t->fen =
		    lines_sum(s, ALL, NULL, 1u << BD_SOURCE_GENERAL_BUDGET);
		t->where = "the 一般公共预算 lines";
		t->name = "一般公共预算支出";
	} else if (strcmp(quantity, "fund_expenditure") == 0) {
		t->fen = lines_sum(s, ALL, NULL, 1u << BD_SOURCE_FUND_BUDGET);
		t->where = "the 政府性基金 lines";
		t->name = "政府性基金支出";
	} else if (strcmp(quantity, "capital_expenditure") == 0) {
		t->fen = lines_sum(s, ALL, NULL, 1u << BD_SOURCE_STATE_CAPITAL);
		t->where = "the 国有资本经营预算 lines";
		t->name = "国有资本经营预算支出";
	} else if (strcmp(quantity, "appropriation_expenditure") == 0) {
		printed_or(t, st->appropriation.expenditure_total,
			   "stated.appropriation.expenditure_total",
			   lines_sum(s, ALL, NULL, FISCAL));
		t->name = "财政拨款支出";
	} else if (strcmp(quantity, "appropriation_income") == 0) {
		bd_fen fiscal = 0;
		for (int k = 0; k < BD_SOURCE_COUNT; k++)
			if (bd_source_is_fiscal((enum bd_source)k))
				fiscal += s->income[k].fen;
		/* The year's: the 财政拨款 summary adds the carry-over. */
		t->fen = fiscal;
		t->where = "the income table";
		t->name = "财政拨款收入";
	} else if (strncmp(quantity, "function.", 9) == 0 &&
		   strlen(quantity) == 16) {
		t->fen = lines_sum(s, ALL, quantity + 9, FISCAL);
		t->alternative = lines_sum(s, ALL, quantity + 9, ALL_SOURCES);
		t->where = "its expenditure lines";
		t->name = quantity + 9;
	} else if (strncmp(quantity, "income.", 7) == 0) {
		int k = 0;
		while (k < BD_SOURCE_COUNT &&
		       strcmp(bd_source_key((enum bd_source)k), quantity + 7))
			k++;
		if (k == BD_SOURCE_COUNT)
			return false;
		t->fen = s->income[k].fen;
		t->where = "the income table";
		t->name = quantity;
	} else if (strncmp(quantity, "class.", 6) == 0 &&
		   strlen(quantity) == 9) {
		const char *code = quantity + 6;
		struct bd_stated printed = {0};
		for (size_t i = 0; i < st->n_expenditure_by_class; i++)
			if (strncmp(st->expenditure_by_class[i].class_code,
				    code, 3) == 0)
				printed = (struct bd_stated){
				    st->expenditure_by_class[i].fen, true};
		printed_or(t, printed, "stated.expenditure_by_class",
			   lines_sum(s, ALL, code, ALL_SOURCES));
		t->name = quantity;
	} else if (strncmp(quantity, "three_public.", 13) == 0) {
		const struct bd_three_public *tp = &s->three_public;
		const char *part = quantity + 13;
		if (!tp->present)
			return false;
		t->step = s->three_public_step;
		t->where = "the 三公 table";
		t->name = quantity;
		bd_fen vehicles =
		    tp->vehicle_purchase.fen + tp->vehicle_operation.fen;
		if (strcmp(part, "total") == 0)
			t->fen = tp->total.present
				     ? tp->total.fen
				     : tp->overseas.fen + tp->reception.fen +
					   vehicles;
		else if (strcmp(part, "overseas") == 0)
			t->fen = tp->overseas.fen;
		else if (strcmp(part, "reception") == 0)
			t->fen = tp->reception.fen;
		else if (strcmp(part, "vehicles") == 0)
			t->fen = vehicles;
		else if (strcmp(part, "vehicle_purchase") == 0)
			t->fen = tp->vehicle_purchase.fen;
		else if (strcmp(part, "vehicle_operation") == 0)
			t->fen = tp->vehicle_operation.fen;
		else
			return false;
	} else {
		return false;
	}
	return true;
}

BD_PRINTF(6, 7)
static int report(struct run *r, const char *rule, enum bd_severity severity,
		  size_t i, const struct bd_statement *st, const char *fmt, ...)
{
	char body[512], message[1400], path[48], where[64] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	if (st->page > 0)
		snprintf(where, sizeof where, " (page %d, line %d)", st->page,
			 st->line);
	else if (st->line > 0)
		snprintf(where, sizeof where, " (line %d)", st->line);
	/* A long sentence is quoted up to a whole character: a cut inside
	 * one would put broken UTF-8 in the middle of the reply. */
	const char *text = st->text ? st->text : "";
	int quoted = (int)strlen(text), most = 700;
	const char *more = "";
	if (quoted > most) {
		quoted = most;
		while (quoted > 0 &&
		       ((unsigned char)text[quoted] & 0xc0) == 0x80)
			quoted--;
		more = "…";
	}
	snprintf(message, sizeof message, "the text says \"%.*s%s\"%s: %s",
		 quoted, text, more, where, body);
	snprintf(path, sizeof path, "narrative[%zu]", i);
	struct bd_finding f = {.rule = rule,
			       .severity = severity,
			       .path = path,
			       .message = message};
	return r->n->host->finding(r->audit, &f);
}

static const char *unit_name(const struct run *r)
{
	return r->s->unit == BD_UNIT_WANYUAN ? "万元" : "元";
}

static void fmt(const struct run *r, bd_fen fen, char *buf, size_t size)
{
	r->n->host->format_amount(fen, r->s->unit, buf, size);
}

/*
 * Whether the text's figure can be the table's amount (itself printed at
 * table_step) written at the text's precision: rounded (0.73 万元 for
 * 7,250–7,349.99 元) or cut off after its last digit, as many texts do
 * (87.70 万元 for 877,080 元).
 */
static bool stands_for(const struct bd_figure *f, bd_fen amount,
		       bd_fen table_step)
{
	bd_fen off = f->fen - amount, ht = bd_half_step(table_step);
	bd_fen cut = f->step > 1 ? f->step - 1 : 0;
	return off <= bd_half_step(f->step) + ht && -off <= cut + ht;
}

static int check_amount(struct run *r, size_t i, const struct bd_statement *st,
			const struct bd_figure *f)
{
	struct table_figure t;
	if (!f->has_amount || !table_figure(r->s, f->quantity, &t))
		return 0;
	if (stands_for(f, t.fen, t.step) ||
	    (t.alternative && stands_for(f, t.alternative, t.step)))
		return 0;
	char a[40], b[40];
	fmt(r, f->fen, a, sizeof a);
	fmt(r, t.fen, b, sizeof b);
	return report(r, "narrative.amount",
		      t.whole ? BD_SEVERITY_ERROR : BD_SEVERITY_WARNING, i, st,
		      "%s %s %s, but %s says %s %s", t.name, a, unit_name(r),
		      t.where, b, unit_name(r));
}

/*
 * Whether `percent` (mantissa × 10^-d) is part / whole × 100 at d
 * decimals, allowing half its last digit and what the two amounts' own
 * printed precision moves it by.
 */
static bool share_agrees(const struct bd_figure *f, bd_fen part,
			 bd_fen part_half, bd_fen whole, bd_fen whole_half)
{
	__int128 scale = 100;
	for (int k = 0; k < f->percent_decimals; k++)
		scale *= 10;
	__int128 m = f->percent < 0 ? -f->percent : f->percent;
	__int128 p = part < 0 ? -part : part;
	__int128 diff = p * scale - m * whole;
	if (diff < 0)
		diff = -diff;
	/* |p/w·100·10^d − m| ≤ ½, with p and w each up to their half step
	 * from what they stand for. */
	return 2 * diff <=
	       (__int128)whole + 2 * (scale * part_half + m * whole_half);
}

/* A percentage as printed: mantissa × 10^-decimals, in integers. */
static void fmt_percent(int64_t m, int decimals, char *buf, size_t size)
{
	int64_t scale = 1;
	for (int k = 0; k < decimals; k++)
		scale *= 10;
	int64_t a = m < 0 ? -m : m;
	if (decimals == 0)
		snprintf(buf, size, "%s%lld", m < 0 ? "-" : "", (long long)a);
	else
		snprintf(buf, size, "%s%lld.%0*lld", m < 0 ? "-" : "",
			 (long long)(a / scale), decimals,
			 (long long)(a % scale));
}

static int check_share(struct run *r, size_t i, const struct bd_statement *st,
		       const struct bd_figure *f)
{
	struct table_figure part, whole;
	if (!f->has_percent || !table_figure(r->s, f->quantity, &part) ||
	    !table_figure(r->s, f->of, &whole) || whole.fen <= 0)
		return 0;
	if (share_agrees(f, part.fen, bd_half_step(part.step), whole.fen,
			 bd_half_step(whole.step)))
		return 0;
	char a[40], b[40], printed[32], actual[32];
	fmt(r, part.fen, a, sizeof a);
	fmt(r, whole.fen, b, sizeof b);
	fmt_percent(f->percent, f->percent_decimals, printed, sizeof printed);
	fmt_percent((int64_t)(((__int128)part.fen * 10000) / whole.fen), 2,
		    actual, sizeof actual);
	return report(r, "narrative.share", BD_SEVERITY_WARNING, i, st,
		      "a share of %s%% for %s, but the tables give %s of %s "
		      "%s, %s%%",
		      printed, part.name, a, b, unit_name(r), actual);
}

static int check_change(struct run *r, size_t i, const struct bd_statement *st,
			const struct bd_figure *f)
{
	struct table_figure now;
	const struct bd_stated *prev = &r->s->previous_year_total;
	if (!table_figure(r->s, f->quantity, &now))
		return 0;
	/* Whatever last year was, it was not negative: "0 万元, an increase
	 * of 1421.25 万元" cannot be. */
	if (f->has_amount && now.fen - f->fen < -(bd_half_step(f->step) +
						  bd_half_step(now.step))) {
		char a[40], b[40], c[40];
		fmt(r, f->fen, a, sizeof a);
		fmt(r, now.fen, b, sizeof b);
		fmt(r, now.fen - f->fen, c, sizeof c);
		return report(r, "narrative.change", BD_SEVERITY_WARNING, i, st,
			      "%s is %s %s, so a change of %s %s would make "
			      "last year's %s %s",
			      now.name, b, unit_name(r), a, unit_name(r), c,
			      unit_name(r));
	}
	if (!prev->present || prev->fen <= 0 || !now.whole)
		return 0;
	bd_fen change = now.fen - prev->fen;
	char a[40], b[40], c[40];
	if (f->has_amount) {
		bd_fen off = f->fen - change;
		if ((off < 0 ? -off : off) >
		    bd_half_step(f->step) + 2 * bd_half_step(now.step)) {
			fmt(r, f->fen, a, sizeof a);
			fmt(r, change, b, sizeof b);
			fmt(r, prev->fen, c, sizeof c);
			return report(
			    r, "narrative.change", BD_SEVERITY_WARNING, i, st,
			    "a change of %s %s, but from last year's %s to "
			    "this year's %s is %s",
			    a, unit_name(r), c, now.name, b);
		}
	}
	if (f->has_percent &&
	    !share_agrees(f, change, bd_half_step(now.step), prev->fen,
			  bd_half_step(r->s->amount_step))) {
		char printed[32], actual[32];
		fmt(r, change, b, sizeof b);
		fmt(r, prev->fen, c, sizeof c);
		fmt_percent(f->percent, f->percent_decimals, printed,
			    sizeof printed);
		fmt_percent((int64_t)(((__int128)change * 10000) / prev->fen),
			    2, actual, sizeof actual);
		return report(
		    r, "narrative.change_percent", BD_SEVERITY_WARNING, i, st,
		    "a change of %s%%, but %s %s against last year's "
		    "%s %s is %s%%",
		    printed, b, unit_name(r), c, unit_name(r), actual);
	}
	return 0;
}

/* A year that is neither the budget's nor the one it compares with: the
 * sample's fund-budget note says 2022 in a 2023 budget. */
static int check_years(struct run *r, size_t i, const struct bd_statement *st)
{
	for (size_t k = 0; k < st->n_years; k++) {
		const struct bd_year_mention *y = &st->years[k];
		if (y->role == BD_YEAR_STATED && y->year != r->s->year) {
			if (report(r, "narrative.year", BD_SEVERITY_WARNING, i,
				   st,
				   "it names %d where the budget is %d's and "
				   "nothing is compared",
				   y->year, r->s->year) < 0)
				return -ENOMEM;
		} else if (y->role == BD_YEAR_COMPARED &&
			   y->year == r->s->year) {
			if (report(r, "narrative.year_compared",
				   BD_SEVERITY_WARNING, i, st,
				   "it compares %d's budget with %d itself; "
				   "the comparison is with %d",
				   r->s->year, y->year, r->s->year - 1) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* 三公 parts a statement gives must add up to the total it gives. */
static int check_three_public_parts(struct run *r, size_t i,
				    const struct bd_statement *st)
{
	bd_fen total = 0, parts = 0, step = 0;
	bool have_total = false, have_vehicles = false;
	int n_parts = 0;
	for (size_t k = 0; k < st->n_figures; k++) {
		const struct bd_figure *f = &st->figures[k];
		if (f->kind != BD_FIGURE_AMOUNT || !f->has_amount ||
		    strncmp(f->quantity, "three_public.", 13) != 0)
			continue;
		const char *part = f->quantity + 13;
		if (strcmp(part, "total") == 0) {
			total = f->fen;
			have_total = true;
			step += bd_half_step(f->step);
		} else if (strcmp(part, "overseas") == 0 ||
			   strcmp(part, "reception") == 0 ||
			   strcmp(part, "vehicles") == 0) {
			parts += f->fen;
			step += bd_half_step(f->step);
			n_parts++;
			have_vehicles |= part[0] == 'v';
		}
	}
	if (!have_total || n_parts < 3 || !have_vehicles)
		return 0;
	bd_fen off = parts - total;
	if ((off < 0 ? -off : off) <= step) /* the sum of the half steps */
		return 0;
	char a[40], b[40];
	fmt(r, parts, a, sizeof a);
	fmt(r, total, b, sizeof b);
	return report(r, "narrative.three_public_parts", BD_SEVERITY_WARNING, i,
		      st, "its 三公 parts add up to %s %s, its total is %s", a,
		      unit_name(r), b);
}

static int narrative_validate(void *state, const struct bd_submission *s,
			      struct bd_audit *audit)
{
	struct run r = {state, s, audit};
	for (size_t i = 0; i < s->n_narrative; i++) {
		const struct bd_statement *st = &s->narrative[i];
		for (size_t k = 0; k < st->n_figures; k++) {
			const struct bd_figure *f = &st->figures[k];
			int rc = f->kind == BD_FIGURE_CHANGE
				     ? check_change(&r, i, st, f)
				     : check_amount(&r, i, st, f);
			if (rc == 0 && f->kind == BD_FIGURE_SHARE)
				rc = check_share(&r, i, st, f);
			if (rc < 0)
				return -ENOMEM;
		}
		if (check_years(&r, i, st) < 0 ||
		    check_three_public_parts(&r, i, st) < 0)
			return -ENOMEM;
	}
	return 0;
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .flags = BD_PLUGIN_CONCURRENT_VALIDATE,
    .name = "narrative",
    .version = "1.0",
    .description = "the explanatory text's figures, shares, changes and "
		   "years against the tables",
    .init = narrative_init,
    .fini = narrative_fini,
    .validate = narrative_validate,
};

/*
 * budgetd plugin API: the one public header.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * `budgetd_plugin`, a `struct bd_plugin` built with designated initialisers.
 * The daemon hands the plugin a `struct bd_host` function table; a plugin
 * never links against daemon internals.  Everything a plugin sees of a
 * budget is the read-only typed model below, with money as exact integers
 * of 分 (`bd_fen`).
 *
 * Versioning: the host refuses a plugin whose `abi_major` differs from its
 * own, whose `abi_minor` is newer than its own, or whose `struct_size` is
 * smaller than the size of the descriptor at the minor it claims (the
 * host keeps a table of those sizes).  Within a major, fields are only
 * ever appended or take a reserved slot, so a plugin built against an
 * older minor keeps working; a plugin tests for a host function newer
 * than its minor with BD_HOST_HAS().
 *
 * What needs a major bump: changing or removing anything declared here;
 * a field that changes the size of a struct passed as an array (bd_line,
 * bd_project, bd_config_key, bd_query_op, bd_total_change …) where no
 * reserved space can take it; a new enum value that sizes an array
 * (a new source, BD_SOURCE_COUNT, or a new column, BD_COL_COUNT, moves
 * every field after `income[]` and `column[]`); a new argument to a
 * callback.  What a minor bump may do: use a reserved slot, append to
 * bd_host or bd_plugin, add an enum value that sizes nothing, add a flag.
 *
 * ABI 2.0 (from 1.0): query callbacks receive the principal's scope and
 * each query op declares whether it honours it (BD_QUERY_SCOPED); config
 * keys are typed and range-checked by the host (config_int/config_bool);
 * bd_line, bd_finding, bd_total_change and bd_config_key have room to grow.
 * The config table's element grew, so 1.x plugins cannot be read safely:
 * hence a major.
 *
 * ABI 2.1 (from 2.0): the host function subscribers(), in a reserved slot
 * of bd_host; nothing else changed, so 2.0 plugins load unchanged.
 *
 * ABI 2.2 (from 2.1): bd_submission ends with the printed precision of its
 * tables (amount_step, three_public_step), so that figures printed in
 * different units compare at that precision, with the balance rows
 * (balance_used, carry_forward) and the explanatory text's statements
 * (narrative: bd_statement, bd_figure); 2.1 plugins load unchanged and never
 * read past previous_year_three_public.
 *
 * ABI 2.3 (from 2.2): the budget year's workflow.  Two host functions in
 * reserved slots: control_numbers() (the bureau's 控制数 for a department
 * and year) and audit_stage() (the workflow stage a submission is sent
 * for).  And stage views: a plugin of minor 3 or later that has both
 * apply and query is initialised once more for each stage view
 * ("submitted", "approved", "original"), each init with its own state, and
 * each view's state is applied the revisions that count in that view;
 * its queries are answered from the view the request names ("stage").
 * A plugin that keeps all its state behind its init's pointer needs no
 * change; one with file-level state must not claim minor 3.  2.2 plugins
 * load unchanged and answer for the latest revisions only.
 *
 * ABI 2.4 (from 2.3): the audit runs on a pool of worker threads.  A
 * plugin that sets BD_PLUGIN_CONCURRENT_VALIDATE in `flags` (a reserved
 * slot before) has its validate called there; 2.3 plugins, and any that
 * leave the flag clear, keep every callback on the loop thread.
 *
 * ABI 2.5 (from 2.4): a plugin that sets BD_PLUGIN_PUBLISH_OFF_LOOP has
 * its publish called on the host's sender thread, not the loop (building
 * a message for every stored submission was a fifth of the loop's time).
 *
 * ABI 2.6 (from 2.5): apply's `apply` is NULL where nobody reads the
 * totals a revision moves: the rebuild at start and the stage views.
 * report_change() ignores a NULL apply, and a plugin may skip building
 * its reports (at 10,000 departments × 200 lines the totals plugin's
 * sorting and naming of what moved was a tenth of the cold start).
 * Plugins of minor 5 or older are still handed a collector there, which
 * discards what they report.
 *
 * Threading:
 *  - init, fini, reconfigure, apply, publish and query run on the daemon's
 *    single loop thread, one at a time (but see the flags below).
 *  - validate of a plugin without BD_PLUGIN_CONCURRENT_VALIDATE runs on
 *    the loop thread too.
 *  - validate of a plugin with the flag may run on any worker thread,
 *    several at once (each with its own submission and audit), and at the
 *    same time as the loop runs this or any plugin's apply, publish or
 *    query.  It never overlaps init, fini or reconfigure of any plugin, nor
 *    a change of what control_numbers() returns.  Such a validate may
 *    read what its init and reconfigure set up and what the host hands it
 *    (the submission, latest_revision(), control_numbers(), the config
 *    functions); it must not write to its state, nor read state that its
 *    own apply or query change.  Every host function is safe to call from
 *    it.  latest_revision() is stable for the submission's own department
 *    while validate runs (the host applies nothing of that department
 *    meanwhile).
 *  - publish of a plugin with BD_PLUGIN_PUBLISH_OFF_LOOP runs on the
 *    host's sender thread: one call at a time, in the order of the events'
 *    seq, at the same time as the loop runs this or any plugin's apply or
 *    query.  It never overlaps init, fini or reconfigure of any plugin.
 *    Like a concurrent validate, it may read what its init and reconfigure
 *    set up and what the event holds (the host keeps it alive for the
 *    call); it must not read state that its apply or query change, and of
 *    the host's functions it may call log, format_amount, publish,
 *    subscribers and the config functions (not latest_revision).
 *  - No callback may block.
 */
#ifndef BUDGETD_PLUGIN_H
#define BUDGETD_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BD_ABI_MAJOR	 2
#define BD_ABI_MINOR	 6
#define BD_PLUGIN_SYMBOL "budgetd_plugin"

#if defined(__GNUC__)
#define BD_PLUGIN_EXPORT __attribute__((visibility("default")))
#define BD_PRINTF(f, a)	 __attribute__((format(printf, f, a)))
#else
#define BD_PLUGIN_EXPORT
#define BD_PRINTF(f, a)
#endif

/* ---- money ---- */

/* An amount of money in 分 (0.01 元).  Never floating point. */
typedef int64_t bd_fen;

/* Largest magnitude a single document amount may have: 9e15 元. */
#define BD_FEN_LIMIT ((bd_fen)900000000000000000LL)

/* Adds v to *acc; returns false (and leaves *acc alone) on overflow. */
static inline bool bd_fen_add(bd_fen *acc, bd_fen v)
{
	bd_fen r;
	if (__builtin_add_overflow(*acc, v, &r))
		return false;
	*acc = r;
	return true;
}

/* A figure printed in the document: absent is not the same as zero. */
struct bd_stated {
	bd_fen fen;
	bool present;
};

enum bd_unit {
	BD_UNIT_YUAN = 0, /* 元, at most 2 decimals */
	BD_UNIT_WANYUAN,  /* 万元, at most 6 decimals */
};

/* ---- the budget-submission/1 model ---- */

enum bd_source {
	BD_SOURCE_GENERAL_BUDGET = 0, /* 一般公共预算拨款 */
	BD_SOURCE_FUND_BUDGET,	      /* 政府性基金预算拨款 */
	BD_SOURCE_STATE_CAPITAL,      /* 国有资本经营预算拨款 */
	BD_SOURCE_SPECIAL_ACCOUNT,    /* 财政专户管理资金 */
	BD_SOURCE_BUSINESS,	      /* 事业收入 */
	BD_SOURCE_OPERATING,	      /* 事业单位经营收入 */
	BD_SOURCE_SUPERIOR_SUBSIDY,   /* 上级补助收入 */
	BD_SOURCE_AFFILIATED,	      /* 附属单位上缴收入 */
	BD_SOURCE_OTHER,	      /* 其他收入 */
	BD_SOURCE_CARRYOVER,	      /* 上年结转结余, income only */
	BD_SOURCE_COUNT
};

/* The fiscal sources (财政拨款): general budget, fund budget, state capital. */
static inline bool bd_source_is_fiscal(enum bd_source s)
{
	return s == BD_SOURCE_GENERAL_BUDGET || s == BD_SOURCE_FUND_BUDGET ||
	       s == BD_SOURCE_STATE_CAPITAL;
}

/*
 * The columns of an expenditure line.  A line whose basic (or project)
 * expenditure was published only as a subtotal carries it in the
 * *_UNSPLIT column; the parts are then zero.
 */
enum bd_column {
	BD_COL_WAGES = 0,     /* 工资福利支出      → economic 301 */
	BD_COL_FAMILY,	      /* 对个人和家庭的补助 → economic 303 */
	BD_COL_GOODS,	      /* 商品和服务支出    → economic 302 */
	BD_COL_CAPITAL,	      /* 资本性支出        → economic 310 */
	BD_COL_BASIC_UNSPLIT, /* 基本支出, parts not published */
	BD_COL_OPERATING,     /* 项目支出 其他运转类 */
	BD_COL_TARGETED,      /* 项目支出 特定目标类 */
	BD_COL_PROJECT_UNSPLIT, /* 项目支出, parts not published */
	BD_COL_COUNT
};

/* The wire keys of the sources ("general_budget", …). */
static inline const char *bd_source_key(enum bd_source source)
{
	static const char *const keys[BD_SOURCE_COUNT] = {
	    "general_budget",	"fund_budget", "state_capital",
	    "special_account",	"business",    "operating",
	    "superior_subsidy", "affiliated",  "other",
	    "carryover",
	};
	return (unsigned)source < BD_SOURCE_COUNT ? keys[source] : "?";
}

/* The `kind` dimension of a column: basic.personnel (人员经费), basic.public
 * (公用经费), project.operating, project.targeted, or *.unsplit. */
static inline const char *bd_column_kind(enum bd_column column)
{
	static const char *const kinds[BD_COL_COUNT] = {
	    "basic.personnel",	"basic.personnel", "basic.public",
	    "basic.public",	"basic.unsplit",   "project.operating",
	    "project.targeted", "project.unsplit",
	};
	return (unsigned)column < BD_COL_COUNT ? kinds[column] : "?";
}

/* The 经济分类 类 a basic-expenditure column maps onto ("" for none). */
static inline const char *bd_column_economic_class(enum bd_column column)
{
	switch (column) {
	case BD_COL_WAGES:
		return "301";
	case BD_COL_GOODS:
		return "302";
	case BD_COL_FAMILY:
		return "303";
	case BD_COL_CAPITAL:
		return "310";
	default:
		return "";
	}
}

static inline bool bd_column_is_basic(enum bd_column column)
{
	return column <= BD_COL_BASIC_UNSPLIT;
}

/* One row of 一般公共预算支出预算表 / 政府性基金支出预算表. */
struct bd_line {
	char function[8]; /* 7 digits: 类(3) 款(2) 项(2) */
	const char *name; /* as printed */
	enum bd_source source;
	bd_fen column[BD_COL_COUNT];
	bool basic_split;		/* basic given as parts */
	bool project_split;		/* project given as parts */
	struct bd_stated basic_total;	/* stated subtotal next to its parts */
	struct bd_stated project_total; /* stated subtotal next to its parts */
	struct bd_stated total;		/* 合计 as printed */
	void *reserved[2];
};

/* Basic (基本支出), project (项目支出) and whole-line sums.  The model
 * guarantees these cannot overflow. */
static inline bd_fen bd_line_basic(const struct bd_line *line)
{
	return line->column[BD_COL_WAGES] + line->column[BD_COL_FAMILY] +
	       line->column[BD_COL_GOODS] + line->column[BD_COL_CAPITAL] +
	       line->column[BD_COL_BASIC_UNSPLIT];
}

static inline bd_fen bd_line_project(const struct bd_line *line)
{
	return line->column[BD_COL_OPERATING] + line->column[BD_COL_TARGETED] +
	       line->column[BD_COL_PROJECT_UNSPLIT];
}

static inline bd_fen bd_line_total(const struct bd_line *line)
{
	return bd_line_basic(line) + bd_line_project(line);
}

enum bd_project_kind {
	BD_PROJECT_KIND_UNSPECIFIED = 0,
	BD_PROJECT_KIND_OPERATING, /* 其他运转类 */
	BD_PROJECT_KIND_TARGETED,  /* 特定目标类 */
};

enum bd_indicator_category {
	BD_INDICATOR_COST = 0,	   /* 成本指标 */
	BD_INDICATOR_OUTPUT,	   /* 产出指标 */
	BD_INDICATOR_BENEFIT,	   /* 效益指标 */
	BD_INDICATOR_SATISFACTION, /* 满意度指标 */
};

struct bd_indicator {
	enum bd_indicator_category category;
	const char *name;
	const char *value; /* text as printed: "≤16.82 万元" */
};

struct bd_project {
	const char *code;
	const char *name;
	char function[8]; /* empty when not given */
	enum bd_project_kind kind;
	bd_fen sources[BD_SOURCE_COUNT];
	struct bd_stated total;
	const struct bd_indicator *indicators;
	size_t n_indicators;
};

struct bd_three_public {
	bool present;
	struct bd_stated overseas;	    /* 因公出国（境）费 */
	struct bd_stated vehicle_purchase;  /* 公务用车购置费 */
	struct bd_stated vehicle_operation; /* 公务用车运行维护费 */
	struct bd_stated reception;	    /* 公务接待费 */
	struct bd_stated total;
};

struct bd_economic_line {
	char code[8]; /* 3 or 5 digits */
	const char *name;
	bd_fen amount;
};

struct bd_class_amount {
	char class_code[4]; /* 类, 3 digits */
	bd_fen fen;
};

struct bd_stated_totals {
	struct bd_stated income_total;
	struct bd_stated expenditure_total;
	const struct bd_class_amount *expenditure_by_class;
	size_t n_expenditure_by_class;
	struct bd_stated basic_total, personnel_total, public_total;
	struct bd_stated project_total, project_operating, project_targeted;
	struct bd_stated projects_total;
	struct {
		struct bd_stated income_total;
		struct bd_stated expenditure_total;
		const struct bd_class_amount *expenditure_by_class;
		size_t n_expenditure_by_class;
	} appropriation;
};

/* ---- the explanatory text (情况说明), optional ---- */

enum bd_figure_kind {
	BD_FIGURE_AMOUNT = 0, /* "基本支出 110.21 万元" */
	BD_FIGURE_SHARE,      /* "占 47.44%" of `of` */
	BD_FIGURE_CHANGE, /* "减少 20.66 万元，下降 8.17%" against last year */
};

/* One figure a sentence states, typed by what it is a figure of. */
struct bd_figure {
	enum bd_figure_kind kind;
	/* What it is: "income_grand" (收入总计), "income_year" (本年收入),
	 * "expenditure_grand", "expenditure_year", "basic_total",
	 * "personnel_total", "public_total", "project_total",
	 * "general_expenditure", "income.SOURCE", "class.201",
	 * "three_public.total" (and .overseas, .reception, .vehicles,
	 * .vehicle_purchase, .vehicle_operation). */
	char quantity[32];
	char of[32];	 /* a share's whole */
	bd_fen fen;	 /* amount or change (negative: a decrease) */
	bd_fen step;	 /* its printed precision, in 分 (see amount_step) */
	bool has_amount; /* a share may state only its percentage */
	bool has_percent;
	int64_t percent; /* share or change: percent × 10^percent_decimals */
	int percent_decimals;
	void *reserved[2];
};

enum bd_year_role {
	BD_YEAR_STATED = 0, /* "2023 年收入总计": the year the figures are of */
	BD_YEAR_COMPARED,   /* "与 2022 年预算相比" */
	BD_YEAR_PERIOD_END, /* "2022 年期末，我局共有车辆" */
};

struct bd_year_mention {
	int year;
	enum bd_year_role role;
};

/* One sentence of the text, where it stands and what it states. */
struct bd_statement {
	const char *section; /* the heading it stands under, or NULL */
	int page, line;	     /* 0: unknown */
	const char *text;
	const struct bd_figure *figures;
	size_t n_figures;
	const struct bd_year_mention *years;
	size_t n_years;
	void *reserved[2];
};

struct bd_submission {
	int year;
	enum bd_unit unit;
	struct {
		char code[13]; /* 3–12 digits */
		const char *name;
		char parent[13]; /* empty when not given */
	} department;
	struct bd_stated income[BD_SOURCE_COUNT];
	const struct bd_line *lines;
	size_t n_lines;
	const struct bd_project *projects;
	size_t n_projects;
	struct bd_three_public three_public;
	const struct bd_economic_line *economic;
	size_t n_economic;
	struct bd_stated_totals stated;
	struct bd_stated previous_year_total;
	struct bd_stated previous_year_three_public; /* extension, optional */
	/* 2.2: one step of the last decimal printed, in 分: 100 for whole 元,
	 * 10000 for 万元 with two decimals.  A figure printed at step S stands
	 * for anything within S/2 of it: 0.73 万元 covers 7,250–7,350 元.
	 * amount_step is the finest of the document's amounts; the 三公 table,
	 * which many budgets print in 万元 beside 元 tables, has its own. */
	bd_fen amount_step;
	bd_fen three_public_step;
	/* 2.2: the balance rows of the summary table.  balance_used
	 * (使用非财政拨款结余, 用事业基金弥补收支差额) is spent beside the
	 * year's income; carry_forward (结转下年, 年末结转和结余) is income not
	 * spent this year.  Income + carry-over + balance_used = expenditure
	 * + carry_forward. */
	struct bd_stated balance_used;
	struct bd_stated carry_forward;
	/* 2.2: the explanatory text's statements, as the document gives them
	 * (budget-submission/1 "narrative"; none for most documents). */
	const struct bd_statement *narrative;
	size_t n_narrative;
};

/* How far a figure printed at `step` may be from the amount it stands
 * for: half a step, and nothing for one printed to the 分 (or a zero). */
static inline bd_fen bd_half_step(bd_fen step)
{
	return step > 1 ? step / 2 : 0;
}

/* An accepted, durably stored revision of one department's budget. */
struct bd_revision {
	const struct bd_submission *submission;
	int64_t number;	     /* 1, 2, … per (department, year) */
	int64_t document_id; /* store id of the verbatim document */
	uint64_t seq;	     /* event sequence number of its acceptance */
};

/* ---- findings ---- */

enum bd_severity {
	BD_SEVERITY_OFF = 0,
	BD_SEVERITY_WARNING,
	BD_SEVERITY_ERROR,
};

/*
 * One audit result.  `rule` is a stable dotted id ("arith.line.total");
 * the operator may override its severity in the config.  `path` is the
 * JSON path of the figure at fault ("expenditure[3].total").
 */
struct bd_finding {
	const char *rule;
	enum bd_severity severity;
	const char *path;
	const char *message;
	struct bd_stated expected;
	struct bd_stated actual;
	void *reserved[2]; /* zero: designated initialisers leave them so */
};

/* ---- change notifications ---- */

/* One district total that moved, e.g. dimension "function:class", key "201". */
struct bd_total_change {
	int year;
	const char *dimension;
	const char *key;
	bd_fen before;
	bd_fen after;
	void *reserved[2];
};

struct bd_event {
	uint64_t seq;
	const char *kind; /* "revision.accepted" */
	int year;
	const char *department;
	const char *parent;
	int64_t revision;
	const struct bd_total_change *changes;
	size_t n_changes;
};

/* ---- the budget year (2.3) ---- */

/* The workflow stage a submission is sent for (docs/workflow.md). */
enum bd_stage {
	BD_STAGE_NONE = 0, /* not in the workflow: validate, rebuild */
	BD_STAGE_PROPOSAL, /* 一上 */
	BD_STAGE_BUDGET,   /* 二上 */
	BD_STAGE_ADJUSTMENT,
};

/*
 * One control number (控制数).  key is "total" (本年支出合计), a source
 * ("source:general_budget", "source:fund_budget", "source:other": every
 * source but those two), a kind ("kind:basic", "kind:basic.personnel",
 * "kind:basic.public", "kind:project"), a function 类 ("class:201") or a
 * named project ("project:CODE").
 */
struct bd_control_item {
	const char *key;
	bd_fen amount;
	void *reserved[2];
};

/* The control numbers the bureau set for a department and year. */
struct bd_control {
	int year;
	const char *department;
	int64_t version; /* 1, 2, … each change kept */
	const struct bd_control_item *items;
	size_t n_items;
	void *reserved[2];
};

/* ---- who is asking ---- */

/*
 * What the principal behind a query may see, built by the host from the
 * credential.  A plugin answers a BD_QUERY_SCOPED op with the figures of
 * the departments bd_scope_covers() admits and no others; the host refuses
 * every other op to a restricted principal before the plugin sees it.
 */
struct bd_scope {
	bool restricted;	/* false: operator, admin, trusted listener */
	const char *department; /* a department's credential: it alone */
	const char *parent;	/* a 主管部门's: itself and its units */
	int first_year;		/* 0: any */
	int last_year;		/* 0: any */
	void *reserved[4];
};

/* Whether the scope admits one department's figures for a year. */
static inline bool bd_scope_covers(const struct bd_scope *scope, int year,
				   const char *department, const char *parent)
{
	if (scope == NULL || !scope->restricted)
		return true;
	if ((scope->first_year && year < scope->first_year) ||
	    (scope->last_year && year > scope->last_year))
		return false;
	if (scope->department != NULL)
		return department != NULL &&
		       strcmp(department, scope->department) == 0;
	if (scope->parent != NULL)
		return (department != NULL &&
			strcmp(department, scope->parent) == 0) ||
		       (parent != NULL && strcmp(parent, scope->parent) == 0);
	return false; /* restricted to nothing */
}

/* ---- the host ---- */

struct cJSON;
struct bd_plugin_handle; /* the host's record of one loaded plugin */
struct bd_audit;	 /* findings being collected for one submission */
struct bd_apply;	 /* changes being collected for one revision */
struct bd_query;	 /* one query request being answered */

enum bd_log_level {
	BD_LOG_ERROR = 3,
	BD_LOG_WARNING = 4,
	BD_LOG_INFO = 6,
	BD_LOG_DEBUG = 7,
};

struct bd_host {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t struct_size;

	void (*log)(const struct bd_plugin_handle *self,
		    enum bd_log_level level, const char *fmt, ...)
	    BD_PRINTF(3, 4);

	/* The value of a key this plugin declares, from its config section or
	 * the declared default.  The host has checked every value against
	 * the key's type and range before init and before reconfigure, so
	 * these cannot fail for a declared key: a string key's text (NULL for
	 * an undeclared key), an int or size key's number (0 for an undeclared
	 * key), a bool key's truth. */
	const char *(*config_string)(const struct bd_plugin_handle *self,
				     const char *key);
	int64_t (*config_int)(const struct bd_plugin_handle *self,
			      const char *key);
	bool (*config_bool)(const struct bd_plugin_handle *self,
			    const char *key);

	/* Records a finding; the host applies the operator's severity policy
	 * and copies every string.  Returns 0 or -ENOMEM. */
	int (*finding)(struct bd_audit *audit,
		       const struct bd_finding *finding);

	/* Prints an amount in a unit ("232.31", "2323100.00").  Returns the
	 * length written, or -ENOSPC. */
	int (*format_amount)(bd_fen fen, enum bd_unit unit, char *buf,
			     size_t size);

	/* Reports a district total that an apply moved; 0 and nothing kept
	 * for a NULL apply. */
	int (*report_change)(struct bd_apply *apply,
			     const struct bd_total_change *change);

	/* Sends a notification on the PUB socket: "<topic> <body>". */
	int (*publish)(const struct bd_plugin_handle *self, const char *topic,
		       const char *body, size_t body_len);

	/* The request and reply of a query (cJSON objects).  A member of the
	 * reply may be JSON text the plugin wrote itself (cJSON_CreateRaw),
	 * cheaper than a tree for thousands of rows: the host sends it as it
	 * is, and parses it for its own readers.  It must be valid JSON. */
	const struct cJSON *(*query_request)(const struct bd_query *query);
	struct cJSON *(*query_reply)(struct bd_query *query);
	/* Fails a query with an error code and message; returns -EINVAL. */
	int (*query_error)(struct bd_query *query, const char *code,
			   const char *fmt, ...) BD_PRINTF(3, 4);

	/* Resolves a path from this plugin's config: an absolute path stays,
	 * a relative one is taken from the daemon's config directory (the
	 * directory of the config file, /etc/budgetd when installed).
	 * Returns the length written, or -ENOSPC. */
	int (*resolve_path)(const struct bd_plugin_handle *self,
			    const char *path, char *buf, size_t size);

	/* The latest accepted revision of a department for a year, or NULL.
	 * Valid until the callback returns (the host may have read it from
	 * the store for this call). */
	const struct bd_revision *(*latest_revision)(
	    const struct bd_plugin_handle *self, int year,
	    const char *department);

	/* 2.1: how many subscribers are connected to the PUB socket now (0:
	 * a publication would reach no one; build nothing).  Test with
	 * BD_HOST_HAS(host, subscribers). */
	int (*subscribers)(const struct bd_plugin_handle *self);

	/* 2.3: the newest control numbers of a department for a year, or
	 * NULL when the bureau set none.  Valid until the callback returns. */
	const struct bd_control *(*control_numbers)(
	    const struct bd_plugin_handle *self, int year,
	    const char *department);
	/* 2.3: the stage the submission being audited is sent for
	 * (BD_STAGE_NONE outside the workflow). */
	enum bd_stage (*audit_stage)(const struct bd_audit *audit);

	void *reserved[5];
};

/* Whether the host's table has function fn (a plugin built for a newer
 * minor than its host checks before it calls one it may lack). */
#define BD_HOST_HAS(host, fn)                                                  \
	((host)->struct_size >=                                                \
	     offsetof(struct bd_host, fn) + sizeof((host)->fn) &&              \
	 (host)->fn != NULL)

/* ---- the plugin descriptor ---- */

enum bd_config_type {
	BD_CONFIG_STRING = 0,
	BD_CONFIG_INT,	/* decimal integer in [min, max] */
	BD_CONFIG_BOOL, /* true/false, yes/no, on/off, 1/0 */
	BD_CONFIG_SIZE, /* bytes: 4096, 64k, 4M, 1G (binary), in [min, max] */
};

/* One config key a plugin accepts; the table ends with a zeroed entry. */
struct bd_config_key {
	const char *name;
	enum bd_config_type type;
	const char *default_value;
	const char *description;
	int64_t min, max; /* INT and SIZE; both 0: any value that fits */
	void *reserved[2];
};

/* Plugin flags (bd_plugin.flags, ABI 2.4). */
#define BD_PLUGIN_CONCURRENT_VALIDATE                                          \
	(1u << 0) /* validate may run on worker threads, several at once:      \
		     see Threading above */
#define BD_PLUGIN_APPLY_WITHOUT_PREV                                           \
	(1u << 1) /* apply keeps its own record of what each department had:   \
		     the prev it is handed may have a NULL submission.  When   \
		     every plugin with apply says so, the host keeps no        \
		     parsed document in memory (latest_revision() then reads   \
		     it back from the store) */
#define BD_PLUGIN_PUBLISH_OFF_LOOP                                             \
	(1u << 2) /* publish may run on the host's sender thread (ABI 2.5):    \
		     see Threading above */

/* Query op flags. */
#define BD_QUERY_SCOPED                                                        \
	(1u << 0) /* the plugin answers within the scope it is handed;         \
		     without this flag a restricted principal is refused */

/* One query op a plugin answers; the table ends with a zeroed entry. */
struct bd_query_op {
	const char *name;
	uint32_t flags; /* BD_QUERY_* */
	const char *description;
	void *reserved[2];
};

struct bd_plugin {
	uint32_t abi_major;   /* BD_ABI_MAJOR */
	uint32_t abi_minor;   /* BD_ABI_MINOR */
	uint32_t struct_size; /* sizeof(struct bd_plugin) */
	const char *name;
	const char *version;
	const char *description;
	const struct bd_config_key *config;
	const struct bd_query_op *query_ops; /* zero-terminated, or NULL */

	/* Called once after load; *state is passed to every other callback. */
	int (*init)(const struct bd_host *host, struct bd_plugin_handle *self,
		    void **state);
	void (*fini)(void *state);
	/* Config was reloaded (SIGHUP); re-read keys.  Optional. */
	int (*reconfigure)(void *state);

	/* Read-only audit of a parsed submission; adds findings. */
	int (*validate)(void *state, const struct bd_submission *submission,
			struct bd_audit *audit);
	/* After commit: `prev` (or NULL) is replaced by `next`.  During
	 * start-up rebuild the host calls it with prev NULL for every stored
	 * revision.  `apply` collects the totals it moved (report_change);
	 * NULL (2.6) where nobody reads them. */
	int (*apply)(void *state, const struct bd_revision *prev,
		     const struct bd_revision *next, struct bd_apply *apply);
	/* After apply: notify the world. */
	int (*publish)(void *state, const struct bd_event *event);
	/* Answers one of `query_ops` for a principal of the given scope
	 * (never NULL; unrestricted for operators). */
	int (*query)(void *state, const char *op, const struct bd_scope *scope,
		     struct bd_query *query);

	/* 2.4: BD_PLUGIN_* (a reserved slot before: 0 in older plugins). */
	uint64_t flags;
	void *reserved[7];
};

/* The sizes ABI 2.0 promises on LP64 (amd64, arm64): the host's size
 * check and plugins built elsewhere rely on them. */
#if defined(__LP64__) && !defined(__cplusplus)
_Static_assert(sizeof(struct bd_line) == 160, "bd_line layout");
_Static_assert(sizeof(struct bd_figure) == 128, "bd_figure layout");
_Static_assert(sizeof(struct bd_statement) == 72, "bd_statement layout");
_Static_assert(sizeof(struct bd_finding) == 80, "bd_finding layout");
_Static_assert(sizeof(struct bd_total_change) == 56, "bd_total_change");
_Static_assert(sizeof(struct bd_config_key) == 64, "bd_config_key layout");
_Static_assert(sizeof(struct bd_query_op) == 40, "bd_query_op layout");
_Static_assert(sizeof(struct bd_scope) == 64, "bd_scope layout");
_Static_assert(sizeof(struct bd_plugin) == 176, "bd_plugin layout");
_Static_assert(sizeof(struct bd_host) == 184, "bd_host layout");
#endif

/* The version fields every descriptor starts with. */
#define BD_PLUGIN_ABI                                                          \
	.abi_major = BD_ABI_MAJOR, .abi_minor = BD_ABI_MINOR,                  \
	.struct_size = sizeof(struct bd_plugin)

/* Declares the one exported symbol of a plugin. */
#define BD_PLUGIN_DEFINE                                                       \
	BD_PLUGIN_EXPORT extern const struct bd_plugin budgetd_plugin;         \
	const struct bd_plugin budgetd_plugin

#ifdef __cplusplus
}
#endif

#endif /* BUDGETD_PLUGIN_H */

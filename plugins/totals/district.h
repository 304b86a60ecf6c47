/* The district as the totals plugin keeps it: what its files share. */
#ifndef BUDGETD_TOTALS_DISTRICT_H
#define BUDGETD_TOTALS_DISTRICT_H

#include <budgetd/plugin.h>

#include "cellmap.h"
#include "json_text.h"
#include "strmap.h"

/*
 * A non-zero cell of an expenditure line (or of the economic table), 16
 * bytes: its codes are integers as keys.c writes them (a code of n digits
 * as 10^n + its number, 0 for none), which is also how apply and the
 * maintained totals key them.
 */
struct fact {
	uint64_t function : 25; /* 10^7 + the 项 code; 0: economic table */
	uint64_t economic : 18; /* 10^3 + 类 or 10^5 + 款; 0: project */
	uint64_t source : 5;	/* enum bd_source */
	uint64_t column : 4;	/* enum bd_column */
	bd_fen amount;
};

_Static_assert(sizeof(struct fact) == 16, "struct fact is 16 bytes");
/* A fact keeps its source in 5 bits and its column in 4. */
_Static_assert(BD_SOURCE_COUNT <= 32 && BD_COL_COUNT <= 16,
	       "enum bd_source or bd_column no longer fits struct fact");

/* A 三公 figure or project kept for the list queries. */
struct dept_project {
	char *code, *name;
	char function[8];
	enum bd_project_kind kind;
	bd_fen total;
};

struct dept {
	int year;
	char code[13];
	char parent[13];
	char *name;
	int64_t revision;
	struct fact *facts; /* one per non-zero cell of an expenditure line */
	size_t n_facts;
	/* The facts' positions in the order of their function codes (then
	 * their own), so that a cut on a function reads its range only; NULL
	 * when the facts are in that order already (in_function_order: the
	 * lines of a budget come in code order), or for a department of more
	 * than 65,535 facts, whose facts are all read. */
	uint16_t *by_function;
	bool in_function_order;
	/* Its 主管部门's entry in totals.parents (parents.c), set when the
	 * index made room for it. */
	size_t parent_slot;
	/* Basic expenditure by the department's own 经济分类 table, where it
	 * publishes one: economic cuts use these instead of the basic cells,
	 * which only map onto economic 类. */
	struct fact *econ_facts;
	size_t n_econ_facts;
	bool has_three_public;
	bd_fen three_public[5]; /* overseas, vehicle purchase/operation,
				   reception, total */
	struct dept_project *projects;
	size_t n_projects;
};

enum dim {
	DIM_FUNCTION_CLASS,
	DIM_FUNCTION_SECTION,
	DIM_FUNCTION_ITEM,
	DIM_ECONOMIC_CLASS,
	DIM_ECONOMIC_SECTION,
	DIM_SOURCE,
	DIM_KIND,
	DIM_DEPARTMENT,
	DIM_PARENT,
	DIM_YEAR,
	DIM_COUNT
};

/* Two dimensions whose combined totals are maintained; name is
 * "first*second". */
struct district_pair {
	enum dim first, second;
	const char *name;
};
#define DISTRICT_N_PAIRS 3

/* The departments under one 主管部门: positions in dept_list, ascending. */
struct district_parent {
	size_t *depts;
	size_t n, cap;
};

/* A row of an answer kept rendered (rendered.c): its total, the amount
 * and count it had when last read, and its text (len 0: none, for a total
 * no department has). */
struct district_rendered_row {
	const struct cellmap_cell *total;
	bd_fen amount;
	int64_t count;
	uint32_t at, len; /* its text in district_rendered.text */
	bool stale;	  /* the total moved since: read it again */
};

/* The rows of one dimension's answer for one year in one unit. */
struct district_rendered {
	bool in_use;
	enum dim dim;
	int year;
	enum bd_unit unit;
	uint64_t last_used;
	/* The map as it was when the rows were listed: the rows point at
	 * its cells. */
	uint64_t layout;
	struct district_rendered_row *rows; /* in key order */
	size_t n_rows;
	struct cellmap row_of; /* a total's key → its row (as amount) */
	struct json_text text;
	size_t live; /* the bytes of text that rows point at */
};

/* A console asks a few such questions again and again: one slot each. */
#define DISTRICT_RENDERED_SLOTS 4

struct totals {
	const struct bd_host *host;
	struct bd_plugin_handle *self;
	struct strmap depts; /* "year/code" → index into dept_list */
	struct dept **dept_list;
	size_t n_depts, cap_depts;
	/* The maintained totals, one map per dimension (the grand totals
	 * under DIM_YEAR) so that a query of one dimension reads only its
	 * cells, and one per pair of district_pairs (kept for queries, not
	 * notified).  Keys are integers (keys.c); each cell holds the amount
	 * and how many departments have a fact under it, which is what an
	 * answer from these cells reports as "departments". */
	struct cellmap aggregates[DIM_COUNT];
	struct cellmap pair_aggregates[DISTRICT_N_PAIRS];
	/* What one apply moves, reused from apply to apply, and for each of
	 * its cells in their order the maintained total it moves (NULL: it
	 * moves nothing), found once between prepare and commit. */
	struct cellmap moved;
	struct cellmap_cell **moved_totals;
	size_t cap_moved_totals;
	/* The 主管部门 index (parents.c): code → its entry in parents. */
	struct strmap parent_index;
	struct district_parent *parents;
	size_t n_parents, cap_parents;
	/* Each slot's place when the dimensions' names are sorted ("total"
	 * for DIM_YEAR): the order events list the totals in. */
	uint8_t dim_rank[DIM_COUNT];
	/* One-dimension answers kept rendered (rendered.c). */
	struct district_rendered rendered[DISTRICT_RENDERED_SLOTS];
	uint64_t rendered_clock;
};

#define DISTRICT_MAX_WHERE  16
#define DISTRICT_MAX_VALUES 32

struct cut {
	enum dim dim;
	char values[DISTRICT_MAX_VALUES][24]; /* "project.targeted" fits */
	bool prefix[DISTRICT_MAX_VALUES];
	size_t n_values;
};

/* What every query of the district reads first: its cuts ("where"),
 * "year" and "unit", and the scope of the principal asking, which the
 * host hands over and no request can widen. */
struct district_filter {
	struct cut where[DISTRICT_MAX_WHERE];
	size_t n_where;
	int year;
	enum bd_unit unit;
	const struct bd_scope *scope;
};

/* dimensions.c */
extern const char *const district_dim_names[DIM_COUNT];
/* The longest of them ("function:section"): an answer's row is written
 * into room reserved by this bound (test_totals_keys holds it). */
#define DISTRICT_DIM_NAME_MAX 16
/* The dimensions whose single-dimension totals are maintained. */
extern const enum dim district_maintained[];
extern const size_t district_n_maintained;
extern const struct district_pair district_pairs[DISTRICT_N_PAIRS];
/* The dimension a maintained total of d is reported under: its name, or
 * "total" for the year's grand total (DIM_YEAR). */
const char *district_total_name(enum dim d);
bool district_dim_is_economic(enum dim d);
bool district_dim_is_function(enum dim d);
/* The digits of a whole code of d (类 3, 款 5, 项 7); 0 for a dimension
 * without codes. */
size_t district_code_digits(enum dim d);
/* The dimension called name (len bytes), or -1. */
int district_dim_from_name(const char *name, size_t len);
/* The value of a fact of a department in a dimension ("201", "basic.public").
 */
void district_dim_value(enum dim d, const struct dept *dep,
			const struct fact *f, char *buf, size_t size);
bool district_cut_matches(const struct cut *c, const char *value);
int district_read_common(struct totals *t, struct bd_query *q,
			 const struct bd_scope *scope,
			 struct district_filter *filter);
bool district_dim_is_departmental(enum dim d);
/* The scope, the year and the departmental cuts (department, parent,
 * year) of a query: whether a department's figures count at all. */
bool district_dept_passes(const struct district_filter *filter,
			  const struct dept *d);

/* keys.c: the integer keys of the maintained totals. */
/* A 项 code of seven digits is this (10^7) plus its number: a fact's
 * function value. */
#define DISTRICT_ITEM_BASE UINT64_C(10000000)
/* The first n digits of code (fewer where it ends) as 10^n + their number;
 * 0 for an empty code. */
uint64_t district_code_value(const char *code, size_t n);
/* A code's value at any level (类 3 digits, 款 5, 项 7; function or
 * economic) cut to the level of to_digits (its own level keeps it); 0 for
 * no code or a level finer than the value's own. */
uint64_t district_code_level(uint64_t value, size_t to_digits);
/* The bits a value of a dimension takes. */
unsigned district_value_bits(enum dim d);
/* A year as its code in DIM_YEAR (the year - 2000, as in a key). */
uint64_t district_year_code(int year);
/* Whether every pair's two values fit one key: checked at init. */
bool district_pairs_fit(void);
bool district_year_fits(int year);
/* A fact's value in a dimension as an integer (0: none, "-"; a year's
 * code for DIM_YEAR). */
uint64_t district_dim_code(enum dim d, const struct dept *dep,
			   const struct fact *f);
/* The text of such a value ("201", "general_budget", "-"); its length. */
size_t district_dim_text(enum dim d, uint64_t value, char *buf, size_t size);
uint64_t district_pair_value(const struct district_pair *p, uint64_t first,
			     uint64_t second);
void district_pair_split(const struct district_pair *p, uint64_t value,
			 uint64_t *first, uint64_t *second);
/* slot: the dimension, or DIM_COUNT + the pair's index. */
uint64_t district_key(unsigned slot, int year, uint64_t value);
unsigned district_key_slot(uint64_t key);
int district_key_year(uint64_t key);
uint64_t district_key_value(uint64_t key);

/* facts.c */
void district_dept_free(struct dept *d);
/* The facts a query over economic dimensions sees (the department's own
 * economic table, where given, plus its project cells) or else its line
 * cells; NULL at the end.  *cursor starts at 0. */
const struct fact *district_next_fact(const struct dept *d, bool economic,
				      size_t *cursor);
int district_apply(void *state, const struct bd_revision *prev,
		   const struct bd_revision *next, struct bd_apply *apply);

/* query.c */
int district_totals(void *state, const struct bd_scope *scope,
		    struct bd_query *q);
/* An answer's row, "key":{…},"amount":"…","departments":n} (the caller
 * writes its "{" and any members before these), appended to j; key is
 * the row's values in the order of by, joined by \x1f. */
void district_put_row(const struct totals *t, const enum dim *by, size_t n_by,
		      enum bd_unit unit, const char *key, size_t key_len,
		      bd_fen amount, size_t departments, struct json_text *j);

/* rendered.c: the rows of the answer by dim in year and unit, as the
 * maintained totals have them now, appended to out as a JSON array (from
 * offset, at most limit rows; -1: all); *grand is the sum of every row,
 * *n_rows their number.  0, or -ENOMEM. */
int district_rendered_rows(struct totals *t, enum dim dim, int year,
			   enum bd_unit unit, long offset, long limit,
			   struct json_text *out, bd_fen *grand,
			   size_t *n_rows);
/* A maintained total (its key) moved: the rows kept of it are read again
 * at the next question.  Apply calls this for every total it moves. */
void district_rendered_moved(struct totals *t, uint64_t key);
void district_rendered_free(struct totals *t);

/* lists.c: the 三公 and project queries. */
int lists_three_public(struct totals *t, const struct bd_scope *scope,
		       struct bd_query *q);
int lists_projects(struct totals *t, const struct bd_scope *scope,
		   struct bd_query *q);
/* Copies a submission's 三公 table and projects into d. */
int lists_capture(struct dept *d, const struct bd_submission *s);
void lists_release(struct dept *d);

/* parents.c: the 主管部门 index, keyed by the 主管部门 as a cut on
 * "parent" reads it.  Reserve room for one more department under d's
 * (0 or -ENOMEM; d->parent_slot says where) before anything changes;
 * then moving the department at position dept from old's 主管部门 (old
 * NULL: it is new) to fresh's can not fail. */
int district_parents_reserve(struct totals *t, struct dept *d);
void district_parents_move(struct totals *t, size_t dept,
			   const struct dept *old, const struct dept *fresh);
/* The departments under parent (positions in dept_list, ascending). */
size_t district_parents_find(const struct totals *t, const char *parent,
			     const size_t **depts);
void district_parents_free(struct totals *t);

#endif

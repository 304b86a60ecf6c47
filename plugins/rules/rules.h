/*
 * The audit rule language: operators' own formulas, no C required.
 *
 *   # a comment
 *   rule local.three_public_cap warning "三公经费 over the bureau's cap"
 *       three_public.total <= 50 万元
 *
 *   rule std.line.total error per line "row total (合计) against its parts"
 *       line.total == line.basic + line.project
 *
 * A rule is: an id, a severity (error, warning, off), an optional scope
 * (per line, per project, per class; default: the whole document), a
 * message, and one comparison (==, !=, <=, >=, <, >) of two sums of
 * quantities and amounts, optionally "within AMOUNT" or "within N%".
 * A rule that names a printed figure the document does not have
 * (stated.*, three_public.*, previous_year.*, line.total …) does not
 * apply to it.  Arithmetic is exact: integers of 分, percentages to 0.01%.
 */
#ifndef BUDGETD_RULES_H
#define BUDGETD_RULES_H

#include <budgetd/plugin.h>

enum rule_scope { SCOPE_DOCUMENT, SCOPE_LINE, SCOPE_PROJECT, SCOPE_CLASS };

enum node_kind { NODE_AMOUNT, NODE_QUANTITY, NODE_ADD, NODE_SUB, NODE_PERCENT };

enum amount_unit { UNIT_DOCUMENT, UNIT_YUAN, UNIT_WANYUAN };

struct node {
	enum node_kind kind;
	struct node *left, *right;
	/* NODE_AMOUNT: mantissa × 10^-decimals in `unit`;
	 * NODE_PERCENT: left × (mantissa × 10^-decimals)% */
	uint64_t mantissa;
	int decimals;
	enum amount_unit unit;
	/* NODE_QUANTITY */
	int quantity;	   /* enum quantity, private to eval.c */
	int part;	   /* which column/part, when the quantity has one */
	char key[8];	   /* a code: expenditure[201], economic[301] */
	char key_name[64]; /* economic[30212:因公出国]: rows so named */
	char *text;	   /* as written, for messages */
};

enum compare { CMP_EQ, CMP_NE, CMP_LE, CMP_GE, CMP_LT, CMP_GT };

struct rule {
	char *id;
	enum bd_severity severity;
	enum rule_scope scope;
	char *message;
	struct node *left, *right;
	char *left_text, *right_text; /* as written, for messages */
	enum compare cmp;
	bool has_tolerance, tolerance_percent;
	struct node *tolerance; /* NODE_AMOUNT */
	char *file;
	int line;
};

struct rule_set {
	struct rule *rules;
	size_t n;
};

/* Parses rule text; on error returns -EINVAL with "file:line:column: why". */
int rules_parse(const char *file, const char *text, struct rule_set *set,
		char *err, size_t err_size);
void rules_free(struct rule_set *set);

/* Resolves a quantity name at parse time; 0 or -EINVAL with a reason. */
int rules_resolve_quantity(struct node *node, enum rule_scope scope,
			   const char **why);

/* Evaluates every rule against a submission, reporting through the host. */
int rules_evaluate(const struct rule_set *set, const struct bd_host *host,
		   const struct bd_submission *s, struct bd_audit *audit);

#endif

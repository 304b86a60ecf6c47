/* The rule language's lexer and recursive-descent parser. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

enum token_kind {
	TOK_END,
	TOK_NEWLINE,
	TOK_WORD,   /* rule, error, per, within, quantity paths */
	TOK_NUMBER, /* 12, 3.50 */
	TOK_STRING, /* "…" */
	TOK_UNIT,   /* 元, 万元 */
	TOK_OP,	    /* + - ( ) % == != <= >= < > */
};

struct token {
	enum token_kind kind;
	const char *start; /* in the source text */
	char text[128];
	int line, column;
};

struct parser {
	const char *file;
	const char *p;
	int line, column;
	struct token tok;
	char *err;
	size_t err_size;
	bool failed;
};

BD_PRINTF(2, 3)
static void fail(struct parser *ps, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	if (ps->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->err_size, "%s:%d:%d: %s", ps->file, ps->tok.line,
		 ps->tok.column, why);
	ps->failed = true;
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '[' ||
	       c == ']';
}

static void advance(struct parser *ps, size_t n)
{
	for (size_t i = 0; i < n && *ps->p; i++) {
		if (*ps->p == '\n') {
			ps->line++;
			ps->column = 1;
		} else if (((unsigned char)*ps->p & 0xc0) != 0x80) {
			ps->column++;
		}
		ps->p++;
	}
}

static void next(struct parser *ps)
{
	struct token *t = &ps->tok;
	for (;;) {
		while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r')
			advance(ps, 1);
		if (*ps->p == '#') {
			while (*ps->p && *ps->p != '\n')
				advance(ps, 1);
			continue;
		}
		/* A line ending in '\' continues on the next. */
		if (*ps->p == '\\' && ps->p[1] == '\n') {
			advance(ps, 2);
			continue;
		}
		break;
	}
	t->line = ps->line;
	t->column = ps->column;
	t->start = ps->p;
	t->text[0] = '\0';
	const char *p = ps->p;
	size_t n = 0;
	if (*p == '\0') {
		t->kind = TOK_END;
		return;
	}
	if (*p == '\n') {
		t->kind = TOK_NEWLINE;
		advance(ps, 1);
		return;
	}
	if (*p == '"') {
		const char *end = strchr(p + 1, '"');
		const char *nl = strchr(p + 1, '\n');
		if (end == NULL || (nl && nl < end)) {
			t->kind = TOK_END;
			fail(ps, "unterminated string");
			return;
		}
		n = (size_t)(end - p - 1);
		if (n >= sizeof t->text) {
			fail(ps, "message longer than %zu bytes",
			     sizeof t->text - 1);
			n = sizeof t->text - 1;
		}
		memcpy(t->text, p + 1, n);
		t->text[n] = '\0';
		t->kind = TOK_STRING;
		advance(ps, (size_t)(end - p) + 1);
		return;
	}
	if (strncmp(p, "万元", 6) == 0 || strncmp(p, "元", 3) == 0) {
		n = strncmp(p, "万元", 6) == 0 ? 6 : 3;
		memcpy(t->text, p, n);
		t->text[n] = '\0';
		t->kind = TOK_UNIT;
		advance(ps, n);
		return;
	}
	if (*p >= '0' && *p <= '9') {
		while ((p[n] >= '0' && p[n] <= '9') || p[n] == '.')
			n++;
		t->kind = TOK_NUMBER;
	} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		   *p == '_') {
		/* Inside [] any text but a newline: economic[30212:因公出国].
		 */
		bool bracket = false;
		while (p[n] != '\0' && p[n] != '\n' &&
		       (is_word_char(p[n]) || (bracket && p[n] != ']'))) {
			bracket = p[n] == '[' || (bracket && p[n] != ']');
			n++;
		}
		t->kind = TOK_WORD;
	} else if (strncmp(p, "==", 2) == 0 || strncmp(p, "!=", 2) == 0 ||
		   strncmp(p, "<=", 2) == 0 || strncmp(p, ">=", 2) == 0) {
		n = 2;
		t->kind = TOK_OP;
	} else if (strchr("+-()%<>*", *p) != NULL) {
		n = 1;
		t->kind = TOK_OP;
	} else {
		t->kind = TOK_END;
		fail(ps, "unexpected character '%c'", *p);
		return;
	}
	if (n >= sizeof t->text) {
		fail(ps, "token too long");
		n = sizeof t->text - 1;
	}
	memcpy(t->text, p, n);
	t->text[n] = '\0';
	advance(ps, n);
}

static bool is_op(const struct parser *ps, const char *op)
{
	return ps->tok.kind == TOK_OP && strcmp(ps->tok.text, op) == 0;
}

static bool is_word(const struct parser *ps, const char *word)
{
	return ps->tok.kind == TOK_WORD && strcmp(ps->tok.text, word) == 0;
}

/* ---- nodes ---- */

static void node_free(struct node *n)
{
	if (n == NULL)
		return;
	node_free(n->left);
	node_free(n->right);
	free(n->text);
	free(n);
}

static struct node *node_new(struct parser *ps, enum node_kind kind)
{
	struct node *n = calloc(1, sizeof *n);
	if (n == NULL)
		fail(ps, "out of memory");
	else
		n->kind = kind;
	return n;
}

/* "12.50" → mantissa 1250, decimals 2; at most 6 decimals. */
static bool parse_number(struct parser *ps, const char *text,
			 uint64_t *mantissa, int *decimals)
{
	*mantissa = 0;
	*decimals = -1;
	for (const char *p = text; *p; p++) {
		if (*p == '.') {
			if (*decimals >= 0) {
				fail(ps, "\"%s\" is not a number", text);
				return false;
			}
			*decimals = 0;
			continue;
		}
		if (*mantissa > (uint64_t)BD_FEN_LIMIT / 10 || *decimals >= 6) {
			fail(ps, "\"%s\" is too large or too precise", text);
			return false;
		}
		*mantissa = *mantissa * 10 + (uint64_t)(*p - '0');
		if (*decimals >= 0)
			(*decimals)++;
	}
	if (*decimals == 0) {
		fail(ps, "\"%s\": a decimal point needs digits after it", text);
		return false;
	}
	if (*decimals < 0)
		*decimals = 0;
	return true;
}

static struct node *parse_sum(struct parser *ps, enum rule_scope scope);

static struct node *parse_atom(struct parser *ps, enum rule_scope scope)
{
	struct node *n = NULL;
	if (is_op(ps, "(")) {
		next(ps);
		n = parse_sum(ps, scope);
		if (!is_op(ps, ")"))
			fail(ps, "expected ')'");
		next(ps);
		return n;
	}
	if (ps->tok.kind == TOK_NUMBER) {
		n = node_new(ps, NODE_AMOUNT);
		if (n == NULL)
			return NULL;
		parse_number(ps, ps->tok.text, &n->mantissa, &n->decimals);
		next(ps);
		if (ps->tok.kind == TOK_UNIT) {
			n->unit = strcmp(ps->tok.text, "元") == 0
				      ? UNIT_YUAN
				      : UNIT_WANYUAN;
			next(ps);
		}
		return n;
	}
	if (ps->tok.kind == TOK_WORD) {
		n = node_new(ps, NODE_QUANTITY);
		if (n == NULL)
			return NULL;
		n->text = strdup(ps->tok.text);
		const char *why = NULL;
		if (n->text == NULL ||
		    rules_resolve_quantity(n, scope, &why) < 0)
			fail(ps, "%s", why ? why : "out of memory");
		next(ps);
		return n;
	}
	fail(ps, "expected a quantity, an amount or '(', got \"%s\"",
	     ps->tok.text);
	return NULL;
}

/* term := atom { "*" N "%" } */
static struct node *parse_term(struct parser *ps, enum rule_scope scope)
{
	struct node *n = parse_atom(ps, scope);
	while (!ps->failed && is_op(ps, "*")) {
		next(ps);
		if (ps->tok.kind != TOK_NUMBER) {
			fail(ps, "expected a percentage after '*'");
			break;
		}
		struct node *pct = node_new(ps, NODE_PERCENT);
		if (pct == NULL)
			break;
		parse_number(ps, ps->tok.text, &pct->mantissa, &pct->decimals);
		if (pct->decimals > 2)
			fail(ps, "percentages have at most 2 decimals");
		next(ps);
		if (!is_op(ps, "%"))
			fail(ps, "expected '%%' after the percentage");
		next(ps);
		pct->left = n;
		n = pct;
	}
	return n;
}

static struct node *parse_sum(struct parser *ps, enum rule_scope scope)
{
	struct node *n = parse_term(ps, scope);
	while (!ps->failed && (is_op(ps, "+") || is_op(ps, "-"))) {
		struct node *op =
		    node_new(ps, is_op(ps, "+") ? NODE_ADD : NODE_SUB);
		next(ps);
		if (op == NULL)
			break;
		op->left = n;
		op->right = parse_term(ps, scope);
		n = op;
	}
	return n;
}

static bool parse_compare(struct parser *ps, enum compare *cmp)
{
	static const struct {
		const char *op;
		enum compare cmp;
	} ops[] = {{"==", CMP_EQ}, {"!=", CMP_NE}, {"<=", CMP_LE},
		   {">=", CMP_GE}, {"<", CMP_LT},  {">", CMP_GT}};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (is_op(ps, ops[i].op)) {
			*cmp = ops[i].cmp;
			next(ps);
			return true;
		}
	}
	fail(ps, "expected a comparison (==, !=, <=, >=, <, >), got \"%s\"",
	     ps->tok.text);
	return false;
}

static void skip_newlines(struct parser *ps)
{
	while (ps->tok.kind == TOK_NEWLINE)
		next(ps);
}

/* The text between two tokens, with line continuations folded. */
static char *source_text(const char *start, const char *end)
{
	char *text = malloc((size_t)(end - start) + 1);
	size_t n = 0;
	if (text == NULL)
		return NULL;
	for (const char *p = start; p < end; p++) {
		if (*p == '\\' || *p == '\n' || *p == '\t' || *p == '\r') {
			if (n > 0 && text[n - 1] != ' ')
				text[n++] = ' ';
			continue;
		}
		if (*p == ' ' && n > 0 && text[n - 1] == ' ')
			continue;
		text[n++] = *p;
	}
	while (n > 0 && text[n - 1] == ' ')
		n--;
	text[n] = '\0';
	return text;
}

static int parse_rule(struct parser *ps, struct rule *r)
{
	int line = ps->tok.line;
	next(ps); /* "rule" */
	if (ps->tok.kind != TOK_WORD) {
		fail(ps, "expected a rule id after \"rule\"");
		return -EINVAL;
	}
	r->id = strdup(ps->tok.text);
	r->line = line;
	next(ps);
	if (is_word(ps, "error"))
		r->severity = BD_SEVERITY_ERROR;
	else if (is_word(ps, "warning"))
		r->severity = BD_SEVERITY_WARNING;
	else if (is_word(ps, "off"))
		r->severity = BD_SEVERITY_OFF;
	else
		fail(ps,
		     "expected a severity (error, warning, off), got \"%s\"",
		     ps->tok.text);
	next(ps);
	r->scope = SCOPE_DOCUMENT;
	if (is_word(ps, "per")) {
		next(ps);
		if (is_word(ps, "line"))
			r->scope = SCOPE_LINE;
		else if (is_word(ps, "project"))
			r->scope = SCOPE_PROJECT;
		else if (is_word(ps, "class"))
			r->scope = SCOPE_CLASS;
		else
			fail(ps,
			     "expected line, project or class after \"per\"");
		next(ps);
	}
	if (ps->tok.kind != TOK_STRING)
		fail(ps, "expected the rule's message in double quotes");
	r->message = strdup(ps->tok.text);
	next(ps);
	skip_newlines(ps);
	const char *start = ps->tok.start;
	r->left = parse_sum(ps, r->scope);
	if (is_op(ps, "%"))
		fail(ps, "a percentage only multiplies or tolerates: write "
			 "QUANTITY * N%% or within N%%");
	r->left_text = source_text(start, ps->tok.start);
	if (!ps->failed && parse_compare(ps, &r->cmp)) {
		start = ps->tok.start;
		r->right = parse_sum(ps, r->scope);
		r->right_text = source_text(start, ps->tok.start);
		if (is_op(ps, "%"))
			fail(ps,
			     "a percentage only multiplies or tolerates: write "
			     "QUANTITY * N%% or within N%%");
	}
	if (!ps->failed && is_word(ps, "within")) {
		next(ps);
		r->has_tolerance = true;
		r->tolerance = parse_atom(ps, r->scope);
		if (r->tolerance && r->tolerance->kind != NODE_AMOUNT)
			fail(ps, "\"within\" takes an amount or a percentage");
		if (!ps->failed && is_op(ps, "%")) {
			r->tolerance_percent = true;
			next(ps);
		}
	}
	if (!ps->failed && ps->tok.kind != TOK_NEWLINE &&
	    ps->tok.kind != TOK_END)
		fail(ps, "unexpected \"%s\" after the comparison",
		     ps->tok.text);
	return ps->failed ? -EINVAL : 0;
}

static void rule_free(struct rule *r)
{
	free(r->id);
	free(r->message);
	free(r->file);
	free(r->left_text);
	free(r->right_text);
	node_free(r->left);
	node_free(r->right);
	node_free(r->tolerance);
}

void rules_free(struct rule_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		rule_free(&set->rules[i]);
	free(set->rules);
	set->rules = NULL;
	set->n = 0;
}

int rules_parse(const char *file, const char *text, struct rule_set *set,
		char *err, size_t err_size)
{
	struct parser ps = {.file = file,
			    .p = text,
			    .line = 1,
			    .column = 1,
			    .err = err,
			    .err_size = err_size};
	next(&ps);
	for (;;) {
		skip_newlines(&ps);
		if (ps.failed || ps.tok.kind == TOK_END)
			break;
		if (!is_word(&ps, "rule")) {
			fail(&ps, "expected \"rule\", got \"%s\"", ps.tok.text);
			break;
		}
		void *grown =
		    realloc(set->rules, (set->n + 1) * sizeof *set->rules);
		if (grown == NULL) {
			fail(&ps, "out of memory");
			break;
		}
		set->rules = grown;
		struct rule *r = &set->rules[set->n++];
		memset(r, 0, sizeof *r);
		r->file = strdup(file);
		if (parse_rule(&ps, r) < 0)
			break;
		for (size_t i = 0; i + 1 < set->n; i++) {
			if (strcmp(set->rules[i].id, r->id) == 0) {
				ps.tok.line = r->line;
				ps.tok.column = 1;
				fail(&ps, "rule %s is already defined at %s:%d",
				     r->id, set->rules[i].file,
				     set->rules[i].line);
				break;
			}
		}
	}
	return ps.failed ? -EINVAL : 0;
}

/*
 * Lines and cells.  Published text comes in three layouts: cells separated
 * by tabs (empty cells kept), by " | " (empty cells dropped), or by runs of
 * spaces (pdftotext -layout).  CSV keeps every cell.  Everything downstream
 * sees only lines of typed cells.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grow.h"
#include "parse.h"
#include "utf8.h"

extern char **environ;

/* The length of the space at s, looking at no more than n bytes (input
 * text is not NUL-terminated).  U+3000 IDEOGRAPHIC SPACE and U+00A0
 * NO-BREAK SPACE appear in PDF text. */
static size_t space_in(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	if (n == 0)
		return 0;
	if (*u == ' ' || *u == '\t' || *u == '\r' || *u == '\f')
		return 1;
	if (n >= 3 && u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	if (n >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	return 0;
}

/* The same within a NUL-terminated string. */
static size_t space_at(const char *s)
{
	return space_in(s, strnlen(s, 3));
}

void imp_squeeze(const char *text, char *out, size_t size)
{
	size_t o = 0;
	if (size == 0)
		return;
	for (const char *p = text; *p;) {
		size_t sp = space_at(p);
		if (sp) {
			p += sp;
			continue;
		}
		/* Whole characters only: a cut never leaves half of one. */
		unsigned char c = (unsigned char)*p;
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (strnlen(p, len) < len || o + len + 1 > size)
			break;
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	out[o] = '\0';
}

bool imp_has(const char *squeezed, const char *needle)
{
	return strstr(squeezed, needle) != NULL;
}

int imp_amount_parse(const char *text, struct imp_amount *amount)
{
	const char *p = text;
	uint64_t m = 0;
	int int_digits = 0, group = 0, scale = 0;
	bool commas = false;

	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (m > UINT64_MAX / 10 - 9)
				return -EINVAL;
			m = m * 10 + (uint64_t)(*p - '0');
			int_digits++;
			group++;
		} else if (*p == ',' && int_digits > 0 &&
			   (commas ? group == 3 : group <= 3)) {
			commas = true;
			group = 0;
		} else {
			break;
		}
	}
	if (int_digits == 0 || (commas && group != 3))
		return -EINVAL;
	if (*p == '.') {
		p++;
		/* "232. 31": the PDF broke the amount at the point. */
		if (*p == ' ' && p[1] >= '0' && p[1] <= '9')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++, scale++) {
			if (m > UINT64_MAX / 10 - 9 || scale >= 6)
				return -EINVAL;
			m = m * 10 + (uint64_t)(*p - '0');
		}
	}
	if (*p != '\0')
		return -EINVAL;
	amount->mantissa = m;
	amount->scale = scale;
	return 0;
}

int imp_amount_fen(const struct imp_amount *amount, bool wanyuan, int64_t *fen)
{
	int shift = (wanyuan ? 6 : 2) - amount->scale;
	uint64_t m = amount->mantissa;
	for (; shift < 0; shift++) {
		if (m % 10 != 0)
			return -ERANGE;
		m /= 10;
	}
	for (; shift > 0; shift--) {
		if (m > (uint64_t)INT64_MAX / 10)
			return -ERANGE;
		m *= 10;
	}
	/* The model's own limit, ±9e15 元. */
	if (m > 900000000000000000ULL)
		return -ERANGE;
	*fen = (int64_t)m;
	return 0;
}

/* ---- cells ---- */

static char *trimmed_copy(const char *s, size_t n)
{
	while (n > 0 && space_in(s, n)) {
		size_t k = space_in(s, n);
		s += k;
		n = n > k ? n - k : 0;
	}
	while (n > 0) {
		if (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\t' ||
		    s[n - 1] == '\n')
			n--;
		else if (n >= 3 && (unsigned char)s[n - 3] == 0xe3 &&
			 (unsigned char)s[n - 2] == 0x80 &&
			 (unsigned char)s[n - 1] == 0x80)
			n -= 3;
		else
			break;
	}
	char *c = malloc(n + 1);
	if (c) {
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

static void classify(struct imp_cell *c)
{
	const char *t = c->text;
	c->digits = 0;
	if (*t == '\0') {
		c->kind = IMP_EMPTY;
		return;
	}
	/* A dash is a printed nil: a zero that holds its column, where an
	 * empty cell may have been dropped by the layout. */
	if (strcmp(t, "-") == 0 || strcmp(t, "—") == 0 ||
	    strcmp(t, "－") == 0 || strcmp(t, "--") == 0) {
		c->kind = IMP_AMOUNT;
		c->amount = (struct imp_amount){0, 0};
		return;
	}
	if (imp_amount_parse(t, &c->amount) == 0) {
		c->kind = IMP_AMOUNT;
		if (strspn(t, "0123456789") == strlen(t))
			c->digits = (int)strlen(t);
		return;
	}
	c->kind = IMP_TEXT;
}

struct cell_list {
	struct imp_cell *cells;
	int n, cap;
};

static int push_cell(struct cell_list *l, const char *s, size_t n, bool keep)
{
	char *text = trimmed_copy(s, n);
	if (text == NULL)
		return -ENOMEM;
	if (*text == '\0' && !keep) {
		free(text);
		return 0;
	}
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 8;
		struct imp_cell *c = realloc(l->cells, (size_t)cap * sizeof *c);
		if (c == NULL) {
			free(text);
			return -ENOMEM;
		}
		l->cells = c;
		l->cap = cap;
	}
	struct imp_cell *c = &l->cells[l->n++];
	c->text = text;
	c->col = c->end_col = -1;
	classify(c);
	return 0;
}

/*
 * Length of an amount at the start of s that is glued to words after it
 * ("31,214,205.80一、一般公共服务支出", pdfjs; "31,214,205.80 一、…",
 * pdftotext), or 0.  Only amounts with a comma or a point count: a bare
 * number before words is an ordinal or a code.
 */
static size_t glued_amount(const char *s)
{
	size_t i = 0;
	bool mark = false;
	while (isdigit((unsigned char)s[i]) ||
	       (s[i] == ',' && isdigit((unsigned char)s[i + 1])) ||
	       (s[i] == '.' && isdigit((unsigned char)s[i + 1]))) {
		mark |= s[i] == ',' || s[i] == '.';
		i++;
	}
	if (i == 0 || !mark || s[i] == '\0')
		return 0;
	size_t after = i;
	while (s[after] == ' ')
		after++;
	/* Words start with a non-ASCII character (Chinese) here. */
	if (!((unsigned char)s[after] & 0x80))
		return 0;
	char buf[40];
	if (i >= sizeof buf)
		return 0;
	memcpy(buf, s, i);
	buf[i] = '\0';
	struct imp_amount a;
	return imp_amount_parse(buf, &a) == 0 ? i : 0;
}

/*
 * "16,231,840.80 16,093,326.00": amounts a tight layout set one space apart.
 * Only formatted amounts (a comma or a point in each) are split: digit runs
 * with single spaces are codes ("410704220 000000007 639").  Returns how
 * many amounts were found and their [start, end) offsets, or 0.
 */
static int amount_run(const char *s, size_t *starts, size_t *ends, int max)
{
	int count = 0;
	size_t i = 0, n = strlen(s);
	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			break;
		size_t j = i;
		while (j < n && s[j] != ' ')
			j++;
		/* "232. 31": the point's broken amount stays one token. */
		if (j > i && s[j - 1] == '.' && j + 1 < n &&
		    isdigit((unsigned char)s[j + 1]))
			for (j++; j < n && s[j] != ' '; j++)
				;
		char token[48];
		struct imp_amount a;
		if (count == max || j - i >= sizeof token)
			return 0;
		memcpy(token, s + i, j - i);
		token[j - i] = '\0';
		if (!strpbrk(token, ",.") || imp_amount_parse(token, &a) != 0)
			return 0;
		starts[count] = i;
		ends[count++] = j;
		i = j;
	}
	return count;
}

/*
 * "一、一般公共预算资金 91,016,775.35 一、一般公共服务支出": a tight summary
 * row sets the income label, its amount and the expenditure label one space
 * apart.  Finds the first formatted amount (a comma or a point) standing
 * one space after words and before more of them; [*start, *end) is it.
 */
static bool amount_between_words(const char *s, size_t *start, size_t *end)
{
	for (const char *sp = strchr(s, ' '); sp != NULL;
	     sp = strchr(sp + 1, ' ')) {
		if (sp == s || !((unsigned char)sp[-1] & 0x80))
			continue; /* the amount must follow words */
		const char *a = sp + 1, *b = a;
		while (*b && *b != ' ')
			b++;
		if (*b != ' ' || !((unsigned char)b[1] & 0x80))
			continue; /* …and come before more of them */
		char token[48];
		struct imp_amount amount;
		if ((size_t)(b - a) >= sizeof token)
			continue;
		memcpy(token, a, (size_t)(b - a));
		token[b - a] = '\0';
		if (!strpbrk(token, ",.") ||
		    imp_amount_parse(token, &amount) != 0)
			continue;
		*start = (size_t)(a - s);
		*end = (size_t)(b - s);
		return true;
	}
	return false;
}

static int push_split(struct cell_list *l, const char *s, size_t n, bool keep)
{
	while (n > 0 && space_in(s, n) == 1 && *s != '\t')
		s++, n--;
	char *tmp = trimmed_copy(s, n);
	if (tmp == NULL)
		return -ENOMEM;
	size_t g = glued_amount(tmp);
	size_t starts[16], ends[16], a, b;
	int run, rc = 0;
	if (g == 0 && amount_between_words(tmp, &a, &b)) {
		rc = push_cell(l, tmp, a, keep);
		if (rc == 0)
			rc = push_cell(l, tmp + a, b - a, keep);
		if (rc == 0)
			rc = push_split(l, tmp + b, strlen(tmp + b), keep);
	} else if (g > 0) {
		rc = push_cell(l, tmp, g, keep);
		if (rc == 0)
			rc = push_cell(l, tmp + g, strlen(tmp + g), keep);
	} else if ((run = amount_run(tmp, starts, ends, 16)) > 1) {
		for (int k = 0; k < run && rc == 0; k++)
			rc = push_cell(l, tmp + starts[k], ends[k] - starts[k],
				       keep);
	} else {
		rc = push_cell(l, tmp, strlen(tmp), keep);
	}
	free(tmp);
	return rc;
}

int imp_chars(const char *s, size_t n)
{
	int chars = 0;
	for (size_t i = 0; i < n && s[i]; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	return chars;
}

/* Gives the cells pushed since `first` their columns: the segment starts
 * at byte `start` of the line. */
static void place(struct cell_list *l, int first, const char *s, size_t start,
		  size_t n)
{
	while (start < n && space_in(s + start, n - start))
		start += space_in(s + start, n - start);
	int col = imp_chars(s, start);
	for (int k = first; k < l->n; k++) {
		/* pdftotext starts each word at the column of its x
		 * position, and a Chinese character is as wide as two of
		 * those columns. */
		int w = (int)utf8_display_width(l->cells[k].text);
		l->cells[k].col = col;
		l->cells[k].end_col = col + w;
		col += w + 1;
	}
}

/* One character of a CJK script, alone in a cell. */
static bool single_cjk(const struct imp_cell *c)
{
	const unsigned char *u = (const unsigned char *)c->text;
	return c->kind == IMP_TEXT && u[0] >= 0xe0 && u[0] < 0xf0 &&
	       strlen(c->text) == 3;
}

/*
 * "收   入   总     计   1,000.00": a label set letter-spaced splits into
 * one cell per character.  On a row with amounts, runs of such cells are
 * one label again (a heading row, "类  款  项", has none and keeps its
 * cells).
 */
static void join_spaced_letters(struct cell_list *l)
{
	bool amounts = false;
	for (int k = 0; k < l->n; k++)
		amounts |= l->cells[k].kind == IMP_AMOUNT;
	if (!amounts)
		return;
	for (int k = 0; k + 1 < l->n; k++) {
		if (!single_cjk(&l->cells[k]) || !single_cjk(&l->cells[k + 1]))
			continue;
		int end = k + 1;
		while (end + 1 < l->n && single_cjk(&l->cells[end + 1]))
			end++;
		char *joined = malloc((size_t)(end - k + 1) * 3 + 1);
		if (joined == NULL)
			return; /* left split: the label is reported unknown */
		size_t o = 0;
		for (int j = k; j <= end; j++) {
			memcpy(joined + o, l->cells[j].text, 3);
			o += 3;
			if (j > k)
				free(l->cells[j].text);
		}
		joined[o] = '\0';
		free(l->cells[k].text);
		l->cells[k].text = joined;
		l->cells[k].end_col = l->cells[end].end_col;
		classify(&l->cells[k]);
		memmove(&l->cells[k + 1], &l->cells[end + 1],
			(size_t)(l->n - end - 1) * sizeof l->cells[0]);
		l->n -= end - k;
	}
}

static int split_line(struct imp_line *line, const char *s, size_t n)
{
	struct cell_list l = {0};
	int rc = 0;
	if (memchr(s, '\t', n)) {
		line->keeps_empty = true;
		size_t start = 0;
		for (size_t i = 0; i <= n && rc == 0; i++)
			if (i == n || s[i] == '\t') {
				rc = push_split(&l, s + start, i - start, true);
				start = i + 1;
			}
		/* Trailing empties say nothing: a row ends where it ends. */
		while (l.n > 0 && l.cells[l.n - 1].kind == IMP_EMPTY &&
		       l.cells[l.n - 1].text[0] == '\0')
			free(l.cells[--l.n].text);
	} else if (memchr(s, '|', n)) {
		size_t start = 0;
		for (size_t i = 0; i <= n && rc == 0; i++)
			if (i == n || s[i] == '|') {
				rc =
				    push_split(&l, s + start, i - start, false);
				start = i + 1;
			}
	} else {
		/* Two or more spaces (or one ideographic space) part cells. */
		size_t start = 0, i = 0;
		while (i < n && rc == 0) {
			size_t sp = 0, j = i;
			int count = 0;
			while (j < n && (sp = space_in(s + j, n - j)) != 0) {
				count += sp == 3 ? 2 : 1;
				j += sp;
			}
			if (j > i && (count >= 2 || j == n)) {
				int first = l.n;
				rc =
				    push_split(&l, s + start, i - start, false);
				place(&l, first, s, start, n);
				start = j;
				i = j;
			} else {
				i = j > i ? j : i + 1;
			}
		}
		if (rc == 0 && start < n) {
			int first = l.n;
			rc = push_split(&l, s + start, n - start, false);
			place(&l, first, s, start, n);
		}
		line->positioned = true;
		join_spaced_letters(&l);
	}
	line->cells = l.cells;
	line->n_cells = l.n;
	return rc;
}

/* ---- CSV (RFC 4180, as Excel writes it) ---- */

static int csv_record(struct imp_line *line, const char **pp, const char *end)
{
	struct cell_list l = {0};
	const char *p = *pp;
	char *field = malloc(end - p + 1);
	int rc = field ? 0 : -ENOMEM;
	line->keeps_empty = true;
	while (rc == 0) {
		size_t f = 0;
		if (p < end && *p == '"') {
			for (p++; p < end; p++) {
				if (*p == '"' && p + 1 < end && p[1] == '"')
					field[f++] = *p++;
				else if (*p == '"')
					break;
				else
					field[f++] = *p;
			}
			if (p < end)
				p++;
		}
		while (p < end && *p != ',' && *p != '\n')
			field[f++] = *p++;
		rc = push_cell(&l, field, f, true);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end)
			p++;
		break;
	}
	free(field);
	while (l.n > 0 && l.cells[l.n - 1].text[0] == '\0')
		free(l.cells[--l.n].text);
	line->cells = l.cells;
	line->n_cells = l.n;
	*pp = p;
	return rc;
}

/* ---- the whole input ---- */

/*
 * A page number printed inside the text ("- 12 -", "— 12 —", "第 12 页",
 * "第12页 共30页", "12/30"): not a row of the table it interrupts.
 */
static bool printed_page_number(const char *s, size_t n)
{
	char sq[64];
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t sp = space_in(s + i, n - i);
		if (sp) {
			i += sp - 1;
			continue;
		}
		if (o + 1 >= sizeof sq)
			return false;
		sq[o++] = s[i];
	}
	sq[o] = '\0';
	if (o == 0)
		return false;
	const char *p = sq;
	static const char *const opens[] = {"-", "—", "第", NULL};
	static const char *const closes[] = {"-", "—", "页", NULL};
	bool open = false;
	for (int k = 0; opens[k]; k++)
		if (strncmp(p, opens[k], strlen(opens[k])) == 0) {
			p += strlen(opens[k]);
			open = true;
			break;
		}
	size_t digits = strspn(p, "0123456789");
	if (digits == 0 || digits > 4)
		return false;
	p += digits;
	if (!open) /* "12/30" */
		return *p == '/' && strspn(p + 1, "0123456789") > 0 &&
		       p[1 + strspn(p + 1, "0123456789")] == '\0';
	for (int k = 0; closes[k]; k++)
		if (strncmp(p, closes[k], strlen(closes[k])) == 0) {
			p += strlen(closes[k]);
			/* "第12页共30页" */
			if (strncmp(p, "共", 3) == 0) {
				p += 3;
				p += strspn(p, "0123456789");
				if (strncmp(p, "页", 3) == 0)
					p += 3;
			}
			return *p == '\0';
		}
	return false;
}

static int page_mark(const char *s, size_t n)
{
	int page, of;
	char buf[64];
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sscanf(buf, "===== page %d =====", &page) == 1)
		return page;
	if (sscanf(buf, "-- %d of %d --", &page, &of) == 2)
		return page + 1; /* the mark closes its page */
	return 0;
}

static int add_line(struct imp_input *in, size_t *cap)
{
	if (GROW(in->lines, *cap, in->n_lines + 1, 256) < 0)
		return -ENOMEM;
	memset(&in->lines[in->n_lines], 0, sizeof in->lines[0]);
	return 0;
}

int imp_input_parse(struct imp_input *in, const char *text, size_t len,
		    bool csv, int first_page, const char *file)
{
	size_t cap = in->n_lines, lineno = 0;
	int page = first_page;
	const char *p = text, *end = text + len;
	/* "-- 1 of 31 --" closes page 1: the lines before it are on it.  A
	 * form feed ends a page, so text with them starts on page 1 too. */
	if (page == 0 && !csv &&
	    (memmem(text, len, "\n-- 1 of ", 9) || memchr(text, '\f', len)))
		page = 1;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		lineno++;
		int rc = add_line(in, &cap);
		if (rc)
			return rc;
		struct imp_line *line = &in->lines[in->n_lines];
		line->page = page;
		line->lineno = (int)lineno;
		line->file = file;
		const char *start = p;
		if (csv) {
			rc = csv_record(line, &p, end);
			line->raw = trimmed_copy(start, (size_t)(p - start));
		} else {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			p += n + (nl != NULL);
			/* pdftotext ends each page with a form feed. */
			const char *ff;
			while ((ff = memchr(start, '\f', n)) != NULL) {
				page++;
				line->page = page;
				n -= (size_t)(ff + 1 - start);
				start = ff + 1;
			}
			int mark = page_mark(start, n);
			if (mark > 0 || printed_page_number(start, n) ||
			    (lineno <= 3 && n > 0 && *start == '#')) {
				if (mark > 0)
					page = mark;
				continue;
			}
			line->raw = trimmed_copy(start, n);
			line->indent = 0;
			for (const char *q = start;
			     q < start + n &&
			     space_in(q, (size_t)(start + n - q)) && *q != '\t';
			     q += space_in(q, (size_t)(start + n - q)))
				line->indent++;
			rc = line->raw ? split_line(line, start, n) : -ENOMEM;
		}
		if (line->raw == NULL)
			rc = -ENOMEM;
		if (rc == 0) {
			size_t n = strlen(line->raw) + 1;
			line->squeezed = malloc(n);
			if (line->squeezed)
				imp_squeeze(line->raw, line->squeezed, n);
			else
				rc = -ENOMEM;
		}
		in->n_lines++;
		if (rc)
			return rc;
	}
	/* A closing mark or form feed after the last page starts none. */
	for (size_t i = 0; i < in->n_lines; i++)
		if (in->lines[i].raw[0] && in->lines[i].page > in->pages)
			in->pages = in->lines[i].page;
	return 0;
}

void imp_input_free(struct imp_input *in)
{
	for (size_t i = 0; i < in->n_lines; i++) {
		for (int c = 0; c < in->lines[i].n_cells; c++)
			free(in->lines[i].cells[c].text);
		free(in->lines[i].cells);
		free(in->lines[i].raw);
		free(in->lines[i].squeezed);
	}
	free(in->lines);
	memset(in, 0, sizeof *in);
}

/* ---- reading ---- */

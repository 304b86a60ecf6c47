#include "names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_noise(uint32_t c)
{
	static const uint32_t noise[] = {
	    ' ',    '\t',   '\n',   '\r',   0x3000, '(',    ')',    0xff08,
	    0xff09, '[',    ']',    0x3010, 0x3011, ',',    0xff0c, 0x3001,
	    '.',    0x3002, 0x00b7, '-',    0x2014, 0x2013, ':',    0xff1a,
	    ';',    0xff1b, '"',    '\'',   0x201c, 0x201d, 0x2018, 0x2019,
	};
	for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++)
		if (noise[i] == c)
			return true;
	return false;
}

int cp_normalise(const char *utf8, struct cp_string *out)
{
	size_t len = strlen(utf8);
	const unsigned char *p = (const unsigned char *)utf8;
	out->cp = malloc((len + 1) * sizeof *out->cp);
	out->n = 0;
	if (out->cp == NULL)
		return -ENOMEM;
	while (*p) {
		uint32_t c;
		size_t n;
		if (*p < 0x80)
			c = *p, n = 1;
		else if ((*p & 0xe0) == 0xc0)
			c = *p & 0x1f, n = 2;
		else if ((*p & 0xf0) == 0xe0)
			c = *p & 0x0f, n = 3;
		else if ((*p & 0xf8) == 0xf0)
			c = *p & 0x07, n = 4;
		else
			c = 0xfffd, n = 1;
		for (size_t k = 1; k < n; k++) {
			if ((p[k] & 0xc0) != 0x80) {
				c = 0xfffd;
				n = k;
				break;
			}
			c = (c << 6) | (p[k] & 0x3f);
		}
		p += n;
		if (!is_noise(c))
			out->cp[out->n++] = c;
	}
	return 0;
}

void cp_free(struct cp_string *s)
{
	free(s->cp);
	s->cp = NULL;
	s->n = 0;
}

bool cp_equal(const struct cp_string *a, const struct cp_string *b)
{
	return a->n == b->n && memcmp(a->cp, b->cp, a->n * sizeof *a->cp) == 0;
}

bool cp_is_wrapped_prefix(const struct cp_string *printed,
			  const struct cp_string *full)
{
	return printed->n >= 4 && printed->n < full->n &&
	       memcmp(printed->cp, full->cp,
		      printed->n * sizeof *printed->cp) == 0;
}

size_t cp_distance(const struct cp_string *a, const struct cp_string *b,
		   size_t max)
{
	size_t diff = a->n > b->n ? a->n - b->n : b->n - a->n;
	if (diff > max)
		return max + 1;
	size_t *row = malloc((b->n + 1) * sizeof *row);
	if (row == NULL)
		return max + 1;
	for (size_t j = 0; j <= b->n; j++)
		row[j] = j;
	for (size_t i = 1; i <= a->n; i++) {
		size_t diagonal = row[0], best = i;
		row[0] = i;
		for (size_t j = 1; j <= b->n; j++) {
			size_t up = row[j];
			size_t cost = a->cp[i - 1] == b->cp[j - 1] ? 0 : 1;
			size_t v = diagonal + cost;
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diagonal = up;
			if (v < best)
				best = v;
		}
		if (best > max) {
			free(row);
			return max + 1;
		}
	}
	size_t d = row[b->n];
	free(row);
	return d;
}

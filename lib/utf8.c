#include "utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static size_t sequence_length(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 0;
}

long utf8_invalid_at(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t len = sequence_length(s[i]);
		if (len == 0 || i + len > n)
			return (long)i;
		if (len == 1) {
			i++;
			continue;
		}
		uint32_t cp = s[i] & (0xff >> (len + 1));
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (long)i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (long)i;
		i += len;
	}
	return -1;
}

void utf8_trim_partial(char *s)
{
	size_t n = strlen(s);
	/* Walk back over continuation bytes to the lead byte, at most 3. */
	size_t back = 0;
	while (back < n && back < 4 && (s[n - 1 - back] & 0xc0) == 0x80)
		back++;
	if (back == n)
		return;
	size_t lead = n - 1 - back;
	size_t len = sequence_length((unsigned char)s[lead]);
	if (len > 1 && len != back + 1)
		s[lead] = '\0';
}

/* East Asian Wide and Fullwidth ranges (Unicode UAX #11): CJK, Hangul,
 * fullwidth forms. */
static bool is_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) ||
	       (cp >= 0x2e80 && cp <= 0xa4cf) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) ||
	       (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) ||
	       (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) ||
	       (cp >= 0x20000 && cp <= 0x3fffd);
}

size_t utf8_display_width(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t width = 0;
	while (*p) {
		uint32_t cp;
		size_t len;
		if (*p < 0x80)
			cp = *p, len = 1;
		else if ((*p & 0xe0) == 0xc0)
			cp = *p & 0x1f, len = 2;
		else if ((*p & 0xf0) == 0xe0)
			cp = *p & 0x0f, len = 3;
		else if ((*p & 0xf8) == 0xf0)
			cp = *p & 0x07, len = 4;
		else
			cp = '?', len = 1;
		for (size_t k = 1; k < len; k++) {
			if ((p[k] & 0xc0) != 0x80) {
				len = k;
				break;
			}
			cp = (cp << 6) | (p[k] & 0x3f);
		}
		/* Combining marks take no column. */
		if (!(cp >= 0x300 && cp <= 0x36f))
			width += is_wide(cp) ? 2 : 1;
		p += len;
	}
	return width;
}

#include "grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int grow_to(void *array, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t n = *cap ? *cap : (first ? first : 1);
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	if (size != 0 && n > SIZE_MAX / size)
		return -ENOMEM;
	/* The caller's pointer may be of any object type: read and write it
	 * as bytes rather than through a void ** it is not. */
	void *items;
	memcpy(&items, array, sizeof items);
	void *grown = realloc(items, n * size);
	if (grown == NULL)
		return -ENOMEM;
	memcpy(array, &grown, sizeof grown);
	*cap = n;
	return 0;
}

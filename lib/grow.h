/*
 * Arrays that grow by doubling.  Every growing array in budgetd keeps its
 * count and its capacity beside it; each used to write out the same
 * realloc-and-double by hand, without checking that the doubled size
 * still fits in a size_t.  GROW is that step once, checked.
 */
#ifndef BUDGETD_GROW_H
#define BUDGETD_GROW_H

#include <stddef.h>

/* Makes *array (a pointer to the first of *cap elements of size bytes)
 * hold at least need elements: *cap doubles, starting from first when
 * it is 0.  Returns 0, or -ENOMEM when memory or size_t runs out; then
 * *array and *cap are as they were, still the caller's to free. */
int grow_to(void *array, size_t *cap, size_t need, size_t size, size_t first);

static inline int grow_array(void *array, size_t *cap, size_t need, size_t size,
			     size_t first)
{
	return need <= *cap ? 0 : grow_to(array, cap, need, size, first);
}

/* GROW(t->rows, t->cap_rows, t->n_rows + 1, 64): array is any object
 * pointer lvalue, cap its size_t capacity. */
#define GROW(array, cap, need, first)                                          \
	grow_array(&(array), &(cap), (need), sizeof *(array), (first))

#endif

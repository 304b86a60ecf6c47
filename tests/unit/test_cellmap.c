#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "cellmap.h"

/* Keys shaped like the totals' (slot, year, value packed high to low):
 * many share their low bits, which a weak hash would pile up. */
static uint64_t shaped(uint64_t i)
{
	return (i % 12) << 60 | (i % 7) << 53 | i / 84;
}

static void test_add_find_grow(void **state)
{
	struct cellmap m;
	(void)state;
	assert_int_equal(cellmap_init(&m), 0);
	assert_null(cellmap_find(&m, 42));
	assert_int_equal(cellmap_add(&m, 42, 22338), 0);
	assert_int_equal(cellmap_add(&m, 42, -38), 0);
	assert_int_equal(cellmap_find(&m, 42)->amount, 22300);
	/* Key 0 is a key like any other. */
	assert_int_equal(cellmap_add(&m, 0, -5), 0);
	assert_int_equal(cellmap_find(&m, 0)->amount, -5);
	/* Twenty thousand keys: the map grows and loses none. */
	for (uint64_t i = 1; i <= 20000; i++) {
		struct cellmap_cell *c =
		    cellmap_get(&m, shaped(i) | 1ULL << 52);
		assert_non_null(c);
		c->amount += (bd_fen)i;
		c->count++;
	}
	assert_int_equal(m.n_used, 20002);
	assert_true(m.n_used * 2 <= m.n_slots);
	bd_fen sum = 0;
	int64_t count = 0;
	size_t visited = 0;
	for (struct cellmap_cell *c = cellmap_first(&m); c;
	     c = cellmap_next(&m, c), visited++) {
		sum += c->amount;
		count += c->count;
	}
	assert_int_equal(visited, 20002);
	assert_int_equal(sum, 22300 - 5 + 20000LL * 20001 / 2);
	assert_int_equal(count, 20000);
	assert_int_equal(cellmap_find(&m, shaped(4321) | 1ULL << 52)->amount,
			 4321);
	assert_null(cellmap_find(&m, shaped(20001) | 1ULL << 52));
	/* The empty marker is never a key. */
	assert_null(cellmap_get(&m, CELLMAP_EMPTY));
	assert_null(cellmap_find(&m, CELLMAP_EMPTY));
	assert_int_equal(cellmap_add(&m, CELLMAP_EMPTY, 1), -ENOMEM);
	/* Sums that would overflow are refused and change nothing. */
	assert_int_equal(cellmap_add(&m, 7, INT64_MAX - 1), 0);
	assert_int_equal(cellmap_add(&m, 7, 2), -EOVERFLOW);
	assert_int_equal(cellmap_find(&m, 7)->amount, INT64_MAX - 1);
	cellmap_free(&m);
	assert_null(m.cells);
}

static void test_clear_keeps_slots(void **state)
{
	struct cellmap m;
	(void)state;
	assert_int_equal(cellmap_init(&m), 0);
	for (uint64_t i = 0; i < 300; i++)
		assert_int_equal(cellmap_add(&m, i * 977, 1), 0);
	size_t slots = m.n_slots;
	cellmap_clear(&m);
	assert_int_equal(m.n_used, 0);
	assert_int_equal(m.n_slots, slots);
	assert_null(cellmap_first(&m));
	assert_null(cellmap_find(&m, 977));
	/* A cleared cell starts again from zero. */
	assert_int_equal(cellmap_add(&m, 977, 3), 0);
	assert_int_equal(cellmap_find(&m, 977)->amount, 3);
	assert_int_equal(cellmap_find(&m, 977)->count, 0);
	cellmap_free(&m);
}

/* The layout moves whenever a kept cell pointer could go stale (a key
 * added, the cells moved, the keys cleared), and only then: amounts move
 * in place. */
static void test_layout(void **state)
{
	(void)state;
	struct cellmap m;
	assert_int_equal(cellmap_init(&m), 0);
	uint64_t layout = m.layout;
	assert_int_equal(cellmap_add(&m, 7, 100), 0);
	assert_true(m.layout != layout);
	layout = m.layout;
	struct cellmap_cell *kept = cellmap_find(&m, 7);
	assert_int_equal(cellmap_add(&m, 7, -40), 0);
	cellmap_get(&m, 7)->count++;
	assert_true(m.layout == layout);
	assert_ptr_equal(cellmap_find(&m, 7), kept);
	assert_int_equal(kept->amount, 60);
	/* Growing moves every cell: the layout moves with it. */
	const struct cellmap_cell *cells = m.cells;
	uint64_t key = 8;
	while (m.cells == cells) {
		layout = m.layout;
		assert_int_equal(cellmap_add(&m, key++, 1), 0);
		assert_true(m.layout != layout);
	}
	layout = m.layout;
	cellmap_clear(&m);
	assert_true(m.layout != layout);
	cellmap_free(&m);
}

/* After cellmap_reserve(m, n), n new keys move no cell: a pointer taken
 * before them still points at its cell (the totals plugin looks each
 * total up once and moves it later through the pointer). */
static void test_reserve_keeps_pointers(void **state)
{
	(void)state;
	struct cellmap m;
	assert_int_equal(cellmap_init(&m), 0);
	enum { KEPT = 20, MORE = 500 };
	struct cellmap_cell *kept[KEPT];
	assert_int_equal(cellmap_reserve(&m, KEPT + MORE), 0);
	const struct cellmap_cell *cells = m.cells;
	for (uint64_t k = 0; k < KEPT; k++) {
		kept[k] = cellmap_get(&m, k * 977);
		assert_non_null(kept[k]);
		kept[k]->amount = (bd_fen)k;
	}
	for (uint64_t k = 0; k < MORE; k++)
		assert_non_null(cellmap_get(&m, 1000000 + k));
	assert_ptr_equal(m.cells, cells); /* nothing grew */
	for (uint64_t k = 0; k < KEPT; k++) {
		assert_ptr_equal(cellmap_find(&m, k * 977), kept[k]);
		assert_int_equal(kept[k]->amount, (bd_fen)k);
	}
	/* Without the room reserved the same inserts grow the map. */
	assert_int_equal(cellmap_reserve(&m, 0), 0);
	for (uint64_t k = 0; m.cells == cells; k++)
		assert_non_null(cellmap_get(&m, 2000000 + k));
	assert_int_equal(cellmap_find(&m, 19 * 977)->amount, 19);
	cellmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_find_grow),
	    cmocka_unit_test(test_clear_keeps_slots),
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_reserve_keeps_pointers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

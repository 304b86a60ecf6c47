/*
 * The 主管部门 index: for each 主管部门 code, the positions in dept_list of
 * the departments under it, ascending.  A question about one 主管部门 (or a
 * few) reads those departments only, in the order a full scan would, so
 * its answer is the full scan's to the byte; without the index it read
 * every department of the district to skip all but a handful.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "district.h"
#include "grow.h"

static struct district_parent *parent_of(const struct totals *t,
					 const char *parent)
{
	const bd_fen *at = strmap_find(&t->parent_index, parent);
	return at ? &t->parents[*at] : NULL;
}

int district_parents_reserve(struct totals *t, struct dept *d)
{
	char parent[32];
	district_dim_value(DIM_PARENT, d, NULL, parent, sizeof parent);
	if (t->parent_index.slots == NULL && strmap_init(&t->parent_index) < 0)
		return -ENOMEM;
	struct district_parent *p = parent_of(t, parent);
	if (p == NULL) {
		if (GROW(t->parents, t->cap_parents, t->n_parents + 1, 16) < 0)
			return -ENOMEM;
		if (strmap_set(&t->parent_index, parent, (bd_fen)t->n_parents) <
		    0)
			return -ENOMEM;
		p = &t->parents[t->n_parents++];
		memset(p, 0, sizeof *p);
	}
	if (GROW(p->depts, p->cap, p->n + 1, 4) < 0)
		return -ENOMEM;
	d->parent_slot = (size_t)(p - t->parents);
	return 0;
}

void district_parents_move(struct totals *t, size_t dept,
			   const struct dept *old, const struct dept *fresh)
{
	if (old != NULL && old->parent_slot == fresh->parent_slot)
		return;
	struct district_parent *p = old ? &t->parents[old->parent_slot] : NULL;
	for (size_t i = 0; p != NULL && i < p->n; i++)
		if (p->depts[i] == dept) {
			memmove(&p->depts[i], &p->depts[i + 1],
				(p->n - i - 1) * sizeof *p->depts);
			p->n--;
			break;
		}
	/* Reserved: cannot fail.  Kept ascending. */
	p = &t->parents[fresh->parent_slot];
	size_t at = p->n;
	while (at > 0 && p->depts[at - 1] > dept)
		at--;
	memmove(&p->depts[at + 1], &p->depts[at],
		(p->n - at) * sizeof *p->depts);
	p->depts[at] = dept;
	p->n++;
}

size_t district_parents_find(const struct totals *t, const char *parent,
			     const size_t **depts)
{
	const struct district_parent *p = parent_of(t, parent);
	*depts = p ? p->depts : NULL;
	return p ? p->n : 0;
}

void district_parents_free(struct totals *t)
{
	for (size_t i = 0; i < t->n_parents; i++)
		free(t->parents[i].depts);
	free(t->parents);
	strmap_free(&t->parent_index);
}

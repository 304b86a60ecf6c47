/*
 * The workflow's rows: transitions and control numbers are written by the
 * writer thread inside the job that carries their event (so an ack means
 * both are on disk), and read back by the loop thread at start.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_private.h"

static const char *column_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int store_write_transition(struct store *s, struct store_job *job,
			   const char *now)
{
	struct store_transition *t = job->rows;
	sqlite3_stmt *st = s->insert_transition;
	if (job->kind == STORE_JOB_SUBMISSION)
		t->revision = job->revision;
	snprintf(t->stored_at, sizeof t->stored_at, "%s", now);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job->seq);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->department, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 4, t->parent);
	sqlite3_bind_int(st, 5, t->year);
	sqlite3_bind_text(st, 6, t->stage, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, t->round);
	sqlite3_bind_text(st, 8, t->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, t->from_state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, t->to_state, -1, SQLITE_STATIC);
	if (t->revision)
		sqlite3_bind_int64(st, 11, t->revision);
	else
		sqlite3_bind_null(st, 11);
	sqlite3_bind_text(st, 12, t->actor, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 13, t->reason);
	store_bind_text_or_null(st, 14, t->approval_number);
	store_bind_text_or_null(st, 15, t->approval_date);
	store_bind_text_or_null(st, 16, t->concerns);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_transitions_each(struct store *s, const char *department, int year,
			   int (*each)(void *ctx,
				       const struct store_transition *t),
			   void *ctx)
{
	sqlite3_stmt *st;
	int rc = store_prepare_read(
	    s,
	    "SELECT seq, at, department, parent, year, stage, round, action,"
	    " from_state, to_state, revision, actor, reason, approval_number,"
	    " approval_date, concerns FROM transitions"
	    " WHERE (?1 IS NULL OR department = ?1) AND (?2 = 0 OR year = ?2)"
	    " ORDER BY seq",
	    &st);
	if (rc < 0)
		return rc;
	store_bind_text_or_null(st, 1, department);
	sqlite3_bind_int(st, 2, year);
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_transition t = {
		    .seq = (uint64_t)sqlite3_column_int64(st, 0),
		    .at = column_text(st, 1),
		    .year = sqlite3_column_int(st, 4),
		    .stage = column_text(st, 5),
		    .round = sqlite3_column_int(st, 6),
		    .action = column_text(st, 7),
		    .from_state = column_text(st, 8),
		    .to_state = column_text(st, 9),
		    .revision = sqlite3_column_int64(st, 10),
		    .actor = column_text(st, 11),
		    .reason = column_text(st, 12),
		    .approval_number = column_text(st, 13),
		    .approval_date = column_text(st, 14),
		    .concerns = column_text(st, 15),
		};
		snprintf(t.department, sizeof t.department, "%s",
			 column_text(st, 2));
		if (column_text(st, 3))
			snprintf(t.parent, sizeof t.parent, "%s",
				 column_text(st, 3));
		if ((rc = each(ctx, &t)) < 0)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_errno(src);
	sqlite3_finalize(st);
	return rc;
}

int store_write_controls(struct store *s, struct store_job *job,
			 const char *now)
{
	sqlite3 *db = s->writer;
	struct store_control_set *set = job->rows;
	sqlite3_stmt *next = NULL, *insert = NULL;
	snprintf(set->stored_at, sizeof set->stored_at, "%s", now);
	int rc = sqlite3_prepare_v2(db,
				    "SELECT COALESCE(MAX(version), 0) + 1 FROM"
				    " control_numbers WHERE year = ? AND"
				    " department = ?",
				    -1, &next, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    db,
		    "INSERT INTO control_numbers (year, department, version,"
		    " key, amount, seq, set_by, set_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    -1, &insert, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < set->n; i++) {
		struct store_control_department *dep = &set->departments[i];
		sqlite3_bind_int(next, 1, set->year);
		sqlite3_bind_text(next, 2, dep->code, -1, SQLITE_STATIC);
		rc = sqlite3_step(next);
		dep->version = sqlite3_column_int64(next, 0);
		sqlite3_reset(next);
		if (rc != SQLITE_ROW)
			break;
		rc = SQLITE_OK;
		for (size_t k = 0; rc == SQLITE_OK && k < dep->n_items; k++) {
			sqlite3_bind_int(insert, 1, set->year);
			sqlite3_bind_text(insert, 2, dep->code, -1,
					  SQLITE_STATIC);
			sqlite3_bind_int64(insert, 3, dep->version);
			sqlite3_bind_text(insert, 4, dep->items[k].key, -1,
					  SQLITE_STATIC);
			sqlite3_bind_int64(insert, 5, dep->items[k].amount);
			sqlite3_bind_int64(insert, 6, (sqlite3_int64)job->seq);
			sqlite3_bind_text(insert, 7, set->actor, -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(insert, 8, now, -1, SQLITE_STATIC);
			rc = sqlite3_step(insert);
			sqlite3_reset(insert);
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(next);
	sqlite3_finalize(insert);
	return rc;
}

/* Rows of control numbers as sql selects them (year, department,
 * version, key, amount, seq, set_by, set_at), bound to year and
 * department (NULL: any). */
static int controls_query(
    struct store *s, const char *sql, int year, const char *department,
    int (*each)(void *ctx, const struct store_control_row *row), void *ctx)
{
	sqlite3_stmt *st;
	int rc = store_prepare_read(s, sql, &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int(st, 1, year);
	store_bind_text_or_null(st, 2, department);
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_control_row row = {
		    .year = sqlite3_column_int(st, 0),
		    .department = column_text(st, 1),
		    .version = sqlite3_column_int64(st, 2),
		    .key = column_text(st, 3),
		    .amount = sqlite3_column_int64(st, 4),
		    .seq = (uint64_t)sqlite3_column_int64(st, 5),
		    .set_by = column_text(st, 6),
		    .set_at = column_text(st, 7),
		};
		if ((rc = each(ctx, &row)) < 0)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_errno(src);
	sqlite3_finalize(st);
	return rc;
}

int store_controls_each(struct store *s, int year,
			int (*each)(void *ctx,
				    const struct store_control_row *row),
			void *ctx)
{
	return controls_query(
	    s,
	    "SELECT c.year, c.department, c.version, c.key, c.amount, c.seq,"
	    " c.set_by, c.set_at FROM control_numbers c"
	    " WHERE (?1 = 0 OR c.year = ?1) AND (?2 IS NULL OR c.department = "
	    "?2)"
	    " AND c.version = (SELECT MAX(version) FROM control_numbers m"
	    "  WHERE m.year = c.year AND m.department = c.department)"
	    " ORDER BY c.year, c.department, c.key",
	    year, NULL, each, ctx);
}

int store_control_versions_each(
    struct store *s, int year, const char *department,
    int (*each)(void *ctx, const struct store_control_row *row), void *ctx)
{
	return controls_query(
	    s,
	    "SELECT year, department, version, key, amount, seq, set_by,"
	    " set_at FROM control_numbers WHERE year = ?1 AND department = ?2"
	    " ORDER BY version, key",
	    year, department, each, ctx);
}

int store_set_deadline(struct store *s, int year, const char *stage,
		       const char *date)
{
	sqlite3_stmt *st;
	char key[64];
	snprintf(key, sizeof key, "deadline:%d:%s", year, stage);
	int rc = sqlite3_prepare_v2(
	    s->admin,
	    date ? "INSERT OR REPLACE INTO meta VALUES (?1, ?2)"
		 : "DELETE FROM meta WHERE key = ?1",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (date)
		sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int store_deadlines_each(struct store *s, int year,
			 int (*each)(void *ctx, int year, const char *stage,
				     const char *date),
			 void *ctx)
{
	sqlite3_stmt *st;
	int rc = store_prepare_read(
	    s,
	    "SELECT key, value FROM meta WHERE key LIKE 'deadline:%'"
	    " ORDER BY key",
	    &st);
	if (rc < 0)
		return rc;
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		int y = 0;
		char stage[32] = "";
		if (sscanf(column_text(st, 0), "deadline:%d:%31s", &y, stage) !=
			2 ||
		    (year && y != year))
			continue;
		if ((rc = each(ctx, y, stage, column_text(st, 1))) < 0)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_errno(src);
	sqlite3_finalize(st);
	return rc;
}

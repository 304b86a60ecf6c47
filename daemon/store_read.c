/* Reads of the store that answer requests (loop thread, on the reader
 * connection): the latest revisions for a rebuild, one document, a
 * department's history and the event log as JSON, and the counts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_private.h"

/* The latest revision of every department and year, in seq order. */
static const char latest_sql[] =
    "SELECT r.department, r.year, r.number, r.document_id, r.seq,"
    " d.body FROM revisions r JOIN documents d ON d.id = r.document_id"
    " WHERE r.number = (SELECT MAX(number) FROM revisions r2"
    "  WHERE r2.department = r.department AND r2.year = r.year)"
    " ORDER BY r.seq";

static int each_latest(sqlite3_stmt *st,
		       int (*each)(void *ctx,
				   const struct store_revision_row *row),
		       void *ctx)
{
	int rc = 0, src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_revision_row row = {
		    .department = (const char *)sqlite3_column_text(st, 0),
		    .year = sqlite3_column_int(st, 1),
		    .revision = sqlite3_column_int64(st, 2),
		    .document_id = sqlite3_column_int64(st, 3),
		    .seq = (uint64_t)sqlite3_column_int64(st, 4),
		    .body = (const char *)sqlite3_column_text(st, 5),
		    .body_len = (size_t)sqlite3_column_bytes(st, 5),
		};
		if ((rc = each(ctx, &row)) < 0)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_errno(src);
	sqlite3_finalize(st);
	return rc;
}

int store_each_latest(struct store *s,
		      int (*each)(void *ctx,
				  const struct store_revision_row *row),
		      void *ctx)
{
	sqlite3_stmt *st;
	int rc = store_prepare_read(s, latest_sql, &st);
	return rc < 0 ? rc : each_latest(st, each, ctx);
}

/* A revision's number and body: number 0 asks for the latest. */
static const char document_sql[] =
    "SELECT r.number, d.body FROM revisions r"
    " JOIN documents d ON d.id = r.document_id"
    " WHERE r.department = ?1 AND r.year = ?2"
    " AND (?3 = 0 OR r.number = ?3) ORDER BY r.number DESC LIMIT 1";

static int step_document(sqlite3_stmt *st, const char *department, int year,
			 int64_t revision, char **body, int64_t *revision_out)
{
	int rc;
	sqlite3_bind_text(st, 1, department, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, year);
	sqlite3_bind_int64(st, 3, revision);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*revision_out = sqlite3_column_int64(st, 0);
		*body = strdup((const char *)sqlite3_column_text(st, 1));
		rc = *body ? 0 : -ENOMEM;
	} else {
		rc = src == SQLITE_DONE ? -ENOENT : store_errno(src);
	}
	sqlite3_reset(st); /* the caller's to step again or finalize */
	return rc;
}

int store_document(struct store *s, const char *department, int year,
		   int64_t revision, char **body, int64_t *revision_out)
{
	sqlite3_stmt *st;
	int rc = store_prepare_read(s, document_sql, &st);
	if (rc < 0)
		return rc;
	rc = step_document(st, department, year, revision, body, revision_out);
	sqlite3_finalize(st);
	return rc;
}

/* A read-only connection of its own to the store, for another thread. */
static int open_apart(const struct store *s, sqlite3 **db)
{
	int src = sqlite3_open_v2(s->path, db, SQLITE_OPEN_READONLY, NULL);
	if (src == SQLITE_OK)
		sqlite3_busy_timeout(*db, 5000);
	return src;
}

int store_document_apart(const struct store *s, const char *department,
			 int year, int64_t revision, char **body)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t number;
	int rc = -EIO;
	*body = NULL;
	if (open_apart(s, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, document_sql, -1, &st, NULL) == SQLITE_OK)
		rc = step_document(st, department, year, revision, body,
				   &number);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

int store_snapshot_open(const struct store *s, struct store_snapshot *snap)
{
	sqlite3_stmt *st = NULL;
	*snap = (struct store_snapshot){0};
	int src = open_apart(s, &snap->db);
	if (src == SQLITE_OK)
		src = sqlite3_exec(snap->db, "BEGIN", NULL, NULL, NULL);
	/* The transaction's first read fixes what it sees: every event up to
	 * last_seq, and nothing committed after. */
	if (src == SQLITE_OK)
		src = sqlite3_prepare_v2(
		    snap->db, "SELECT IFNULL(MAX(seq), 0) FROM events", -1, &st,
		    NULL);
	if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		snap->last_seq = (uint64_t)sqlite3_column_int64(st, 0);
		src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (src != SQLITE_OK) {
		log_error("store: a snapshot of %s: %s", s->path,
			  snap->db ? sqlite3_errmsg(snap->db)
				   : sqlite3_errstr(src));
		store_snapshot_close(snap);
		return store_errno(src);
	}
	return 0;
}

int store_snapshot_each_latest(
    struct store_snapshot *snap,
    int (*each)(void *ctx, const struct store_revision_row *row), void *ctx)
{
	sqlite3_stmt *st;
	int src = sqlite3_prepare_v2(snap->db, latest_sql, -1, &st, NULL);
	return src != SQLITE_OK ? store_errno(src) : each_latest(st, each, ctx);
}

int store_snapshot_document(struct store_snapshot *snap, const char *department,
			    int year, int64_t revision, char **body)
{
	int64_t number;
	*body = NULL;
	/* Prepared once a snapshot: verify reads thousands in a round. */
	int src = snap->document != NULL
		      ? SQLITE_OK
		      : sqlite3_prepare_v2(snap->db, document_sql, -1,
					   &snap->document, NULL);
	if (src != SQLITE_OK)
		return store_errno(src);
	return step_document(snap->document, department, year, revision, body,
			     &number);
}

void store_snapshot_close(struct store_snapshot *snap)
{
	sqlite3_finalize(snap->document);
	snap->document = NULL;
	if (snap->db != NULL) {
		sqlite3_exec(snap->db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(snap->db);
	}
	snap->db = NULL;
}

int store_history(struct store *s, const char *department, int year,
		  cJSON *array)
{
	sqlite3_stmt *st;
	int rc = store_prepare_read(
	    s,
	    "SELECT d.id, d.received_at, d.year, d.outcome, e.seq, r.number,"
	    " json_array_length(d.findings), length(d.body)"
	    " FROM documents d JOIN events e ON e.document_id = d.id"
	    " LEFT JOIN revisions r ON r.document_id = d.id"
	    " WHERE d.department = ?1 AND (?2 = 0 OR d.year = ?2)"
	    " ORDER BY d.id",
	    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, department, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, year);
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		if (o == NULL)
			break;
		cJSON_AddNumberToObject(o, "document_id",
					(double)sqlite3_column_int64(st, 0));
		cJSON_AddStringToObject(
		    o, "received_at", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddNumberToObject(o, "year", sqlite3_column_int(st, 2));
		cJSON_AddStringToObject(
		    o, "outcome", (const char *)sqlite3_column_text(st, 3));
		cJSON_AddNumberToObject(o, "seq",
					(double)sqlite3_column_int64(st, 4));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			cJSON_AddNumberToObject(
			    o, "revision", (double)sqlite3_column_int64(st, 5));
		cJSON_AddNumberToObject(o, "findings",
					sqlite3_column_int(st, 6));
		cJSON_AddNumberToObject(o, "bytes", sqlite3_column_int(st, 7));
		cJSON_AddItemToArray(array, o);
	}
	rc = src == SQLITE_DONE ? 0 : store_errno(src);
	sqlite3_finalize(st);
	return rc;
}

int store_findings(struct store *s, const char *department, int year,
		   int64_t document_id, cJSON *reply)
{
	sqlite3_stmt *st;
	int rc = store_prepare_read(
	    s,
	    "SELECT d.id, d.received_at, d.year, d.outcome, r.number,"
	    " d.findings, CASE WHEN json_valid(d.body)"
	    " THEN json_extract(d.body, '$.unit') END FROM documents d"
	    " LEFT JOIN revisions r ON r.document_id = d.id"
	    " WHERE d.department = ?1 AND (?2 = 0 OR d.year = ?2)"
	    " AND (?3 = 0 OR d.id = ?3) ORDER BY d.id DESC LIMIT 1",
	    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, department, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, year);
	sqlite3_bind_int64(st, 3, document_id);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		cJSON_AddNumberToObject(reply, "document_id",
					(double)sqlite3_column_int64(st, 0));
		cJSON_AddStringToObject(
		    reply, "received_at",
		    (const char *)sqlite3_column_text(st, 1));
		cJSON_AddNumberToObject(reply, "year",
					sqlite3_column_int(st, 2));
		cJSON_AddStringToObject(
		    reply, "outcome", (const char *)sqlite3_column_text(st, 3));
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			cJSON_AddNumberToObject(
			    reply, "revision",
			    (double)sqlite3_column_int64(st, 4));
		/* The unit the findings' amounts are in: the document's
		 * (万元 when it names none, as budget-submission/1 says). */
		const char *unit = (const char *)sqlite3_column_text(st, 6);
		cJSON_AddStringToObject(reply, "unit",
					unit && (strcmp(unit, "元") == 0 ||
						 strcmp(unit, "万元") == 0)
					    ? unit
					    : "万元");
		/* Written by budgetd itself, as a JSON array: passed on. */
		cJSON_AddItemToObject(
		    reply, "findings",
		    cJSON_CreateRaw((const char *)sqlite3_column_text(st, 5)));
		rc = 0;
	} else {
		rc = src == SQLITE_DONE ? -ENOENT : store_errno(src);
	}
	sqlite3_finalize(st);
	return rc;
}

int store_counts(struct store *s, struct store_counts *c)
{
	pthread_mutex_lock(&s->lock);
	*c = s->counted;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int store_recount(struct store *s, struct store_counts *c)
{
	sqlite3_stmt *st;
	memset(c, 0, sizeof *c);
	int rc = store_prepare_read(
	    s,
	    "SELECT (SELECT COUNT(*) FROM documents),"
	    " (SELECT COUNT(*) FROM documents WHERE outcome = 'accepted'),"
	    " (SELECT COUNT(*) FROM documents WHERE outcome = 'rejected'),"
	    " (SELECT COUNT(*) FROM documents WHERE outcome = 'invalid'),"
	    " (SELECT COUNT(*) FROM revisions),"
	    " (SELECT COALESCE(MAX(seq), 0) FROM events)",
	    &st);
	if (rc < 0)
		return rc;
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		c->documents = sqlite3_column_int64(st, 0);
		c->accepted = sqlite3_column_int64(st, 1);
		c->rejected = sqlite3_column_int64(st, 2);
		c->invalid = sqlite3_column_int64(st, 3);
		c->revisions = sqlite3_column_int64(st, 4);
		c->last_seq = (uint64_t)sqlite3_column_int64(st, 5);
	}
	rc = src == SQLITE_ROW ? 0 : store_errno(src);
	sqlite3_finalize(st);
	return rc;
}

int store_events_since(struct store *s, uint64_t since, int limit, cJSON *array)
{
	sqlite3_stmt *st;
	int rc = store_prepare_read(
	    s,
	    "SELECT seq, at, kind, department, year, revision,"
	    " document_id, changes FROM events WHERE seq > ?1"
	    " ORDER BY seq LIMIT ?2",
	    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	sqlite3_bind_int(st, 2, limit);
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		if (o == NULL)
			break;
		cJSON_AddNumberToObject(o, "seq",
					(double)sqlite3_column_int64(st, 0));
		cJSON_AddStringToObject(
		    o, "at", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddStringToObject(
		    o, "kind", (const char *)sqlite3_column_text(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			cJSON_AddStringToObject(
			    o, "department",
			    (const char *)sqlite3_column_text(st, 3));
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			cJSON_AddNumberToObject(o, "year",
						sqlite3_column_int(st, 4));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			cJSON_AddNumberToObject(
			    o, "revision", (double)sqlite3_column_int64(st, 5));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			cJSON_AddNumberToObject(
			    o, "document_id",
			    (double)sqlite3_column_int64(st, 6));
		/* Written by budgetd itself, as a JSON array: passed through.
		 */
		if (sqlite3_column_type(st, 7) != SQLITE_NULL)
			cJSON_AddItemToObject(
			    o, "changes",
			    cJSON_CreateRaw(
				(const char *)sqlite3_column_text(st, 7)));
		cJSON_AddItemToArray(array, o);
	}
	rc = src == SQLITE_DONE ? 0 : store_errno(src);
	sqlite3_finalize(st);
	return rc;
}

/* ---- credentials (loop thread, rare writes) ---- */

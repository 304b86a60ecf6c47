/* An OpenSpending Babbage-compatible read API over the district totals
 * (GET /api/3/cubes/…), on the HTTP listener. */
#ifndef BUDGETD_BABBAGE_H
#define BUDGETD_BABBAGE_H

#include "auth.h"
#include "http.h"

struct evhttp_request;

/* Answers req, a GET under /api/3/cubes, for who. */
void babbage_serve(struct http *h, struct evhttp_request *req,
		   const struct principal *who, const char *path,
		   const char *query);

#endif

/* The web console: its static files, and the names it labels codes with,
 * over the HTTP listener. */
#ifndef BUDGETD_CONSOLE_H
#define BUDGETD_CONSOLE_H

#include <stdbool.h>

#include "http.h"

struct evhttp_request;

/* Answers GET / (to the console) and GET /console/FILE; false when path
 * is neither. */
bool console_serve(struct http *h, struct evhttp_request *req,
		   const char *path);
/* GET /api/v1/names?year=Y: the catalogue's names of function and
 * economic codes, {"function":{"201":"一般公共服务支出",…},"economic":…}. */
void console_names(struct http *h, struct evhttp_request *req,
		   const char *query);

#endif

/* svc_int.h — the service's private helpers (svc__ prefix), shared by
 * its targets; nothing outside service/ includes this file. */
#ifndef SVC_INT_H
#define SVC_INT_H

#include "service/svc.h"

/* Write the message into err (when given) and return -EINVAL. */
int svc__fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Validate a cost; field is its name in messages. */
int svc__check_cost(const svc_cost *c, const char *field, char *err, size_t len);
/* Validate bug switches against those a target honours. */
int svc__check_bugs(unsigned bugs, unsigned allowed, const char *target, char *err, size_t len);
/* One job's work, drawn from the scheduler's PRNG. */
int64_t svc__cost(const svc_cost *c);

#endif

/*
 * Passwords in a PostgreSQL connection string (--dsn), kept out of every
 * message, log, report and command line: the URI form
 * (postgresql://user:PASSWORD@host/db, or ?password=PASSWORD) and the
 * key=value form (password=PASSWORD, quoted or not).
 */
#ifndef SIM_LIVE_DSN_H
#define SIM_LIVE_DSN_H

#include <stdbool.h>
#include <stddef.h>

/* dsn with each password replaced by "***", into buf. Returns buf. */
char *dsn_redact(const char *dsn, char *buf, size_t len);

/*
 * Replaces every occurrence of dsn's passwords in msg (in place) by "***":
 * for messages that quote the connection string, as libpq's parse errors
 * do. Returns msg.
 */
char *dsn_scrub(char *msg, size_t len, const char *dsn);

/*
 * Overwrites the passwords in s itself with '*' (same length), for the
 * process's own argv: /proc/PID/cmdline shows it to every user. Returns
 * whether s had a password.
 */
bool dsn_blank(char *s);

#endif

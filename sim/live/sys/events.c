/* The event messages (see events.h). */
#include "events.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *const names[LIVE_EV_COUNT] = {
    "start", "end", "skip",  "error", "done",  "exit",   "crash",
    "quit",  "db",  "lease", "write", "point", "export",
};

int live_msg_format(const struct live_msg *m, char *buf)
{
    return snprintf(buf, LIVE_MSG_MAX, "%s %" PRIu64 " %d %ld", names[m->kind], m->trigger, m->pid,
                    m->value);
}

int live_msg_parse(const char *buf, int n, struct live_msg *m)
{
    char text[LIVE_MSG_MAX + 1], kind[16];
    if (n <= 0 || n > LIVE_MSG_MAX)
        return -EINVAL;
    memcpy(text, buf, (size_t)n);
    text[n] = 0;
    *m = (struct live_msg){0};
    if (sscanf(text, "%15s %" SCNu64 " %d %ld", kind, &m->trigger, &m->pid, &m->value) < 3)
        return -EINVAL;
    for (int i = 0; i < LIVE_EV_COUNT; i++) {
        if (strcmp(kind, names[i]) == 0) {
            m->kind = (enum live_ev)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* Sends m from fd to the socket at path: 0 or negative errno. */
static int send_to(int fd, const char *path, const struct live_msg *m)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    char buf[LIVE_MSG_MAX];
    if (strlen(path) >= sizeof(a.sun_path))
        return -ENAMETOOLONG;
    strcpy(a.sun_path, path);
    int n = live_msg_format(m, buf);
    while (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&a, sizeof(a)) < 0)
        if (errno != EINTR)
            return -errno;
    return 0;
}

int live_msg_send(const char *path, const struct live_msg *m)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = send_to(fd, path, m);
    close(fd);
    return rc;
}

int live_msg_ask(const char *path, const struct live_msg *m, long *answer)
{
    sa_family_t autobind = AF_UNIX;
    char buf[32];
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    /* an abstract address of the kernel's choosing: nothing to clean up */
    int rc = bind(fd, (struct sockaddr *)&autobind, sizeof(autobind)) == 0 ? 0 : -errno;
    if (!rc)
        rc = send_to(fd, path, m);
    ssize_t got = -1;
    while (!rc && (got = recv(fd, buf, sizeof(buf) - 1, 0)) < 0)
        if (errno != EINTR)
            rc = -errno;
    if (!rc) {
        buf[got] = 0;
        rc = sscanf(buf, "%ld", answer) == 1 ? 0 : -EPROTO;
    }
    close(fd);
    return rc;
}

int live_msg_answer(int fd, const void *addr, unsigned addrlen, long answer)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld", answer);
    while (sendto(fd, buf, (size_t)n, MSG_DONTWAIT, (const struct sockaddr *)addr, addrlen) < 0)
        if (errno != EINTR)
            return -errno; /* the asker is gone (a crash at the point) */
    return 0;
}

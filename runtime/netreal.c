/* netreal.c — the net calls in real mode: non-blocking loopback TCP
 * sockets, each registered once (edge-triggered) with the scheduler's
 * epoll; a call that would block parks its task until the socket is ready
 * or its deadline passes. No blocking syscall runs on the scheduler thread
 * except the loop's own epoll wait when every task is blocked. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/net_int.h"

/* ---------------------------------------------------------------- endpoints */

/* "127.0.0.1:PORT" or "localhost:PORT" (loopback only); PORT may be 0 to
 * listen on any free port. */
static int parse_endpoint(const char *ep, struct sockaddr_in *sa)
{
    const char *colon = strrchr(ep, ':');
    char host[64], *end;
    if (!colon || colon == ep || (size_t)(colon - ep) >= sizeof host)
        return -EINVAL;
    memcpy(host, ep, (size_t)(colon - ep));
    host[colon - ep] = '\0';
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || port < 0 || port > 65535)
        return -EINVAL;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1", &sa->sin_addr) != 1)
        return -EINVAL;
    if (ntohl(sa->sin_addr.s_addr) >> 24 != 127)
        return -EINVAL; /* loopback only */
    return 0;
}

/* ---------------------------------------------------------------- the poller */

static int io_setup(gr_sched *s)
{
    if (s->epfd < 0 && (s->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
        return -errno;
    return 0;
}

static int io_register(gr_sched *s, gr__io *io)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = io};
    return epoll_ctl(s->epfd, EPOLL_CTL_ADD, io->fd, &ev) == 0 ? 0 : -errno;
}

void gr__io_poll(gr_sched *s, int64_t until)
{
    struct epoll_event evs[64];
    struct timespec ts = {0, 0}, *tp = &ts;
    if (until == GR_FOREVER) {
        tp = NULL;
    } else if (until > 0) {
        int64_t d = until - gr__clock_read(s);
        if (d > 0)
            ts = (struct timespec){.tv_sec = d / GR_S(1), .tv_nsec = d % GR_S(1)};
    }
    int n = epoll_pwait2(s->epfd, evs, 64, tp, NULL);
    for (int i = 0; i < n; i++) {
        gr__io *io = evs[i].data.ptr;
        uint32_t e = evs[i].events;
        if (e & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))
            gr__wake_all(s, &io->rq);
        if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            gr__wake_all(s, &io->wq);
    }
}

/* Park until woken on q (the socket became ready) or the deadline: 0 or
 * -ETIMEDOUT. */
static int io_wait(gr_sched *s, gr__waitq *q, gr_wait why, const char *ep, int64_t deadline)
{
    if (deadline != GR_FOREVER && deadline <= gr__clock_read(s))
        return -ETIMEDOUT;
    gr__waitq_push(q, gr__waiters(s->cur, 1, NULL));
    if (deadline != GR_FOREVER)
        gr__timer_arm(s, &s->cur->timer, deadline);
    s->io_waiting++;
    int fired = gr__park(s, why, ep, 0);
    s->io_waiting--;
    return fired >= 0 ? 0 : -ETIMEDOUT;
}

/* ---------------------------------------------------------------- conns */

static void set_linger0(int fd) /* close() then sends an RST */
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

/* A conn around a connected socket; on failure the socket is closed. */
static int conn_wrap(gr_sched *s, int fd, const char *ep, gr_conn **out)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    gr_conn *c = calloc(1, sizeof *c);
    if (!c || !(c->endpoint = strdup(ep))) {
        free(c);
        close(fd);
        return -ENOMEM;
    }
    c->s = s;
    c->io.fd = fd;
    c->points = gr__net_points();
    int rc = io_register(s, &c->io);
    if (rc < 0) {
        free(c->endpoint);
        free(c);
        close(fd);
        return rc;
    }
    gr__obj_add(s, &c->obj, GR__OBJ_CONN);
    *out = c;
    return 0;
}

void gr__real_conn_free(gr_conn *c)
{
    gr__obj_del(c->s, &c->obj);
    if (c->io.fd >= 0)
        close(c->io.fd);
    gr__points_free(&c->points);
    free(c->endpoint);
    free(c);
}

static int64_t leave(gr_conn *c, int64_t rc)
{
    if (--c->busy == 0 && c->closed)
        gr__real_conn_free(c);
    return rc;
}

/* A drop fault: reset the connection (RST) now; the conn stays its owner's,
 * its calls failing with -ECONNRESET until closed. */
static int drop(gr_conn *c)
{
    if (c->io.fd >= 0) {
        set_linger0(c->io.fd);
        close(c->io.fd);
        c->io.fd = -1;
    }
    gr__wake_all(c->s, &c->io.rq);
    gr__wake_all(c->s, &c->io.wq);
    return -ECONNRESET;
}

/* The fail point of op on c; 1 = carry on. */
static int64_t conn_fault(gr_sched *s, gr_conn *c, int op, size_t *len, int64_t deadline)
{
    gr_fault_res res;
    int f = gr__conn_fault(s, c, &c->points, c->endpoint, op, deadline, &res);
    if (c->closed || c->shut)
        return c->closed ? -EBADF : -ESHUTDOWN;
    if (f < 0 || res.drop)
        return res.drop ? drop(c) : f;
    if (res.short_bytes >= 0 && (uint64_t)res.short_bytes < *len)
        *len = op == GR__NET_READ && !res.short_bytes ? 1 : (size_t)res.short_bytes;
    return 1;
}

int64_t gr__real_read(gr_sched *s, gr_conn *c, void *buf, size_t len, int64_t deadline)
{
    c->busy++;
    int64_t rc = conn_fault(s, c, GR__NET_READ, &len, deadline);
    if (rc <= 0)
        return leave(c, rc);
    for (;;) {
        if (c->closed || c->shut)
            return leave(c, c->closed ? -EBADF : -ESHUTDOWN);
        if (c->io.fd < 0)
            return leave(c, -ECONNRESET);
        ssize_t n = read(c->io.fd, buf, len);
        if (n >= 0)
            return leave(c, n);
        if (errno != EAGAIN && errno != EINTR)
            return leave(c, -errno);
        if (errno == EAGAIN &&
            io_wait(s, &c->io.rq, GR_WAIT_NET_READ, c->endpoint, deadline) < 0)
            return leave(c, -ETIMEDOUT);
    }
}

int64_t gr__real_write(gr_sched *s, gr_conn *c, const void *buf, size_t len, int64_t deadline)
{
    c->busy++;
    int64_t rc = conn_fault(s, c, GR__NET_WRITE, &len, deadline);
    if (rc <= 0)
        return leave(c, rc);
    size_t done = 0;
    while (done < len) {
        if (c->closed || c->shut)
            return leave(c, c->closed ? -EBADF : -ESHUTDOWN);
        if (c->io.fd < 0)
            return leave(c, -ECONNRESET);
        ssize_t n = send(c->io.fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);
        if (n >= 0) {
            done += (size_t)n;
            continue;
        }
        if (errno != EAGAIN && errno != EINTR)
            return leave(c, -errno);
        if (errno == EAGAIN &&
            io_wait(s, &c->io.wq, GR_WAIT_NET_WRITE, c->endpoint, deadline) < 0)
            return leave(c, -ETIMEDOUT);
    }
    return leave(c, (int64_t)len);
}

int gr__real_shutdown(gr_conn *c)
{
    gr__wake_all(c->s, &c->io.rq);
    gr__wake_all(c->s, &c->io.wq);
    return 0;
}

int gr__real_shut(gr_conn *c, bool abortive)
{
    if (c->io.fd >= 0) {
        if (abortive)
            set_linger0(c->io.fd);
        close(c->io.fd);
        c->io.fd = -1;
    }
    c->closed = true;
    gr__wake_all(c->s, &c->io.rq);
    gr__wake_all(c->s, &c->io.wq);
    if (c->busy == 0)
        gr__real_conn_free(c);
    return 0;
}

int gr__real_connect(gr_sched *s, gr_conn **out, const char *endpoint, int64_t deadline)
{
    struct sockaddr_in sa;
    int rc = parse_endpoint(endpoint, &sa);
    if (rc < 0 || (rc = io_setup(s)) < 0)
        return rc;
    gr__points pts = gr__net_points(); /* no object to cache on yet */
    gr_fault_res res;
    rc = gr__net_fault(s, &pts, endpoint, GR__NET_CONNECT, deadline, &res);
    gr__points_free(&pts);
    if (rc < 0 || res.drop)
        return res.drop ? -ECONNRESET : rc;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
        rc = -errno;
        close(fd);
        return rc;
    }
    gr_conn *c;
    if ((rc = conn_wrap(s, fd, endpoint, &c)) < 0)
        return rc;
    /* In progress: writable once connected or failed; SO_ERROR tells. */
    for (;;) {
        int err = 0;
        socklen_t elen = sizeof err;
        struct sockaddr_in peer;
        socklen_t plen = sizeof peer;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
            err = errno;
        if (!err && getpeername(fd, (struct sockaddr *)&peer, &plen) == 0) {
            *out = c;
            return 0;
        }
        if (!err && io_wait(s, &c->io.wq, GR_WAIT_NET_CONNECT, endpoint, deadline) < 0)
            err = ETIMEDOUT;
        if (err) {
            gr__real_conn_free(c);
            return -err;
        }
    }
}

/* ---------------------------------------------------------------- listeners */

int gr__real_listen(gr_sched *s, gr_listener **out, const char *endpoint, int backlog)
{
    struct sockaddr_in sa;
    int rc = parse_endpoint(endpoint, &sa);
    if (rc < 0 || (rc = io_setup(s)) < 0)
        return rc;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0)
        return -errno;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    char ep[32];
    snprintf(ep, sizeof ep, "127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    gr_listener *l = calloc(1, sizeof *l);
    if (!l || !(l->endpoint = strdup(ep))) {
        free(l);
        close(fd);
        return -ENOMEM;
    }
    l->s = s;
    l->io.fd = fd;
    l->backlog = backlog;
    l->points = gr__net_points();
    if ((rc = io_register(s, &l->io)) < 0) {
        free(l->endpoint);
        free(l);
        close(fd);
        return rc;
    }
    gr__obj_add(s, &l->obj, GR__OBJ_LISTENER);
    *out = l;
    return 0;
}

void gr__real_listener_free(gr_listener *l)
{
    gr__obj_del(l->s, &l->obj);
    if (l->io.fd >= 0)
        close(l->io.fd);
    gr__points_free(&l->points);
    free(l->endpoint);
    free(l);
}

static int lleave(gr_listener *l, int rc)
{
    l->busy--;
    return rc;
}

int gr__real_accept(gr_sched *s, gr_listener *l, gr_conn **out, int64_t deadline)
{
    l->busy++;
    for (;;) {
        if (l->closed)
            return lleave(l, -EBADF);
        int fd = accept4(l->io.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            gr_fault_res res;
            int f = gr__net_fault(s, &l->points, l->endpoint, GR__NET_ACCEPT, deadline, &res);
            if (f < 0 || res.drop || l->closed) { /* the client sees a reset */
                set_linger0(fd);
                close(fd);
                if (res.drop && !l->closed)
                    continue;
                return lleave(l, l->closed ? -EBADF : f);
            }
            return lleave(l, conn_wrap(s, fd, l->endpoint, out));
        }
        if (errno == EAGAIN) {
            if (io_wait(s, &l->io.rq, GR_WAIT_NET_ACCEPT, l->endpoint, deadline) < 0)
                return lleave(l, -ETIMEDOUT);
        } else if (errno != EINTR && errno != ECONNABORTED) {
            return lleave(l, -errno);
        }
    }
}

int gr__real_listener_close(gr_listener *l)
{
    if (l->io.fd >= 0) {
        close(l->io.fd);
        l->io.fd = -1;
    }
    l->closed = true;
    gr__wake_all(l->s, &l->io.rq);
    return 0; /* l stays valid: see gr_listener_release */
}

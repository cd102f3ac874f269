// CShims: the C headers Swift needs (epoll, eventfd, timerfd, sockets, OpenSSL) and real functions
// for C macros Swift cannot import. Every function here is a thin, prefixed wrapper.
#ifndef CSHIMS_H
#define CSHIMS_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <signal.h>
#include <openssl/ssl.h>
#include <openssl/err.h>

/// errno as a function (Swift sees errno, but this keeps call sites uniform).
int cshim_errno(void);

#endif

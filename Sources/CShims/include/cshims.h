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

// Constants that Glibc exports as C enums or macros whose Swift import differs between
// glibc versions; naming them once here keeps the Swift side free of `.rawValue` guessing.
static const int CSHIM_SOCK_STREAM = SOCK_STREAM;
static const int CSHIM_SOCK_DGRAM = SOCK_DGRAM;
static const int CSHIM_SOCK_NONBLOCK = SOCK_NONBLOCK;
static const int CSHIM_SOCK_CLOEXEC = SOCK_CLOEXEC;
static const int CSHIM_IPPROTO_TCP = IPPROTO_TCP;
static const int CSHIM_IPPROTO_UDP = IPPROTO_UDP;
static const int CSHIM_IPPROTO_IPV6 = IPPROTO_IPV6;
static const int CSHIM_MSG_NOSIGNAL = MSG_NOSIGNAL;
static const int CSHIM_MSG_DONTWAIT = MSG_DONTWAIT;
static const int CSHIM_SHUT_RD = SHUT_RD;
static const int CSHIM_SHUT_WR = SHUT_WR;
static const int CSHIM_SHUT_RDWR = SHUT_RDWR;
static const int CSHIM_EPOLL_CLOEXEC = EPOLL_CLOEXEC;
static const unsigned int CSHIM_EPOLLIN = EPOLLIN;
static const unsigned int CSHIM_EPOLLOUT = EPOLLOUT;
static const unsigned int CSHIM_EPOLLERR = EPOLLERR;
static const unsigned int CSHIM_EPOLLHUP = EPOLLHUP;
static const unsigned int CSHIM_EPOLLRDHUP = EPOLLRDHUP;
static const int CSHIM_EFD_NONBLOCK = EFD_NONBLOCK;
static const int CSHIM_EFD_CLOEXEC = EFD_CLOEXEC;
static const int CSHIM_AI_PASSIVE = AI_PASSIVE;
static const int CSHIM_AI_NUMERICHOST = AI_NUMERICHOST;
static const int CSHIM_AI_NUMERICSERV = AI_NUMERICSERV;
static const int CSHIM_AI_ADDRCONFIG = AI_ADDRCONFIG;

/// epoll_wait through C, so Swift never has to reason about the packed `struct epoll_event`
/// layout on x86_64: the caller passes a buffer of `cshim_event` (unpacked) values.
typedef struct { unsigned int events; unsigned long long data; } cshim_event;
int cshim_epoll_wait(int epfd, cshim_event *out, int maxevents, int timeout_ms);
/// epoll_ctl with the registration data packed into `data.u64`.
int cshim_epoll_ctl(int epfd, int op, int fd, unsigned int events, unsigned long long data);

/// accept4(fd, NULL, NULL, SOCK_NONBLOCK|SOCK_CLOEXEC): Swift's Glibc view lacks _GNU_SOURCE.
int cshim_accept4(int fd);

#endif

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

/// Runs `fn(arg)` on the calling thread, switched onto a freshly mapped stack of `size` bytes
/// (with a guard page), and returns when it returns: 0, or -1 when the stack could not be made
/// (then `fn` has not run). Used once, by the executable, to run the interpreter (big_stack.c).
int cshim_run_on_big_stack(size_t size, void (*fn)(void *), void *arg);

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

// ---- OpenSSL: macros and struct access Swift cannot import, as prefixed functions ----
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>

static const long CSHIM_SSL_MODE_PARTIAL_AND_MOVING = SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
static const int CSHIM_TLS1_VERSION = TLS1_VERSION;
static const int CSHIM_TLS1_1_VERSION = TLS1_1_VERSION;
static const int CSHIM_TLS1_2_VERSION = TLS1_2_VERSION;
static const int CSHIM_TLS1_3_VERSION = TLS1_3_VERSION;
static const int CSHIM_SSL_ERROR_NONE = SSL_ERROR_NONE;
static const int CSHIM_SSL_ERROR_SSL = SSL_ERROR_SSL;
static const int CSHIM_SSL_ERROR_WANT_READ = SSL_ERROR_WANT_READ;
static const int CSHIM_SSL_ERROR_WANT_WRITE = SSL_ERROR_WANT_WRITE;
static const int CSHIM_SSL_ERROR_WANT_X509_LOOKUP = SSL_ERROR_WANT_X509_LOOKUP;
static const int CSHIM_SSL_ERROR_SYSCALL = SSL_ERROR_SYSCALL;
static const int CSHIM_SSL_ERROR_ZERO_RETURN = SSL_ERROR_ZERO_RETURN;
static const int CSHIM_SSL_VERIFY_NONE = SSL_VERIFY_NONE;
static const int CSHIM_SSL_VERIFY_PEER = SSL_VERIFY_PEER;
static const int CSHIM_SSL_VERIFY_FAIL_IF_NO_PEER_CERT = SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
static const int CSHIM_SSL_VERIFY_CLIENT_ONCE = SSL_VERIFY_CLIENT_ONCE;
static const int CSHIM_SSL_FILETYPE_PEM = SSL_FILETYPE_PEM;
static const long CSHIM_X509_V_OK = X509_V_OK;

long cshim_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
long cshim_SSL_set_mode(SSL *ssl, long mode);
int cshim_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
int cshim_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
int cshim_SSL_CTX_get_min_proto_version(SSL_CTX *ctx);
int cshim_SSL_CTX_get_max_proto_version(SSL_CTX *ctx);
int cshim_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
/// SSL_CTX_set_dh_auto(ctx, 1).
long cshim_SSL_CTX_set_dh_auto(SSL_CTX *ctx, int onoff);
/// Loads DH parameters (PEM "DH PARAMETERS") from `path` into the context; 1 on success.
int cshim_SSL_CTX_load_dh_params_file(SSL_CTX *ctx, const char *path);
/// SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION on the context.
void cshim_SSL_CTX_set_default_options(SSL_CTX *ctx);
/// Installs a cert callback (SSL_CTX_set_cert_cb) with an opaque argument.
void cshim_SSL_CTX_set_cert_cb(SSL_CTX *ctx, int (*cb)(SSL *, void *), void *arg);
/// The SSL object of an X509_STORE_CTX during verification (verify callbacks).
SSL *cshim_SSL_from_store_ctx(X509_STORE_CTX *store);
/// Opaque pointer slot on a context (SSL_CTX_set_ex_data index 0 reserved by CShims).
int cshim_SSL_CTX_set_app_ptr(SSL_CTX *ctx, void *p);
void *cshim_SSL_CTX_get_app_ptr(const SSL_CTX *ctx);
/// SSL_add1_chain_cert (per-connection chain certificate).
long cshim_SSL_add1_chain_cert(SSL *ssl, X509 *x);
/// ERR_GET_LIB / ERR_GET_REASON.
int cshim_ERR_GET_LIB(unsigned long e);
int cshim_ERR_GET_REASON(unsigned long e);
/// ERR_error_string_n into `buf`.
void cshim_ERR_error_string(unsigned long e, char *buf, size_t len);
/// Reads a PEM file holding certificates and private keys; each certificate followed by its
/// key gives a pair. Fills up to `max` entries (references owned by the caller; key may be
/// NULL when a certificate has no key after it). Returns the count, or -1 (error queue set).
int cshim_read_cert_key_pairs(const char *path, pem_password_cb *cb, void *u,
                              X509 **certs, EVP_PKEY **keys, int max);
/// Makes the SSL read `len` bytes (copied) before anything from its socket: plain bytes read
/// before SSL was attached, e.g. a ClientHello (prefix_bio.c). 1 on success.
int cshim_SSL_push_read_prefix(SSL *ssl, const void *bytes, size_t len);
/// SSL_set_fd with a socket BIO that uses recv/send (socket_bio.c); 1 on success.
int cshim_SSL_set_socket_fd(SSL *ssl, int fd);
/// Bytes of that prefix not yet consumed by OpenSSL (0 without one).
size_t cshim_SSL_read_prefix_pending(SSL *ssl);
/// X509_NAME_get_text_by_NID for a field named by short or long name ("CN", "organizationName").
int cshim_X509_NAME_field(X509_NAME *name, const char *field, char *buf, int len);

#endif

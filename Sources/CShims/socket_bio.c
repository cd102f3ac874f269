// socket_bio.c -- OpenSSL's socket BIO with recv(2)/send(2) instead of read(2)/write(2).
//
// On a socket, read(2) and write(2) go through the VFS layer (vfs_read/vfs_write,
// fdget_pos, sock_read_iter ...) before reaching the socket code that recv(2)/send(2) call
// directly; on loopback that is ~0.3 us of kernel time per call, and a TLS record costs two
// reads (header, body) and one write. Everything else (ctrl: fd, close flag, EOF, kTLS
// queries; create; destroy) is the stock socket BIO's, so the BIO behaves exactly like the
// one SSL_set_fd makes. send uses MSG_NOSIGNAL (SIGPIPE is ignored anyway).
//
// Not kTLS-aware: the stock BIO's read/write also handle kernel-TLS records, these do not.
// Nothing here enables kTLS (SSL_OP_ENABLE_KTLS is never set); if it ever is, this BIO must
// defer to the stock read/write for kTLS connections.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "cshims.h"
#include <pthread.h>

static BIO_METHOD *rs_method_ptr = NULL;
static pthread_once_t rs_once = PTHREAD_ONCE_INIT;

static int rs_read(BIO *b, char *out, int outl) {
    if (out == NULL || outl <= 0) return 0;
    int fd = -1;
    BIO_get_fd(b, &fd);
    errno = 0;
    int ret = (int)recv(fd, out, (size_t)outl, 0);
    BIO_clear_retry_flags(b);
    if (ret <= 0) {
        if (BIO_sock_should_retry(ret)) BIO_set_retry_read(b);
        else if (ret == 0) BIO_set_flags(b, BIO_FLAGS_IN_EOF);
    }
    return ret;
}

static int rs_write(BIO *b, const char *in, int inl) {
    int fd = -1;
    BIO_get_fd(b, &fd);
    errno = 0;
    int ret = (int)send(fd, in, (size_t)inl, MSG_NOSIGNAL);
    BIO_clear_retry_flags(b);
    if (ret <= 0 && BIO_sock_should_retry(ret)) BIO_set_retry_write(b);
    return ret;
}

static int rs_puts(BIO *b, const char *s) { return rs_write(b, s, (int)strlen(s)); }

static void rs_make(void) {
    const BIO_METHOD *sock = BIO_s_socket();
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                 "commlisp socket (recv/send)");
    if (m == NULL) return;
    BIO_meth_set_read(m, rs_read);
    BIO_meth_set_write(m, rs_write);
    BIO_meth_set_puts(m, rs_puts);
    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(sock));
    BIO_meth_set_create(m, BIO_meth_get_create(sock));
    BIO_meth_set_destroy(m, BIO_meth_get_destroy(sock));
    rs_method_ptr = m;
}

int cshim_SSL_set_socket_fd(SSL *ssl, int fd) {
    pthread_once(&rs_once, rs_make);
    if (rs_method_ptr == NULL) return SSL_set_fd(ssl, fd);  // fall back to the stock BIO
    BIO *bio = BIO_new(rs_method_ptr);
    if (bio == NULL) return 0;
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    SSL_set_bio(ssl, bio, bio);  // one reference, shared by both directions
    return 1;
}

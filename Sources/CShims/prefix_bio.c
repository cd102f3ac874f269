// prefix_bio.c -- a read filter BIO that hands out bytes received before SSL was attached.
//
// async-io-state-attach-ssl (and attach-ssl on a socket stream) may find plain bytes already
// read from the socket into the Lisp-side buffer: typically the peer's ClientHello, sent right
// after a STARTTLS-style line. OpenSSL reads from the socket BIO and would never see them, so
// the handshake would hang. This filter, pushed on top of the socket BIO as the SSL's read
// BIO, serves those bytes first and then reads through; writes and controls pass through.
#include "cshims.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    unsigned char *bytes;
    size_t len, pos;
} prefix_data;

static int prefix_read(BIO *b, char *out, int outl) {
    prefix_data *d = BIO_get_data(b);
    BIO *next = BIO_next(b);
    if (out == NULL || outl <= 0) return 0;
    BIO_clear_retry_flags(b);
    if (d != NULL && d->pos < d->len) {
        size_t n = d->len - d->pos;
        if (n > (size_t)outl) n = (size_t)outl;
        memcpy(out, d->bytes + d->pos, n);
        d->pos += n;
        return (int)n;
    }
    if (next == NULL) return 0;
    int r = BIO_read(next, out, outl);
    BIO_copy_next_retry(b);
    return r;
}

static int prefix_write(BIO *b, const char *in, int inl) {
    BIO *next = BIO_next(b);
    if (next == NULL) return 0;
    BIO_clear_retry_flags(b);
    int r = BIO_write(next, in, inl);
    BIO_copy_next_retry(b);
    return r;
}

static long prefix_ctrl(BIO *b, int cmd, long num, void *ptr) {
    prefix_data *d = BIO_get_data(b);
    BIO *next = BIO_next(b);
    if (cmd == BIO_CTRL_PENDING) {
        long rest = d != NULL ? (long)(d->len - d->pos) : 0;
        return rest + (next != NULL ? BIO_ctrl(next, cmd, num, ptr) : 0);
    }
    return next != NULL ? BIO_ctrl(next, cmd, num, ptr) : 0;
}

static int prefix_create(BIO *b) {
    BIO_set_data(b, NULL);
    BIO_set_init(b, 1);
    return 1;
}

static int prefix_destroy(BIO *b) {
    prefix_data *d = BIO_get_data(b);
    if (d != NULL) {
        free(d->bytes);
        free(d);
        BIO_set_data(b, NULL);
    }
    return 1;
}

static BIO_METHOD *prefix_method(void) {
    // Made once; the Lisp thread is the only caller.
    static BIO_METHOD *m = NULL;
    if (m == NULL) {
        m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_FILTER, "commlisp prefix");
        if (m == NULL) return NULL;
        BIO_meth_set_read(m, prefix_read);
        BIO_meth_set_write(m, prefix_write);
        BIO_meth_set_ctrl(m, prefix_ctrl);
        BIO_meth_set_create(m, prefix_create);
        BIO_meth_set_destroy(m, prefix_destroy);
    }
    return m;
}

int cshim_SSL_push_read_prefix(SSL *ssl, const void *bytes, size_t len) {
    if (len == 0) return 1;
    BIO *sock = SSL_get_rbio(ssl);
    BIO_METHOD *m = prefix_method();
    if (sock == NULL || m == NULL) return 0;
    prefix_data *d = malloc(sizeof *d);
    if (d == NULL) return 0;
    d->bytes = malloc(len);
    if (d->bytes == NULL) { free(d); return 0; }
    memcpy(d->bytes, bytes, len);
    d->len = len;
    d->pos = 0;
    BIO *f = BIO_new(m);
    if (f == NULL) { free(d->bytes); free(d); return 0; }
    BIO_set_data(f, d);
    // The chain keeps its own reference to the socket BIO; SSL_set0_rbio drops the SSL's old
    // read reference to it (the write side keeps its own), and frees the chain with the SSL.
    BIO_up_ref(sock);
    BIO_push(f, sock);
    SSL_set0_rbio(ssl, f);
    return 1;
}

size_t cshim_SSL_read_prefix_pending(SSL *ssl) {
    BIO *r = SSL_get_rbio(ssl);
    return r != NULL ? (size_t)BIO_ctrl_pending(r) : 0;
}

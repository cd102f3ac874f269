#include "cshims.h"

int cshim_errno(void) { return errno; }

int cshim_epoll_wait(int epfd, cshim_event *out, int maxevents, int timeout_ms) {
    struct epoll_event evs[256];
    if (maxevents > 256) maxevents = 256;
    int n = epoll_wait(epfd, evs, maxevents, timeout_ms);
    for (int i = 0; i < n; i++) {
        out[i].events = evs[i].events;
        out[i].data = evs[i].data.u64;
    }
    return n;
}

int cshim_epoll_ctl(int epfd, int op, int fd, unsigned int events, unsigned long long data) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}

int cshim_accept4(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

long cshim_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
long cshim_SSL_set_mode(SSL *ssl, long mode) { return SSL_set_mode(ssl, mode); }
int cshim_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_min_proto_version(ctx, v); }
int cshim_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_max_proto_version(ctx, v); }
int cshim_SSL_CTX_get_min_proto_version(SSL_CTX *ctx) { return (int)SSL_CTX_get_min_proto_version(ctx); }
int cshim_SSL_CTX_get_max_proto_version(SSL_CTX *ctx) { return (int)SSL_CTX_get_max_proto_version(ctx); }
int cshim_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
long cshim_SSL_CTX_set_dh_auto(SSL_CTX *ctx, int onoff) { return SSL_CTX_set_dh_auto(ctx, onoff); }

int cshim_SSL_CTX_load_dh_params_file(SSL_CTX *ctx, const char *path) {
    BIO *bio = BIO_new_file(path, "r");
    if (!bio) return 0;
    EVP_PKEY *params = PEM_read_bio_Parameters(bio, NULL);
    BIO_free(bio);
    if (!params) return 0;
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, params) != 1) { EVP_PKEY_free(params); return 0; }
    return 1;
}

void cshim_SSL_CTX_set_default_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
}

void cshim_SSL_CTX_set_cert_cb(SSL_CTX *ctx, int (*cb)(SSL *, void *), void *arg) { SSL_CTX_set_cert_cb(ctx, cb, arg); }

SSL *cshim_SSL_from_store_ctx(X509_STORE_CTX *store) {
    return (SSL *)X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
}

int cshim_SSL_CTX_set_app_ptr(SSL_CTX *ctx, void *p) { return SSL_CTX_set_ex_data(ctx, 0, p); }
void *cshim_SSL_CTX_get_app_ptr(const SSL_CTX *ctx) { return SSL_CTX_get_ex_data(ctx, 0); }

long cshim_SSL_add1_chain_cert(SSL *ssl, X509 *x) { return SSL_add1_chain_cert(ssl, x); }
int cshim_ERR_GET_LIB(unsigned long e) { return ERR_GET_LIB(e); }
int cshim_ERR_GET_REASON(unsigned long e) { return ERR_GET_REASON(e); }
void cshim_ERR_error_string(unsigned long e, char *buf, size_t len) { ERR_error_string_n(e, buf, len); }

int cshim_read_cert_key_pairs(const char *path, pem_password_cb *cb, void *u,
                              X509 **certs, EVP_PKEY **keys, int max) {
    BIO *bio = BIO_new_file(path, "r");
    if (!bio) return -1;
    STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(bio, NULL, cb, u);
    BIO_free(bio);
    if (!infos) return -1;
    int n = 0;
    for (int i = 0; i < sk_X509_INFO_num(infos) && n < max; i++) {
        X509_INFO *info = sk_X509_INFO_value(infos, i);
        if (!info->x509) continue;
        X509_up_ref(info->x509);
        certs[n] = info->x509;
        keys[n] = NULL;
        if (info->x_pkey && info->x_pkey->dec_pkey) {
            EVP_PKEY_up_ref(info->x_pkey->dec_pkey);
            keys[n] = info->x_pkey->dec_pkey;
        } else if (i + 1 < sk_X509_INFO_num(infos)) {
            X509_INFO *next = sk_X509_INFO_value(infos, i + 1);
            if (!next->x509 && next->x_pkey && next->x_pkey->dec_pkey) {
                EVP_PKEY_up_ref(next->x_pkey->dec_pkey);
                keys[n] = next->x_pkey->dec_pkey;
            }
        }
        n++;
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    return n;
}

int cshim_X509_NAME_field(X509_NAME *name, const char *field, char *buf, int len) {
    int nid = OBJ_txt2nid(field);
    if (nid == NID_undef) return -1;
    return X509_NAME_get_text_by_NID(name, nid, buf, len);
}

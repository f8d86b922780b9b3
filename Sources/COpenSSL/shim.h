#ifndef INTERIMAP_COPENSSL_SHIM_H
#define INTERIMAP_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/evp.h>
#include <openssl/bio.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

/* Several OpenSSL entry points are macros over SSL_ctrl/SSL_CTX_ctrl, which Swift cannot import.
 * These static inline wrappers expose them as functions. */
static inline long interimap_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline int interimap_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int v) {
    return (int)SSL_CTX_set_min_proto_version(ctx, v);
}
static inline int interimap_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int v) {
    return (int)SSL_CTX_set_max_proto_version(ctx, v);
}
static inline long interimap_SSL_CTX_set_options(SSL_CTX *ctx, unsigned long op) {
    return (long)SSL_CTX_set_options(ctx, op);
}
static inline long interimap_SSL_CTX_clear_options(SSL_CTX *ctx, unsigned long op) {
    return (long)SSL_CTX_clear_options(ctx, op);
}
static inline long interimap_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline X509 *interimap_SSL_get_peer_certificate(const SSL *ssl) {
    return SSL_get1_peer_certificate(ssl);
}
static inline const char *interimap_OPENSSL_version(void) {
    return OpenSSL_version(OPENSSL_VERSION);
}
/* SSL_OP_* are 64-bit shifts (SSL_OP_BIT), which Swift does not import as constants. */
static inline uint64_t interimap_SSL_OP_NO_SSLv3(void) { return SSL_OP_NO_SSLv3; }
static inline uint64_t interimap_SSL_OP_NO_TLSv1(void) { return SSL_OP_NO_TLSv1; }
static inline uint64_t interimap_SSL_OP_NO_TLSv1_1(void) { return SSL_OP_NO_TLSv1_1; }
static inline uint64_t interimap_SSL_OP_NO_TLSv1_2(void) { return SSL_OP_NO_TLSv1_2; }
static inline uint64_t interimap_SSL_OP_NO_TLSv1_3(void) { return SSL_OP_NO_TLSv1_3; }
static inline uint64_t interimap_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
/* OPENSSL_free is a macro over CRYPTO_free with the caller's file and line. */
static inline void interimap_OPENSSL_free(void *p) { OPENSSL_free(p); }
#endif

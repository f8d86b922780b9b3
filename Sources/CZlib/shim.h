#ifndef INTERIMAP_CZLIB_SHIM_H
#define INTERIMAP_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2/inflateInit2 are macros (they pass ZLIB_VERSION and the struct size), which Swift
 * cannot call: these wrappers select raw deflate (negative window bits), as RFC 4978 section 4 requires. */
static inline int interimap_deflate_init_raw(z_streamp strm, int level) {
    return deflateInit2(strm, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
static inline int interimap_inflate_init_raw(z_streamp strm) {
    return inflateInit2(strm, -15);
}
#endif

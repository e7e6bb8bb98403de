#include "codec.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <openjpeg.h>

static char *message(const char *s) {
    size_t n = strlen(s);
    char *m = malloc(n + 1);
    if (m) memcpy(m, s, n + 1);
    return m;
}

static char *messagef(const char *format, long a, long b) {
    char buf[160];
    snprintf(buf, sizeof buf, format, a, b);
    return message(buf);
}

// JPEG through libjpeg-turbo. libjpeg reports errors by calling
// error_exit, which must not return: it jumps back to the caller.

struct jerr {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
};

static void jpeg_fail(j_common_ptr c) {
    struct jerr *e = (struct jerr *)c->err;
    (*c->err->format_message)(c, e->msg);
    longjmp(e->jump, 1);
}

static void jpeg_quiet(j_common_ptr c) { (void)c; }

char *uk_jpeg_decode(const uint8_t *data, size_t len, int gray, long maxpix,
                     uint8_t **out, int *w, int *h, int *ch) {
    struct jpeg_decompress_struct c;
    struct jerr e;
    uint8_t *volatile buf = NULL;
    *out = NULL;
    c.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = jpeg_fail;
    e.pub.output_message = jpeg_quiet;
    if (setjmp(e.jump)) {
        jpeg_destroy_decompress(&c);
        free(buf);
        return message(e.msg);
    }
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, data, (unsigned long)len);
    jpeg_read_header(&c, TRUE);
    if ((long)c.image_width * (long)c.image_height > maxpix) {
        long pw = c.image_width, ph = c.image_height;
        jpeg_destroy_decompress(&c);
        return messagef("JPEG of %ld × %ld pixels is larger than allowed", pw, ph);
    }
    c.out_color_space = gray ? JCS_GRAYSCALE : JCS_EXT_BGR;
    jpeg_start_decompress(&c);
    size_t stride = (size_t)c.output_width * (size_t)c.output_components;
    buf = malloc(stride * c.output_height + 1);
    if (!buf) {
        jpeg_destroy_decompress(&c);
        return message("JPEG: out of memory");
    }
    while (c.output_scanline < c.output_height) {
        JSAMPROW row = buf + stride * c.output_scanline;
        jpeg_read_scanlines(&c, &row, 1);
    }
    jpeg_finish_decompress(&c);
    *w = (int)c.output_width;
    *h = (int)c.output_height;
    *ch = c.output_components;
    jpeg_destroy_decompress(&c);
    *out = buf;
    return NULL;
}

char *uk_jpeg_encode(const uint8_t *px, int w, int h, int ch, size_t stride,
                     int quality, uint8_t **out, size_t *outlen) {
    struct jpeg_compress_struct c;
    struct jerr e;
    unsigned char *volatile buf = NULL;
    unsigned long n = 0;
    *out = NULL;
    *outlen = 0;
    if (ch != 1 && ch != 3) return message("JPEG: only 1 or 3 channels");
    c.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = jpeg_fail;
    e.pub.output_message = jpeg_quiet;
    if (setjmp(e.jump)) {
        jpeg_destroy_compress(&c);
        free(buf);
        return message(e.msg);
    }
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, (unsigned char **)&buf, &n);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = ch;
    c.in_color_space = ch == 1 ? JCS_GRAYSCALE : JCS_EXT_BGR;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(px + stride * c.next_scanline);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *out = buf;
    *outlen = n;
    return NULL;
}

// JPEG 2000 through OpenJPEG, on memory streams.

struct membuf {
    uint8_t *data;
    size_t len, cap, pos;
};

static OPJ_SIZE_T mem_read(void *p, OPJ_SIZE_T n, void *u) {
    struct membuf *b = u;
    if (b->pos >= b->len) return (OPJ_SIZE_T)-1;
    size_t k = b->len - b->pos;
    if (k > n) k = n;
    memcpy(p, b->data + b->pos, k);
    b->pos += k;
    return k;
}

static int mem_grow(struct membuf *b, size_t need) {
    if (need <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < need) cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) return 0;
    memset(d + b->cap, 0, cap - b->cap);
    b->data = d;
    b->cap = cap;
    return 1;
}

static OPJ_SIZE_T mem_write(void *p, OPJ_SIZE_T n, void *u) {
    struct membuf *b = u;
    if (!mem_grow(b, b->pos + n)) return (OPJ_SIZE_T)-1;
    memcpy(b->data + b->pos, p, n);
    b->pos += n;
    if (b->pos > b->len) b->len = b->pos;
    return n;
}

static OPJ_OFF_T mem_skip(OPJ_OFF_T n, void *u) {
    struct membuf *b = u;
    if (n < 0) {
        if ((size_t)(-n) > b->pos) n = -(OPJ_OFF_T)b->pos;
    } else if (b->cap == 0) {
        if ((size_t)n > b->len - b->pos) n = (OPJ_OFF_T)(b->len - b->pos);
    } else if (!mem_grow(b, b->pos + (size_t)n)) {
        return -1;
    }
    b->pos += n;
    if (b->cap && b->pos > b->len) b->len = b->pos;
    return n;
}

static OPJ_BOOL mem_seek(OPJ_OFF_T n, void *u) {
    struct membuf *b = u;
    if (n < 0 || (b->cap == 0 && (size_t)n > b->len)) return OPJ_FALSE;
    b->pos = (size_t)n;
    return OPJ_TRUE;
}

static void opj_note(const char *msg, void *u) {
    char *dst = u;
    if (dst[0] == 0) {
        strncpy(dst, msg, 255);
        dst[255] = 0;
        size_t n = strlen(dst);
        while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' ')) dst[--n] = 0;
    }
}

static void opj_drop(const char *msg, void *u) {
    (void)msg;
    (void)u;
}

static uint8_t sample(const opj_image_comp_t *c, int x, int y, int w, int h) {
    int cx = (int)((long)x * c->w / w), cy = (int)((long)y * c->h / h);
    int v = c->data[(size_t)cy * c->w + cx];
    if (c->sgnd) v += 1 << (c->prec - 1);
    if (c->prec > 8) v >>= c->prec - 8;
    else if (c->prec < 8) v <<= 8 - c->prec;
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

static uint8_t clamp(double v) { return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)(v + 0.5); }

char *uk_jp2_decode(const uint8_t *data, size_t len, int jp2, long maxpix,
                    uint8_t **out, int *w, int *h, int *ch) {
    char err[256] = {0};
    struct membuf b = {(uint8_t *)data, len, 0, 0};
    opj_image_t *img = NULL;
    *out = NULL;
    opj_stream_t *s = opj_stream_create(1 << 16, OPJ_TRUE);
    if (!s) return message("JPEG 2000: out of memory");
    opj_stream_set_user_data(s, &b, NULL);
    opj_stream_set_user_data_length(s, len);
    opj_stream_set_read_function(s, mem_read);
    opj_stream_set_skip_function(s, mem_skip);
    opj_stream_set_seek_function(s, mem_seek);
    opj_codec_t *c = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    opj_set_error_handler(c, opj_note, err);
    opj_set_warning_handler(c, opj_drop, NULL);
    opj_set_info_handler(c, opj_drop, NULL);
    opj_dparameters_t p;
    opj_set_default_decoder_parameters(&p);
    char *fail = NULL;
    if (!opj_setup_decoder(c, &p) || !opj_read_header(s, c, &img)) {
        fail = message(err[0] ? err : "JPEG 2000: unreadable header");
        goto done;
    }
    long iw = (long)img->x1 - img->x0, ih = (long)img->y1 - img->y0;
    if (img->numcomps < 1 || iw <= 0 || ih <= 0 || iw * ih > maxpix) {
        fail = messagef("JPEG 2000 of %ld × %ld pixels is empty or larger than allowed", iw, ih);
        goto done;
    }
    if (!opj_decode(c, s, img) || !opj_end_decompress(c, s)) {
        fail = message(err[0] ? err : "JPEG 2000: undecodable");
        goto done;
    }
    int n = img->numcomps >= 3 ? 3 : 1;
    int W = (int)img->comps[0].w, H = (int)img->comps[0].h;
    for (int k = 0; k < n; k++) {
        if (!img->comps[k].data || img->comps[k].w == 0 || img->comps[k].h == 0 ||
            img->comps[k].prec < 1 || img->comps[k].prec > 31) {
            fail = message("JPEG 2000: a component has no samples");
            goto done;
        }
    }
    if (W <= 0 || H <= 0 || (long)W * H > maxpix) {
        fail = messagef("JPEG 2000 of %ld × %ld pixels is empty or larger than allowed", W, H);
        goto done;
    }
    uint8_t *px = malloc((size_t)W * H * n + 1);
    if (!px) {
        fail = message("JPEG 2000: out of memory");
        goto done;
    }
    int sycc = img->color_space == OPJ_CLRSPC_SYCC;
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            uint8_t *o = px + ((size_t)y * W + x) * n;
            if (n == 1) {
                o[0] = sample(&img->comps[0], x, y, W, H);
                continue;
            }
            double r = sample(&img->comps[0], x, y, W, H);
            double g = sample(&img->comps[1], x, y, W, H);
            double bl = sample(&img->comps[2], x, y, W, H);
            if (sycc) {
                double Y = r, cb = g - 128, cr = bl - 128;
                r = Y + 1.402 * cr;
                g = Y - 0.344136 * cb - 0.714136 * cr;
                bl = Y + 1.772 * cb;
            }
            o[0] = clamp(bl), o[1] = clamp(g), o[2] = clamp(r);
        }
    }
    *out = px;
    *w = W;
    *h = H;
    *ch = n;
done:
    if (img) opj_image_destroy(img);
    opj_destroy_codec(c);
    opj_stream_destroy(s);
    return fail;
}

char *uk_jp2_encode(const uint8_t *px, int w, int h, int ch, size_t stride,
                    double rate, uint8_t **out, size_t *outlen) {
    char err[256] = {0};
    *out = NULL;
    *outlen = 0;
    if (ch != 1 && ch != 3) return message("JPEG 2000: only 1 or 3 channels");
    if (w <= 0 || h <= 0) return message("JPEG 2000: empty image");
    opj_image_cmptparm_t cp[3];
    memset(cp, 0, sizeof cp);
    for (int k = 0; k < ch; k++) {
        cp[k].dx = cp[k].dy = 1;
        cp[k].w = (OPJ_UINT32)w;
        cp[k].h = (OPJ_UINT32)h;
        cp[k].prec = 8;
        cp[k].sgnd = 0;
    }
    opj_image_t *img = opj_image_create((OPJ_UINT32)ch, cp, ch == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY);
    if (!img) return message("JPEG 2000: out of memory");
    img->x0 = img->y0 = 0;
    img->x1 = (OPJ_UINT32)w;
    img->y1 = (OPJ_UINT32)h;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = px + stride * y;
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (ch == 1) {
                img->comps[0].data[i] = row[x];
            } else {
                img->comps[0].data[i] = row[3 * x + 2];
                img->comps[1].data[i] = row[3 * x + 1];
                img->comps[2].data[i] = row[3 * x];
            }
        }
    }
    opj_cparameters_t p;
    opj_set_default_encoder_parameters(&p);
    p.tcp_numlayers = 1;
    p.tcp_rates[0] = (float)(rate > 1 ? rate : 0);
    p.cp_disto_alloc = 1;
    // Each resolution halves the image: small images get fewer levels.
    int side = w < h ? w : h;
    p.numresolution = 1;
    while (p.numresolution < 6 && (side >> p.numresolution) > 0) p.numresolution++;
    struct membuf b = {0};
    char *fail = NULL;
    opj_codec_t *c = opj_create_compress(OPJ_CODEC_JP2);
    opj_set_error_handler(c, opj_note, err);
    opj_set_warning_handler(c, opj_drop, NULL);
    opj_set_info_handler(c, opj_drop, NULL);
    opj_stream_t *s = opj_stream_create(1 << 16, OPJ_FALSE);
    if (!s) {
        fail = message("JPEG 2000: out of memory");
        goto done;
    }
    opj_stream_set_user_data(s, &b, NULL);
    opj_stream_set_write_function(s, mem_write);
    opj_stream_set_skip_function(s, mem_skip);
    opj_stream_set_seek_function(s, mem_seek);
    if (!opj_setup_encoder(c, &p, img) || !opj_start_compress(c, img, s) || !opj_encode(c, s) ||
        !opj_end_compress(c, s)) {
        fail = message(err[0] ? err : "JPEG 2000: encoding failed");
        goto done;
    }
done:
    if (s) opj_stream_destroy(s);
    opj_destroy_codec(c);
    opj_image_destroy(img);
    if (fail) {
        free(b.data);
        return fail;
    }
    *out = b.data;
    *outlen = b.len;
    return NULL;
}

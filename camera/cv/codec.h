// Image codecs the Go package cv decodes and encodes with directly:
// libjpeg-turbo for JPEG and OpenJPEG for JPEG 2000. Pixels are 8-bit,
// interleaved, B G R for colour. Functions return NULL on success or a
// message the caller frees with free(); *out buffers are malloc'ed and
// the caller frees them with free().
#ifndef UKETSUKE_CODEC_H
#define UKETSUKE_CODEC_H
#include <stddef.h>
#include <stdint.h>

// uk_jpeg_decode decodes a JPEG into *out (*h rows of *w × *ch bytes).
// gray asks for one channel. Images over maxpix pixels are refused
// before any pixel is decoded.
char *uk_jpeg_decode(const uint8_t *data, size_t len, int gray, long maxpix,
                     uint8_t **out, int *w, int *h, int *ch);

// uk_jpeg_encode encodes h rows of w × ch bytes (ch 1 or 3), stride bytes
// apart, at the given quality.
char *uk_jpeg_encode(const uint8_t *px, int w, int h, int ch, size_t stride,
                     int quality, uint8_t **out, size_t *outlen);

// uk_jp2_decode decodes a JPEG 2000 file (jp2 = 1) or codestream (jp2 =
// 0) into *out as uk_jpeg_decode does, reporting the image's own
// channel count (1 or 3) in *ch.
char *uk_jp2_decode(const uint8_t *data, size_t len, int jp2, long maxpix,
                    uint8_t **out, int *w, int *h, int *ch);

// uk_jp2_encode encodes a JP2 file at the compression ratio rate (20 is
// 20:1) in one quality layer, with OpenJPEG's defaults otherwise (the
// 5/3 wavelet, colour transform for three components) as OpenCV's
// encoder does.
char *uk_jp2_encode(const uint8_t *px, int w, int h, int ch, size_t stride,
                    double rate, uint8_t **out, size_t *outlen);

#endif

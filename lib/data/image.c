/* Image files: PNG through libpng's simplified API, JPEG through libjpeg.
 * Pixels come and go as uint8 channels x height x width (Torch's image
 * layout); the libraries work in interleaved rows (height x width x
 * channels), converted here. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "lutorch/data.h"

/* one pixel's channels from c0 to c1 (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) */
static void convert_pixel(const uint8_t *in, int c0, uint8_t *out, int c1) {
  uint8_t r, g, b, a = 255;
  if (c0 >= 3) {
    r = in[0], g = in[1], b = in[2];
  } else {
    r = g = b = in[0];
  }
  if (c0 == 2 || c0 == 4) a = in[c0 - 1];
  if (c1 <= 2) {
    out[0] = c0 >= 3 ? (uint8_t)((299 * r + 587 * g + 114 * b + 500) / 1000) : r;
  } else {
    out[0] = r, out[1] = g, out[2] = b;
  }
  if (c1 == 2 || c1 == 4) out[c1 - 1] = a;
}

/* interleaved h x w x c0 pixels -> a new uint8 c1 x h x w tensor */
static lt_tensor *to_planar(const uint8_t *hwc, int64_t h, int64_t w, int c0, int c1) {
  if (c1 == 0) c1 = c0;
  lt_tensor *t = lt_tensor_empty(LT_UINT8, 3, (int64_t[]){c1, h, w});
  if (!t) return NULL;
  uint8_t *dst = lt_tensor_data(t);
  int64_t plane = h * w;
  uint8_t px[4];
  for (int64_t i = 0; i < plane; i++) {
    const uint8_t *src = hwc + i * c0;
    if (c0 != c1) {
      convert_pixel(src, c0, px, c1);
      src = px;
    }
    for (int c = 0; c < c1; c++) dst[c * plane + i] = src[c];
  }
  return t;
}

/* ---- PNG ---- */

static lt_tensor *load_png(const char *path, int channels) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path))
    return lt_error("loadImage: '%s': %s", path, img.message);
  static const png_uint_32 fmt[] = {0, PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB,
                                    PNG_FORMAT_RGBA};
  int c0 = (int)PNG_IMAGE_SAMPLE_CHANNELS(img.format);
  if (c0 < 1 || c0 > 4) c0 = 4;
  img.format = fmt[c0];
  size_t n = PNG_IMAGE_SIZE(img);
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf) {
    png_image_free(&img);
    return lt_error("loadImage: '%s': out of memory (%ux%u)", path, img.width, img.height);
  }
  lt_tensor *t = NULL;
  if (!png_image_finish_read(&img, NULL, buf, 0, NULL))
    lt_error("loadImage: '%s': %s", path, img.message);
  else
    t = to_planar(buf, img.height, img.width, c0, channels);
  free(buf);
  png_image_free(&img);
  return t;
}

/* the tensor as interleaved uint8 rows; sets *c, *h, *w. Float tensors
 * hold values in [0, 1]: scaled by 255, rounded and clamped. */
static uint8_t *interleave(const char *fn, const lt_tensor *t, int *c, int64_t *h, int64_t *w) {
  if (!t) return lt_error("%s: expected a tensor", fn);
  if (lt_tensor_device(t).type != LT_CPU) return lt_error("%s: this build has no CUDA support", fn);
  bool fl = t->dtype == LT_FLOAT32 || t->dtype == LT_FLOAT64;
  if (t->dtype != LT_UINT8 && !fl)
    return lt_error("%s: expected a uint8 tensor or a float one in [0, 1], got %s", fn,
                    lt_dtype_name(t->dtype));
  if (t->ndim != 2 && t->ndim != 3)
    return lt_error("%s: expected a CxHxW or HxW tensor, got %d dimensions", fn, t->ndim);
  int64_t C = t->ndim == 3 ? t->size[0] : 1;
  *h = t->size[t->ndim - 2];
  *w = t->size[t->ndim - 1];
  if (C < 1 || C > 4) return lt_error("%s: expected 1 to 4 channels, got %lld", fn, (long long)C);
  if (*h < 1 || *w < 1 || *h > 0x7fffffff || *w > 0x7fffffff)
    return lt_error("%s: bad image size %lldx%lld", fn, (long long)*h, (long long)*w);
  *c = (int)C;
  lt_tensor *ct = lt_contiguous(t);
  if (!ct) return NULL;
  int64_t plane = *h * *w;
  uint8_t *buf = malloc((size_t)(plane * C));
  const char *src = lt_tensor_data(ct);
  size_t esz = lt_dtype_size(ct->dtype);
  if (buf)
    for (int64_t i = 0; i < plane; i++)
      for (int k = 0; k < C; k++) {
        const void *e = src + (size_t)(k * plane + i) * esz;
        if (!fl) {
          buf[i * C + k] = *(const uint8_t *)e;
        } else {
          double v = lt_dtype_load(ct->dtype, e) * 255 + 0.5;
          buf[i * C + k] = v >= 255 ? 255 : v > 0 ? (uint8_t)v : 0; /* NaN -> 0 */
        }
      }
  lt_tensor_release(ct);
  if (!buf) return lt_error("%s: out of memory", fn);
  return buf;
}

int lt_save_png(const char *path, const lt_tensor *t) {
  int c;
  int64_t h, w;
  uint8_t *buf = interleave("saveImage", t, &c, &h, &w);
  if (!buf) return -1;
  static const png_uint_32 fmt[] = {0, PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB,
                                    PNG_FORMAT_RGBA};
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = (png_uint_32)w;
  img.height = (png_uint_32)h;
  img.format = fmt[c];
  int ok = png_image_write_to_file(&img, path, 0, buf, 0, NULL);
  free(buf);
  if (!ok) {
    int rc = lt_errorf("saveImage: '%s': %s", path, img.message);
    png_image_free(&img);
    return rc;
  }
  return 0;
}

/* ---- JPEG ---- */

typedef struct jerr {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char msg[JMSG_LENGTH_MAX];
} jerr;

static void jpeg_fail(j_common_ptr c) {
  jerr *e = (jerr *)c->err;
  (*c->err->format_message)(c, e->msg);
  longjmp(e->jump, 1);
}

static void jpeg_quiet(j_common_ptr c) { (void)c; } /* warnings: corrupt data is read as is */

static lt_tensor *load_jpeg(const char *path, int channels) {
  FILE *f = fopen(path, "rb");
  if (!f) return lt_error("loadImage: cannot open '%s'", path);
  struct jpeg_decompress_struct cinfo;
  jerr err;
  uint8_t *volatile buf = NULL;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = jpeg_fail;
  err.pub.output_message = jpeg_quiet;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    fclose(f);
    free(buf);
    return lt_error("loadImage: '%s': %s", path, err.msg);
  }
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, f);
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    jpeg_destroy_decompress(&cinfo);
    fclose(f);
    return lt_error("loadImage: '%s': CMYK JPEG files are not supported", path);
  }
  cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  int c0 = cinfo.output_components;
  size_t row = (size_t)cinfo.output_width * (size_t)c0;
  buf = malloc(row * cinfo.output_height + 1);
  if (!buf) {
    jpeg_destroy_decompress(&cinfo);
    fclose(f);
    return lt_error("loadImage: '%s': out of memory", path);
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW r = buf + row * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &r, 1);
  }
  jpeg_finish_decompress(&cinfo);
  lt_tensor *t = to_planar(buf, cinfo.output_height, cinfo.output_width, c0, channels);
  jpeg_destroy_decompress(&cinfo);
  fclose(f);
  free(buf);
  return t;
}

int lt_save_jpeg(const char *path, const lt_tensor *t, int quality) {
  if (quality < 1 || quality > 100)
    return lt_errorf("saveImage: JPEG quality must be in 1..100, got %d", quality);
  int c;
  int64_t h, w;
  uint8_t *buf = interleave("saveImage", t, &c, &h, &w);
  if (!buf) return -1;
  if (c != 1 && c != 3) {
    free(buf);
    return lt_errorf("saveImage: JPEG holds 1 or 3 channels, got %d", c);
  }
  FILE *f = fopen(path, "wb");
  if (!f) {
    free(buf);
    return lt_errorf("saveImage: cannot write '%s'", path);
  }
  struct jpeg_compress_struct cinfo;
  jerr err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = jpeg_fail;
  err.pub.output_message = jpeg_quiet;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    fclose(f);
    free(buf);
    return lt_errorf("saveImage: '%s': %s", path, err.msg);
  }
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, f);
  cinfo.image_width = (JDIMENSION)w;
  cinfo.image_height = (JDIMENSION)h;
  cinfo.input_components = c;
  cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW r = buf + (size_t)cinfo.next_scanline * (size_t)w * (size_t)c;
    jpeg_write_scanlines(&cinfo, &r, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  int bad = fclose(f) != 0;
  free(buf);
  if (bad) return lt_errorf("saveImage: cannot write '%s'", path);
  return 0;
}

lt_tensor *lt_load_image(const char *path, int channels) {
  if (channels < 0 || channels > 4)
    return lt_error("loadImage: channels must be 1 to 4 (or 0: the file's), got %d", channels);
  FILE *f = fopen(path, "rb");
  if (!f) return lt_error("loadImage: cannot open '%s'", path);
  unsigned char head[8] = {0};
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  if (n == 8 && png_sig_cmp(head, 0, 8) == 0) return load_png(path, channels);
  if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return load_jpeg(path, channels);
  return lt_error("loadImage: '%s' is neither a PNG nor a JPEG file", path);
}

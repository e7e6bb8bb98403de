// C interface to the parts of OpenCV 4.6 (core, imgproc, dnn) the Go
// package cv uses. A Mat is a cv::Mat*. Functions that can fail return
// NULL on success or a message the caller frees with free(): every C++
// exception is caught here.
#ifndef UKETSUKE_CV_H
#define UKETSUKE_CV_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef void *Mat;
typedef void *Net;

Mat cv_mat_new(void);
char *cv_mat_new_size(int rows, int cols, int type, const double *s, Mat *out);
void cv_mat_free(Mat m);
int cv_mat_rows(Mat m);
int cv_mat_cols(Mat m);
int cv_mat_type(Mat m);
size_t cv_mat_total(Mat m);
size_t cv_mat_elem_size(Mat m);
size_t cv_mat_step(Mat m);
uint8_t *cv_mat_data(Mat m);
char *cv_mat_clone(Mat m, Mat *out);
char *cv_mat_copy_to(Mat src, Mat dst);
char *cv_mat_region(Mat m, int x, int y, int w, int h, Mat *out);
char *cv_mat_set_to(Mat m, const double *s);
char *cv_mat_convert_to(Mat src, Mat dst, int type, double alpha, double beta);
char *cv_mat_mean(Mat m, double *out);
char *cv_mat_sum(Mat m, double *out);
int cv_mat_empty(Mat m);

char *cv_resize(Mat src, Mat dst, int w, int h, double fx, double fy, int interp);
char *cv_cvt_color(Mat src, Mat dst, int code);
char *cv_gaussian_blur(Mat src, Mat dst, int kw, int kh, double sx, double sy, int border);
char *cv_threshold(Mat src, Mat dst, double thresh, double maxval, int type, double *out);
char *cv_adaptive_threshold(Mat src, Mat dst, double maxval, int method, int type, int block, double c);
char *cv_structuring_element(int shape, int w, int h, Mat *out);
char *cv_dilate(Mat src, Mat dst, Mat kernel);
char *cv_morphology_ex(Mat src, Mat dst, int op, Mat kernel);
char *cv_rotate(Mat src, Mat dst, int code);
char *cv_flip(Mat src, Mat dst, int code);
char *cv_warp_affine(Mat src, Mat dst, Mat m, int w, int h, int interp, int border, const double *s);
char *cv_warp_perspective(Mat src, Mat dst, Mat m, int w, int h, int interp, int border, const double *s);
char *cv_perspective_transform(const float *src, const float *dst, Mat *out);
char *cv_rotation_matrix(double cx, double cy, double angle, double scale, Mat *out);
char *cv_copy_make_border(Mat src, Mat dst, int top, int bottom, int left, int right, int border, const double *s);
char *cv_connected_components(Mat src, Mat labels, Mat stats, Mat centroids, int *out);
char *cv_bitwise_not(Mat src, Mat dst);
char *cv_bitwise_or(Mat a, Mat b, Mat dst);
char *cv_max(Mat a, Mat b, Mat dst);
char *cv_add(Mat a, Mat b, Mat dst);
char *cv_subtract(Mat a, Mat b, Mat dst);
char *cv_absdiff(Mat a, Mat b, Mat dst);
char *cv_in_range(Mat src, const double *lo, const double *hi, Mat dst);
char *cv_laplacian(Mat src, Mat dst, int ddepth, int ksize, double scale, double delta, int border);
char *cv_mean_std_dev(Mat src, Mat mean, Mat std);
char *cv_match_template(Mat img, Mat templ, Mat result, int method, Mat mask);
char *cv_min_max_loc(Mat src, double *minv, double *maxv, int *minloc, int *maxloc);
char *cv_canny(Mat src, Mat dst, double t1, double t2);
char *cv_equalize_hist(Mat src, Mat dst);
char *cv_hconcat(Mat a, Mat b, Mat dst);
char *cv_rectangle(Mat img, int x0, int y0, int x1, int y1, const double *s, int thickness);
char *cv_line(Mat img, int x0, int y0, int x1, int y1, const double *s, int thickness);
char *cv_randn(Mat dst, const double *mean, const double *std);
void cv_set_rng_seed(int seed);

// cv_find_contours writes the contours as *n counts (*lens, malloc'ed) of
// points (*pts, malloc'ed, x y pairs); the caller frees both.
char *cv_find_contours(Mat src, int mode, int method, int *n, int **lens, int **pts);
double cv_contour_area(const int *pts, int n);
double cv_arc_length(const int *pts, int n, int closed);
char *cv_approx_poly(const int *pts, int n, double eps, int closed, int *count, int **out);
void cv_bounding_rect(const int *pts, int n, int *out);
// cv_min_area_rect writes cx, cy, w, h, angle and the 4 corners (x y pairs).
void cv_min_area_rect(const int *pts, int n, float *out);

char *cv_net_read_onnx(const char *path, Net *out);
void cv_net_free(Net n);
char *cv_net_set_input(Net n, Mat blob, const char *name);
char *cv_net_forward(Net n, const char *name, Mat *out);
char *cv_blob_from_images(Mat *imgs, int n, Mat blob, double scale, int w, int h, const double *mean, int swap_rb, int crop, int ddepth);

#ifdef __cplusplus
}
#endif
#endif

#include "cv.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

static char *message(const char *s) {
    size_t n = std::strlen(s);
    char *m = static_cast<char *>(std::malloc(n + 1));
    if (m) std::memcpy(m, s, n + 1);
    return m;
}

// GUARD runs body and turns any C++ exception into a message.
#define GUARD(...)                                                    \
    try {                                                             \
        __VA_ARGS__;                                                  \
    } catch (const std::exception &e) {                               \
        return message(e.what());                                     \
    } catch (...) {                                                   \
        return message("unknown C++ exception");                      \
    }                                                                 \
    return nullptr;

// M is the Mat behind a handle; a NULL handle (a Go Mat never made) reads
// as an empty Mat, which OpenCV refuses as input with an exception.
static cv::Mat &M(Mat m) {
    thread_local cv::Mat none;
    if (!m) {
        none.release();
        return none;
    }
    return *static_cast<cv::Mat *>(m);
}
static cv::Scalar S(const double *s) { return cv::Scalar(s[0], s[1], s[2], s[3]); }

static std::vector<cv::Point> points(const int *pts, int n) {
    std::vector<cv::Point> v(n);
    for (int i = 0; i < n; i++) v[i] = cv::Point(pts[2 * i], pts[2 * i + 1]);
    return v;
}

Mat cv_mat_new(void) { return new cv::Mat(); }

char *cv_mat_new_size(int rows, int cols, int type, const double *s, Mat *out) {
    GUARD({
        cv::Mat *m = new cv::Mat(rows, cols, type, s ? S(s) : cv::Scalar::all(0));
        *out = m;
    })
}

void cv_mat_free(Mat m) { delete static_cast<cv::Mat *>(m); }
int cv_mat_rows(Mat m) { return M(m).rows; }
int cv_mat_cols(Mat m) { return M(m).cols; }
int cv_mat_type(Mat m) { return M(m).type(); }
size_t cv_mat_total(Mat m) { return M(m).total(); }
size_t cv_mat_elem_size(Mat m) { return M(m).empty() ? 0 : M(m).elemSize(); }
size_t cv_mat_step(Mat m) { return M(m).step[0]; }
uint8_t *cv_mat_data(Mat m) { return M(m).data; }

char *cv_mat_clone(Mat m, Mat *out) { GUARD(*out = new cv::Mat(M(m).clone())) }
char *cv_mat_copy_to(Mat src, Mat dst) { GUARD(M(src).copyTo(M(dst))) }

char *cv_mat_region(Mat m, int x, int y, int w, int h, Mat *out) {
    GUARD(*out = new cv::Mat(M(m), cv::Rect(x, y, w, h)))
}

char *cv_mat_set_to(Mat m, const double *s) { GUARD(M(m).setTo(S(s))) }

char *cv_mat_convert_to(Mat src, Mat dst, int type, double alpha, double beta) {
    GUARD(M(src).convertTo(M(dst), type, alpha, beta))
}

char *cv_mat_mean(Mat m, double *out) {
    GUARD({
        cv::Scalar s = cv::mean(M(m));
        for (int i = 0; i < 4; i++) out[i] = s[i];
    })
}

char *cv_mat_sum(Mat m, double *out) {
    GUARD({
        cv::Scalar s = cv::sum(M(m));
        for (int i = 0; i < 4; i++) out[i] = s[i];
    })
}

int cv_mat_empty(Mat m) { return M(m).empty(); }

char *cv_resize(Mat src, Mat dst, int w, int h, double fx, double fy, int interp) {
    GUARD(cv::resize(M(src), M(dst), cv::Size(w, h), fx, fy, interp))
}

char *cv_cvt_color(Mat src, Mat dst, int code) { GUARD(cv::cvtColor(M(src), M(dst), code)) }

char *cv_gaussian_blur(Mat src, Mat dst, int kw, int kh, double sx, double sy, int border) {
    GUARD(cv::GaussianBlur(M(src), M(dst), cv::Size(kw, kh), sx, sy, border))
}

char *cv_threshold(Mat src, Mat dst, double thresh, double maxval, int type, double *out) {
    GUARD(*out = cv::threshold(M(src), M(dst), thresh, maxval, type))
}

char *cv_adaptive_threshold(Mat src, Mat dst, double maxval, int method, int type, int block, double c) {
    GUARD(cv::adaptiveThreshold(M(src), M(dst), maxval, method, type, block, c))
}

char *cv_structuring_element(int shape, int w, int h, Mat *out) {
    GUARD(*out = new cv::Mat(cv::getStructuringElement(shape, cv::Size(w, h))))
}

char *cv_dilate(Mat src, Mat dst, Mat kernel) { GUARD(cv::dilate(M(src), M(dst), M(kernel))) }

char *cv_morphology_ex(Mat src, Mat dst, int op, Mat kernel) {
    GUARD(cv::morphologyEx(M(src), M(dst), op, M(kernel)))
}

char *cv_rotate(Mat src, Mat dst, int code) { GUARD(cv::rotate(M(src), M(dst), code)) }
char *cv_flip(Mat src, Mat dst, int code) { GUARD(cv::flip(M(src), M(dst), code)) }

char *cv_warp_affine(Mat src, Mat dst, Mat m, int w, int h, int interp, int border, const double *s) {
    GUARD(cv::warpAffine(M(src), M(dst), M(m), cv::Size(w, h), interp, border, S(s)))
}

char *cv_warp_perspective(Mat src, Mat dst, Mat m, int w, int h, int interp, int border, const double *s) {
    GUARD(cv::warpPerspective(M(src), M(dst), M(m), cv::Size(w, h), interp, border, S(s)))
}

char *cv_perspective_transform(const float *src, const float *dst, Mat *out) {
    GUARD({
        cv::Point2f a[4], b[4];
        for (int i = 0; i < 4; i++) {
            a[i] = cv::Point2f(src[2 * i], src[2 * i + 1]);
            b[i] = cv::Point2f(dst[2 * i], dst[2 * i + 1]);
        }
        *out = new cv::Mat(cv::getPerspectiveTransform(a, b));
    })
}

char *cv_rotation_matrix(double cx, double cy, double angle, double scale, Mat *out) {
    GUARD(*out = new cv::Mat(cv::getRotationMatrix2D(cv::Point2f(cx, cy), angle, scale)))
}

char *cv_copy_make_border(Mat src, Mat dst, int top, int bottom, int left, int right, int border, const double *s) {
    GUARD(cv::copyMakeBorder(M(src), M(dst), top, bottom, left, right, border, S(s)))
}

char *cv_connected_components(Mat src, Mat labels, Mat stats, Mat centroids, int *out) {
    GUARD(*out = cv::connectedComponentsWithStats(M(src), M(labels), M(stats), M(centroids)))
}

char *cv_bitwise_not(Mat src, Mat dst) { GUARD(cv::bitwise_not(M(src), M(dst))) }
char *cv_bitwise_or(Mat a, Mat b, Mat dst) { GUARD(cv::bitwise_or(M(a), M(b), M(dst))) }
char *cv_max(Mat a, Mat b, Mat dst) { GUARD(cv::max(M(a), M(b), M(dst))) }
char *cv_add(Mat a, Mat b, Mat dst) { GUARD(cv::add(M(a), M(b), M(dst))) }
char *cv_subtract(Mat a, Mat b, Mat dst) { GUARD(cv::subtract(M(a), M(b), M(dst))) }
char *cv_absdiff(Mat a, Mat b, Mat dst) { GUARD(cv::absdiff(M(a), M(b), M(dst))) }

char *cv_in_range(Mat src, const double *lo, const double *hi, Mat dst) {
    GUARD(cv::inRange(M(src), S(lo), S(hi), M(dst)))
}

char *cv_laplacian(Mat src, Mat dst, int ddepth, int ksize, double scale, double delta, int border) {
    GUARD(cv::Laplacian(M(src), M(dst), ddepth, ksize, scale, delta, border))
}

char *cv_mean_std_dev(Mat src, Mat mean, Mat std) { GUARD(cv::meanStdDev(M(src), M(mean), M(std))) }

char *cv_match_template(Mat img, Mat templ, Mat result, int method, Mat mask) {
    GUARD(cv::matchTemplate(M(img), M(templ), M(result), method, mask ? M(mask) : cv::noArray()))
}

char *cv_min_max_loc(Mat src, double *minv, double *maxv, int *minloc, int *maxloc) {
    GUARD({
        cv::Point a, b;
        cv::minMaxLoc(M(src), minv, maxv, &a, &b);
        minloc[0] = a.x, minloc[1] = a.y, maxloc[0] = b.x, maxloc[1] = b.y;
    })
}

char *cv_canny(Mat src, Mat dst, double t1, double t2) { GUARD(cv::Canny(M(src), M(dst), t1, t2)) }
char *cv_equalize_hist(Mat src, Mat dst) { GUARD(cv::equalizeHist(M(src), M(dst))) }
char *cv_hconcat(Mat a, Mat b, Mat dst) { GUARD(cv::hconcat(M(a), M(b), M(dst))) }

char *cv_rectangle(Mat img, int x0, int y0, int x1, int y1, const double *s, int thickness) {
    GUARD(cv::rectangle(M(img), cv::Point(x0, y0), cv::Point(x1, y1), S(s), thickness))
}

char *cv_line(Mat img, int x0, int y0, int x1, int y1, const double *s, int thickness) {
    GUARD(cv::line(M(img), cv::Point(x0, y0), cv::Point(x1, y1), S(s), thickness))
}

char *cv_randn(Mat dst, const double *mean, const double *std) { GUARD(cv::randn(M(dst), S(mean), S(std))) }
void cv_set_rng_seed(int seed) { cv::setRNGSeed(seed); }

char *cv_find_contours(Mat src, int mode, int method, int *n, int **lens, int **pts) {
    *lens = nullptr;
    *pts = nullptr;
    GUARD({
        std::vector<std::vector<cv::Point>> cs;
        cv::findContours(M(src), cs, mode, method);
        size_t total = 0;
        for (auto &c : cs) total += c.size();
        *n = static_cast<int>(cs.size());
        *lens = static_cast<int *>(std::malloc(sizeof(int) * (cs.size() + 1)));
        *pts = static_cast<int *>(std::malloc(sizeof(int) * (2 * total + 1)));
        if (!*lens || !*pts) {
            std::free(*lens);
            std::free(*pts);
            *lens = *pts = nullptr;
            return message("find contours: out of memory");
        }
        size_t k = 0;
        for (size_t i = 0; i < cs.size(); i++) {
            (*lens)[i] = static_cast<int>(cs[i].size());
            for (auto &p : cs[i]) (*pts)[k++] = p.x, (*pts)[k++] = p.y;
        }
    })
}

double cv_contour_area(const int *pts, int n) {
    try {
        return cv::contourArea(points(pts, n));
    } catch (...) {
        return 0;
    }
}

double cv_arc_length(const int *pts, int n, int closed) {
    try {
        return cv::arcLength(points(pts, n), closed != 0);
    } catch (...) {
        return 0;
    }
}

char *cv_approx_poly(const int *pts, int n, double eps, int closed, int *count, int **out) {
    *out = nullptr;
    *count = 0;
    GUARD({
        std::vector<cv::Point> a;
        cv::approxPolyDP(points(pts, n), a, eps, closed != 0);
        *out = static_cast<int *>(std::malloc(sizeof(int) * (2 * a.size() + 1)));
        if (!*out) return message("approximate polygon: out of memory");
        for (size_t i = 0; i < a.size(); i++) (*out)[2 * i] = a[i].x, (*out)[2 * i + 1] = a[i].y;
        *count = static_cast<int>(a.size());
    })
}

void cv_bounding_rect(const int *pts, int n, int *out) {
    cv::Rect r;
    try {
        r = cv::boundingRect(points(pts, n));
    } catch (...) {
    }
    out[0] = r.x, out[1] = r.y, out[2] = r.width, out[3] = r.height;
}

void cv_min_area_rect(const int *pts, int n, float *out) {
    std::memset(out, 0, sizeof(float) * 13);
    try {
        cv::RotatedRect r = cv::minAreaRect(points(pts, n));
        cv::Point2f c[4];
        r.points(c);
        out[0] = r.center.x, out[1] = r.center.y, out[2] = r.size.width, out[3] = r.size.height, out[4] = r.angle;
        for (int i = 0; i < 4; i++) out[5 + 2 * i] = c[i].x, out[6 + 2 * i] = c[i].y;
    } catch (...) {
    }
}

char *cv_net_read_onnx(const char *path, Net *out) {
    *out = nullptr;
    GUARD({
        cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
        if (net.empty()) return message("the ONNX file holds no network");
        *out = new cv::dnn::Net(net);
    })
}

void cv_net_free(Net n) { delete static_cast<cv::dnn::Net *>(n); }

char *cv_net_set_input(Net n, Mat blob, const char *name) {
    GUARD(static_cast<cv::dnn::Net *>(n)->setInput(M(blob), name))
}

char *cv_net_forward(Net n, const char *name, Mat *out) {
    GUARD(*out = new cv::Mat(static_cast<cv::dnn::Net *>(n)->forward(name)))
}

char *cv_blob_from_images(Mat *imgs, int n, Mat blob, double scale, int w, int h, const double *mean, int swap_rb, int crop, int ddepth) {
    GUARD({
        std::vector<cv::Mat> v;
        for (int i = 0; i < n; i++) v.push_back(M(imgs[i]));
        cv::dnn::blobFromImages(v, M(blob), scale, cv::Size(w, h), S(mean), swap_rb != 0, crop != 0, ddepth);
    })
}

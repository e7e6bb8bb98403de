#include "yunet.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

static char *dup_message(const std::string &s) {
    char *m = static_cast<char *>(std::malloc(s.size() + 1));
    if (m) std::memcpy(m, s.c_str(), s.size() + 1);
    return m;
}

struct Detector {
    cv::Ptr<cv::FaceDetectorYN> yn;
    cv::Size size;
};

YuNet yunet_new(const char *model, float score, float nms, int top_k, char **err) {
    try {
        Detector *d = new Detector();
        d->size = cv::Size(320, 320);
        d->yn = cv::FaceDetectorYN::create(model, "", d->size, score, nms, top_k);
        if (d->yn.empty()) {
            delete d;
            *err = dup_message("FaceDetectorYN::create returned nothing");
            return nullptr;
        }
        return d;
    } catch (const std::exception &e) {
        *err = dup_message(e.what());
    } catch (...) {
        *err = dup_message("unknown C++ exception");
    }
    return nullptr;
}

void yunet_free(YuNet p) { delete static_cast<Detector *>(p); }

int yunet_detect(YuNet p, void *img, float *out, int max, char **err) {
    try {
        Detector *d = static_cast<Detector *>(p);
        cv::Mat *m = static_cast<cv::Mat *>(img);
        if (m->size() != d->size) {
            d->size = m->size();
            d->yn->setInputSize(d->size);
        }
        cv::Mat faces;
        d->yn->detect(*m, faces);
        int n = faces.rows < max ? faces.rows : max;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 15; j++) {
                out[i * 15 + j] = faces.at<float>(i, j);
            }
        }
        return n;
    } catch (const std::exception &e) {
        *err = dup_message(e.what());
    } catch (...) {
        *err = dup_message("unknown C++ exception");
    }
    return -1;
}

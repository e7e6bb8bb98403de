#include "sface.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

static char *sface_message(const std::string &s) {
    char *m = static_cast<char *>(std::malloc(s.size() + 1));
    if (m) std::memcpy(m, s.c_str(), s.size() + 1);
    return m;
}

struct Recognizer {
    cv::Ptr<cv::FaceRecognizerSF> sf;
};

SFace sface_new(const char *model, char **err) {
    try {
        Recognizer *r = new Recognizer();
        r->sf = cv::FaceRecognizerSF::create(model, "");
        if (r->sf.empty()) {
            delete r;
            *err = sface_message("FaceRecognizerSF::create returned nothing");
            return nullptr;
        }
        return r;
    } catch (const std::exception &e) {
        *err = sface_message(e.what());
    } catch (...) {
        *err = sface_message("unknown C++ exception");
    }
    return nullptr;
}

void sface_free(SFace p) { delete static_cast<Recognizer *>(p); }

int sface_feature(SFace p, void *img, const float *face, float *out, int max, char **err) {
    try {
        Recognizer *r = static_cast<Recognizer *>(p);
        cv::Mat *m = static_cast<cv::Mat *>(img);
        cv::Mat row(1, 15, CV_32F, const_cast<float *>(face));
        cv::Mat aligned, feature;
        r->sf->alignCrop(*m, row, aligned);
        r->sf->feature(aligned, feature);
        cv::Mat flat = feature.reshape(1, 1);
        if (flat.type() != CV_32F) flat.convertTo(flat, CV_32F);
        int n = static_cast<int>(flat.total());
        for (int i = 0; i < n && i < max; i++) out[i] = flat.at<float>(0, i);
        return n;
    } catch (const std::exception &e) {
        *err = sface_message(e.what());
    } catch (...) {
        *err = sface_message("unknown C++ exception");
    }
    return -1;
}

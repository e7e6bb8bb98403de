// C interface to OpenCV 4.6's cv::FaceRecognizerSF (an ArcFace-type
// 112×112 recogniser, e.g. SFace) for the Go camera package. Every
// function catches C++ exceptions and returns them as a message the
// caller frees with free().
#ifndef UKETSUKE_SFACE_H
#define UKETSUKE_SFACE_H
#ifdef __cplusplus
extern "C" {
#endif

typedef void *SFace;

// sface_new loads the model; on failure it returns NULL and sets *err.
SFace sface_new(const char *model, char **err);
void sface_free(SFace r);
// sface_feature aligns the face given by YuNet's 15 values (box,
// landmarks, score) in img (a cv::Mat*, BGR), crops it to 112×112 and
// writes up to max feature values into out. It returns the feature's
// length, or -1 with *err set.
int sface_feature(SFace r, void *img, const float *face, float *out, int max, char **err);

#ifdef __cplusplus
}
#endif
#endif

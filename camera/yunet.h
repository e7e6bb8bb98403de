// C interface to OpenCV 4.6's cv::FaceDetectorYN for the Go camera package.
// Every function catches C++ exceptions and returns them as a message the
// caller frees with free().
#ifndef UKETSUKE_YUNET_H
#define UKETSUKE_YUNET_H
#ifdef __cplusplus
extern "C" {
#endif

typedef void *YuNet;

// yunet_new loads the model; on failure it returns NULL and sets *err.
YuNet yunet_new(const char *model, float score, float nms, int top_k, char **err);
void yunet_free(YuNet d);
// yunet_detect runs on img (a cv::Mat*, BGR) and writes up to max rows of
// 15 floats (x, y, w, h, 5 landmarks, score) into out. It returns the
// number of faces, or -1 with *err set.
int yunet_detect(YuNet d, void *img, float *out, int max, char **err);

#ifdef __cplusplus
}
#endif
#endif

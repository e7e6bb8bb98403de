// Package camera is the kiosk's face path: frame sources (a V4L2 camera
// or a looping image folder), face detection with YuNet through OpenCV's
// FaceDetectorYN (a small cgo wrapper that turns C++ exceptions into Go
// errors), the quality gate with its patient guidance, alignment to the
// 150×150 template, the dlib ResNet descriptor, and the decision whether
// the live face matches the photo read from the card's chip.
//
// Privacy: frames, crops and descriptors stay in memory for one session;
// nothing here writes an image or a descriptor to disk or a log, and
// every cv Mat is closed when its work is done.
package camera

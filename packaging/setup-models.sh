#!/usr/bin/env bash
# Put the face models into .build/models (or $1), checked by sha256.
# Idempotent: a model already there with the right hash is left alone.
#   - YuNet 2022mar (detector, MIT): from the shared reference folder
#     (packaging/shared-dir.sh) when present, else
#     from the opencv_zoo repository.
#   - dlib ResNet (recogniser, CC0 weights): `npm pack @vladmandic/face-api@1.7.15`
#     (npm checks the package's sha512), then converted to ONNX by
#     cmd/facemodel. The converted model is never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
dir=${1:-.build/models}
. packaging/shared-dir.sh
mkdir -p "$dir" .build/npm

YUNET=face_detection_yunet_2022mar.onnx
YUNET_SHA=50ef07f702a31741ca46a4c0d947773b64143b9362780237bf0d427d6c79bab7
YUNET_URL=https://media.githubusercontent.com/media/opencv/opencv_zoo/main/models/face_detection_yunet/$YUNET
DLIB=dlib_face_recognition_resnet.onnx
DLIB_SHA=9a02303606cb8733a36b56ea31a3fb4cd51a74dd176b13a0270d6bffa4049fd5
FACEAPI=@vladmandic/face-api@1.7.15
FACEAPI_TGZ=vladmandic-face-api-1.7.15.tgz

log() { printf 'models: %s\n' "$*" >&2; }
ok() { [ -f "$1" ] && echo "$2  $1" | sha256sum -c --quiet - 2>/dev/null; }

if ! ok "$dir/$YUNET" "$YUNET_SHA"; then
  if [ -n "$UKETSUKE_SHARED" ] && ok "$UKETSUKE_SHARED/models/$YUNET" "$YUNET_SHA"; then
    cp "$UKETSUKE_SHARED/models/$YUNET" "$dir/$YUNET"
  else
    log "downloading YuNet from opencv_zoo"
    curl -sSfL --retry 3 -o "$dir/$YUNET.tmp" "$YUNET_URL"
    mv "$dir/$YUNET.tmp" "$dir/$YUNET"
  fi
  ok "$dir/$YUNET" "$YUNET_SHA" || { log "YuNet has the wrong sha256"; rm -f "$dir/$YUNET"; exit 1; }
  log "YuNet ready"
fi

if ! ok "$dir/$DLIB" "$DLIB_SHA"; then
  if [ ! -f ".build/npm/$FACEAPI_TGZ" ]; then
    command -v npm >/dev/null || { log "npm is needed to fetch $FACEAPI (apt-get install npm)"; exit 1; }
    log "fetching $FACEAPI from the npm registry"
    (cd .build/npm && npm pack --silent "$FACEAPI" >/dev/null)
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  tar -xzf ".build/npm/$FACEAPI_TGZ" -C "$tmp" \
    package/model/face_recognition_model-weights_manifest.json package/model/face_recognition_model.bin
  go run ./cmd/facemodel -manifest "$tmp/package/model/face_recognition_model-weights_manifest.json" -out "$dir/$DLIB"
  ok "$dir/$DLIB" "$DLIB_SHA" || { log "converted model has an unexpected sha256"; exit 1; }
  log "dlib ResNet converted"
fi
chmod 0644 "$dir"/*.onnx

// Command facemodel converts the face recogniser from the npm package
// @vladmandic/face-api (TF.js weights) into the ONNX model the camera
// module loads. The set-up runs it once; the result is not committed.
//
//	facemodel -manifest DIR/face_recognition_model-weights_manifest.json -out FILE.onnx
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/uketsuke/uketsuke/camera/dlibconv"
	"github.com/uketsuke/uketsuke/internal/atomicfile"
)

func main() {
	manifest := flag.String("manifest", "", "TF.js weights manifest of face_recognition_model")
	out := flag.String("out", "", "ONNX file to write")
	flag.Parse()
	if *manifest == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := convert(*manifest, *out); err != nil {
		fmt.Fprintln(os.Stderr, "facemodel:", err)
		os.Exit(1)
	}
}

func convert(manifest, out string) error {
	w, err := dlibconv.ReadTFJS(manifest)
	if err != nil {
		return err
	}
	model, err := dlibconv.Convert(w)
	if err != nil {
		return err
	}
	// Atomically: a half-written model must never be found.
	if err := atomicfile.WriteFile(out, model, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d bytes)\n", out, len(model))
	return nil
}

package camera

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/uketsuke/uketsuke/camera/onnx"
)

// tinySFace writes a small model with FaceRecognizerSF's contract (BGR
// 1×3×112×112 in, out values out): 16×16 average pooling and a fixed
// random projection. Its output is deterministic; it recognises no one.
func tinySFace(t *testing.T, out int) string {
	t.Helper()
	g := &onnx.Graph{Name: "tiny_sface", Producer: "uketsuke test"}
	x := g.Node("AveragePool", []string{"data"}, onnx.Ints("kernel_shape", 16, 16), onnx.Ints("strides", 16, 16))
	x = g.Node("Flatten", []string{x}, onnx.Int("axis", 1))
	r := rand.New(rand.NewPCG(1, 2))
	w := make([]float32, 3*7*7*out)
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	y := g.Node("MatMul", []string{x, g.Floats("proj", []int64{3 * 7 * 7, int64(out)}, w)})
	path := filepath.Join(t.TempDir(), "tiny.onnx")
	if err := os.WriteFile(path, g.Model("data", []int64{1, 3, 112, 112}, y, []int64{1, int64(out)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSFacePlumbing runs FaceRecognizerSF on a generated model: faces
// are cropped and described deterministically through the engine, the
// cosine distance behaves, and a model without the contract, a damaged
// official file or garbage is refused with an error, never a crash.
// (SFace's accuracy is measured only with the real file.)
func TestSFacePlumbing(t *testing.T) {
	path := tinySFace(t, 128)
	e, err := NewEngineWith(modelDir(t), RecognizerOptions{Name: "sface", Model: path})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if sf, ok := e.rec.(*SFaceModel); !ok || sf.Official() {
		t.Fatalf("recogniser %T, official %v", e.rec, ok && sf.Official())
	}
	if e.Thresholds() != SFaceThresholds {
		t.Errorf("thresholds %+v", e.Thresholds())
	}
	describe := func(rel string) Descriptor {
		img := mustRead(t, filepath.Join(facesDir, rel))
		defer img.Close()
		d, _, err := e.Describe(img)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, a2, b := describe("krasserm-lfw/Tony_Blair/Tony_Blair_0001.jpg"), describe("krasserm-lfw/Tony_Blair/Tony_Blair_0001.jpg"), describe("krasserm-lfw/Colin_Powell/Colin_Powell_0001.jpg")
	if a != a2 {
		t.Error("the same image described twice differs")
	}
	if a == (Descriptor{}) || a == b {
		t.Error("descriptors are blank or the same for two people")
	}
	if d := e.Distance(a, a2); d > 1e-6 {
		t.Errorf("distance to itself %g", d)
	}
	if d := e.Distance(a, b); d <= 0 || d > 2 {
		t.Errorf("cosine distance %g out of (0, 2]", d)
	}
	var neg Descriptor
	for i := range a {
		neg[i] = -a[i]
	}
	if d := e.Distance(a, neg); d < 2-1e-6 {
		t.Errorf("distance to the opposite %g, want 2", d)
	}

	garbage := filepath.Join(t.TempDir(), "garbage.onnx")
	os.WriteFile(garbage, []byte("not a model at all"), 0o600)
	damaged := filepath.Join(t.TempDir(), filepath.Base(SFace.Path))
	os.WriteFile(damaged, []byte("truncated"), 0o600)
	for name, p := range map[string]string{
		"64 values out": tinySFace(t, 64),
		"garbage":       garbage,
		"damaged":       damaged,
		"missing":       filepath.Join(t.TempDir(), "none.onnx"),
		"a directory":   t.TempDir(),
	} {
		if m, err := NewSFace(p); err == nil {
			m.Close()
			t.Errorf("%s: loaded", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if _, err := NewSFace(damaged); !errors.Is(err, ErrModel) {
		t.Errorf("damaged official file: %v, want ErrModel", err)
	}
	if _, err := NewEngineWith(modelDir(t), RecognizerOptions{Name: "arcface"}); err == nil {
		t.Error("an unknown recogniser was accepted")
	}
}

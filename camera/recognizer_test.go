package camera

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// modelDir is where the set-up puts the models (make models).
func modelDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("UKETSUKE_MODELS")
	if dir == "" {
		dir = "../.build/models"
	}
	return dir
}

var refDir = filepath.Join(shared(), "testdata", "face-reference")

// TestConversionReproducesTheOriginalModel: every reference chip gives the
// descriptor the original TF.js model gives, to cosine ≥ 0.99999.
func TestConversionReproducesTheOriginalModel(t *testing.T) {
	r, err := NewRecognizer(DlibResNet.In(modelDir(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := os.ReadFile(filepath.Join(refDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var refs []struct {
		Chip       string    `json:"chip"`
		Descriptor []float64 `json:"descriptor"`
	}
	if err := json.Unmarshal(b, &refs); err != nil {
		t.Fatal(err)
	}
	if len(refs) != 140 {
		t.Fatalf("%d reference chips, want 140", len(refs))
	}
	worst := 1.0
	for _, ref := range refs {
		img := mustRead(t, filepath.Join(refDir, ref.Chip))
		d, err := r.Describe(img)
		img.Close()
		if err != nil {
			t.Fatalf("%s: %v", ref.Chip, err)
		}
		var dot, na, nb float64
		for i, v := range ref.Descriptor {
			dot += float64(d[i]) * v
			na += float64(d[i]) * float64(d[i])
			nb += v * v
		}
		cos := dot / math.Sqrt(na*nb)
		worst = min(worst, cos)
		if cos < 0.99999 {
			t.Errorf("%s: cosine %.7f", ref.Chip, cos)
		}
	}
	t.Logf("worst cosine over %d chips: %.8f", len(refs), worst)
}

package dlibconv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeModel(t testing.TB, manifest string, bin []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.json"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "w.bin"), bin, 0o600); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "m.json")
}

func TestReadTFJSDequantises(t *testing.T) {
	m := `[{"paths":["w.bin"],"weights":[
	 {"name":"q","shape":[2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}},
	 {"name":"f","shape":[1],"dtype":"float32"}]}]`
	w, err := ReadTFJS(writeModel(t, m, []byte{0, 4, 0, 0, 0x80, 0x3F}))
	if err != nil {
		t.Fatal(err)
	}
	if q := w["q"].data; q[0] != -1 || q[1] != 1 {
		t.Fatalf("dequantised %v, want [-1 1]", q)
	}
	if f := w["f"].data; f[0] != 1 {
		t.Fatalf("float %v, want 1", f)
	}
}

func TestReadTFJSRejectsBadFiles(t *testing.T) {
	for name, c := range map[string]struct {
		m   string
		bin []byte
	}{
		"short shard": {`[{"paths":["w.bin"],"weights":[{"name":"f","shape":[4],"dtype":"float32"}]}]`, []byte{1, 2}},
		"extra bytes": {`[{"paths":["w.bin"],"weights":[{"name":"f","shape":[1],"dtype":"float32"}]}]`, make([]byte, 8)},
		"int32":       {`[{"paths":["w.bin"],"weights":[{"name":"f","shape":[1],"dtype":"int32"}]}]`, make([]byte, 4)},
		"not json":    {`{`, nil},
		"no shard":    {`[{"paths":["missing.bin"],"weights":[]}]`, nil},
	} {
		if _, err := ReadTFJS(writeModel(t, c.m, c.bin)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestConvertNamesTheMissingWeight(t *testing.T) {
	_, err := Convert(map[string]tensor{})
	if err == nil || !strings.Contains(err.Error(), "conv32_down") {
		t.Fatalf("empty weights: %v", err)
	}
}

func FuzzReadTFJS(f *testing.F) {
	f.Add(`[{"paths":["w.bin"],"weights":[{"name":"q","shape":[2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]`, []byte{1, 2})
	f.Add(`[{"paths":["w.bin"],"weights":[{"name":"f","shape":[-1],"dtype":"float32"}]}]`, []byte{})
	f.Add(`[{"paths":["w.bin"],"weights":[{"name":"f","shape":[1000000000,1000000000],"dtype":"float32"}]}]`, []byte{})
	f.Fuzz(func(t *testing.T, manifest string, bin []byte) {
		w, err := ReadTFJS(writeModel(t, manifest, bin))
		if err != nil {
			return
		}
		for name, x := range w {
			n := 1
			for _, d := range x.shape {
				n *= d
			}
			if n != len(x.data) {
				t.Fatalf("%s: shape %v but %d values", name, x.shape, len(x.data))
			}
		}
	})
}

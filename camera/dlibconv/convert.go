// Package dlibconv converts dlib's face-recognition ResNet, as published in
// TF.js form by the npm package @vladmandic/face-api@1.7.15, into an ONNX
// model that OpenCV's dnn module loads. It reads the weights manifest,
// dequantises the uint8 weights (value = q × scale + min), folds each
// per-channel scale layer into its convolution, and writes the graph of
// shared/docs/face.md. Pure Go: the set-up runs it before anything cgo is
// built.
//
// The model's input is 1×3×150×150, RGB, already normalised as
// (pixel − [122.782, 117.001, 104.298]) / 256; its output is the 128-float
// descriptor (not normalised). Compare descriptors by Euclidean distance.
package dlibconv

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/uketsuke/uketsuke/camera/onnx"
)

// Mean is the per-channel (R, G, B) mean subtracted before the network;
// the result is divided by Scale.
var Mean = [3]float64{122.782, 117.001, 104.298}

// Scale divides the mean-subtracted input.
const Scale = 256.0

// InputSize is the side of the aligned face chip.
const InputSize = 150

// tensor is a dequantised weight tensor in its TF.js layout.
type tensor struct {
	shape []int
	data  []float32
}

type manifestEntry struct {
	Paths   []string `json:"paths"`
	Weights []struct {
		Name         string `json:"name"`
		Shape        []int  `json:"shape"`
		Dtype        string `json:"dtype"`
		Quantization *struct {
			Dtype string  `json:"dtype"`
			Scale float64 `json:"scale"`
			Min   float64 `json:"min"`
		} `json:"quantization"`
	} `json:"weights"`
}

// ReadTFJS reads a TF.js weights manifest and its binary shards and returns
// every weight dequantised to float32, by name.
func ReadTFJS(manifest string) (map[string]tensor, error) {
	b, err := os.ReadFile(manifest)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var groups []manifestEntry
	if err := json.Unmarshal(b, &groups); err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", manifest, err)
	}
	out := map[string]tensor{}
	for _, g := range groups {
		var bin []byte
		for _, p := range g.Paths {
			shard, err := os.ReadFile(filepath.Join(filepath.Dir(manifest), p))
			if err != nil {
				return nil, fmt.Errorf("read weights: %w", err)
			}
			bin = append(bin, shard...)
		}
		off := 0
		for _, w := range g.Weights {
			// Shapes come from a file: refuse non-positive dimensions and
			// products larger than the shards could hold (no overflow).
			n := 1
			for _, d := range w.Shape {
				if d <= 0 || n > len(bin)/d {
					return nil, fmt.Errorf("weight %s: shape %v does not fit the %d-byte shards", w.Name, w.Shape, len(bin))
				}
				n *= d
			}
			q := w.Quantization
			width := 4 // plain little-endian float32
			switch {
			case w.Dtype != "float32":
				return nil, fmt.Errorf("weight %s: dtype %s, want float32", w.Name, w.Dtype)
			case q != nil && q.Dtype == "uint8":
				width = 1
			case q != nil:
				return nil, fmt.Errorf("weight %s: quantisation %s not supported", w.Name, q.Dtype)
			}
			if off+n*width > len(bin) {
				return nil, fmt.Errorf("weight %s: %d bytes past the end of the %d-byte shard", w.Name, off+n*width-len(bin), len(bin))
			}
			data := make([]float32, n)
			for i := range data {
				if width == 1 {
					data[i] = float32(float64(bin[off+i])*q.Scale + q.Min)
				} else {
					data[i] = math.Float32frombits(binary.LittleEndian.Uint32(bin[off+4*i:]))
				}
			}
			off += n * width
			out[w.Name] = tensor{shape: w.Shape, data: data}
		}
		if off != len(bin) {
			return nil, fmt.Errorf("manifest describes %d bytes, shards hold %d", off, len(bin))
		}
	}
	return out, nil
}

// Convert builds the ONNX model from the dequantised weights.
func Convert(w map[string]tensor) ([]byte, error) {
	b := &builder{w: w, g: &onnx.Graph{Name: "dlib_face_recognition_resnet", Producer: "uketsuke dlibconv"}}
	x := "data"
	size := InputSize
	// conv32_down: 7×7 stride 2 valid, ReLU, then max-pool 3×3 stride 2.
	x, c := b.conv(x, "conv32_down", 2, 0, true)
	size = (size-7)/2 + 1
	x = b.g.Node("MaxPool", []string{x}, onnx.Ints("kernel_shape", 3, 3), onnx.Ints("strides", 2, 2))
	size = (size-3)/2 + 1
	for _, blk := range []struct {
		name string
		down bool
	}{
		{"conv32_1", false}, {"conv32_2", false}, {"conv32_3", false},
		{"conv64_down", true}, {"conv64_1", false}, {"conv64_2", false}, {"conv64_3", false},
		{"conv128_down", true}, {"conv128_1", false}, {"conv128_2", false},
		{"conv256_down", true}, {"conv256_1", false}, {"conv256_2", false},
		{"conv256_down_out", true},
	} {
		if blk.down {
			x, c, size = b.down(x, blk.name, c, size)
		} else {
			x = b.residual(x, blk.name)
		}
	}
	if b.err != nil {
		return nil, b.err
	}
	x = b.g.Node("GlobalAveragePool", []string{x})
	x = b.g.Node("Flatten", []string{x}, onnx.Int("axis", 1))
	fc, ok := w["fc"]
	if !ok || len(fc.shape) != 2 || fc.shape[0] != c {
		return nil, fmt.Errorf("fc: missing or shape %v, want [%d 128]", fc.shape, c)
	}
	out := b.g.Node("MatMul", []string{x, b.g.Floats("fc", []int64{int64(fc.shape[0]), int64(fc.shape[1])}, fc.data)})
	return b.g.Model("data", []int64{1, 3, InputSize, InputSize}, out, []int64{1, int64(fc.shape[1])}), nil
}

// builder emits the network's layers; the first missing weight is kept in err.
type builder struct {
	w   map[string]tensor
	g   *onnx.Graph
	err error
}

// conv emits a convolution with its scale folded in: w' = w × s and
// b' = b × s + t per output channel. pad is symmetric; it returns the
// output name and channel count.
func (b *builder) conv(x, prefix string, stride, pad int, relu bool) (string, int) {
	f, ok1 := b.w[prefix+"/conv/filters"]
	bias, ok2 := b.w[prefix+"/conv/bias"]
	s, ok3 := b.w[prefix+"/scale/weights"]
	t, ok4 := b.w[prefix+"/scale/biases"]
	if !ok1 || !ok2 || !ok3 || !ok4 || len(f.shape) != 4 {
		if b.err == nil {
			b.err = errors.New(prefix + ": conv or scale weights missing")
		}
		return x, 0
	}
	kh, kw, cin, cout := f.shape[0], f.shape[1], f.shape[2], f.shape[3]
	if len(bias.data) != cout || len(s.data) != cout || len(t.data) != cout {
		if b.err == nil {
			b.err = fmt.Errorf("%s: %d output channels but bias/scale of %d/%d/%d", prefix, cout, len(bias.data), len(s.data), len(t.data))
		}
		return x, 0
	}
	// TF.js stores HWIO; ONNX wants OIHW.
	wt := make([]float32, len(f.data))
	for h := range kh {
		for w := range kw {
			for i := range cin {
				for o := range cout {
					wt[((o*cin+i)*kh+h)*kw+w] = f.data[((h*kw+w)*cin+i)*cout+o] * s.data[o]
				}
			}
		}
	}
	bt := make([]float32, cout)
	for o := range cout {
		bt[o] = bias.data[o]*s.data[o] + t.data[o]
	}
	name := prefix + "/folded"
	out := b.g.Node("Conv", []string{x,
		b.g.Floats(name+"/W", []int64{int64(cout), int64(cin), int64(kh), int64(kw)}, wt),
		b.g.Floats(name+"/B", []int64{int64(cout)}, bt)},
		onnx.Ints("kernel_shape", int64(kh), int64(kw)), onnx.Ints("strides", int64(stride), int64(stride)),
		onnx.Ints("pads", int64(pad), int64(pad), int64(pad), int64(pad)))
	if relu {
		out = b.g.Node("Relu", []string{out})
	}
	return out, cout
}

// residual is conv1 (3×3, ReLU), conv2 (3×3), + input, ReLU.
func (b *builder) residual(x, name string) string {
	y, _ := b.conv(x, name+"/conv1", 1, 1, true)
	y, _ = b.conv(y, name+"/conv2", 1, 1, false)
	return b.g.Node("Relu", []string{b.g.Node("Add", []string{y, x})})
}

// down is conv1 (3×3 stride 2 valid, ReLU), conv2 (3×3); the shortcut is a
// 2×2 average pool of the input, with zero channels appended when the
// block widens; when the pooled map is one larger than the conv branch,
// the branch gets a zero row at the bottom and a zero column at the right.
func (b *builder) down(x, name string, cin, size int) (string, int, int) {
	y, _ := b.conv(x, name+"/conv1", 2, 0, true)
	y, cout := b.conv(y, name+"/conv2", 1, 1, false)
	convSize := (size-3)/2 + 1
	poolSize := (size-2)/2 + 1
	if poolSize == convSize+1 {
		// ONNX Pad, mode "constant" (the default), value 0; pads are
		// [N C H W begins, N C H W ends].
		y = b.g.Node("Pad", []string{y, b.g.Int64s(name+"/pads", []int64{0, 0, 0, 0, 0, 0, 1, 1})})
	} else if poolSize != convSize {
		if b.err == nil {
			b.err = fmt.Errorf("%s: pooled %d vs conv %d", name, poolSize, convSize)
		}
	}
	p := b.g.Node("AveragePool", []string{x}, onnx.Ints("kernel_shape", 2, 2), onnx.Ints("strides", 2, 2))
	if cout > cin {
		// Append zero channels with an exact 1×1 identity embedding.
		w := make([]float32, cout*cin)
		for i := range cin {
			w[i*cin+i] = 1
		}
		p = b.g.Node("Conv", []string{p, b.g.Floats(name+"/widen", []int64{int64(cout), int64(cin), 1, 1}, w)},
			onnx.Ints("kernel_shape", 1, 1))
	}
	return b.g.Node("Relu", []string{b.g.Node("Add", []string{y, p})}), cout, poolSize
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront"
	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
)

// cardfrontOptions are the flags of cardfront.
type cardfrontOptions struct {
	models string
	json   bool
	n      int
	seed   uint64
}

func (o *cardfrontOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.models, "models", "", "folder with the face detector model (default: camera.models of the configuration)")
	fs.BoolVar(&o.json, "json", false, "print JSON")
	fs.IntVar(&o.n, "n", 100, "eval: photos per condition")
	fs.Uint64Var(&o.seed, "seed", 1, "eval: seed of the generated photos")
}

// maxCardImage bounds the photo file `cardfront read` decodes.
const maxCardImage = 32 << 20

func runCardfront(_ context.Context, g *globals, args []string) error {
	var o cardfrontOptions
	args, err := parseCommand(g, "cardfront", args, o.addFlags)
	if err != nil {
		return err
	}
	if o.models == "" {
		o.models = g.cfg.Camera.Models
	}
	switch {
	case len(args) == 2 && args[0] == "read":
		return cardfrontRead(g, o, args[1])
	case len(args) == 1 && args[0] == "eval":
		return cardfrontEval(g, o)
	}
	return usageError{"want: cardfront read [--json] IMAGE | cardfront eval [--n N] [--seed S]"}
}

// cardfrontRead reads one photo of a card front: exit 0 when all three
// parts were read, 1 otherwise.
func cardfrontRead(g *globals, o cardfrontOptions, path string) error {
	data, err := readImageFile(path)
	if err != nil {
		return usageError{err.Error()}
	}
	defer clear(data)
	r, err := cardfront.New(cardfront.Options{Detector: camera.YuNet.In(o.models), Workers: 2})
	if err != nil {
		return err
	}
	defer r.Close()
	rd, err := r.ReadImage(data)
	if errors.Is(err, cardfront.ErrNotImage) {
		return usageError{fmt.Sprintf("%s: not a JPEG or PNG image", path)}
	}
	if err != nil {
		return err
	}
	parts := cardfront.PartsOf(rd)
	if o.json {
		out := map[string]*string{"birth": nil, "expiry_year": nil, "security_code": nil}
		for i, k := range []string{"birth", "expiry_year", "security_code"} {
			if parts[i] != "" {
				out[k] = &parts[i]
			}
		}
		b, _ := json.Marshal(out)
		fmt.Fprintln(g.stdout, string(b))
	} else {
		fmt.Fprintf(g.stdout, "card: %s\n", rd.Kind)
		for i, k := range []string{"birth (和暦 YYMMDD)", "expiry year", "security code"} {
			v := parts[i]
			if v == "" {
				v = "not read"
			}
			fmt.Fprintf(g.stdout, "%s: %s\n", k, v)
		}
	}
	if !rd.Complete() {
		return exitError{code: 1}
	}
	return nil
}

// readImageFile reads a regular file of at most maxCardImage bytes. It
// opens without blocking, so that a FIFO or a device is refused at once.
func readImageFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size() > maxCardImage {
		return nil, fmt.Errorf("%s: %d bytes, larger than a photo (%d)", path, st.Size(), maxCardImage)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// cardfrontEval prints the reader's accuracy and speed per condition on
// generated photos (the faces come from the shared test photos).
func cardfrontEval(g *globals, o cardfrontOptions) error {
	faces, err := sharedFaces()
	if err != nil {
		return err
	}
	gen, err := photoset.New(o.seed, faces)
	if err != nil {
		return err
	}
	r, err := cardfront.New(cardfront.Options{Detector: camera.YuNet.In(o.models), Workers: 2})
	if err != nil {
		return err
	}
	defer r.Close()
	reps, err := cardfront.Evaluate(r, gen, o.n, photoset.Conditions())
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(reps)
	}
	fmt.Fprintf(g.stdout, "%d generated photos per condition (seed %d, %d typefaces)\n\n", o.n, o.seed, gen.FontCount())
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONDITION\tALL THREE RIGHT\tBIRTH\tEXPIRY\tCODE\tWRONG PARTS\tP50\tP95")
	for _, r := range reps {
		pct := func(n int) string { return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(r.Photos)) }
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Condition, pct(r.AllThree), pct(r.Right[0]), pct(r.Right[1]), pct(r.Right[2]),
			r.Wrong, r.P50.Round(time.Millisecond), r.P95.Round(time.Millisecond))
	}
	return tw.Flush()
}

// sharedFaces loads the shared test photos (UKETSUKE_SHARED) for the
// generated cards.
func sharedFaces() ([]image.Image, error) {
	dir := os.Getenv("UKETSUKE_SHARED")
	if dir == "" {
		dir = "../shared"
	}
	files, err := filepath.Glob(filepath.Join(dir, "testdata", "faces", "*", "*", "*.jpg"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no face photos under %s/testdata/faces (set UKETSUKE_SHARED)", dir)
	}
	var faces []image.Image
	for _, f := range files {
		data, err := readImageFile(f)
		if err != nil {
			return nil, err
		}
		if img, err := camera.DecodeImage(data); err == nil {
			faces = append(faces, img)
		}
	}
	return faces, nil
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront"
	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
	"github.com/uketsuke/uketsuke/camera/facecase"
)

// faceOptions are the flags of face.
type faceOptions struct {
	dataset string
	models  string
	rec     camera.RecognizerOptions
	json    bool
	cases   bool
	chip    string
	front   string
	live    stringList
	batch   string
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func (o *faceOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.dataset, "dataset", "", "eval: folder with images and labels.csv (path,identity)")
	fs.StringVar(&o.models, "models", ".build/models", "folder with the detector and recogniser models")
	fs.StringVar(&o.rec.Name, "recognizer", "", "dlib or sface (default: camera.recognizer of the configuration)")
	fs.StringVar(&o.rec.Model, "recognizer-model", "", "the sface model file (default: camera.recognizer_model)")
	fs.BoolVar(&o.json, "json", false, "print JSON")
	fs.BoolVar(&o.cases, "cases", false, "eval: also build cards from the photos and decide genuine, impostor and tampered cases")
	fs.StringVar(&o.chip, "chip", "", "verify: the chip photo as read from the card (JPEG 2000, JPEG or PNG)")
	fs.StringVar(&o.front, "front", "", "verify: a photo of the card front")
	fs.Var(&o.live, "live", "verify: a live frame (repeat for several)")
	fs.StringVar(&o.batch, "batch", "", `verify: a file of cases, one JSON object per line: {"chip": F, "front": F, "live": [F, …]}`)
}

func runFace(_ context.Context, g *globals, args []string) error {
	var o faceOptions
	args, err := parseCommand(g, "face", args, o.addFlags)
	if err != nil {
		return err
	}
	if o.rec.Name == "" {
		o.rec = camera.RecognizerOptions{Name: g.cfg.Camera.Recognizer, Model: g.cfg.Camera.RecognizerModel}
	}
	switch {
	case len(args) == 1 && args[0] == "eval" && o.dataset != "":
		return faceEval(g, o)
	case len(args) == 1 && args[0] == "verify" && (o.batch != "") != (o.chip != ""):
		return faceVerify(g, o)
	}
	return usageError{"want: face eval --dataset DIR [--cases] | face verify --chip FILE [--front FILE] --live FILE [--live FILE…] | face verify --batch FILE"}
}

// faceEval measures the recogniser on a labelled folder.
func faceEval(g *globals, o faceOptions) error {
	samples, err := camera.ReadLabels(o.dataset)
	if err != nil {
		return err
	}
	e, err := camera.NewEngineWith(o.models, o.rec)
	if err != nil {
		return err
	}
	defer e.Close()
	rep, err := e.Evaluate(samples)
	if err != nil {
		return err
	}
	var cases *facecase.Report
	if o.cases {
		if cases, err = faceCases(e, o.models, samples); err != nil {
			return err
		}
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			camera.Report
			Cases *facecase.Report `json:"cases,omitempty"`
		}{rep, cases})
	}
	w := g.stdout
	fmt.Fprintf(w, "%d images of %d people, %d faces described; %d genuine and %d impostor pairs (live vs live)\n\n",
		rep.Images, rep.Identities, rep.Detected, rep.GenuinePairs, rep.ImpostorPairs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODE\tEER\tTAR@FAR1e-3\tTAR@FAR1e-4\tTHRESHOLD (L2)\tGENUINE\tIMPOSTOR")
	for _, m := range []struct {
		name string
		r    camera.ModeReport
	}{{"live vs live", rep.Live}, {"card-like vs live", rep.Card}} {
		fmt.Fprintf(tw, "%s\t%.2f%%\t%.1f%%\t%.1f%%\t%.3f\t%d\t%d\n", m.name, 100*m.r.EER, 100*m.r.TAR1e3, 100*m.r.TAR1e4, m.r.Threshold, m.r.Genuine, m.r.Impostor)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nCard-like vs live by the chip face's width (greyscale, JPEG 2000 20:1; threshold at FAR 1e-3 chosen at each width):\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FACE WIDTH\tTAR@FAR1e-3\tTHRESHOLD (L2)\tCHIP PHOTOS UNUSABLE")
	for _, width := range camera.CardWidths {
		r := rep.CardByWidth[strconv.Itoa(width)]
		fmt.Fprintf(tw, "%d px\t%.1f%%\t%.3f\t%d\n", width, 100*r.TAR1e3, r.Threshold, r.Misses)
	}
	tw.Flush()
	s := rep.Split
	fmt.Fprintf(w, "\nHeld out (%d identities; thresholds chosen on the other %d at FAR 1e-3):\n", len(s.TestIdentities), len(s.TrainIdentities))
	fmt.Fprintf(w, "  live: threshold %.3f → TAR %.1f%%, FAR %.2f%%\n  card: threshold %.3f → TAR %.1f%%, FAR %.2f%%\n",
		s.LiveThreshold, 100*s.LiveTAR, 100*s.LiveFAR, s.CardThreshold, 100*s.CardTAR, 100*s.CardFAR)
	fmt.Fprintf(w, "\nTime (ms): detect p50 %.1f, describe p50 %.1f, one frame to a decision p95 %.1f\n",
		rep.MS.DetectP50, rep.MS.EmbedP50, rep.MS.DecisionP95)
	if cases != nil {
		printCases(w, cases)
	}
	return nil
}

// faceCases builds cards from the photos and decides the cases.
func faceCases(e *camera.Engine, models string, samples []camera.Sample) (*facecase.Report, error) {
	rd, err := cardfront.New(cardfront.Options{Detector: camera.YuNet.In(models), Workers: 1})
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	var photos []facecase.Photo
	var imgs []image.Image
	for _, s := range samples {
		data, err := readImageFile(s.Path)
		if err != nil {
			return nil, err
		}
		img, err := camera.DecodeImage(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Path, err)
		}
		photos, imgs = append(photos, facecase.Photo{Identity: s.Identity, Image: img}), append(imgs, img)
	}
	gen, err := photoset.New(5, imgs)
	if err != nil {
		return nil, err
	}
	rep, err := facecase.Evaluate(&facecase.Checker{Engine: e, Front: rd}, gen, photos)
	return &rep, err
}

func printCases(w io.Writer, r *facecase.Report) {
	p := r.Picture
	fmt.Fprintf(w, "\nCards made of %d of the %d photos (the others are cropped too tight to the face for an ID photo); fronts on the tray, the card about 900–1000 px wide, chip face 60 px:\n", r.Cards, r.Photos)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASES\tN\tACCEPTED\tBY PRINT\tBY CHIP\tREFUSED AS TAMPERED\tUNUSABLE")
	for _, k := range []facecase.Kind{facecase.Genuine, facecase.Impostor, facecase.Tampered} {
		c := r.Cases[k]
		fmt.Fprintf(tw, "%s\t%d\t%d (%.1f%%)\t%d\t%d\t%d\t%d\n", k, c.Cases, c.Accepted, 100*float64(c.Accepted)/float64(max(c.Cases, 1)), c.ByPrint, c.ByChip, c.Conflict, c.Unusable)
	}
	tw.Flush()
	fmt.Fprintf(w, "Same picture (threshold %.2f): the card's own print %d/%d (median %.3f, p5 %.3f); other photos of the same person %d/%d (max %.3f); other people %d/%d (max %.3f)\n",
		p.Threshold, p.SameAccepted, p.Same, p.SameMedian, p.SameP5, p.PersonFA, p.Person, p.PersonMax, p.OthersFA, p.Others, p.OthersMax)
	for _, m := range []struct {
		name string
		r    facecase.PairReport
	}{{"live vs print", r.LivePrint}, {"live vs chip", r.LiveChip}, {"print vs chip", r.PrintChip}} {
		fmt.Fprintf(w, "%s: TAR %.1f%%, FAR %.3f%% at %.2f; TAR %.1f%% at FAR 1e-3 (%.3f)\n", m.name, 100*m.r.TAR, 100*m.r.FAR, m.r.UsedThreshold, 100*m.r.TAR1e3, m.r.Threshold)
	}
}

// verifyCase is one line of a --batch file.
type verifyCase struct {
	Chip  string   `json:"chip"`
	Front string   `json:"front"`
	Live  []string `json:"live"`
}

// errCaseLine is a batch line that is not one case.
var errCaseLine = errors.New(`want {"chip": FILE, "front": FILE, "live": [FILE, …]}`)

// parseCaseLine reads one line of a --batch file: one JSON object with a
// chip, at most one front and at least one live frame, nothing else.
func parseCaseLine(line []byte) (verifyCase, error) {
	var vc verifyCase
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vc); err != nil {
		return verifyCase{}, fmt.Errorf("%w: %v", errCaseLine, err)
	}
	if dec.More() {
		return verifyCase{}, fmt.Errorf("%w: more after the object", errCaseLine)
	}
	if vc.Chip == "" || len(vc.Live) == 0 || slices.Contains(vc.Live, "") {
		return verifyCase{}, errCaseLine
	}
	return vc, nil
}

// faceVerify decides one case, or every case of a batch file.
func faceVerify(g *globals, o faceOptions) error {
	e, err := camera.NewEngineWith(o.models, o.rec)
	if err != nil {
		return err
	}
	defer e.Close()
	rd, err := cardfront.New(cardfront.Options{Detector: camera.YuNet.In(o.models), Workers: 1})
	if err != nil {
		return err
	}
	defer rd.Close()
	live, err := camera.NewDetector(camera.YuNet.In(o.models))
	if err != nil {
		return err
	}
	defer live.Close()
	c := &facecase.Checker{Engine: e, Front: rd, Live: live}
	if o.batch == "" {
		if len(o.live) == 0 {
			return usageError{"face verify: want at least one --live FILE"}
		}
		r, err := decideFiles(c, verifyCase{o.chip, o.front, o.live})
		if err != nil {
			return err
		}
		if err := printVerify(g, o.json, r); err != nil {
			return err
		}
		if r.Decision != facecase.Match {
			return exitError{code: 1}
		}
		return nil
	}
	data, err := readImageFile(o.batch)
	if err != nil {
		return usageError{err.Error()}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r facecase.Result
		if vc, err := parseCaseLine(line); err != nil {
			r = c.Unusable(fmt.Sprintf("line %d: %v", n, err))
		} else if r, err = decideFiles(c, vc); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if err := printVerify(g, true, r); err != nil {
			return err
		}
	}
	return sc.Err()
}

// decideFiles reads a case's files and decides it. A file that cannot
// be read makes the case unusable.
func decideFiles(c *facecase.Checker, vc verifyCase) (facecase.Result, error) {
	chip, err := readImageFile(vc.Chip)
	if err != nil {
		return c.Unusable("chip photo: " + err.Error()), nil
	}
	var front []byte
	if vc.Front != "" {
		if front, err = readImageFile(vc.Front); err != nil {
			return c.Unusable("card front: " + err.Error()), nil
		}
	}
	var live [][]byte
	for _, p := range vc.Live {
		data, err := readImageFile(p)
		if err != nil {
			return c.Unusable("live frame: " + err.Error()), nil
		}
		live = append(live, data)
	}
	defer func() {
		clear(chip)
		clear(front)
		for _, d := range live {
			clear(d)
		}
	}()
	return c.CheckEncoded(chip, front, live)
}

func printVerify(g *globals, asJSON bool, r facecase.Result) error {
	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(g.stdout, string(b))
		return err
	}
	fmt.Fprintf(g.stdout, "decision: %s\n", r.Decision)
	if r.Reason != "" {
		fmt.Fprintf(g.stdout, "why: %s\n", r.Reason)
	}
	sc := r.Scores
	if sc.Evidence != "" {
		fmt.Fprintf(g.stdout, "decided by: %s\n", sc.Evidence)
	}
	show := func(name string, v *float64, t float64) {
		if v != nil {
			fmt.Fprintf(g.stdout, "%s: %.3f (threshold %.2f)\n", name, *v, t)
		}
	}
	show("same picture", sc.Picture, sc.PictureThreshold)
	show("live vs print", sc.LivePrint, sc.PrintThreshold)
	show("live vs chip", sc.LiveChip, sc.ChipThreshold)
	return nil
}

package camera

import (
	"encoding/csv"
	"fmt"
	"image"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// Sample is one labelled image of a dataset.
type Sample struct {
	Path     string
	Identity string
}

// ReadLabels reads a labels.csv (path,identity[,…]) beside the images.
func ReadLabels(dir string) ([]Sample, error) {
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("labels.csv: %w", err)
	}
	var out []Sample
	for i, row := range rows {
		if i == 0 && row[0] == "path" {
			continue
		}
		if len(row) < 2 {
			return nil, fmt.Errorf("labels.csv line %d: want path,identity", i+1)
		}
		out = append(out, Sample{Path: filepath.Join(dir, row[0]), Identity: row[1]})
	}
	return out, nil
}

// Rates are the verification figures at one threshold.
type Rates struct {
	Threshold float64 // accept when distance ≤ Threshold
	TAR, FAR  float64
}

// Scores holds the distances of genuine and impostor pairs.
type Scores struct {
	Genuine, Impostor []float64
}

// At returns the rates at threshold t.
func (s Scores) At(t float64) Rates {
	return Rates{Threshold: t, TAR: fraction(s.Genuine, t), FAR: fraction(s.Impostor, t)}
}

func fraction(xs []float64, t float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	n := 0
	for _, x := range xs {
		if x <= t {
			n++
		}
	}
	return float64(n) / float64(len(xs))
}

// ThresholdAtFAR is the largest threshold whose false-accept rate does not
// exceed far: the impostor distance just below the allowed count.
func (s Scores) ThresholdAtFAR(far float64) float64 {
	imp := slices.Sorted(slices.Values(s.Impostor))
	if len(imp) == 0 {
		return math.Inf(1)
	}
	allowed := int(math.Floor(far * float64(len(imp))))
	if allowed >= len(imp) {
		return imp[len(imp)-1]
	}
	// Accepting `allowed` impostors: stop just below the next one.
	return math.Nextafter(imp[allowed], math.Inf(-1))
}

// EER is the equal error rate and its threshold.
func (s Scores) EER() (eer, threshold float64) {
	all := append(slices.Clone(s.Genuine), s.Impostor...)
	sort.Float64s(all)
	best := math.Inf(1)
	for _, t := range all {
		r := s.At(t)
		frr := 1 - r.TAR
		if d := math.Abs(frr - r.FAR); d < best {
			best, eer, threshold = d, (frr+r.FAR)/2, t
		}
	}
	return eer, threshold
}

// Report is the outcome of an evaluation on a dataset.
type Report struct {
	Images        int         `json:"images"`
	Detected      int         `json:"detected"`
	Identities    int         `json:"identities"`
	GenuinePairs  int         `json:"genuine_pairs"`
	ImpostorPairs int         `json:"impostor_pairs"`
	Live          ModeReport  `json:"live"`
	Card          ModeReport  `json:"card"`
	MS            TimeReport  `json:"ms"`
	Split         SplitReport `json:"held_out"`
	// CardByWidth is the card-like TAR at FAR 1e-3 (threshold chosen at
	// each width) by the chip face's width in px, keyed by the width.
	CardByWidth map[string]WidthReport `json:"card_by_width"`
}

// WidthReport is the card-like comparison at one chip face width.
type WidthReport struct {
	TAR1e3    float64 `json:"tar_at_far_1e-3"`
	Threshold float64 `json:"threshold"`
	Misses    int     `json:"chip_photos_unusable"` // too small to encode or to find the face in: every genuine pair a miss
}

// CardWidths are the chip face widths Evaluate measures.
var CardWidths = [...]int{40, 60, 80, 100, 140}

// ModeReport is one comparison mode (live vs live, or card vs live).
type ModeReport struct {
	EER       float64 `json:"eer"`
	TAR1e3    float64 `json:"tar_at_far_1e-3"`
	TAR1e4    float64 `json:"tar_at_far_1e-4"`
	Threshold float64 `json:"threshold"` // at FAR 1e-3
	Genuine   int     `json:"genuine_pairs"`
	Impostor  int     `json:"impostor_pairs"`
}

// SplitReport holds the figures on the held-out identities at the
// threshold chosen on the training identities.
type SplitReport struct {
	TrainIdentities []string `json:"train_identities"`
	TestIdentities  []string `json:"test_identities"`
	CardThreshold   float64  `json:"card_threshold_from_train"`
	CardTAR         float64  `json:"card_tar"`
	CardFAR         float64  `json:"card_far"`
	LiveThreshold   float64  `json:"live_threshold_from_train"`
	LiveTAR         float64  `json:"live_tar"`
	LiveFAR         float64  `json:"live_far"`
}

// TimeReport is the cost of the steps in milliseconds.
type TimeReport struct {
	DetectP50   float64 `json:"detect_p50"`
	EmbedP50    float64 `json:"embed_p50"`
	DecisionP95 float64 `json:"decision_p95"`
}

// Mode is the report of one comparison mode's scores.
func Mode(s Scores) ModeReport {
	eer, _ := s.EER()
	t3 := s.ThresholdAtFAR(1e-3)
	return ModeReport{EER: eer, TAR1e3: s.At(t3).TAR, TAR1e4: s.At(s.ThresholdAtFAR(1e-4)).TAR,
		Threshold: t3, Genuine: len(s.Genuine), Impostor: len(s.Impostor)}
}

// CardFaceWidth is the width of the face in a chip photo (the card's
// 証明写真 stored small).
const CardFaceWidth = 60

// CardLike turns a live image into what the chip holds: greyscale, the
// face about 60 px wide, JPEG 2000 at about 20:1. It returns the encoded
// photo.
func CardLike(img cv.Mat, face Face) ([]byte, error) { return CardLikeAt(img, face, CardFaceWidth) }

// CardLikeAt is CardLike with the face width px wide.
func CardLikeAt(img cv.Mat, face Face, width int) ([]byte, error) {
	grey := cv.NewMat()
	defer grey.Close()
	cv.CvtColor(img, &grey, cv.ColorBGRToGray)
	k := float64(width) / float64(max(face.Width(), 1))
	small := cv.NewMat()
	defer small.Close()
	cv.Resize(grey, &small, image.Pt(max(int(float64(img.Cols())*k), 1), max(int(float64(img.Rows())*k), 1)), 0, 0, cv.InterpolationArea)
	buf, err := cv.EncodeJPEG2000(small, 20)
	if err != nil {
		return nil, fmt.Errorf("encode JPEG 2000: %w", err)
	}
	return buf, nil
}

// Evaluate describes every image live and card-like and scores all pairs.
// Identities are split in two by sorted order (even index: training, odd:
// held out); thresholds are chosen on training pairs only.
func (e *Engine) Evaluate(samples []Sample) (Report, error) {
	type desc struct {
		live, forCard, card Descriptor // forCard: the live face as compared with a card
		id                  string
		ok                  bool
	}
	ds := make([]desc, len(samples))
	type byWidth struct {
		card, forCard [len(CardWidths)]Descriptor
		ok            [len(CardWidths)]bool
	}
	ws := make([]byWidth, len(samples))
	var detect, embed, decision []float64
	rep := Report{Images: len(samples)}
	for i, s := range samples {
		img, err := cv.IMRead(s.Path, cv.IMReadColor)
		if err != nil {
			return rep, err
		}
		t0 := time.Now()
		faces, err := e.det.Detect(img)
		t1 := time.Now()
		f, ok := Central(faces, image.Pt(img.Cols(), img.Rows()))
		if err != nil || !ok {
			img.Close()
			continue
		}
		live, err := e.DescribeFace(img, f)
		t2 := time.Now()
		if err != nil {
			img.Close()
			return rep, err
		}

		detect = append(detect, ms(t1.Sub(t0)))
		embed = append(embed, ms(t2.Sub(t1)))
		decision = append(decision, ms(t2.Sub(t0))) // one live frame to a decision (the compare itself is < 1 µs)
		photo, err := CardLike(img, f)
		if err != nil {
			img.Close()
			return rep, err
		}
		for k, w := range CardWidths {
			if err := e.cardAt(img, f, w, &ws[i].card[k], &ws[i].forCard[k], &ws[i].ok[k]); err != nil {
				img.Close()
				return rep, err
			}
		}
		card, cardWidth, err := e.DescribeCard(photo)
		ds[i] = desc{live: live, card: card, id: s.Identity, ok: err == nil}
		if err == nil {
			// The live side as the verifier sees it against this card.
			if ds[i].forCard, err = e.DescribeLive(img, f, cardWidth); err != nil {
				img.Close()
				return rep, err
			}
		}
		img.Close()
		if err == nil {
			rep.Detected++
		}
	}
	ids := map[string]bool{}
	for _, d := range ds {
		ids[d.id] = true
	}
	sorted := slices.Sorted(maps.Keys(ids))
	train := map[string]bool{}
	for i, id := range sorted {
		if i%2 == 0 {
			train[id] = true
			rep.Split.TrainIdentities = append(rep.Split.TrainIdentities, id)
		} else {
			rep.Split.TestIdentities = append(rep.Split.TestIdentities, id)
		}
	}
	rep.Identities = len(sorted)
	var live, card splitScores
	for i := range ds {
		for j := range ds {
			if i == j || !ds[i].ok || !ds[j].ok {
				continue
			}
			g := ds[i].id == ds[j].id
			bothTrain, bothTest := train[ds[i].id] && train[ds[j].id], !train[ds[i].id] && !train[ds[j].id]
			card.add(g, bothTrain, bothTest, e.Distance(ds[i].card, ds[j].forCard))
			if i < j {
				live.add(g, bothTrain, bothTest, e.Distance(ds[i].live, ds[j].live))
			}
		}
	}
	rep.CardByWidth = map[string]WidthReport{}
	for k, w := range CardWidths {
		var sc Scores
		misses := 0
		for i := range ds {
			if !ds[i].ok {
				continue
			}
			if !ws[i].ok[k] {
				misses++
			}
			for j := range ds {
				if i == j || !ds[j].ok {
					continue
				}
				d := math.Inf(1) // an unusable chip photo accepts no one
				if ws[i].ok[k] {
					d = e.Distance(ws[i].card[k], ws[j].forCard[k])
				}
				sc.Add(ds[i].id == ds[j].id, d)
			}
		}
		m := Mode(sc)
		rep.CardByWidth[strconv.Itoa(w)] = WidthReport{TAR1e3: m.TAR1e3, Threshold: m.Threshold, Misses: misses}
	}
	rep.GenuinePairs, rep.ImpostorPairs = len(live.all.Genuine), len(live.all.Impostor)
	rep.Live, rep.Card = Mode(live.all), Mode(card.all)
	tl, tc := live.train.ThresholdAtFAR(1e-3), card.train.ThresholdAtFAR(1e-3)
	rl, rc := live.test.At(tl), card.test.At(tc)
	rep.Split.LiveThreshold, rep.Split.LiveTAR, rep.Split.LiveFAR = tl, rl.TAR, rl.FAR
	rep.Split.CardThreshold, rep.Split.CardTAR, rep.Split.CardFAR = tc, rc.TAR, rc.FAR
	rep.MS = TimeReport{DetectP50: percentile(detect, 50), EmbedP50: percentile(embed, 50), DecisionP95: percentile(decision, 95)}
	return rep, nil
}

// cardAt describes img's face as a chip photo with the face width px
// wide, and the live face as compared with it; ok is false when the chip
// photo cannot be encoded or shows no face (a miss, not an error).
func (e *Engine) cardAt(img cv.Mat, f Face, width int, card, forCard *Descriptor, ok *bool) error {
	photo, err := CardLikeAt(img, f, width)
	if err != nil {
		return nil
	}
	d, w, err := e.DescribeCard(photo)
	if err != nil {
		return nil
	}
	l, err := e.DescribeLive(img, f, w)
	if err != nil {
		return err
	}
	*card, *forCard, *ok = d, l, true
	return nil
}

// splitScores are the scores of all pairs, of pairs within the training
// identities, and of pairs within the held-out ones.
type splitScores struct{ all, train, test Scores }

func (s *splitScores) add(genuine, train, test bool, d float64) {
	s.all.Add(genuine, d)
	if train {
		s.train.Add(genuine, d)
	}
	if test {
		s.test.Add(genuine, d)
	}
}

// Add records the distance of a genuine or an impostor pair.
func (s *Scores) Add(genuine bool, d float64) {
	if genuine {
		s.Genuine = append(s.Genuine, d)
	} else {
		s.Impostor = append(s.Impostor, d)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	return s[min(len(s)-1, int(math.Ceil(p/100*float64(len(s))))-1)]
}

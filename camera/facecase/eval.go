package facecase

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
	"github.com/uketsuke/uketsuke/camera/picture"
)

// Photo is one labelled face photo of a set.
type Photo struct {
	Identity string
	Image    image.Image
}

// Kind is what a generated case is.
type Kind string

// The kinds of case.
const (
	// Genuine: the holder's card (photo A printed, the chip from A), the
	// holder live (another photo B of them).
	Genuine Kind = "genuine"
	// Impostor: a genuine card, someone else live.
	Impostor Kind = "impostor"
	// Tampered: the chip from A, someone else's photo printed on the
	// front, that someone live (another photo of them).
	Tampered Kind = "tampered"
)

// Counts are the decisions on the cases of one kind.
type Counts struct {
	Cases    int `json:"cases"`
	Accepted int `json:"accepted"`
	ByPrint  int `json:"decided_by_print"`    // decided by the live face against the print
	ByChip   int `json:"decided_by_chip"`     // fell back to the chip photo alone
	Conflict int `json:"refused_as_tampered"` // the printed face is not the chip's person
	Unusable int `json:"unusable"`            // no chip face or no live face
}

// PictureReport is the same-picture test alone.
type PictureReport struct {
	Threshold     float64 `json:"threshold"`
	Same          int     `json:"same_picture_pairs"`
	SameAccepted  int     `json:"same_picture_accepted"`
	Person        int     `json:"same_person_other_photo_pairs"`
	PersonFA      int     `json:"same_person_other_photo_accepted"`
	PersonMax     float64 `json:"same_person_other_photo_max"`
	Others        int     `json:"other_people_pairs"`
	OthersFA      int     `json:"other_people_accepted"`
	OthersMax     float64 `json:"other_people_max"`
	Uncomparable  int     `json:"pairs_not_comparable"`
	SameMedian    float64 `json:"same_picture_median"`
	SameP5        float64 `json:"same_picture_p5"`
	SameUnusable  int     `json:"same_picture_not_comparable"`
	PrintsMissing int     `json:"cards_without_printed_photo"`
}

// PairReport is one comparison over all pairs of the set.
type PairReport struct {
	camera.ModeReport
	// At the threshold in use:
	UsedThreshold float64 `json:"used_threshold"`
	TAR           float64 `json:"tar"`
	FAR           float64 `json:"far"`
}

// Report is the outcome of Evaluate.
type Report struct {
	Photos    int           `json:"photos"`
	Cards     int           `json:"cards"` // photos that can serve as an ID photo (MaxFaceFraction)
	Picture   PictureReport `json:"same_picture"`
	LivePrint PairReport    `json:"live_vs_print"`
	LiveChip  PairReport    `json:"live_vs_chip"`
	// PrintChip: the printed face against the chip photo; genuine is a
	// card's own print, impostor someone else's.
	PrintChip PairReport       `json:"print_vs_chip"`
	Cases     map[Kind]*Counts `json:"cases"`
}

// side is one photo of the set as a holder's card and as a live face.
type side struct {
	id           string
	card         bool      // a card was made of the photo (it can serve as an ID photo)
	chip         *chipSide // nil: no face in the chip photo
	printPic     *picture.Photo
	print        camera.Descriptor
	printForChip camera.Descriptor
	printed      bool
	forChip      camera.Descriptor // the photo as a live face, against a chip
	forPrint     camera.Descriptor // and against a print
	live         bool
}

// Evaluate builds a card (tray photo of the front, chip photo with the
// face 60 px wide) from every photo and decides: every genuine pair
// (card of A, another photo of A live), one impostor per card (someone
// else live) and one tampered card per card (A's chip, someone else's
// photo printed, another photo of that someone live). Pair-level
// figures are over all pairs; the same-picture test's over every
// same-person pair and a fifth of the others.
func Evaluate(c *Checker, gen *photoset.Generator, photos []Photo) (Report, error) {
	t := c.thresholds()
	sides := make([]side, len(photos))
	defer func() {
		for _, s := range sides {
			if s.chip != nil {
				s.chip.Close()
			}
			if s.printPic != nil {
				s.printPic.Close()
			}
		}
	}()
	pm := &picture.Matcher{Detector: c.Engine.Detector()}
	rep := Report{Photos: len(photos), Cases: map[Kind]*Counts{Genuine: {}, Impostor: {}, Tampered: {}}}
	for i, p := range photos {
		s := &sides[i]
		s.id = p.Identity
		if err := c.describe(s, pm, gen, p.Image); err != nil {
			return rep, fmt.Errorf("photo %d: %w", i, err)
		}
		if s.card {
			rep.Cards++
			if !s.printed {
				rep.Picture.PrintsMissing++
			}
		}
	}
	// The same-picture test alone.
	pr := &rep.Picture
	pr.Threshold = picture.Threshold
	var same []float64
	score := func(i, j int) (float64, bool) {
		if sides[i].chip == nil || sides[i].chip.pic == nil || sides[j].printPic == nil {
			return 0, false
		}
		v, err := picture.Score(sides[i].chip.pic, sides[j].printPic)
		return v, err == nil
	}
	for i := range sides {
		for j := range sides {
			samePerson := sides[i].id == sides[j].id
			if !samePerson && (i+j)%5 != 0 {
				continue
			}
			v, ok := score(i, j)
			switch {
			case !ok && i == j:
				pr.SameUnusable++
			case !ok:
				pr.Uncomparable++
			case i == j:
				pr.Same++
				same = append(same, v)
				if v >= picture.Threshold {
					pr.SameAccepted++
				}
			case samePerson:
				pr.Person++
				pr.PersonMax = math.Max(pr.PersonMax, v)
				if v >= picture.Threshold {
					pr.PersonFA++
				}
			default:
				pr.Others++
				pr.OthersMax = math.Max(pr.OthersMax, v)
				if v >= picture.Threshold {
					pr.OthersFA++
				}
			}
		}
	}
	slices.Sort(same)
	if len(same) > 0 {
		pr.SameMedian, pr.SameP5 = same[len(same)/2], same[len(same)*5/100]
	}
	// Live against print and against chip, over all pairs.
	var lp, lc, pc camera.Scores
	for i, a := range sides {
		for j, b := range sides {
			if a.chip != nil && b.printed && (i == j || a.id != b.id) {
				pc.Add(i == j, c.Engine.Distance(a.chip.desc, b.printForChip))
			}
			if i == j || !b.live {
				continue
			}
			g := a.id == b.id
			if a.printed {
				lp.Add(g, c.Engine.Distance(a.print, b.forPrint))
			}
			if a.chip != nil {
				lc.Add(g, c.Engine.Distance(a.chip.desc, b.forChip))
			}
		}
	}
	rep.LivePrint, rep.LiveChip = pairReport(lp, t.Print), pairReport(lc, t.Chip)
	rep.PrintChip = pairReport(pc, t.Chip)
	// The cases.
	decide := func(k Kind, card, printed, liveIdx int) error {
		n := rep.Cases[k]
		n.Cases++
		a, l := sides[card], sides[liveIdx]
		if a.chip == nil || !l.live {
			n.Unusable++
			return nil
		}
		var pp *camera.Print
		if v, ok := score(card, printed); ok {
			p := sides[printed]
			pp = &camera.Print{Picture: v, Same: v >= picture.Threshold, Face: p.print, ForChip: p.printForChip, HasFace: p.printed}
		}
		d, err := camera.Judge(a.chip.desc, []camera.Descriptor{l.forChip}, pp, []camera.Descriptor{l.forPrint}, c.Engine.Distance, t)
		if err != nil {
			return err
		}
		switch d.Evidence {
		case camera.EvidencePrint:
			n.ByPrint++
		case camera.EvidenceChip:
			n.ByChip++
		case camera.EvidenceConflict:
			n.Conflict++
		}
		if d.Matched {
			n.Accepted++
		}
		return nil
	}
	for i := range sides {
		if !sides[i].card {
			continue
		}
		for j := range sides {
			if i != j && sides[i].id == sides[j].id {
				if err := decide(Genuine, i, i, j); err != nil {
					return rep, err
				}
			}
		}
		if o := otherThan(sides, i, len(sides)/2, false); o >= 0 {
			if err := decide(Impostor, i, i, o); err != nil {
				return rep, err
			}
		}
		if o := otherThan(sides, i, len(sides)/3, true); o >= 0 {
			if b := anotherOf(sides, o); b >= 0 {
				if err := decide(Tampered, i, o, b); err != nil {
					return rep, err
				}
			}
		}
	}
	return rep, nil
}

// describe builds photo img's card and live sides.
func (c *Checker) describe(s *side, pm *picture.Matcher, gen *photoset.Generator, img image.Image) error {
	jp2, err := ChipPhoto(c.Engine.Detector(), img, camera.CardFaceWidth)
	if err == nil {
		if s.chip, err = c.chip(jp2); err == nil && !s.chip.grey.Empty() {
			s.chip.pic, _ = pm.Prepare(s.chip.grey)
		}
	}
	if err != nil && !errors.Is(err, camera.ErrNoFace) && !errors.Is(err, camera.ErrCorruptPhoto) && !errors.Is(err, ErrNotIDPhoto) {
		return err
	}
	s.card = s.chip != nil
	if err := c.describeLive(s, img); err != nil || !s.card {
		return err
	}
	ph, err := gen.NextWith(photoset.Fine, img)
	if err != nil {
		return err
	}
	printed, detail, ok, err := c.Front.Photo(ph.Frame)
	ph.Frame.Close()
	if err != nil {
		return err
	}
	if ok {
		s.printPic, _ = pm.Prepare(printed)
		var width int
		s.print, s.printForChip, width, err = c.Engine.DescribePrinted(printed, camera.CardFaceWidth)
		if err == nil && float64(width)*detail < camera.MinPrintFace {
			err = camera.ErrNoFace // too small for the print path: as if none
		}
		printed.Close()
		s.printed = err == nil
		if err != nil && !errors.Is(err, camera.ErrNoFace) {
			return err
		}
	}
	return nil
}

// describeLive describes photo img as a live face.
func (c *Checker) describeLive(s *side, img image.Image) error {
	m, err := cv.ImageToMatRGB(img)
	if err != nil {
		return err
	}
	defer m.Close()
	l, ok, err := c.live(m)
	if err != nil || !ok {
		return err
	}
	if s.forChip, err = c.Engine.DescribeLive(m, l.face, camera.CardFaceWidth); err != nil {
		return err
	}
	s.forPrint, err = c.Engine.DescribeFace(m, l.face)
	if err != nil {
		return err
	}
	s.live = true
	return nil
}

// otherThan is the first photo from i+skip on (cyclically) of someone
// other than photo i's holder (with a card made of it, if card), or −1.
func otherThan(sides []side, i, skip int, card bool) int {
	for k := range sides {
		j := (i + skip + k) % len(sides)
		if sides[j].id != sides[i].id && (sides[j].card || !card) {
			return j
		}
	}
	return -1
}

// anotherOf is the next photo (cyclically) of photo i's holder, or −1.
func anotherOf(sides []side, i int) int {
	for k := 1; k < len(sides); k++ {
		j := (i + k) % len(sides)
		if sides[j].id == sides[i].id {
			return j
		}
	}
	return -1
}

func pairReport(s camera.Scores, used float64) PairReport {
	r := s.At(used)
	return PairReport{ModeReport: camera.Mode(s), UsedThreshold: used, TAR: r.TAR, FAR: r.FAR}
}

package cardfront

import (
	"image"
	"slices"
	"sort"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// mm is one millimetre of the rectified card, in pixels.
const mm = float64(rectW) / 85.60

// textLines finds the lines of printed text on a rectified greyscale card,
// outside the box skip (the photo), top to bottom. Ruled frames are found
// and painted out of gray (to white), so that a boxed line is found, and
// later read, as a line alone.
func textLines(gray *cv.Mat, skip image.Rectangle) []image.Rectangle {
	ink := cv.NewMat()
	defer ink.Close()
	cv.AdaptiveThreshold(*gray, &ink, 255, cv.AdaptiveThresholdMean, cv.ThresholdBinaryInv, 31, 18)

	// Long thin runs are rules (frames, the card's edge), not text.
	grow := cv.GetStructuringElement(cv.MorphRect, image.Pt(5, 5))
	defer grow.Close()
	for _, k := range []image.Point{{X: px(12), Y: 1}, {X: 1, Y: px(5)}} {
		kern := cv.GetStructuringElement(cv.MorphRect, k)
		rules := cv.NewMat()
		cv.MorphologyEx(ink, &rules, cv.MorphOpen, kern)
		cv.Dilate(rules, &rules, grow)
		cv.Subtract(ink, rules, &ink)
		cv.Max(*gray, rules, gray)
		rules.Close()
		kern.Close()
	}

	// Join the characters of a line, not the lines.
	joined := cv.NewMat()
	defer joined.Close()
	kern := cv.GetStructuringElement(cv.MorphRect, image.Pt(px(1.6), 3))
	defer kern.Close()
	cv.Dilate(ink, &joined, kern)

	labels, stats, cents := cv.NewMat(), cv.NewMat(), cv.NewMat()
	defer labels.Close()
	defer stats.Close()
	defer cents.Close()
	n, _ := cv.ConnectedComponentsWithStats(joined, &labels, &stats, &cents) // on error 0: no lines
	var boxes []image.Rectangle
	for i := 1; i < n; i++ {
		x, y := int(stats.GetIntAt(i, 0)), int(stats.GetIntAt(i, 1))
		w, h := int(stats.GetIntAt(i, 2)), int(stats.GetIntAt(i, 3))
		r := image.Rect(x, y, x+w, y+h)
		if float64(h) < 1.2*mm || float64(h) > 7*mm || w < h {
			continue
		}
		if !skip.Empty() && r.Overlaps(skip) {
			continue
		}
		boxes = append(boxes, r)
	}
	return mergeRows(boxes)
}

// mergeRows joins boxes that share a row and are near each other into
// lines, sorted top to bottom, then left to right.
func mergeRows(boxes []image.Rectangle) []image.Rectangle {
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].Min.X < boxes[j].Min.X })
	var lines []image.Rectangle
	for _, b := range boxes {
		merged := false
		for i, l := range lines {
			top, bot := max(l.Min.Y, b.Min.Y), min(l.Max.Y, b.Max.Y)
			overlap := float64(bot-top) / float64(min(l.Dy(), b.Dy()))
			gap := b.Min.X - l.Max.X
			if overlap > 0.6 && gap < 2*max(l.Dy(), b.Dy()) {
				lines[i] = l.Union(b)
				merged = true
				break
			}
		}
		if !merged {
			lines = append(lines, b)
		}
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].Min.Y != lines[j].Min.Y {
			return lines[i].Min.Y < lines[j].Min.Y
		}
		return lines[i].Min.X < lines[j].Min.X
	})
	return lines
}

// crop cuts a line out of the greyscale card with a margin, scaled by
// scale, cleared of rules and made black on white, as an image.Gray for
// Tesseract.
func crop(gray cv.Mat, r image.Rectangle, scale float64, binary bool) *image.Gray {
	pad := cropPad(r)
	r = image.Rect(r.Min.X-pad, r.Min.Y-pad, r.Max.X+pad, r.Max.Y+pad).Intersect(image.Rect(0, 0, gray.Cols(), gray.Rows()))
	region := gray.Region(r)
	defer region.Close()
	dense := cv.NewMat()
	defer dense.Close()
	if scale != 1 {
		cv.Resize(region, &dense, image.Pt(int(float64(r.Dx())*scale+0.5), int(float64(r.Dy())*scale+0.5)), 0, 0, cv.InterpolationCubic)
	} else {
		region.CopyTo(&dense)
	}
	clearRules(&dense, float64(r.Dy()-2*pad)*scale)
	// Tesseract's LSTM reads the grey levels it is given, and a printed
	// background or a glare makes it drop and change digits ("3135" as
	// "385" or "3185" at one scale and another): it is given black on
	// white.
	if binary {
		cv.Threshold(dense, &dense, 0, 255, cv.ThresholdBinary|cv.ThresholdOtsu)
	}
	img := image.NewGray(image.Rect(0, 0, dense.Cols(), dense.Rows()))
	copy(img.Pix, dense.ToBytes())
	return img
}

// cropPad is the margin crop leaves around a line.
func cropPad(r image.Rectangle) int { return max(4, r.Dy()/3) }

// cardX is the card's column of column x of crop(gray, r, scale, …).
func cardX(r image.Rectangle, scale float64, x int) int {
	return max(0, r.Min.X-cropPad(r)) + int(float64(x)/scale+0.5)
}

// clearRules paints out of a line image (to white) the thin, long blobs
// of ink that are left of a frame's rules when the card is not quite
// square after rectifying and textLines missed them; Tesseract reads a
// line between two such rules as nothing. textH is the text's height.
func clearRules(img *cv.Mat, textH float64) {
	ink := cv.NewMat()
	defer ink.Close()
	cv.Threshold(*img, &ink, 0, 255, cv.ThresholdBinaryInv|cv.ThresholdOtsu)
	labels, stats, cents := cv.NewMat(), cv.NewMat(), cv.NewMat()
	defer labels.Close()
	defer stats.Close()
	defer cents.Close()
	n, _ := cv.ConnectedComponentsWithStats(ink, &labels, &stats, &cents) // on error 0: no rules
	var rules []int32
	for i := 1; i < n; i++ {
		w, h := float64(stats.GetIntAt(i, 2)), float64(stats.GetIntAt(i, 3))
		// Long, and thin on average even when slanted.
		if area := float64(stats.GetIntAt(i, 4)); w >= 1.5*textH && h <= 0.6*textH && area <= 0.12*textH*w {
			rules = append(rules, int32(i))
		}
	}
	if len(rules) == 0 {
		return
	}
	grow := cv.GetStructuringElement(cv.MorphRect, image.Pt(3, 3))
	defer grow.Close()
	mask := cv.NewMatWithSize(img.Rows(), img.Cols(), cv.MatTypeCV8U)
	defer mask.Close()
	mask.SetTo(cv.NewScalar(0, 0, 0, 0))
	one := cv.NewMat()
	defer one.Close()
	for _, i := range rules {
		cv.InRangeWithScalar(labels, cv.NewScalar(float64(i), 0, 0, 0), cv.NewScalar(float64(i), 0, 0, 0), &one)
		cv.BitwiseOr(mask, one, &mask)
	}
	cv.Dilate(mask, &mask, grow)
	cv.Max(*img, mask, img)
}

// px is v millimetres of the rectified card in whole pixels.
func px(v float64) int { return int(v*mm + 0.5) }

// spread moves a line's glyphs apart: every gap between two columns of
// ink in the text's band after its first two ems is widened to at least
// a third of the band's height, the glyphs themselves untouched.
// Tesseract then cannot read two equal digits as one ("11" as "1"),
// which it does at times at every scale alike, as it does not when the
// digits stand apart. It also gives the runs of ink columns of the
// spread image ([from, to), left to right) and the text's em (see
// inkProfile), for witnessOf.
func spread(img *image.Gray) (out *image.Gray, runs [][2]int, em int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	inked, em := inkProfile(img)
	if inked == nil {
		return img, nil, 0
	}
	gap := max(2, em/3)
	// The era's two kanji (the first two ems of ink) are left whole:
	// spread apart, 和 is 禾 and 口, and 口 reads as a digit.
	keep := 0
	for keep < w && !inked[keep] {
		keep++
	}
	keep += 19 * em / 10
	var cols []int // source columns, in order, repeated to widen a gap
	for x := 0; x < w; {
		if inked[x] || x < keep {
			if inked[x] && (len(runs) == 0 || runs[len(runs)-1][1] != len(cols)) {
				runs = append(runs, [2]int{len(cols), len(cols)})
			}
			if inked[x] {
				runs[len(runs)-1][1] = len(cols) + 1
			}
			cols = append(cols, x)
			x++
			continue
		}
		run := x
		for run < w && !inked[run] {
			run++
		}
		for k := 0; k < max(run-x, gap); k++ {
			cols = append(cols, x+k*(run-x)/max(run-x, gap))
		}
		x = run
	}
	out = image.NewGray(image.Rect(0, 0, len(cols), h))
	for y := range h {
		src := img.Pix[(y+b.Min.Y-img.Rect.Min.Y)*img.Stride+(b.Min.X-img.Rect.Min.X):]
		row := out.Pix[y*out.Stride:]
		for i, x := range cols {
			row[i] = src[x]
		}
	}
	return out, runs, em
}

// inkProfile tells which columns of a line image (as crop cuts it) have
// ink in the text's band, and the band's height: the text's em. A column
// has ink when its darkest pixel is dark by Otsu's threshold; a gap
// between such columns whose every column is still faintly dark (a
// quarter of the way from the paper to the ink) has ink too, when the
// two runs of ink it joins are no wider than an em together: there a
// glyph's thin strokes were blurred light (a Mincho 日 or 年, whose
// horizontals join its verticals), and the gap is inside a glyph, not
// between two. nil for an image too small.
func inkProfile(img *image.Gray) (inked []bool, em int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 2 || h < 5 {
		return nil, 0
	}
	m, err := cv.ImageGrayToMatGray(img)
	if err != nil {
		return nil, 0
	}
	defer m.Close()
	ink := cv.NewMat()
	defer ink.Close()
	th, err := cv.Threshold(m, &ink, 0, 255, cv.ThresholdBinaryInv|cv.ThresholdOtsu)
	if err != nil {
		return nil, 0
	}
	t := int(th)
	pix := m.ToBytes()
	// The text's band: crop pads a line by a third of its height.
	top, bot := h/5, h-h/5
	em = bot - top
	darkest := make([]int, w)
	for x := range w {
		darkest[x] = 255
		for y := top; y < bot; y++ {
			darkest[x] = min(darkest[x], int(pix[y*w+x]))
		}
	}
	inked = make([]bool, w)
	var inks []int
	for x := range w {
		if inked[x] = darkest[x] <= t; inked[x] {
			inks = append(inks, darkest[x])
		}
	}
	if len(inks) == 0 {
		return inked, em
	}
	// The paper is the lighter columns' level, the ink the inked ones':
	// faint is a quarter of the way from the paper to the ink.
	sorted := slices.Clone(darkest)
	slices.Sort(sorted)
	slices.Sort(inks)
	paper, dark := sorted[len(sorted)*9/10], inks[len(inks)/2]
	faint := paper - (paper-dark)/4
	// Each gap between two runs of ink is joined when it is faint and
	// the run it makes is no wider than an em, as no glyph is.
	start := -1 // where the current run of ink (joined so far) starts
	for x := 0; x < w; {
		if inked[x] {
			if start < 0 {
				start = x
			}
			x++
			continue
		}
		end, light := x, false
		for end < w && !inked[end] {
			light = light || darkest[end] >= faint
			end++
		}
		if start >= 0 && end < w && !light {
			next := end
			for next < w && inked[next] {
				next++
			}
			if next-start <= em {
				for k := x; k < end; k++ {
					inked[k] = true
				}
				x = end
				continue
			}
		}
		start = -1
		x = end
	}
	return inked, em
}

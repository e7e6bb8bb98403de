package cardfront

import (
	"image"
	"sort"

	"gocv.io/x/gocv"
)

// mm is one millimetre of the rectified card, in pixels.
const mm = float64(rectW) / 85.60

// textLines finds the lines of printed text on a rectified greyscale card,
// outside the box skip (the photo), top to bottom. Ruled frames are found
// and painted out of gray (to white), so that a boxed line is found, and
// later read, as a line alone.
func textLines(gray *gocv.Mat, skip image.Rectangle) []image.Rectangle {
	ink := gocv.NewMat()
	defer ink.Close()
	gocv.AdaptiveThreshold(*gray, &ink, 255, gocv.AdaptiveThresholdMean, gocv.ThresholdBinaryInv, 31, 18)

	// Long thin runs are rules (frames, the card's edge), not text.
	grow := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(5, 5))
	defer grow.Close()
	for _, k := range []image.Point{{X: px(12), Y: 1}, {X: 1, Y: px(5)}} {
		kern := gocv.GetStructuringElement(gocv.MorphRect, k)
		rules := gocv.NewMat()
		gocv.MorphologyEx(ink, &rules, gocv.MorphOpen, kern)
		gocv.Dilate(rules, &rules, grow)
		gocv.Subtract(ink, rules, &ink)
		gocv.Max(*gray, rules, gray)
		rules.Close()
		kern.Close()
	}

	// Join the characters of a line, not the lines.
	joined := gocv.NewMat()
	defer joined.Close()
	kern := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(px(1.6), 3))
	defer kern.Close()
	gocv.Dilate(ink, &joined, kern)

	labels, stats, cents := gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
	defer labels.Close()
	defer stats.Close()
	defer cents.Close()
	n := gocv.ConnectedComponentsWithStats(joined, &labels, &stats, &cents)
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
// scale, as an image.Gray for Tesseract.
func crop(gray gocv.Mat, r image.Rectangle, scale float64) *image.Gray {
	pad := max(4, r.Dy()/3)
	r = image.Rect(r.Min.X-pad, r.Min.Y-pad, r.Max.X+pad, r.Max.Y+pad).Intersect(image.Rect(0, 0, gray.Cols(), gray.Rows()))
	region := gray.Region(r)
	defer region.Close()
	dense := gocv.NewMat()
	defer dense.Close()
	if scale != 1 {
		gocv.Resize(region, &dense, image.Pt(int(float64(r.Dx())*scale+0.5), int(float64(r.Dy())*scale+0.5)), 0, 0, gocv.InterpolationCubic)
	} else {
		region.CopyTo(&dense)
	}
	img := image.NewGray(image.Rect(0, 0, dense.Cols(), dense.Rows()))
	copy(img.Pix, dense.ToBytes())
	return img
}

// px is v millimetres of the rectified card in whole pixels.
func px(v float64) int { return int(v*mm + 0.5) }

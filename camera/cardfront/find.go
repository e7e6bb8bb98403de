package cardfront

import (
	"image"
	"math"
	"sort"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/camera/cardfront/artwork"
)

// The rectified card: the reader works on the card scaled to this size,
// whatever its size and angle in the frame.
const (
	rectW = 1000
	rectH = 631 // rectW × 53.98 / 85.60
)

// cardAspect is the ID-1 card's width over its height.
const cardAspect = artwork.WidthMM / artwork.HeightMM

// quad is a card's corners in the frame: top left, top right, bottom
// right, bottom left, the top edge one of the long ones.
type quad [4]cv.Point2f

// findWidth: frames are searched for the card at this width.
const findWidth = 640

// found is the card found in a frame.
type found struct {
	corners quad
	width   float64 // the long edge's mean length, in frame pixels
}

// findCard finds the largest card-shaped quadrilateral in a BGR frame.
func findCard(frame cv.Mat) (found, bool) {
	scale := 1.0
	gray := cv.NewMat()
	defer gray.Close()
	cv.CvtColor(frame, &gray, cv.ColorBGRToGray)
	if gray.Cols() > findWidth {
		scale = float64(gray.Cols()) / findWidth
		small := cv.NewMat()
		cv.Resize(gray, &small, image.Pt(findWidth, int(float64(gray.Rows())/scale+0.5)), 0, 0, cv.InterpolationArea)
		gray.Close()
		gray = small
	}
	blur := cv.NewMat()
	defer blur.Close()
	cv.GaussianBlur(gray, &blur, image.Pt(5, 5), 0, 0, cv.BorderDefault)
	minArea := 0.04 * float64(gray.Rows()*gray.Cols())
	frameBox := image.Rect(0, 0, gray.Cols(), gray.Rows())

	var best found
	bestScore := 0.0
	consider := func(bin cv.Mat, mode cv.RetrievalMode) {
		contours, err := cv.FindContours(bin, mode, cv.ChainApproxSimple)
		if err != nil {
			return // no contours in this binarisation; the others may have them
		}
		for _, c := range contours {
			area := cv.ContourArea(c)
			if area < minArea {
				continue
			}
			// The frame's own border (a dark background thresholded the
			// other way) is no card.
			if bb := cv.BoundingRect(c); bb.Dx() >= frameBox.Dx()-4 && bb.Dy() >= frameBox.Dy()-4 {
				continue
			}
			q, ok := cardQuad(c)
			if !ok {
				continue
			}
			long, short := q.edges()
			aspect := long / short
			if aspect < 1.25 || aspect > 2.0 {
				continue
			}
			qa := q.area()
			if qa <= 0 || area/qa < 0.85 { // not a solid quadrilateral
				continue
			}
			score := qa * (1 - math.Abs(aspect-cardAspect)/cardAspect)
			if score > bestScore {
				bestScore = score
				for k := range q {
					q[k].X *= float32(scale)
					q[k].Y *= float32(scale)
				}
				best = found{corners: q, width: long * scale}
			}
		}
	}

	edges := cv.NewMat()
	defer edges.Close()
	cv.Canny(blur, &edges, 30, 90)
	kernel := cv.GetStructuringElement(cv.MorphRect, image.Pt(3, 3))
	defer kernel.Close()
	cv.Dilate(edges, &edges, kernel)
	consider(edges, cv.RetrievalExternal)
	// The card's paper between its edges, a region of its own even where
	// things behind the card touch its border (a busy room).
	cv.BitwiseNot(edges, &edges)
	consider(edges, cv.RetrievalList)
	bin := cv.NewMat()
	defer bin.Close()
	cv.Threshold(blur, &bin, 0, 255, cv.ThresholdBinary|cv.ThresholdOtsu)
	cv.MorphologyEx(bin, &bin, cv.MorphOpen, kernel)
	consider(bin, cv.RetrievalExternal)
	cv.BitwiseNot(bin, &bin)
	consider(bin, cv.RetrievalExternal)
	return best, bestScore > 0
}

// cardQuad fits four corners to a contour: the polygon approximation when
// it has four corners, else the minimum-area rectangle (rounded corners).
func cardQuad(c []image.Point) (quad, bool) {
	peri := cv.ArcLength(c, true)
	pts, err := cv.ApproxPolyDP(c, 0.02*peri, true)
	if err != nil {
		return quad{}, false
	}
	if len(pts) != 4 {
		r := cv.MinAreaRect(c)
		pts = pts[:0]
		for _, p := range r.Points {
			pts = append(pts, image.Pt(int(math.Round(float64(p.X))), int(math.Round(float64(p.Y)))))
		}
	}
	if len(pts) != 4 {
		return quad{}, false
	}
	return orderCorners(pts), true
}

// orderCorners orders four points clockwise from the top left (in image
// coordinates), then turns the order so that the first edge is a long one.
func orderCorners(pts []image.Point) quad {
	var cx, cy float64
	for _, p := range pts {
		cx += float64(p.X) / 4
		cy += float64(p.Y) / 4
	}
	sort.Slice(pts, func(i, j int) bool {
		return math.Atan2(float64(pts[i].Y)-cy, float64(pts[i].X)-cx) < math.Atan2(float64(pts[j].Y)-cy, float64(pts[j].X)-cx)
	})
	// Atan2 order runs from the left (−π) clockwise on screen: top left first.
	start := 0
	for i, p := range pts {
		if float64(p.X) < cx && float64(p.Y) < cy {
			start = i
		}
	}
	var q quad
	for k := range q {
		p := pts[(start+k)%4]
		q[k] = cv.Point2f{X: float32(p.X), Y: float32(p.Y)}
	}
	if dist(q[0], q[1])+dist(q[2], q[3]) < dist(q[1], q[2])+dist(q[3], q[0]) {
		q = quad{q[1], q[2], q[3], q[0]} // held upright: the long edge is vertical
	}
	return q
}

func dist(a, b cv.Point2f) float64 {
	return math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y))
}

// edges is the mean length of the long and the short edges.
func (q quad) edges() (long, short float64) {
	return (dist(q[0], q[1]) + dist(q[2], q[3])) / 2, (dist(q[1], q[2]) + dist(q[3], q[0])) / 2
}

// area is the quadrilateral's area (shoelace).
func (q quad) area() float64 {
	var s float64
	for i := range q {
		j := (i + 1) % 4
		s += float64(q[i].X*q[j].Y - q[j].X*q[i].Y)
	}
	return math.Abs(s) / 2
}

// rectify warps the card to rectW × rectH, its top edge first.
func rectify(frame cv.Mat, q quad) cv.Mat {
	out := cv.NewMat()
	m, err := cv.GetPerspectiveTransform2f(q[:], []cv.Point2f{{X: 0, Y: 0}, {X: rectW, Y: 0}, {X: rectW, Y: rectH}, {X: 0, Y: rectH}})
	if err != nil {
		return out // empty: the caller reads nothing from it
	}
	defer m.Close()
	cv.WarpPerspective(frame, &out, m, image.Pt(rectW, rectH))
	return out
}

// bounds is the quadrilateral's bounding box.
func (q quad) bounds() image.Rectangle {
	r := image.Rect(int(q[0].X), int(q[0].Y), int(q[0].X), int(q[0].Y))
	for _, p := range q[1:] {
		r = r.Union(image.Rect(int(p.X), int(p.Y), int(p.X)+1, int(p.Y)+1))
	}
	return r
}

// Package photoset generates photographs of cards for measuring the
// card-front reader: fronts drawn by package artwork from random holders
// in varied fonts, layouts, photos and paper, placed in a 1280×720 frame
// on varied backgrounds with rotation and perspective, then blurred,
// noised, lit with glare and JPEG-compressed. Backs of the card, driving
// licences and 診察券 are drawn the same way. Nothing is written to disk.
package photoset

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/camera/cv"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"

	"github.com/uketsuke/uketsuke/camera/cardfront/artwork"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Condition is how a photo was taken.
type Condition string

// The conditions of the benchmark.
const (
	Tray     Condition = "tray"     // a document camera over the card tray: card 500–1100 px wide, small tilt
	Doubled  Condition = "doubled"  // the tray, birth dates of doubled and single digits (昭和55年11月1日)
	Handheld Condition = "handheld" // held up to the face camera: smaller, tilted, turned, blurred
	Degraded Condition = "degraded" // the tray with heavy blur, noise, glare and JPEG
	// Fine is the tray with the card as large as the frame holds it
	// (laid out 1000–1100 px wide, fitted into the frame: about 900–1000
	// px, ≥ 10.5 px/mm), as the face path wants it. Not one of
	// Conditions: the card-front evaluation's tray covers it.
	Fine  Condition = "fine"
	Back  Condition = "back"  // the back of the card (its 個人番号)
	Other Condition = "other" // a driving licence or a 診察券
)

// Conditions lists them in report order.
func Conditions() []Condition { return []Condition{Tray, Doubled, Handheld, Degraded, Back, Other} }

// FrameW and FrameH are the frame's size.
const (
	FrameW = 1280
	FrameH = 720
)

// Truth is what the photo's card carries; a front's three fields are what
// a reader should return, anything else should read as nothing.
type Truth struct {
	Front        bool
	Birth        string // 和暦 YYMMDD
	ExpiryYear   string
	SecurityCode string
	Number       string // the 12-digit number of a back or a licence
}

// Photo is one generated photograph.
type Photo struct {
	Condition Condition
	Truth     Truth
	Frame     cv.Mat  // BGR, after JPEG; the caller closes it
	CardWidth float64 // the card's long edge in the frame
}

// Generator makes photos from a seed; not safe for concurrent use.
type Generator struct {
	rng   *rand.Rand
	faces []image.Image
	fonts [][2]*opentype.Font // regular, bold
}

// New makes a generator that puts faces in the card photos.
func New(seed uint64, faces []image.Image) (*Generator, error) {
	if len(faces) == 0 {
		return nil, fmt.Errorf("photoset: no face photos")
	}
	fonts, err := loadFonts()
	if err != nil {
		return nil, err
	}
	return &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), faces: faces, fonts: fonts}, nil
}

var (
	fontsOnce sync.Once
	fontsAll  [][2]*opentype.Font
	fontsErr  error
)

// serifFiles: Noto Serif CJK, from fonts-noto-cjk, when installed.
var serifFiles = [2]string{
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
}

func loadFonts() ([][2]*opentype.Font, error) {
	fontsOnce.Do(func() {
		reg, bold, err := artwork.DefaultFonts()
		if err != nil {
			fontsErr = err
			return
		}
		fontsAll = [][2]*opentype.Font{{reg, bold}, {bold, bold}}
		var serif [2]*opentype.Font
		for i, p := range serifFiles {
			data, err := os.ReadFile(p)
			if err != nil {
				return
			}
			if serif[i], err = japaneseFace(data); err != nil {
				return
			}
		}
		fontsAll = append(fontsAll, serif, [2]*opentype.Font{serif[1], serif[1]})
	})
	return fontsAll, fontsErr
}

// japaneseFace picks the JP face of a CJK font collection.
func japaneseFace(data []byte) (*opentype.Font, error) {
	c, err := opentype.ParseCollection(data)
	if err != nil {
		return nil, err
	}
	for i := 0; i < c.NumFonts(); i++ {
		f, err := c.Font(i)
		if err != nil {
			return nil, err
		}
		name, _ := f.Name(nil, sfnt.NameIDFamily)
		if len(name) >= 2 && name[len(name)-2:] == "JP" {
			return f, nil
		}
	}
	return nil, fmt.Errorf("no JP face in the collection")
}

// FontCount is how many typefaces the generator draws with.
func (g *Generator) FontCount() int { return len(g.fonts) }

var (
	families = []string{"山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田", "山本", "松本", "井上", "木村"}
	givens   = []string{"花子", "太郎", "一郎", "美咲", "翔太", "陽菜", "健", "さくら", "大輔", "由美子", "蓮", "結衣", "正雄", "トメ", "和子"}
	places   = []string{"東京都千代田区霞が関一丁目2番3号", "大阪府大阪市北区梅田三丁目1番1号", "北海道札幌市中央区北一条西二丁目", "神奈川県横浜市中区本町六丁目50番地の10", "福岡県福岡市博多区博多駅前二丁目", "愛知県名古屋市中村区名駅四丁目7番1号 ハイツ名駅 305"}
	issuers  = []string{"千代田区長", "大阪市長", "札幌市長", "横浜市長", "福岡市長", "名古屋市長"}
)

// holder makes a random card holder with a birth date from 1925 to 2008
// (for Doubled, one whose 和暦 digits are doubled or single).
func (g *Generator) holder(c Condition) artwork.Holder {
	r := g.rng
	birth := wareki.MustDate(1925, 1, 1).AddDays(r.IntN(84 * 365))
	// A few births on the first days of an era, which 元年 prints as 元.
	if r.IntN(20) == 0 {
		birth = []wareki.Date{wareki.MustDate(2019, 5, 1), wareki.MustDate(1989, 1, 8), wareki.MustDate(1926, 12, 25)}[r.IntN(3)]
	}
	for c == Doubled {
		// The dates OCR reads short: "11" as "1", "19" as "9".
		era := []wareki.Era{wareki.Showa, wareki.Heisei}[r.IntN(2)]
		y := []int{2, 3, 4, 5, 6, 7, 8, 9, 11, 22, 33, 44, 55}[r.IntN(13)]
		mo := []time.Month{1, 2, 11, 12}[r.IntN(4)]
		d := []int{1, 2, 3, 11, 12, 21, 22}[r.IntN(7)]
		if b, err := wareki.FromEra(era, y, mo, d); err == nil && b.Year <= 2008 {
			birth = b
			break
		}
	}
	if birth.Month == 2 && birth.Day == 29 {
		birth.Day = 28
	}
	expiry := wareki.MustDate(2026+r.IntN(11), birth.Month, birth.Day)
	i := r.IntN(len(places))
	return artwork.Holder{
		Name:         families[r.IntN(len(families))] + "\u3000" + givens[r.IntN(len(givens))],
		Address:      places[i],
		Birth:        birth,
		Sex:          []string{"男", "女"}[r.IntN(2)],
		Expiry:       expiry,
		SecurityCode: fmt.Sprintf("%04d", r.IntN(10000)),
		Number:       fmt.Sprintf("%012d", r.Int64N(1e12)),
		Photo:        g.faces[r.IntN(len(g.faces))],
		Issuer:       issuers[i],
	}
}

func (g *Generator) style(pxPerMM float64) artwork.Style {
	r := g.rng
	f := g.fonts[r.IntN(len(g.fonts))]
	s := artwork.Style{
		Font:    f[0],
		Bold:    f[1],
		PxPerMM: pxPerMM,
		Scale:   0.92 + 0.16*r.Float64(),
		Shift:   [2]float64{-1.5 + 3*r.Float64(), -1.2 + 2.4*r.Float64()},
		PhotoMM: [2]float64{-1.5 + 3*r.Float64(), -1.5 + 3*r.Float64()},
		Pattern: r.Int64(),
		NoSex:   r.IntN(5) == 0,
	}
	if r.IntN(5) == 0 {
		s.Title = "マイナンバーカード"
	}
	s.Paper = []color.RGBA{{252, 238, 242, 255}, {250, 250, 248, 255}, {238, 244, 252, 255}, {248, 242, 230, 255}}[r.IntN(4)]
	return s
}

// Next generates one photo of the condition.
func (g *Generator) Next(c Condition) (Photo, error) { return g.NextWith(c, nil) }

// NextWith generates one photo of the condition whose card carries the
// face photo given (nil: one of the generator's).
func (g *Generator) NextWith(c Condition, face image.Image) (Photo, error) {
	r := g.rng
	h := g.holder(c)
	if face != nil {
		h.Photo = face
	}
	style := g.style(14)
	var card *image.RGBA
	var err error
	truth := Truth{Number: h.Number}
	switch c {
	case Back:
		card, err = artwork.Back(h, style)
	case Other:
		if r.IntN(2) == 0 {
			card, err = artwork.Licence(h, style)
		} else {
			card, err = artwork.PatientCard(h, style)
		}
	default:
		if c == Degraded && r.IntN(3) == 0 {
			style.Glare = 0.5 + 0.4*r.Float64()
		}
		card, err = artwork.Front(h, style)
		yymmdd, _ := h.Birth.EraYYMMDD()
		truth = Truth{Front: true, Birth: yymmdd, ExpiryYear: fmt.Sprint(h.Expiry.Year), SecurityCode: h.SecurityCode}
	}
	if err != nil {
		return Photo{}, err
	}
	p := scene{rng: r}
	switch c {
	case Handheld:
		p.width, p.tilt, p.persp, p.blur, p.noise, p.quality = 430+270*r.Float64(), 25, 0.08, 0.6+1.2*r.Float64(), 3+5*r.Float64(), 70+r.IntN(25)
		p.turn = r.IntN(4) == 0
		p.busy, p.held = true, true
	case Degraded:
		p.width, p.tilt, p.persp, p.blur, p.noise, p.quality = 500+600*r.Float64(), 8, 0.04, 1.0+1.2*r.Float64(), 6+8*r.Float64(), 45+r.IntN(30)
		p.dim = 0.55 + 0.3*r.Float64()
	default: // the tray, and backs and other cards laid on it or held up
		p.width, p.tilt, p.persp, p.blur, p.noise, p.quality = 500+600*r.Float64(), 6, 0.03, 0.8*r.Float64(), 1+4*r.Float64(), 80+r.IntN(16)
		p.turn = r.IntN(6) == 0
		if c == Fine {
			p.width = 1000 + 100*r.Float64()
		}
	}
	frame, err := p.compose(card)
	if err != nil {
		return Photo{}, err
	}
	return Photo{Condition: c, Truth: truth, Frame: frame, CardWidth: p.width}, nil
}

// OnTray photographs card as a document camera over the card tray does:
// about 900 px wide in the frame, square to the camera, on dark felt.
func OnTray(card *image.RGBA) (cv.Mat, error) {
	s := scene{rng: rand.New(rand.NewPCG(1, 2)), width: 900, quality: 92, felt: true}
	return s.compose(card)
}

// scene places a card in a frame.
type scene struct {
	rng         *rand.Rand
	width       float64 // card long edge, px
	tilt        float64 // max rotation, degrees
	persp       float64 // max corner displacement, fraction of the card width
	blur, noise float64 // Gaussian sigma, noise sigma
	quality     int     // JPEG
	turn, busy  bool    // upside down; a cluttered background
	held        bool    // held up to the camera, maybe partly out of view
	felt        bool    // the tray\'s dark felt
	dim         float64 // brightness factor (0: 1)
}

func (s scene) compose(card *image.RGBA) (cv.Mat, error) {
	r := s.rng
	bg := s.background()
	defer bg.Close()
	src, err := cv.ImageToMatRGBA(card)
	if err != nil {
		return cv.Mat{}, err
	}
	defer src.Close()
	cw, ch := float64(card.Bounds().Dx()), float64(card.Bounds().Dy())
	w := s.width
	h := w * ch / cw
	angle := (r.Float64()*2 - 1) * s.tilt * math.Pi / 180
	margin := 12.0
	if s.turn {
		angle += math.Pi
	}
	maxX := math.Max(0, FrameW-w*math.Abs(math.Cos(angle))-h*math.Abs(math.Sin(angle))-2*margin)
	maxY := math.Max(0, FrameH-w*math.Abs(math.Sin(angle))-h*math.Abs(math.Cos(angle))-2*margin)
	cx := FrameW/2 + (r.Float64()*2-1)*maxX/2
	cy := FrameH/2 + (r.Float64()*2-1)*maxY/2
	corners := [4][2]float64{{-w / 2, -h / 2}, {w / 2, -h / 2}, {w / 2, h / 2}, {-w / 2, h / 2}}
	var dst []cv.Point2f
	for _, c := range corners {
		x := c[0] + (r.Float64()*2-1)*s.persp*w
		y := c[1] + (r.Float64()*2-1)*s.persp*w
		dst = append(dst, cv.Point2f{
			X: float32(cx + x*math.Cos(angle) - y*math.Sin(angle)),
			Y: float32(cy + x*math.Sin(angle) + y*math.Cos(angle)),
		})
	}
	if !s.held {
		fitFrame(dst, margin)
	}
	m, err := cv.GetPerspectiveTransform2f([]cv.Point2f{{X: 0, Y: 0}, {X: float32(cw), Y: 0}, {X: float32(cw), Y: float32(ch)}, {X: 0, Y: float32(ch)}}, dst)
	if err != nil {
		return cv.Mat{}, err
	}
	defer m.Close()
	warped := cv.NewMat()
	defer warped.Close()
	cv.WarpPerspectiveWithParams(src, &warped, m, image.Pt(FrameW, FrameH), cv.InterpolationLinear, cv.BorderConstant, color.RGBA{})
	out := alphaOver(bg, warped)
	if s.dim > 0 {
		out.ConvertToWithParams(&out, cv.MatTypeCV8UC3, float32(s.dim), 0)
	}
	if s.blur > 0.05 {
		cv.GaussianBlur(out, &out, image.Pt(0, 0), s.blur, s.blur, cv.BorderDefault)
	}
	if s.noise > 0 {
		noise := cv.NewMatWithSize(FrameH, FrameW, cv.MatTypeCV16SC3)
		defer noise.Close()
		// OpenCV's generator is per thread: seeded from ours on this
		// thread, the noise is the same on every run.
		runtime.LockOSThread()
		cv.SetRNGSeed(int(r.Int64()))
		cv.RandN(&noise, cv.NewScalar(0, 0, 0, 0), cv.NewScalar(s.noise, s.noise, s.noise, 0))
		runtime.UnlockOSThread()
		wide := cv.NewMat()
		defer wide.Close()
		out.ConvertTo(&wide, cv.MatTypeCV16SC3)
		cv.Add(wide, noise, &wide)
		wide.ConvertTo(&out, cv.MatTypeCV8UC3)
	}
	buf, err := cv.EncodeJPEG(out, s.quality)
	out.Close()
	if err != nil {
		return cv.Mat{}, err
	}
	return cv.IMDecode(buf, cv.IMReadColor)
}

// fitFrame moves, and if need be shrinks, a card's corners into the
// frame: the tray holds the card wholly in the camera's view.
func fitFrame(pts []cv.Point2f, margin float64) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range pts {
		x0, x1 = math.Min(x0, float64(p.X)), math.Max(x1, float64(p.X))
		y0, y1 = math.Min(y0, float64(p.Y)), math.Max(y1, float64(p.Y))
	}
	k := math.Min(1, math.Min((FrameW-2*margin)/(x1-x0), (FrameH-2*margin)/(y1-y0)))
	cx, cy := (x0+x1)/2, (y0+y1)/2
	// After shrinking about the centre, shift the box inside the frame.
	dx := math.Max(margin-(cx-(cx-x0)*k), 0) - math.Max(cx+(x1-cx)*k-(FrameW-margin), 0)
	dy := math.Max(margin-(cy-(cy-y0)*k), 0) - math.Max(cy+(y1-cy)*k-(FrameH-margin), 0)
	for i, p := range pts {
		pts[i] = cv.Point2f{X: float32(cx + (float64(p.X)-cx)*k + dx), Y: float32(cy + (float64(p.Y)-cy)*k + dy)}
	}
}

// background draws the tray (dark felt), a desk, or a busy room.
func (s scene) background() cv.Mat {
	r := s.rng
	bg := cv.NewMatWithSize(FrameH, FrameW, cv.MatTypeCV8UC3)
	kind := r.IntN(3)
	switch {
	case s.busy:
		kind = 3
	case s.felt:
		kind = 0
	}
	switch kind {
	case 0: // felt
		v := 25 + r.Float64()*40
		bg.SetTo(cv.NewScalar(v, v, v*1.05, 0))
	case 1: // wood
		base := cv.NewScalar(60+r.Float64()*40, 100+r.Float64()*40, 150+r.Float64()*50, 0)
		bg.SetTo(base)
		for y := 0; y < FrameH; y += 3 + r.IntN(6) {
			d := r.Float64()*30 - 15
			cv.Line(&bg, image.Pt(0, y), image.Pt(FrameW, y+r.IntN(9)-4), color.RGBA{uint8(base.Val3 + d), uint8(base.Val2 + d), uint8(base.Val1 + d), 0}, 1+r.IntN(2))
		}
	case 2: // a plain desk of any colour
		bg.SetTo(cv.NewScalar(r.Float64()*200, r.Float64()*200, r.Float64()*200, 0))
	default: // a room: gradients and shapes behind the card
		bg.SetTo(cv.NewScalar(90+r.Float64()*100, 90+r.Float64()*100, 90+r.Float64()*100, 0))
		for range 12 {
			c := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 0}
			x, y := r.IntN(FrameW), r.IntN(FrameH)
			cv.Rectangle(&bg, image.Rect(x, y, x+40+r.IntN(400), y+40+r.IntN(300)), c, -1)
		}
	}
	return bg
}

// alphaOver lays the card (BGRA, as ImageToMatRGBA makes it) onto the
// BGR background.
func alphaOver(bg, rgba cv.Mat) cv.Mat {
	out := bg.Clone()
	data := rgba.ToBytes()
	ob, _ := out.DataPtrUint8()
	for i := 0; i < FrameW*FrameH; i++ {
		a := float64(data[i*4+3]) / 255
		if a == 0 {
			continue
		}
		for k := 0; k < 3; k++ { // both are in OpenCV's B, G, R order
			v := float64(data[i*4+k])
			ob[i*3+k] = uint8(v*a + float64(ob[i*3+k])*(1-a) + 0.5)
		}
	}
	return out
}

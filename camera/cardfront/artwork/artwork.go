// Package artwork draws the printed sides of cards from a holder's data:
// the マイナンバーカード front and back, a 運転免許証 and a clinic's 診察券.
// It is the demo's card camera and the source of the card-front reader's
// test photographs; its layout is our own, close to the real card's, and
// Style varies it so the reader cannot lean on one layout's coordinates.
package artwork

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"sync"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/uketsuke/uketsuke/assets"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// The ID-1 card size (ISO/IEC 7810) in millimetres.
const (
	WidthMM  = 85.60
	HeightMM = 53.98
)

// Holder is what is printed on a card.
type Holder struct {
	Name         string // family and given name separated by U+3000
	Address      string
	Birth        wareki.Date
	Sex          string // "男" or "女"
	Expiry       wareki.Date
	SecurityCode string // 4 digits, printed under the photo
	Number       string // the number the back (or another card) carries
	Photo        image.Image
	Issuer       string // "千代田区長"
	Foreign      bool   // the birth date is printed in 西暦 (foreign residents)
}

// Style varies how a card is drawn.
type Style struct {
	Font    *opentype.Font // nil: Noto Sans CJK JP Regular
	Bold    *opentype.Font // nil: Font
	Title   string         // "" : 個人番号カード
	PxPerMM float64        // 0: 12
	Scale   float64        // text size factor; 0: 1
	Shift   [2]float64     // the whole text block, in mm
	Paper   color.RGBA     // zero: the light pink of the real card
	NoSex   bool           // the planned design drops 性別 from the front
	PhotoMM [2]float64     // photo offset from its usual place, in mm
	Glare   float64        // 0..1: a saturated reflection over the lower right
	Pattern int64          // seed of the faint background pattern
}

func (s Style) px() float64 {
	if s.PxPerMM == 0 {
		return 12
	}
	return s.PxPerMM
}

func (s Style) paperOr(def color.RGBA) color.RGBA {
	if s.Paper == (color.RGBA{}) {
		return def
	}
	return s.Paper
}

func (s Style) scale() float64 {
	if s.Scale == 0 {
		return 1
	}
	return s.Scale
}

var (
	defaultOnce sync.Once
	defaultReg  *opentype.Font
	defaultBold *opentype.Font
	defaultErr  error
)

// DefaultFonts are the embedded Noto Sans CJK JP faces.
func DefaultFonts() (regular, bold *opentype.Font, err error) {
	defaultOnce.Do(func() {
		if defaultReg, defaultErr = opentype.Parse(assets.FontRegular); defaultErr != nil {
			return
		}
		defaultBold, defaultErr = opentype.Parse(assets.FontBold)
	})
	return defaultReg, defaultBold, defaultErr
}

// canvas is one card being drawn.
type canvas struct {
	img   *image.RGBA
	style Style
	reg   *opentype.Font
	bold  *opentype.Font
	faces map[faceKey]font.Face
}

type faceKey struct {
	f    *opentype.Font
	size float64
}

func newCanvas(s Style) (*canvas, error) {
	reg, bold, err := DefaultFonts()
	if err != nil {
		return nil, fmt.Errorf("artwork: font: %w", err)
	}
	if s.Font != nil {
		reg, bold = s.Font, s.Font
	}
	if s.Bold != nil {
		bold = s.Bold
	}
	px := s.px()
	w, h := int(math.Round(WidthMM*px)), int(math.Round(HeightMM*px))
	c := &canvas{img: image.NewRGBA(image.Rect(0, 0, w, h)), style: s, reg: reg, bold: bold, faces: map[faceKey]font.Face{}}
	return c, nil
}

func (c *canvas) close() {
	for _, f := range c.faces {
		f.Close()
	}
}

// mm converts millimetres to pixels.
func (c *canvas) mm(v float64) int { return int(math.Round(v * c.style.px())) }

// text draws s with its baseline at (x, y) mm, size in mm of the em, and
// returns the advance in mm.
func (c *canvas) text(s string, x, y, size float64, bold bool, col color.Color) float64 {
	f := c.reg
	if bold {
		f = c.bold
	}
	size *= c.style.scale()
	key := faceKey{f, size}
	face, ok := c.faces[key]
	if !ok {
		var err error
		face, err = opentype.NewFace(f, &opentype.FaceOptions{Size: size * c.style.px(), DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return 0
		}
		c.faces[key] = face
	}
	x += c.style.Shift[0]
	y += c.style.Shift[1]
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face,
		Dot: fixed.Point26_6{X: fixed.I(c.mm(x)), Y: fixed.I(c.mm(y))}}
	d.DrawString(s)
	return float64(d.MeasureString(s).Round()) / c.style.px()
}

// rect fills a rectangle given in mm.
func (c *canvas) rect(x, y, w, h float64, col color.Color) {
	draw.Draw(c.img, image.Rect(c.mm(x), c.mm(y), c.mm(x+w), c.mm(y+h)), image.NewUniform(col), image.Point{}, draw.Over)
}

// frame draws a rectangle's outline given in mm.
func (c *canvas) frame(x, y, w, h, line float64, col color.Color) {
	c.rect(x, y, w, line, col)
	c.rect(x, y+h-line, w, line, col)
	c.rect(x, y, line, h, col)
	c.rect(x+w-line, y, line, h, col)
}

// paper fills the card with its colour, a faint guilloche-like pattern and
// rounded corners (outside them: transparent).
func (c *canvas) paper(base color.RGBA) {
	b := c.img.Bounds()
	seed := float64(c.style.Pattern%997) + 1
	r := float64(c.mm(3.18)) // ID-1 corner radius
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			if outsideCorner(float64(x)+0.5, float64(y)+0.5, float64(b.Dx()), float64(b.Dy()), r) {
				continue
			}
			u, v := float64(x)/float64(b.Dx()), float64(y)/float64(b.Dy())
			wave := 0.5 + 0.5*math.Sin(2*math.Pi*(u*7+math.Sin(v*5+seed)*0.6))
			shade := 1 - 0.05*wave - 0.04*v
			c.img.SetRGBA(x, y, color.RGBA{mul(base.R, shade), mul(base.G, shade), mul(base.B, shade+0.02), 255})
		}
	}
}

func mul(v uint8, f float64) uint8 { return uint8(math.Max(0, math.Min(255, float64(v)*f))) }

func outsideCorner(x, y, w, h, r float64) bool {
	cx, cy := math.Max(r, math.Min(w-r, x)), math.Max(r, math.Min(h-r, y))
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) > r*r
}

// photo draws img into the box (mm), cover-fitted.
func (c *canvas) photo(img image.Image, x, y, w, h float64) {
	dst := image.Rect(c.mm(x), c.mm(y), c.mm(x+w), c.mm(y+h))
	if img == nil {
		c.rect(x, y, w, h, color.RGBA{200, 200, 205, 255})
		return
	}
	sb := CoverCrop(img.Bounds(), float64(dst.Dx())/float64(dst.Dy()))
	xdraw.CatmullRom.Scale(c.img, dst, img, sb, draw.Over, nil)
}

// PhotoAspect is the printed photo's width over its height (22 × 27.5 mm).
const PhotoAspect = 22.0 / 27.5

// CoverCrop is the part of b, about its centre, of the aspect (width over
// height) given: what a photo box of that aspect shows of an image.
func CoverCrop(b image.Rectangle, aspect float64) image.Rectangle {
	sw, sh := float64(b.Dx()), float64(b.Dy())
	if sw/sh > aspect {
		cw := sh * aspect
		b.Min.X += int((sw - cw) / 2)
		b.Max.X = b.Min.X + int(cw)
	} else {
		ch := sw / aspect
		b.Min.Y += int((sh - ch) / 2)
		b.Max.Y = b.Min.Y + int(ch)
	}
	return b
}

// glare whitens an elliptic patch around (cx, cy) mm, as a lamp's
// reflection on the laminate does.
func (c *canvas) glare(cx, cy, rx, ry, strength float64) {
	b := c.img.Bounds()
	px := c.style.px()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dx, dy := (float64(x)/px-cx)/rx, (float64(y)/px-cy)/ry
			d := dx*dx + dy*dy
			if d >= 1 {
				continue
			}
			a := strength * math.Min(1, 1.6*(1-d))
			p := c.img.RGBAAt(x, y)
			if p.A == 0 {
				continue
			}
			c.img.SetRGBA(x, y, color.RGBA{lift(p.R, a), lift(p.G, a), lift(p.B, a), 255})
		}
	}
}

func lift(v uint8, a float64) uint8 { return uint8(float64(v) + (255-float64(v))*a) }

var (
	ink   = color.RGBA{20, 20, 24, 255}
	label = color.RGBA{90, 90, 100, 255}
	pink  = color.RGBA{252, 238, 242, 255}
)

// BirthText is the birth date as the front prints it: 和暦 for Japanese
// nationals ("昭和55年 2月17日生"), 西暦 for foreign residents.
func BirthText(h Holder) string {
	if h.Foreign {
		return fmt.Sprintf("%d年%2d月%2d日生", h.Birth.Year, h.Birth.Month, h.Birth.Day)
	}
	era, y, ok := wareki.EraOf(h.Birth)
	if !ok {
		return ""
	}
	ys := fmt.Sprintf("%2d", y)
	if y == 1 {
		ys = "元"
	}
	return fmt.Sprintf("%s%s年%2d月%2d日生", era, ys, h.Birth.Month, h.Birth.Day)
}

// ExpiryText is the 有効期限 as the front prints it, in 西暦.
func ExpiryText(h Holder) string {
	return fmt.Sprintf("%d年%2d月%2d日まで有効", h.Expiry.Year, h.Expiry.Month, h.Expiry.Day)
}

// Front draws the マイナンバーカード front.
func Front(h Holder, s Style) (*image.RGBA, error) {
	return drawCard(s, func(c *canvas) {
		c.paper(s.paperOr(pink))
		title := s.Title
		if title == "" {
			title = "個人番号カード"
		}
		c.text(title, 4, 7.2, 3.6, true, color.RGBA{150, 30, 60, 255})
		c.text("氏名", 4, 14.5, 2.0, false, label)
		c.text(h.spacedName(), 10, 14.8, 3.8, false, ink)
		c.text("住所", 4, 21.5, 2.0, false, label)
		for i, line := range wrap(h.Address, 18) {
			c.text(line, 10, 21.6+float64(i)*4.2, 3.0, false, ink)
		}
		c.text(BirthText(h), 4, 33.5, 3.1, false, ink)
		if !s.NoSex && h.Sex != "" {
			c.text("性別 "+h.Sex, 40, 33.5, 3.1, false, ink)
		}
		// The 有効期限 in its frame, with the 追記欄 beside it.
		c.frame(3, 36.2, 46, 6.2, 0.25, label)
		c.text(ExpiryText(h), 4.2, 40.7, 3.1, false, ink)
		c.frame(3, 43.6, 46, 6.2, 0.2, color.RGBA{190, 190, 200, 255})
		c.text("電子証明書の有効期限の記載欄", 4.2, 45.8, 1.4, false, label)
		if h.Issuer != "" {
			c.text(h.Issuer, 38, 51.2, 2.0, false, ink)
		}
		px, py := 59.6+s.PhotoMM[0], 6.0+s.PhotoMM[1]
		c.photo(h.Photo, px, py, 22.0, 22.0/PhotoAspect)
		c.text(h.SecurityCode, px+6.0, py+27.5+4.6, 3.0, false, ink)
		if s.Glare > 0 {
			c.glare(px+11, py+30, 16, 9, s.Glare)
		}
	})
}

// Back draws the マイナンバーカード back: the 個人番号 the kiosk must never read.
func Back(h Holder, s Style) (*image.RGBA, error) {
	return drawCard(s, func(c *canvas) {
		c.paper(s.paperOr(pink))
		c.text("個人番号", 4, 8, 2.4, false, label)
		c.text(spaced(h.Number, 4), 4, 15, 5.2, true, ink)
		c.text("氏名", 4, 22, 2.0, false, label)
		c.text(h.spacedName(), 10, 22.3, 3.2, false, ink)
		c.text("生年月日", 4, 28, 2.0, false, label)
		c.text(fmt.Sprintf("%d年%d月%d日", h.Birth.Year, h.Birth.Month, h.Birth.Day), 14, 28.2, 3.0, false, ink)
		// the contact chip and a two-dimensional code block
		c.rect(62, 20, 12, 10, color.RGBA{205, 170, 80, 255})
		c.frame(62, 20, 12, 10, 0.4, color.RGBA{150, 120, 50, 255})
		code(c, 8, 34, 16, s.Pattern)
		c.text("臓器提供意思", 40, 40, 2.0, false, label)
		c.text("1. 2. 3. いずれかに○", 40, 44, 2.0, false, label)
	})
}

// Licence draws a card laid out like a 運転免許証: a photo at the right,
// a birth date and an expiry, and a 12-digit number.
func Licence(h Holder, s Style) (*image.RGBA, error) {
	return drawCard(s, func(c *canvas) {
		c.paper(color.RGBA{236, 246, 236, 255})
		c.text("氏名 "+h.spacedName(), 3, 6, 3.0, true, ink)
		era, y, _ := wareki.EraOf(h.Birth)
		c.text(fmt.Sprintf("%s%d年%d月%d日生", era, y, h.Birth.Month, h.Birth.Day), 46, 6, 2.6, false, ink)
		c.text("住所 "+h.Address, 3, 12, 2.6, false, ink)
		c.text("交付 令和05年03月12日 12345", 3, 18, 2.4, false, ink)
		c.rect(3, 21, 52, 6, color.RGBA{120, 180, 120, 255})
		c.text(fmt.Sprintf("%d年(令和%02d年)%02d月%02d日まで有効", h.Expiry.Year, h.Expiry.Year-2018, h.Expiry.Month, h.Expiry.Day), 4, 25.6, 2.8, true, ink)
		c.text("免許の条件等 眼鏡等", 3, 32, 2.4, false, ink)
		c.text("第 "+h.Number+" 号", 3, 44, 3.4, false, ink)
		c.text("運転免許証", 22, 51, 3.4, true, ink)
		c.photo(h.Photo, 60, 20, 22, 28)
		c.text("東京都公安委員会", 57, 52, 2.2, false, ink)
	})
}

// PatientCard draws a clinic's 診察券: a name, a patient number, no photo.
func PatientCard(h Holder, s Style) (*image.RGBA, error) {
	return drawCard(s, func(c *canvas) {
		c.paper(color.RGBA{240, 246, 255, 255})
		c.rect(0, 0, WidthMM, 10, color.RGBA{40, 90, 170, 255})
		c.text("さくら内科クリニック 診察券", 4, 7, 3.4, true, color.RGBA{255, 255, 255, 255})
		c.text("患者番号 "+h.Number[:8], 4, 20, 3.4, false, ink)
		c.text("氏名 "+h.spacedName()+" 様", 4, 28, 3.4, false, ink)
		c.text(fmt.Sprintf("生年月日 %d年%d月%d日", h.Birth.Year, h.Birth.Month, h.Birth.Day), 4, 36, 3.0, false, ink)
		c.text("診療時間 9:00-12:00 15:00-18:00", 4, 46, 2.4, false, label)
		c.text("TEL 03-1234-5678", 56, 46, 2.4, false, label)
	})
}

// drawCard makes a canvas for s, draws on it, and returns the picture.
func drawCard(s Style, body func(c *canvas)) (*image.RGBA, error) {
	c, err := newCanvas(s)
	if err != nil {
		return nil, err
	}
	defer c.close()
	body(c)
	return c.img, nil
}

// spacedName is the name as printed: family and given name apart.
func (h Holder) spacedName() string { return strings.ReplaceAll(h.Name, "\u3000", " ") }

// wrap splits s into lines of at most n runes.
func wrap(s string, n int) []string {
	r := []rune(s)
	var out []string
	for len(r) > n {
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	return append(out, string(r))
}

// spaced groups digits by n with spaces, as the back prints the 個人番号.
func spaced(s string, n int) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%n == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// code draws a block of squares like a two-dimensional code.
func code(c *canvas, x, y, size float64, seed int64) {
	const n = 21
	cell := size / n
	state := uint64(seed)*6364136223846793005 + 1442695040888963407
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			state = state*6364136223846793005 + 1442695040888963407
			finder := (i < 7 && j < 7) || (i < 7 && j >= n-7) || (i >= n-7 && j < 7)
			on := state>>63 == 1
			if finder {
				di, dj := i%14, j%14
				if j >= n-7 {
					dj = j - (n - 7)
				}
				if i >= n-7 {
					di = i - (n - 7)
				}
				on = di == 0 || di == 6 || dj == 0 || dj == 6 || (di >= 2 && di <= 4 && dj >= 2 && dj <= 4)
			}
			if on {
				c.rect(x+float64(j)*cell, y+float64(i)*cell, cell, cell, ink)
			}
		}
	}
}

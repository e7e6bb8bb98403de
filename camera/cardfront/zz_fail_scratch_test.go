package cardfront

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"gocv.io/x/gocv"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
)

func TestScratchFailures(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CF_FAIL"))
	if n == 0 {
		t.Skip()
	}
	faces := testFaces(t)
	g, _ := photoset.New(11, faces)
	r, _ := New(Options{Detector: camera.YuNet.In("../../.build/models")})
	var log []string
	traceHook = func(j job, cl cardLine, l line) {
		log = append(log, fmt.Sprintf("   line%d k%d a%d %v %q", j.line, cl.kind, j.attempt, cl.box, l.text))
	}
	for i := 0; i < n; i++ {
		p, _ := g.Next(photoset.Condition(os.Getenv("CF_COND")))
		log = nil
		rd, _ := r.Read(p.Frame)
		b, _ := rd.Birth()
		yy, _ := b.EraYYMMDD()
		y, _ := rd.ExpiryYear()
		c, _ := rd.SecurityCode()
		got := [3]string{yy, fmt.Sprint(y), c}
		if got[1] == "0" {
			got[1] = ""
		}
		tr := [3]string{p.Truth.Birth, p.Truth.ExpiryYear, p.Truth.SecurityCode}
		if got != tr {
			fmt.Println(i, rd.Kind, got, tr, int(p.CardWidth))
			for _, l := range log {
				fmt.Println(l)
			}
			gocv.IMWrite(fmt.Sprintf("/tmp/fail-%02d.jpg", i), p.Frame)
		}
		p.Frame.Close()
	}
}

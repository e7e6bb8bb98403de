package cardfront

import (
	"testing"

	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
)

// BenchmarkRead times one photo per operation, per condition, over a set
// of generated photos, and reports the share read whole and the parts
// read wrong (which must stay 0): go test -run ^$ -bench Read ./camera/cardfront/
func BenchmarkRead(b *testing.B) {
	r := newReader(b)
	for _, c := range photoset.Conditions() {
		b.Run(string(c), func(b *testing.B) {
			g, err := photoset.New(21, testFaces(b))
			if err != nil {
				b.Fatal(err)
			}
			var photos []photoset.Photo
			for range 20 {
				p, err := g.Next(c)
				if err != nil {
					b.Fatal(err)
				}
				photos = append(photos, p)
			}
			defer func() {
				for _, p := range photos {
					p.Frame.Close()
				}
			}()
			whole, wrong := 0, 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := photos[i%len(photos)]
				rd, err := r.Read(p.Frame)
				if err != nil {
					b.Fatal(err)
				}
				got, want := PartsOf(rd), [3]string{p.Truth.Birth, p.Truth.ExpiryYear, p.Truth.SecurityCode}
				for k := range got {
					if got[k] != "" && got[k] != want[k] {
						wrong++
					}
				}
				if p.Truth.Front && got == want {
					whole++
				}
			}
			b.ReportMetric(100*float64(whole)/float64(b.N), "%whole")
			b.ReportMetric(float64(wrong), "wrong")
		})
	}
}

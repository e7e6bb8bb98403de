package cardfront

import (
	"image"
	"testing"

	"github.com/uketsuke/uketsuke/camera/cardfront/tess"
)

// boxedLine is a reading of text whose characters are each 30 px wide,
// side by side from x = 0, as Tesseract boxes them.
func boxedLine(text string) line {
	var syms []tess.Symbol
	for i, r := range []rune(text) {
		syms = append(syms, tess.Symbol{Text: string(r), Conf: 99, Box: image.Rect(30*i, 10, 30*i+28, 50)})
	}
	return lineOf(syms)
}

// TestABirthLineIsReadAgainSideBySide: once a line gives a birth date,
// its next two readings are queued at once (three with the witness for a
// date of one-digit parts), ahead of the other lines, and the line is cut
// after its 生 for them; while one of them runs, the other's result
// queues nothing.
func TestABirthLineIsReadAgainSideBySide(t *testing.T) {
	for _, c := range []struct {
		text string
		want []int // the attempts queued
	}{
		{"昭和55年3月17日生性別女", []int{1, 2}},
		{"昭和55年11月1日生性別女", []int{1, 2, 3}},
	} {
		q := &queue{today: today}
		box := image.Rect(100, 40, 900, 70)
		i := q.add(lineDate, box)
		other := q.add(lineCode, image.Rect(100, 200, 200, 230))
		q.push(job{line: i})
		q.push(job{line: other})
		j, _, ok := q.pop()
		if !ok || j.line != i {
			t.Fatalf("first job %+v", j)
		}
		text := boxedLine(c.text)
		q.take(j, text)
		var got []int
		for _, qj := range q.jobs {
			if qj.line == i {
				got = append(got, qj.attempt)
			}
		}
		if len(got) != len(c.want) || q.jobs[len(q.jobs)-1].line != other {
			t.Fatalf("%s: queued %v of the line (jobs %v), want %v first", c.text, got, q.jobs, c.want)
		}
		for k := range got {
			if got[k] != c.want[k] {
				t.Errorf("%s: queued %v, want %v", c.text, got, c.want)
			}
		}
		// 生 is the 11th or 12th character: its box ends at 30·n − 2 in
		// the image read at 1.5×.
		n := len([]rune(c.text)) - 3
		end := cardX(box, variants[lineDate][0].scale, 30*n-2) + box.Dy()/3
		if l := q.lines[i]; l.box.Max.X != end || l.box.Min != box.Min {
			t.Errorf("%s: the line is cut to %v, want to x = %d", c.text, l.box, end)
		}
		// Two readings running: the first to finish queues nothing.
		j1, _, _ := q.pop()
		j2, _, _ := q.pop()
		before := len(q.jobs)
		q.take(j1, text)
		if len(q.jobs) != before || q.lines[i].done {
			t.Errorf("%s: a reading with another on its way queued %d (done %v)", c.text, len(q.jobs)-before, q.lines[i].done)
		}
		q.take(j2, text)
		if c.want[len(c.want)-1] == 2 && (!q.lines[i].done || q.lines[i].value != "B:1980-03-17") {
			t.Errorf("%s: three agreeing readings leave %q, done %v", c.text, q.lines[i].value, q.lines[i].done)
		}
	}
}

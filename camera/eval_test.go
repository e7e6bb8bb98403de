package camera

import (
	"strconv"
	"testing"
)

// TestEvaluateOnTheSharedSet runs the evaluation of `uketsuke face eval`
// on the shared photos: live against live stays at least 98% at FAR
// 1e-3, and the card-like figure is given for every chip face width,
// rising with the width (60 px is the card's).
func TestEvaluateOnTheSharedSet(t *testing.T) {
	e, err := NewEngine(modelDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	samples, err := ReadLabels(facesDir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Evaluate(samples)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("live TAR@1e-3 %.1f%%, card %.1f%%", 100*rep.Live.TAR1e3, 100*rep.Card.TAR1e3)
	if rep.Detected < len(samples)*9/10 || rep.Live.TAR1e3 < 0.98 {
		t.Errorf("%d of %d described; live TAR at FAR 1e-3 %.3f, want ≥ 0.98", rep.Detected, len(samples), rep.Live.TAR1e3)
	}
	for i, w := range CardWidths {
		r, ok := rep.CardByWidth[strconv.Itoa(w)]
		if !ok {
			t.Fatalf("no figure at %d px", w)
		}
		t.Logf("card face %d px: TAR@1e-3 %.1f%% (threshold %.3f, %d chip photos unusable)", w, 100*r.TAR1e3, r.Threshold, r.Misses)
		if i > 0 && w >= 80 && r.TAR1e3+0.02 < rep.CardByWidth[strconv.Itoa(CardWidths[i-1])].TAR1e3 {
			t.Errorf("TAR falls from %d to %d px", CardWidths[i-1], w)
		}
	}
	if lo, hi := rep.CardByWidth["40"].TAR1e3, rep.CardByWidth["140"].TAR1e3; hi < lo+0.1 || hi < 0.9 {
		t.Errorf("card TAR at 40 px %.3f, at 140 px %.3f: resolution should dominate", lo, hi)
	}
	if r := rep.CardByWidth["60"]; r.TAR1e3 < rep.Card.TAR1e3-0.03 || r.TAR1e3 > rep.Card.TAR1e3+0.03 {
		t.Errorf("60 px %.3f, but the card figure is %.3f", r.TAR1e3, rep.Card.TAR1e3)
	}
}

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
	"github.com/uketsuke/uketsuke/camera/facecase"
)

// TestFaceVerifyCommand: `uketsuke face verify` on files made here from
// the shared photos — a holder with their card, an impostor, a tampered
// card (someone else's photo printed on A's card, that someone live), a
// case without a front — one case at a time and as a batch, whose
// results come one per line, in order, a bad line included.
func TestFaceVerifyCommand(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	faces := filepath.Join(sharedDir(), "testdata", "faces")
	a0, a1 := filepath.Join(faces, "krasserm-lfw/Tony_Blair/Tony_Blair_0001.jpg"), filepath.Join(faces, "krasserm-lfw/Tony_Blair/Tony_Blair_0002.jpg")
	b0, b1 := filepath.Join(faces, "krasserm-lfw/Colin_Powell/Colin_Powell_0001.jpg"), filepath.Join(faces, "krasserm-lfw/Colin_Powell/Colin_Powell_0002.jpg")
	det, err := camera.NewDetector(camera.YuNet.In(filepath.Join(repoRoot, ".build/models")))
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	load := func(path string) image.Image {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := camera.DecodeImage(data)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	gen, err := photoset.New(3, []image.Image{load(a0)})
	if err != nil {
		t.Fatal(err)
	}
	card := func(name, photo string) (chip, front string) {
		img := load(photo)
		jp2, err := facecase.ChipPhoto(det, img, camera.CardFaceWidth)
		if err != nil {
			t.Fatal(err)
		}
		chip = filepath.Join(dir, name+".jp2")
		if err := os.WriteFile(chip, jp2, 0o600); err != nil {
			t.Fatal(err)
		}
		ph, err := gen.NextWith(photoset.Fine, img)
		if err != nil {
			t.Fatal(err)
		}
		defer ph.Frame.Close()
		front = filepath.Join(dir, name+"-front.jpg")
		if err := cv.IMWrite(front, ph.Frame); err != nil {
			t.Fatal(err)
		}
		return chip, front
	}
	chipA, frontA := card("a", a0)
	_, frontB := card("b", b0)
	run := func(args ...string) (string, int) {
		cmd := exec.Command(bin, append([]string{"face", "verify", "--models", filepath.Join(repoRoot, ".build/models")}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		out, err := cmd.Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	type result struct {
		Decision    string
		SamePicture *bool
		Scores      map[string]float64
		Evidence    string
	}
	parse := func(line string) result {
		t.Helper()
		var raw struct {
			Decision    string         `json:"decision"`
			SamePicture *bool          `json:"same_picture"`
			Scores      map[string]any `json:"scores"`
		}
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		r := result{Decision: raw.Decision, SamePicture: raw.SamePicture, Scores: map[string]float64{}}
		for k, v := range raw.Scores {
			switch v := v.(type) {
			case float64:
				r.Scores[k] = v
			case string:
				r.Evidence = v
			}
		}
		return r
	}
	cases := []struct {
		name, chip, front, live string
		decision, evidence      string
		same                    string // "true", "false", "null"
	}{
		{"holder", chipA, frontA, a1, "match", "print", "true"},
		{"impostor", chipA, frontA, b1, "no-match", "print", "true"},
		{"tampered", chipA, frontB, b1, "no-match", "conflict", "false"},
		{"no front", chipA, "", a1, "", "chip", "null"},
	}
	check := func(name string, r result, decision, evidence, same string) {
		t.Helper()
		gotSame := "null"
		if r.SamePicture != nil {
			gotSame = map[bool]string{true: "true", false: "false"}[*r.SamePicture]
		}
		if (decision != "" && r.Decision != decision) || r.Evidence != evidence || gotSame != same {
			t.Errorf("%s: %+v, want %s by %s, same picture %s", name, r, decision, evidence, same)
		}
		if _, ok := r.Scores["live_chip"]; !ok && r.Decision != "unusable" {
			t.Errorf("%s: no live_chip score: %+v", name, r.Scores)
		}
	}
	var batch strings.Builder
	for _, c := range cases {
		args := []string{"--json", "--chip", c.chip, "--live", c.live}
		if c.front != "" {
			args = append(args, "--front", c.front)
		}
		out, code := run(args...)
		r := parse(strings.TrimSpace(out))
		check(c.name, r, c.decision, c.evidence, c.same)
		if want := map[bool]int{true: 0, false: 1}[r.Decision == "match"]; code != want {
			t.Errorf("%s: exit %d, want %d", c.name, code, want)
		}
		b, _ := json.Marshal(map[string]any{"chip": c.chip, "front": c.front, "live": []string{c.live, c.live}})
		batch.Write(b)
		batch.WriteString("\n")
		if c.name == "impostor" {
			batch.WriteString("{\"chip\": 3}\n")
		}
	}
	batch.WriteString(`{"chip": "` + filepath.Join(dir, "missing.jp2") + `", "live": ["` + a1 + `"]}` + "\n")
	path := filepath.Join(dir, "batch.jsonl")
	if err := os.WriteFile(path, []byte(batch.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code := run("--batch", path)
	if code != 0 {
		t.Fatalf("batch: exit %d\n%s", code, out)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != len(cases)+2 {
		t.Fatalf("batch: %d lines, want %d:\n%s", len(lines), len(cases)+2, out)
	}
	order := []int{0, 1, -1, 2, 3, -2}
	for i, k := range order {
		r := parse(lines[i])
		switch {
		case k >= 0:
			c := cases[k]
			check("batch "+c.name, r, c.decision, c.evidence, c.same)
			if r.Scores["frames"] != 2 {
				t.Errorf("batch %s: %v frames, want 2", c.name, r.Scores["frames"])
			}
		case r.Decision != "unusable":
			t.Errorf("batch line %d: %q, want unusable", i+1, lines[i])
		}
	}
	if _, code := run("--chip", chipA); code != 2 {
		t.Errorf("no --live: exit %d, want 2 (usage)", code)
	}
}

// sharedDir is the project's reference folder: $UKETSUKE_SHARED, else
// ../shared beside the checkout (absolute).
func sharedDir() string {
	if d := os.Getenv("UKETSUKE_SHARED"); d != "" {
		return d
	}
	d, _ := filepath.Abs("../../../shared")
	return d
}

// FuzzParseCaseLine: a batch line is one case or an errCaseLine, never a
// panic, and a case always has a chip and live frames.
func FuzzParseCaseLine(f *testing.F) {
	for _, s := range []string{
		`{"chip": "a.jp2", "front": "f.jpg", "live": ["l1.jpg", "l2.jpg"]}`,
		`{"chip": "a.jp2", "live": []}`, `{"chip": 3}`, `{}`, `[]`, `{"chip": "a", "live": ["b"]} {"x": 1}`,
		`{"chip": "a", "live": ["b"], "extra": true}`, `{"chip": "a", "live": [""]}`, "", "\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		vc, err := parseCaseLine(line)
		if err != nil {
			if !errors.Is(err, errCaseLine) {
				t.Fatalf("error %v is not errCaseLine", err)
			}
			return
		}
		if vc.Chip == "" || len(vc.Live) == 0 {
			t.Fatalf("case without chip or live frames: %+v", vc)
		}
	})
}

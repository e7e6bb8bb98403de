package main

import (
	"encoding/json"
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront/artwork"
	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// TestCardfrontReadCommand: `uketsuke cardfront read --json` on photos
// made here: a front gives its three parts (exit 0), the back of the
// card nothing and none of its numbers (exit 1), a file that is no image,
// is missing or is a FIFO a usage error (exit 2), at once.
func TestCardfrontReadCommand(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	shared := os.Getenv("UKETSUKE_SHARED")
	if shared == "" {
		shared = "../../../shared"
	}
	data, err := os.ReadFile(filepath.Join(shared, "testdata/faces/faceapi-bbt/amy/amy1.png"))
	if err != nil {
		t.Fatal(err)
	}
	photo, err := camera.DecodeImage(data)
	if err != nil {
		t.Fatal(err)
	}
	h := artwork.Holder{Name: "受付\u3000花子", Address: "東京都千代田区霞が関一丁目2番3号", Birth: wareki.MustDate(1980, 2, 17),
		Sex: "女", Expiry: wareki.MustDate(2035, 2, 17), SecurityCode: "2285", Number: "123456789012", Photo: photo, Issuer: "千代田区長"}
	write := func(name string, draw func(artwork.Holder, artwork.Style) (*image.RGBA, error)) string {
		card, err := draw(h, artwork.Style{PxPerMM: 12})
		if err != nil {
			t.Fatal(err)
		}
		frame, err := photoset.OnTray(card)
		if err != nil {
			t.Fatal(err)
		}
		defer frame.Close()
		path := filepath.Join(dir, name)
		if err := cv.IMWrite(path, frame); err != nil {
			t.Fatal(err)
		}
		return path
	}
	run := func(args ...string) (string, int) {
		cmd := exec.Command(bin, append([]string{"cardfront", "read", "--models", filepath.Join(repoRoot, ".build/models")}, args...)...)
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

	out, code := run("--json", write("front.jpg", artwork.Front))
	var got map[string]*string
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
		t.Fatalf("front: exit %d, %q (%v)", code, out, err)
	}
	for k, want := range map[string]string{"birth": "550217", "expiry_year": "2035", "security_code": "2285"} {
		if got[k] == nil || *got[k] != want {
			t.Errorf("front %s: %v, want %s", k, got[k], want)
		}
	}

	out, code = run("--json", write("back.png", artwork.Back))
	if code != 1 || strings.TrimSpace(out) != `{"birth":null,"expiry_year":null,"security_code":null}` {
		t.Fatalf("back: exit %d, %q", code, out)
	}
	for _, part := range []string{"1234", "5678", "9012", "1980"} {
		if strings.Contains(out, part) {
			t.Fatalf("the back's numbers are in the output: %q", out)
		}
	}

	junk := filepath.Join(dir, "junk.jpg")
	if err := os.WriteFile(junk, []byte("not an image"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.jpg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{junk, filepath.Join(dir, "missing.jpg"), fifo} {
		if _, code := run("--json", p); code != 2 {
			t.Errorf("%s: exit %d, want 2", filepath.Base(p), code)
		}
	}
}

package cardsim

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestShippedPersonasBuild(t *testing.T) {
	files, _ := filepath.Glob("personas/*.toml")
	if len(files) < 4 {
		t.Fatalf("only %d demo personas", len(files))
	}
	is, err := NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		p, err := LoadPersona(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Photos come from ../shared/testdata/faces where that exists
		// (never from the repository); then each named photo must be there.
		if p.Photo != "" && sharedFaces(p) {
			if _, err := os.Stat(p.PhotoPath()); err != nil {
				t.Errorf("%s: photo %s is not there: %v", f, p.PhotoPath(), err)
			}
		}
		c, err := is.Build(p)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// SELECT JPKI answers 9000 on a My Number card and 6A82 otherwise.
		r, _ := c.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01})
		want := "9000"
		if p.NotMyNumber {
			want = "6a82"
		}
		if got := hex.EncodeToString(r); got != want {
			t.Errorf("%s: SELECT JPKI answered %s, want %s", f, got, want)
		}
	}
}

// sharedFaces reports whether the shared face photos exist beside the
// repository, as they do on the development machines.
func sharedFaces(p *Persona) bool {
	path := p.PhotoPath()
	i := strings.Index(path, "testdata/faces/")
	if i < 0 {
		return true
	}
	_, err := os.Stat(path[:i+len("testdata/faces")])
	return err == nil
}

func TestPersonaValidation(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"no U+3000":      `id="x" name="山田太郎"`,
		"unknown key":    `id="x" nmae="y"`,
		"short PIN":      `id="x" name="山田　太郎" auth_pin="12" text_pin="1234" sex="1" birth="1980-01-01" card_expiry="2030-01-01" security_code="1234" cert_not_before="-1y" cert_not_after="+1y"`,
		"bad offset":     `id="x" name="山田　太郎" auth_pin="1234" text_pin="1234" sex="1" birth="1980-01-01" card_expiry="2030-01-01" security_code="1234" cert_not_before="-1w" cert_not_after="+1y"`,
		"bad code":       `id="x" name="山田　太郎" auth_pin="1234" text_pin="1234" sex="1" birth="1980-01-01" card_expiry="2030-01-01" security_code="12" cert_not_before="-1y" cert_not_after="+1y"`,
		"tries too many": `id="x" name="山田　太郎" auth_pin="1234" auth_pin_tries=4 text_pin="1234" sex="1" birth="1980-01-01" card_expiry="2030-01-01" security_code="1234" cert_not_before="-1y" cert_not_after="+1y"`,
	} {
		p := filepath.Join(dir, "p.toml")
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(body, "\" ", "\"\n")), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadPersona(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestWhen(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"+5y":        now.AddDate(5, 0, 0),
		"-3m":        now.AddDate(0, -3, 0),
		"+40d":       now.AddDate(0, 0, 40),
		"2030-01-02": time.Date(2030, 1, 2, 0, 0, 0, 0, time.FixedZone("JST", 9*3600)),
	} {
		got, err := when(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("when(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "+5", "+5w", "soon"} {
		if _, err := when(bad, now); err == nil {
			t.Errorf("when(%q) accepted", bad)
		}
	}
}

func TestPlaceholderPhotoIsJP2(t *testing.T) {
	p := TestPersona()
	b, err := p.photoJP2()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 500 || string(b[4:8]) != "jP  " {
		t.Fatalf("placeholder photo: %d bytes, % X", len(b), b[:12])
	}
}

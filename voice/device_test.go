package voice

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPlaybackDevices(t *testing.T) {
	list := `00-00: ALC887-VD Analog : ALC887-VD Analog : playback 1 : capture 1
00-02: ALC887-VD Alt Analog : ALC887-VD Alt Analog : capture 1
01-03: HDMI 0 : HDMI 0 : playback 1
garbage
`
	got, err := parsePCM(strings.NewReader(list))
	if want := []string{"00-00 ALC887-VD Analog", "01-03 HDMI 0"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if got, err := Playback(filepath.Join(t.TempDir(), "none")); err != nil || got != nil {
		t.Errorf("no ALSA: %q, %v", got, err)
	}
}

func FuzzParsePCM(f *testing.F) {
	f.Add("00-00: a : b : playback 1 : capture 1\n")
	f.Add("::::\n:\n")
	f.Fuzz(func(t *testing.T, s string) {
		got, _ := parsePCM(strings.NewReader(s))
		if len(got) > strings.Count(s, "playback") {
			t.Fatalf("%d devices from %d mentions", len(got), strings.Count(s, "playback"))
		}
	})
}

package voice

import (
	"bufio"
	"io"
	"os"
	"strings"
)

// ProcPCM is where the kernel lists ALSA's PCM devices.
const ProcPCM = "/proc/asound/pcm"

// Playback lists the sound devices that can play, from the kernel's
// ALSA list (ProcPCM): "00-00: ALC887 Analog : ALC887 Analog : playback 1
// : capture 1" gives "00-00 ALC887 Analog". A machine without ALSA has no
// such file: no devices, no error.
func Playback(path string) ([]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parsePCM(f)
}

func parsePCM(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 {
			continue
		}
		for _, f := range fields[2:] {
			if strings.HasPrefix(strings.TrimSpace(f), "playback") {
				out = append(out, strings.TrimSpace(fields[0])+" "+strings.TrimSpace(fields[1]))
				break
			}
		}
	}
	return out, sc.Err()
}

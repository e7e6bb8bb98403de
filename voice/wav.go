package voice

import (
	"encoding/binary"
	"errors"
	"math"
)

// unknownSize is the data length a WAV streamed to a pipe carries when
// its length is not known yet (as espeak-ng writes it): players read to
// the end of the stream.
const unknownSize = 0x7fffffff

// pcm is a parsed PCM WAV file: its format chunk and its samples.
type pcm struct {
	format []byte // the fmt chunk's body
	data   []byte
}

// parseWAV splits a PCM WAV file into its format and samples. A data
// length of 0 or unknownSize means the rest of the file.
func parseWAV(wav []byte) (pcm, error) {
	if len(wav) < 44 || string(wav[:4]) != "RIFF" || string(wav[8:12]) != "WAVE" {
		return pcm{}, errors.New("not a WAV file")
	}
	var p pcm
	for i := 12; i+8 <= len(wav); {
		id, size := string(wav[i:i+4]), binary.LittleEndian.Uint32(wav[i+4:i+8])
		body := i + 8
		switch id {
		case "fmt ":
			if size < 16 || uint64(body)+uint64(size) > uint64(len(wav)) {
				return pcm{}, errors.New("WAV fmt chunk cut off")
			}
			p.format = wav[body : body+int(size)]
			if binary.LittleEndian.Uint16(p.format[0:2]) != 1 || p.bytesPerSec() == 0 || p.blockAlign() == 0 {
				return pcm{}, errors.New("WAV not plain PCM")
			}
		case "data":
			if p.format == nil {
				return pcm{}, errors.New("WAV data before its format")
			}
			n := len(wav) - body
			if size != 0 && size != unknownSize && uint64(size) <= uint64(n) {
				n = int(size)
			}
			p.data = wav[body : body+n]
			return p, nil
		}
		if uint64(size) > uint64(len(wav)) {
			break
		}
		i = body + int(size) + int(size&1)
	}
	return pcm{}, errors.New("WAV without data")
}

func (p pcm) bytesPerSec() uint32   { return binary.LittleEndian.Uint32(p.format[8:12]) }
func (p pcm) blockAlign() int       { return int(binary.LittleEndian.Uint16(p.format[12:14])) }
func (p pcm) bitsPerSample() int    { return int(binary.LittleEndian.Uint16(p.format[14:16])) }
func (p pcm) seconds() float64      { return float64(len(p.data)) / float64(p.bytesPerSec()) }
func (p pcm) sameFormat(q pcm) bool { return string(p.format) == string(q.format) }

// header is a WAV header for dataLen bytes of p's format (unknownSize
// when the samples are streamed).
func (p pcm) header(dataLen uint32) []byte {
	riff := uint32(unknownSize)
	if dataLen != unknownSize {
		riff = 4 + 8 + uint32(len(p.format)) + 8 + dataLen
	}
	h := make([]byte, 0, 28+len(p.format))
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, riff)
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(p.format)))
	h = append(h, p.format...)
	h = append(h, "data"...)
	return binary.LittleEndian.AppendUint32(h, dataLen)
}

// joinWAV makes one WAV file of parts of one format.
func joinWAV(parts []pcm) []byte {
	var n int
	for _, p := range parts {
		n += len(p.data)
	}
	out := parts[0].header(uint32(n))
	for _, p := range parts {
		out = append(out, p.data...)
	}
	return out
}

// scaled returns wav with its 16-bit samples at percent of their level
// (other sample sizes unchanged).
func scaled(wav []byte, percent int) []byte {
	p, err := parseWAV(wav)
	if err != nil || percent <= 0 || percent >= 100 || p.bitsPerSample() != 16 {
		return wav
	}
	out := joinWAV([]pcm{p})
	data := out[len(out)-len(p.data):]
	for i := 0; i+1 < len(data); i += 2 {
		v := int32(int16(binary.LittleEndian.Uint16(data[i:]))) * int32(percent) / 100
		binary.LittleEndian.PutUint16(data[i:], uint16(int16(v)))
	}
	return out
}

// Level is the RMS amplitude (0–1) of a 16-bit PCM WAV file, as sox's
// "RMS amplitude" reports it.
func Level(wav []byte) (float64, error) {
	p, err := parseWAV(wav)
	if err != nil {
		return 0, err
	}
	if p.bitsPerSample() != 16 {
		return 0, errors.New("WAV not 16-bit")
	}
	var sum float64
	n := len(p.data) / 2
	if n == 0 {
		return 0, nil
	}
	for i := 0; i < n; i++ {
		v := float64(int16(binary.LittleEndian.Uint16(p.data[2*i:]))) / 32768
		sum += v * v
	}
	return math.Sqrt(sum / float64(n)), nil
}

package main

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// collection builds a two-face collection whose faces share one table.
func collection() []byte {
	be := binary.BigEndian
	var b bytes.Buffer
	w32 := func(v uint32) { binary.Write(&b, be, v) }
	w16 := func(v uint16) { binary.Write(&b, be, v) }
	b.WriteString("ttcf")
	w32(0x00010000)
	w32(2)
	w32(20) // face 0 directory
	w32(48) // face 1 directory
	for face := range 2 {
		w32(0x4F54544F) // OTTO
		w16(1)
		w16(16)
		w16(0)
		w16(0)
		w32(binary.BigEndian.Uint32([]byte("name")))
		w32(7)
		w32(76 + uint32(face)*4) // each face its own 4-byte table
		w32(3)
	}
	b.WriteString("ab\x00\x00xy\x00\x00")
	return b.Bytes()
}

func TestExtractCopiesTheFacesTables(t *testing.T) {
	for face, want := range []string{"ab\x00", "xy\x00"} {
		out, err := Extract(collection(), face)
		if err != nil {
			t.Fatal(err)
		}
		if string(out[:4]) != "OTTO" {
			t.Fatalf("face %d: sfnt version %q", face, out[:4])
		}
		off := binary.BigEndian.Uint32(out[12+8:])
		size := binary.BigEndian.Uint32(out[12+12:])
		if got := string(out[off : off+size]); got != want {
			t.Errorf("face %d: table %q, want %q", face, got, want)
		}
	}
}

func TestExtractRefusesBadInput(t *testing.T) {
	c := collection()
	for name, in := range map[string][]byte{"empty": nil, "not ttc": []byte("OTTOxxxxxxxxxxxx"), "truncated": c[:60]} {
		if _, err := Extract(in, 0); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Extract(c, 2); err == nil {
		t.Error("face 2 of 2: no error")
	}
}

func FuzzExtract(f *testing.F) {
	f.Add(collection(), 0)
	f.Fuzz(func(t *testing.T, in []byte, face int) {
		Extract(in, face) // must not panic
	})
}

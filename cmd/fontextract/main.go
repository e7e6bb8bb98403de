// Command fontextract writes one face of an OpenType collection (.ttc) as
// a standalone OpenType font. Fyne cannot load collections, and Debian's
// Noto Sans CJK ships only as one; the set-up extracts "Noto Sans CJK JP"
// (face 0) for the kiosk to embed.
//
//	fontextract -face 0 NotoSansCJK-Regular.ttc out.otf
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/uketsuke/uketsuke/internal/atomicfile"
)

func main() {
	face := flag.Int("face", 0, "index of the face in the collection")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: fontextract [-face N] COLLECTION.ttc OUT.otf")
		os.Exit(2)
	}
	in, err := os.ReadFile(flag.Arg(0))
	if err == nil {
		var out []byte
		if out, err = Extract(in, *face); err == nil {
			err = atomicfile.WriteFile(flag.Arg(1), out, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fontextract:", err)
		os.Exit(1)
	}
}

type table struct {
	tag, sum     uint32
	offset, size uint32
}

var errShort = errors.New("file too short")

// Extract returns face index of the collection ttc as an OpenType file:
// the face's table directory with the tables it points to copied after
// it, each 4-byte aligned.
func Extract(ttc []byte, index int) ([]byte, error) {
	be := binary.BigEndian
	if len(ttc) < 12 || string(ttc[:4]) != "ttcf" {
		return nil, errors.New("not an OpenType collection")
	}
	n := int(be.Uint32(ttc[8:]))
	if index < 0 || index >= n || len(ttc) < 12+4*n {
		return nil, fmt.Errorf("face %d: the collection has %d", index, n)
	}
	off := int(be.Uint32(ttc[12+4*index:]))
	if off+12 > len(ttc) {
		return nil, errShort
	}
	numTables := int(be.Uint16(ttc[off+4:]))
	dir := off + 12
	if dir+16*numTables > len(ttc) {
		return nil, errShort
	}
	tables := make([]table, numTables)
	for i := range tables {
		r := ttc[dir+16*i:]
		t := table{be.Uint32(r), be.Uint32(r[4:]), be.Uint32(r[8:]), be.Uint32(r[12:])}
		if uint64(t.offset)+uint64(t.size) > uint64(len(ttc)) {
			return nil, fmt.Errorf("table %d: %w", i, errShort)
		}
		tables[i] = t
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].tag < tables[j].tag })
	head := 12 + 16*numTables
	out := make([]byte, head, len(ttc))
	copy(out, ttc[off:off+12]) // sfnt version and the search fields
	for i, t := range tables {
		at := len(out)
		out = append(out, ttc[t.offset:t.offset+t.size]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		r := out[12+16*i:]
		be.PutUint32(r, t.tag)
		be.PutUint32(r[4:], t.sum)
		be.PutUint32(r[8:], uint32(at))
		be.PutUint32(r[12:], t.size)
	}
	return out, nil
}

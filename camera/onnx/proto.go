package onnx

import (
	"encoding/binary"
	"math"
)

// pb is a minimal protobuf writer: just the wire types ONNX needs
// (varint, length-delimited, packed repeated), so that the converter has
// no dependency beyond the standard library.
type pb struct{ b []byte }

func (p *pb) tag(field, wire int) { p.varint(uint64(field<<3 | wire)) }

func (p *pb) varint(v uint64) { p.b = binary.AppendUvarint(p.b, v) }

// int writes an int64 field (wire type 0). Zero values are written too:
// ONNX readers accept them and it keeps the writer simple.
func (p *pb) int(field int, v int64) {
	p.tag(field, 0)
	p.varint(uint64(v))
}

func (p *pb) bytes(field int, b []byte) {
	p.tag(field, 2)
	p.varint(uint64(len(b)))
	p.b = append(p.b, b...)
}

func (p *pb) str(field int, s string) { p.bytes(field, []byte(s)) }

func (p *pb) msg(field int, m *pb) { p.bytes(field, m.b) }

// ints writes a packed repeated int64 field.
func (p *pb) ints(field int, vs []int64) {
	var q pb
	for _, v := range vs {
		q.varint(uint64(v))
	}
	p.bytes(field, q.b)
}

func (p *pb) float(field int, f float32) {
	p.tag(field, 5)
	p.b = binary.LittleEndian.AppendUint32(p.b, math.Float32bits(f))
}

// Package onnx writes ONNX models (IR 7, opset 11) from a graph of nodes
// and float initializers, with no dependency beyond the standard
// library: the face recogniser's converter uses it, and tests build
// small models with it.
package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
)

// ONNX field numbers (onnx/onnx.proto, IR version 7).
const (
	modelIRVersion = 1
	modelProducer  = 2
	modelGraph     = 7
	modelOpset     = 8
	opsetVersion   = 2

	graphNode        = 1
	graphName        = 2
	graphInitializer = 5
	graphInput       = 11
	graphOutput      = 12

	nodeInput     = 1
	nodeOutput    = 2
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5

	attrName  = 1
	attrF     = 2
	attrI     = 3
	attrInts  = 8
	attrType  = 20
	attrTypeF = 1
	attrTypeI = 2
	attrTypeN = 7 // INTS

	tensorDims     = 1
	tensorDataType = 2
	tensorName     = 8
	tensorRaw      = 9
	dtFloat        = 1
	dtInt64        = 7

	valueName      = 1
	valueType      = 2
	typeTensor     = 1
	tensorElemType = 1
	tensorShape    = 2
	shapeDim       = 1
	dimValue       = 1
)

// Graph collects nodes and initializers and writes the ONNX model.
type Graph struct {
	Name     string // the graph's name
	Producer string // the model's producer
	nodes    []*pb
	inits    []*pb
	n        int
}

// Attr is one node attribute: an int, a float or a list of ints.
type Attr struct {
	name string
	i    *int64
	f    *float32
	ints []int64
}

// Ints is an attribute that is a list of ints.
func Ints(name string, v ...int64) Attr { return Attr{name: name, ints: v} }

// Int is an int attribute.
func Int(name string, v int64) Attr { return Attr{name: name, i: &v} }

// Float is a float attribute.
func Float(name string, v float32) Attr { return Attr{name: name, f: &v} }

// Node adds a node of operator op on the named inputs and returns the
// name of its output.
func (g *Graph) Node(op string, inputs []string, attrs ...Attr) string {
	g.n++
	out := fmt.Sprintf("%s_%d", op, g.n)
	var n pb
	for _, in := range inputs {
		n.str(nodeInput, in)
	}
	n.str(nodeOutput, out)
	n.str(nodeName, out)
	n.str(nodeOpType, op)
	for _, a := range attrs {
		var m pb
		m.str(attrName, a.name)
		switch {
		case a.i != nil:
			m.int(attrI, *a.i)
			m.int(attrType, attrTypeI)
		case a.f != nil:
			m.float(attrF, *a.f)
			m.int(attrType, attrTypeF)
		default:
			m.ints(attrInts, a.ints)
			m.int(attrType, attrTypeN)
		}
		n.msg(nodeAttribute, &m)
	}
	g.nodes = append(g.nodes, &n)
	return out
}

// Floats adds a float32 initializer and returns its name.
func (g *Graph) Floats(name string, dims []int64, data []float32) string {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	g.tensor(name, dims, dtFloat, raw)
	return name
}

// Int64s adds a one-dimensional int64 initializer and returns its name.
func (g *Graph) Int64s(name string, data []int64) string {
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	g.tensor(name, []int64{int64(len(data))}, dtInt64, raw)
	return name
}

func (g *Graph) tensor(name string, dims []int64, dt int64, raw []byte) {
	var t pb
	t.ints(tensorDims, dims)
	t.int(tensorDataType, dt)
	t.str(tensorName, name)
	t.bytes(tensorRaw, raw)
	g.inits = append(g.inits, &t)
}

func valueInfo(name string, dims ...int64) *pb {
	var shape pb
	for _, d := range dims {
		var dim pb
		dim.int(dimValue, d)
		shape.msg(shapeDim, &dim)
	}
	var tt pb
	tt.int(tensorElemType, dtFloat)
	tt.msg(tensorShape, &shape)
	var typ pb
	typ.msg(typeTensor, &tt)
	var v pb
	v.str(valueName, name)
	v.msg(valueType, &typ)
	return &v
}

// Model writes the ONNX ModelProto (IR 7, opset 11) with one float input
// and one float output of the dimensions given.
func (g *Graph) Model(input string, inDims []int64, output string, outDims []int64) []byte {
	var gr pb
	for _, n := range g.nodes {
		gr.msg(graphNode, n)
	}
	gr.str(graphName, g.Name)
	for _, t := range g.inits {
		gr.msg(graphInitializer, t)
	}
	gr.msg(graphInput, valueInfo(input, inDims...))
	gr.msg(graphOutput, valueInfo(output, outDims...))
	var m pb
	m.int(modelIRVersion, 7)
	m.str(modelProducer, g.Producer)
	m.msg(modelGraph, &gr)
	var op pb
	op.int(opsetVersion, 11)
	m.msg(modelOpset, &op)
	return m.b
}

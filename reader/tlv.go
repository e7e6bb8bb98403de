package reader

import "fmt"

// tlv is one BER-TLV object (ISO 7816-4 §5.2; the My Number card uses
// two-byte private tags such as FF20 and DF21–DF2A).
type tlv struct {
	tag   uint32
	value []byte
	raw   []byte // the whole object as written: header and value
}

// errTLV is malformed TLV data; it is corrupt card data to callers.
var errTLV = fmt.Errorf("malformed BER-TLV: %w", ErrCorrupt)

// parseHeader reads a BER-TLV header: the tag, the header length (tag and
// length bytes) and the value length. Tags up to 3 bytes and lengths up to
// 3 bytes (81, 82, 83 forms) are accepted; indefinite lengths are not.
func parseHeader(b []byte) (tag uint32, hdr, n int, err error) {
	if len(b) < 2 {
		return 0, 0, 0, fmt.Errorf("%w: %d bytes", errTLV, len(b))
	}
	i := 0
	tag = uint32(b[i])
	i++
	if b[0]&0x1F == 0x1F {
		for {
			if i >= len(b) || i > 3 {
				return 0, 0, 0, fmt.Errorf("%w: tag too long", errTLV)
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, 0, 0, fmt.Errorf("%w: no length", errTLV)
	}
	l := int(b[i])
	i++
	switch {
	case l < 0x80:
		n = l
	case l >= 0x81 && l <= 0x83:
		k := l - 0x80
		if i+k > len(b) {
			return 0, 0, 0, fmt.Errorf("%w: length bytes cut off", errTLV)
		}
		for _, c := range b[i : i+k] {
			n = n<<8 | int(c)
		}
		i += k
	default:
		return 0, 0, 0, fmt.Errorf("%w: length form %02X", errTLV, l)
	}
	return tag, i, n, nil
}

// parseTLVs splits b into consecutive TLV objects. Trailing 00 or FF filler
// bytes (unused file space) end the list.
func parseTLVs(b []byte) ([]tlv, error) {
	var out []tlv
	for len(b) > 0 {
		if b[0] == 0x00 || b[0] == 0xFF && (len(b) == 1 || b[1] == 0xFF) {
			break
		}
		tag, hdr, n, err := parseHeader(b)
		if err != nil {
			return nil, err
		}
		if hdr+n > len(b) {
			return nil, fmt.Errorf("%w: tag %X wants %d bytes, %d left", errTLV, tag, n, len(b)-hdr)
		}
		out = append(out, tlv{tag: tag, value: b[hdr : hdr+n], raw: b[:hdr+n]})
		b = b[hdr+n:]
	}
	return out, nil
}

// parseTemplate reads a constructed object with the given tag (e.g. FF20)
// and returns its children's values by tag.
func parseTemplate(b []byte, want uint32) (map[uint32][]byte, error) {
	objs, err := templateObjects(b, want)
	if err != nil {
		return nil, err
	}
	out := make(map[uint32][]byte, len(objs))
	for tag, o := range objs {
		out[tag] = o.value
	}
	return out, nil
}

// templateObjects reads a constructed object with the given tag and returns
// its children by tag. A duplicate child is corrupt data.
func templateObjects(b []byte, want uint32) (map[uint32]tlv, error) {
	tag, hdr, n, err := parseHeader(b)
	if err != nil {
		return nil, err
	}
	if tag != want {
		return nil, fmt.Errorf("%w: template tag %X, want %X", errTLV, tag, want)
	}
	if hdr+n > len(b) {
		return nil, fmt.Errorf("%w: template of %d bytes in %d", errTLV, n, len(b)-hdr)
	}
	children, err := parseTLVs(b[hdr : hdr+n])
	if err != nil {
		return nil, err
	}
	out := make(map[uint32]tlv, len(children))
	for _, c := range children {
		if _, dup := out[c.tag]; dup {
			return nil, fmt.Errorf("%w: tag %X twice", errTLV, c.tag)
		}
		out[c.tag] = c
	}
	return out, nil
}

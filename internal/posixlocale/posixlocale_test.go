package posixlocale

import "testing"

func TestIsPOSIX(t *testing.T) {
	for loc, want := range map[string]bool{"C.UTF-8": true, "C.utf8": true, "POSIX.UTF-8": true, "C@x": true,
		"C": false, "POSIX": false, "ja_JP.UTF-8": false, "": false, "CC.UTF-8": false} {
		if IsPOSIX(loc) != want {
			t.Errorf("IsPOSIX(%q) = %v", loc, !want)
		}
	}
}

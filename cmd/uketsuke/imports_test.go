package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryKeepsWiringOnly: the production binary's own package imports
// neither the test helpers nor OpenCV (the camera package owns that).
func TestBinaryKeepsWiringOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	deps, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "github.com/uketsuke/uketsuke/camera/cv" {
			t.Errorf("cmd/uketsuke imports %s directly", p)
		}
	}
	for _, p := range strings.Fields(string(deps)) {
		if strings.HasSuffix(p, "/readertest") || strings.HasSuffix(p, "/printertest") {
			t.Errorf("the binary links the test helper %s", p)
		}
	}
}

package kiosk

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoForbiddenImports keeps the core pure: no cgo anywhere in its
// dependencies, and none of the UI, card, camera, database or network
// packages. It asks the go command, so it sees what the build sees.
func TestNoForbiddenImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}}",
		"github.com/uketsuke/uketsuke/kiosk/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{
		"runtime/cgo", "fyne.io/", "github.com/ebfe/scard", "github.com/mattn/go-sqlite3",
		"database/sql", "net/http", "os/exec", "github.com/uketsuke/uketsuke/app",
		"github.com/uketsuke/uketsuke/reader", "github.com/uketsuke/uketsuke/camera",
		"github.com/uketsuke/uketsuke/storage",
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list printed too little to be real: %q", out)
	}
	for _, line := range lines {
		pkg, cgoFiles, _ := strings.Cut(line, " ")
		if cgoFiles != "0" {
			t.Errorf("%s has cgo files (%s)", pkg, cgoFiles)
		}
		for _, f := range forbidden {
			if pkg == strings.TrimSuffix(f, "/") || strings.HasPrefix(pkg, f) {
				t.Errorf("kiosk depends on %s", pkg)
			}
		}
	}
}

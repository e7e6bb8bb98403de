package tess

import (
	"os"
	"syscall"
)

// LimitThreads restarts the process once with OMP_THREAD_LIMIT=1 unless
// it is set, for commands that run Tesseract: its recogniser runs four
// OpenMP threads per line whatever it is told at run time (a num_threads
// clause), and with one engine per core those threads spin against each
// other and a line takes three times as long. libgomp reads the limit
// only when the process starts, hence the restart; call it first thing in
// main, before any work. A value the operator set is kept; the kiosk's
// unit sets it, so the kiosk starts once.
func LimitThreads() {
	if _, set := os.LookupEnv("OMP_THREAD_LIMIT"); set {
		return
	}
	env := append(os.Environ(), "OMP_THREAD_LIMIT=1")
	// Exec only returns on failure; then the process goes on, slower.
	_ = syscall.Exec("/proc/self/exe", os.Args, env)
}

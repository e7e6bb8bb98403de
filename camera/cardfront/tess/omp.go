package tess

import (
	"os"
	"syscall"
)

// Tesseract's recogniser runs four OpenMP threads per line whatever it is
// told at run time (a num_threads clause). With one engine per core, those
// threads spin against each other and a line takes three times as long.
// libgomp reads OMP_THREAD_LIMIT only when the process starts, so a
// process that links Tesseract without it set restarts itself once, at
// once, with OMP_THREAD_LIMIT=1; the engines then run in parallel
// instead. A value the operator set is kept.
func init() {
	if _, set := os.LookupEnv("OMP_THREAD_LIMIT"); set {
		return
	}
	env := append(os.Environ(), "OMP_THREAD_LIMIT=1")
	// Exec only returns on failure; then the process goes on, slower.
	_ = syscall.Exec("/proc/self/exe", os.Args, env)
}

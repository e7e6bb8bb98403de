package main

import (
	"context"
	"flag"
	"fmt"
)

func newRunCommand() *command {
	return &command{
		name:    "run",
		args:    "",
		summary: "run the kiosk (default command)",
		run:     runKiosk,
	}
}

// runKiosk starts the kiosk. This build has no screen yet: the full-screen
// UI arrives with the UI work, and until then the kiosk runs headless in
// demo mode, serving simulated patients through the reception core.
func runKiosk(ctx context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return usageError{"run takes no arguments"}
	}
	fmt.Fprintln(g.stderr, "uketsuke run: this build has no kiosk screen yet; running the headless demo (uketsuke simulate).")
	return simulate(ctx, g, simulateOptions{patients: 20, seed: 1})
}
